"""The directory mirror (Entra users as the last sync saw them) and the sync's small state.

Both sources store the directory here in the same way: Graph's `users/delta` (a full read,
then changes) and an export folder's users export (always a full read). Only what differs is
written, so a daily sync of an unchanged 100,000-person directory writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.bulk import insert_many
from store.tables import DirectoryEntry, GraphSyncState

DELTA_LINK_KEY = "users_delta_link"
_CHUNK = 500


# (id, upn, display name, department, enabled, licence mask, SKU part numbers): any tuple of
# these, such as graph.directory.DirectoryUser, is taken as it is.
DirectoryFields = tuple[str, str, str | None, str | None, bool, int, str]


class DirectoryRow(NamedTuple):
    """One mirrored user: ids and UPNs lower-case, `licensed` a workload mask, `skus` the
    assigned SKU part numbers, sorted and space-separated (graph.licences.join_skus)."""

    id: str
    upn: str
    display_name: str | None
    department: str | None
    enabled: bool
    licensed: int
    skus: str = ""


@dataclass(frozen=True, slots=True)
class MirrorChange:
    """The mirror after a directory read, and the ids that left it (removed from Entra, or
    missing from a full read)."""

    users: list[DirectoryRow]
    removed: list[str]
    written: int


async def get_state(session: AsyncSession, key: str) -> str | None:
    """A stored sync state value (e.g. the users delta link)."""
    return await session.scalar(select(GraphSyncState.value).where(GraphSyncState.key == key))


async def set_state(session: AsyncSession, key: str, value: str | None) -> None:
    """Store (or clear, with None) a sync state value."""
    await session.execute(delete(GraphSyncState).where(GraphSyncState.key == key))
    if value is not None:
        await session.execute(insert(GraphSyncState).values(key=key, value=value))


async def mirror(session: AsyncSession) -> dict[str, DirectoryRow]:
    """The whole mirror by id."""
    rows = await session.execute(
        select(
            DirectoryEntry.id,
            DirectoryEntry.upn,
            DirectoryEntry.display_name,
            DirectoryEntry.department,
            DirectoryEntry.enabled,
            DirectoryEntry.licensed,
            DirectoryEntry.skus,
        )
    )
    return {row[0]: DirectoryRow(*row) for row in rows}


async def apply_directory(
    session: AsyncSession,
    *,
    full: bool,
    users: Iterable[DirectoryFields],
    removed: Iterable[str] = (),
) -> MirrorChange:
    """Apply a directory read to the mirror, writing only rows that differ.

    A full read is the whole directory: whoever the mirror holds and the read does not has
    left. A delta read lists changed users and `removed` ids."""
    before = await mirror(session)
    # Tuples compare by content, so a DirectoryUser equals the DirectoryRow it was stored as.
    given = {user[0]: user for user in users}
    if full:
        gone = [uid for uid in before if uid not in given]
    else:
        gone = sorted({uid for uid in removed if uid in before and uid not in given})
    fresh = [DirectoryRow._make(u) for uid, u in given.items() if uid not in before]
    changed = [
        DirectoryRow._make(u) for uid, u in given.items() if uid in before and before[uid] != u
    ]
    for start in range(0, len(gone), _CHUNK):
        chunk = gone[start : start + _CHUNK]
        await session.execute(delete(DirectoryEntry).where(DirectoryEntry.id.in_(chunk)))
    if fresh:
        table = cast(Table, DirectoryEntry.__table__)
        await insert_many(await session.connection(), table, DirectoryRow._fields, fresh)
    if changed:
        # ORM bulk UPDATE by primary key: one executemany.
        await session.execute(update(DirectoryEntry), [user._asdict() for user in changed])
    after = dict(before)
    for uid in gone:
        del after[uid]
    after.update((user.id, user) for user in (*fresh, *changed))
    return MirrorChange(list(after.values()), gone, len(gone) + len(fresh) + len(changed))
