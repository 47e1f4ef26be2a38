"""The evidence snapshots carry (adoption.history): reading the latest earlier one, and
keeping later snapshots right when an earlier date is revised or added.

A sync reads the evidence of one earlier snapshot, not every snapshot of the 28 days. When a
report date is replaced (Microsoft revised it) or an earlier date arrives late, the snapshots
after it that its evidence can reach are marked stale; the sync then derives them again from
their stored rows, oldest first (uptake.sync).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.history import REACH, PersonHistory, decode_days, encode_days
from adoption.signals import WORKLOADS, PersonUsage
from store.tables import UsagePerson, UsageSnapshot
from store.usage import HISTORY_CLIENT_COLUMNS

_CHUNK = 10_000
_CLIENT_COLUMNS = [getattr(UsagePerson, name) for name in HISTORY_CLIENT_COLUMNS]
_LAST_COLUMNS = [getattr(UsagePerson, f"{w.value}_last") for w in WORKLOADS]


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    id: int
    report_date: date
    concealed: bool


@dataclass(frozen=True, slots=True)
class Previous:
    """The latest earlier snapshot's evidence by person key."""

    report_date: date
    histories: dict[str, PersonHistory]

    def gap(self, as_of: date) -> int:
        return (as_of - self.report_date).days


async def previous_histories(session: AsyncSession, as_of: date) -> Previous | None:
    """The evidence of the latest snapshot before `as_of` that has people (a concealed one
    has none: evidence from before it carries over it)."""
    found = (
        await session.execute(
            select(UsageSnapshot.id, UsageSnapshot.report_date)
            .where(
                UsageSnapshot.report_date < as_of,
                UsageSnapshot.concealed_reason.is_(None),
                # Folded by retention: no people left to carry evidence from.
                UsageSnapshot.people_folded_on.is_(None),
            )
            .order_by(UsageSnapshot.report_date.desc())
            .limit(1)
        )
    ).first()
    if found is None:
        return None
    rows = await session.execute(
        select(UsagePerson.person_key, UsagePerson.evidence, *_CLIENT_COLUMNS).where(
            UsagePerson.snapshot_id == found.id
        )
    )
    histories = {
        key: PersonHistory(decode_days(evidence), tuple(clients))
        for key, evidence, *clients in rows
    }
    return Previous(found.report_date, histories)


async def _partitions(session: AsyncSession, query: Select[Any]) -> AsyncIterator[Sequence[Any]]:
    """The rows of `query` in chunks: 100,000 rows of 20 columns at once would sit in memory
    twice, as driver rows and as what they become (streaming costs some time: the daily
    path reads its 4 columns at once)."""
    result = await session.stream(query.execution_options(yield_per=_CHUNK))
    async for rows in result.partitions():
        yield rows


async def snapshot_people(
    session: AsyncSession, snapshot_id: int
) -> tuple[list[PersonUsage], list[PersonHistory]]:
    """A stored snapshot's people as folded, with the evidence stored with them."""
    query = (
        select(
            UsagePerson.person_key,
            UsagePerson.department,
            UsagePerson.wave,
            UsagePerson.enabled,
            UsagePerson.licensed,
            UsagePerson.provisioned,
            UsagePerson.signals,
            *_LAST_COLUMNS,
            UsagePerson.evidence,
            *_CLIENT_COLUMNS,
        )
        .where(UsagePerson.snapshot_id == snapshot_id)
        .order_by(UsagePerson.person_key)
    )
    people: list[PersonUsage] = []
    histories: list[PersonHistory] = []
    lasts = len(_LAST_COLUMNS)
    async for rows in _partitions(session, query):
        for key, department, wave, enabled, licensed, provisioned, signals, *rest in rows:
            people.append(
                PersonUsage(
                    key, department, wave, enabled, licensed, provisioned, signals, rest[:lasts]
                )
            )
            histories.append(PersonHistory(decode_days(rest[lasts]), tuple(rest[lasts + 1 :])))
    return people, histories


async def mark_later_stale(session: AsyncSession, report_date: date) -> int:
    """Mark the snapshots after `report_date` that its evidence can reach; returns how many."""
    result = await session.execute(
        update(UsageSnapshot)
        .where(
            UsageSnapshot.report_date > report_date,
            UsageSnapshot.report_date < report_date + timedelta(days=REACH),
            # Concealed snapshots hold tenant counts only: no evidence to derive; folded
            # ones no people to derive it from (their funnels are kept as they are).
            UsageSnapshot.concealed_reason.is_(None),
            UsageSnapshot.people_folded_on.is_(None),
        )
        .values(stale=True)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def stale_snapshots(
    session: AsyncSession, before: date | None = None
) -> list[StoredSnapshot]:
    """Stale snapshots (before `before`, when given), oldest first."""
    query = select(
        UsageSnapshot.id, UsageSnapshot.report_date, UsageSnapshot.concealed_reason
    ).where(UsageSnapshot.stale.is_(True), UsageSnapshot.people_folded_on.is_(None))
    if before is not None:
        query = query.where(UsageSnapshot.report_date < before)
    rows = await session.execute(query.order_by(UsageSnapshot.report_date))
    return [StoredSnapshot(i, d, reason is not None) for i, d, reason in rows]


async def store_histories(
    session: AsyncSession,
    snapshot_id: int,
    changed: Sequence[tuple[str, PersonHistory]],
) -> None:
    """Write re-derived evidence for the people whose evidence changed."""
    for start in range(0, len(changed), _CHUNK):
        rows: list[dict[str, Any]] = []
        for key, history in changed[start : start + _CHUNK]:
            row = {"snapshot_id": snapshot_id, "person_key": key}
            row["evidence"] = encode_days(history.days)
            row.update(zip(HISTORY_CLIENT_COLUMNS, history.clients, strict=True))
            rows.append(row)
        # ORM bulk UPDATE by primary key: one executemany per chunk.
        await session.execute(update(UsagePerson), rows)


async def clear_stale(session: AsyncSession, snapshot_id: int) -> None:
    await session.execute(
        update(UsageSnapshot).where(UsageSnapshot.id == snapshot_id).values(stale=False)
    )
