"""People and their conversation references."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple, cast

from sqlalchemy import Integer, Select, Table, and_, case, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.audience import Audience
from adoption.waves import WaveRules
from store.bulk import insert_many
from store.directory import DirectoryRow
from store.tables import CampaignMember, DirectoryEntry, Person, WaveRule

_Ts = TypeVarTuple("_Ts")


@dataclass(frozen=True)
class Installation:
    """What an install activity tells us about a person."""

    person_id: str
    tenant_id: str | None
    display_name: str | None
    locale: str | None
    conversation: dict[str, Any]
    # The IANA zone the Teams client reported, when it did (activity.localTimezone).
    time_zone: str | None = None


async def record_installation(
    session: AsyncSession, install: Installation, now: datetime
) -> str | None:
    """Create or refresh the person and make them reachable again; returns their language.

    One INSERT ... ON CONFLICT DO UPDATE (SQLite and PostgreSQL): Teams sends two activities
    for one install, and when both are handled at once for a newcomer, two plain INSERTs
    would collide on the primary key. A newcomer the directory knows (a sync ran before the
    install) gets their department and wave from it; a known person keeps theirs.
    """
    department, wave = await _placement(session, install.person_id)
    statement = _upsert(session).values(
        id=install.person_id,
        tenant_id=install.tenant_id,
        display_name=install.display_name,
        locale=install.locale,
        time_zone=install.time_zone,
        conversation=install.conversation,
        installed_at=now,
        department=department,
        wave=wave,
    )
    new = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[Person.id],
        set_={
            "tenant_id": func.coalesce(new.tenant_id, Person.tenant_id),
            "display_name": func.coalesce(new.display_name, Person.display_name),
            "locale": func.coalesce(new.locale, Person.locale),
            "time_zone": func.coalesce(new.time_zone, Person.time_zone),
            "conversation": new.conversation,
            # A first install, or a return after removing the bot, starts a new install.
            "installed_at": case(
                (
                    or_(Person.installed_at.is_(None), Person.unreachable_since.is_not(None)),
                    new.installed_at,
                ),
                else_=Person.installed_at,
            ),
            "unreachable_since": None,
            "department": func.coalesce(Person.department, new.department),
            "wave": func.coalesce(Person.wave, new.wave),
        },
    )
    locale: str | None = await session.scalar(statement.returning(Person.locale))
    return locale


def _upsert(session: AsyncSession) -> Any:
    """The dialect's INSERT with ON CONFLICT (both dialects spell it the same way)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(Person)


async def _placement(session: AsyncSession, person_id: str) -> tuple[str | None, str | None]:
    """Department (from the stored directory) and wave (their own wave rule, else their
    department's) of a person the bot does not know yet: (None, None) when neither is known."""
    department = await session.scalar(
        select(DirectoryEntry.department).where(DirectoryEntry.id == person_id)
    )
    rules = (
        await session.execute(
            select(WaveRule.kind, WaveRule.wave).where(
                or_(
                    and_(WaveRule.kind == "person", WaveRule.subject == person_id),
                    and_(WaveRule.kind == "department", WaveRule.subject == department),
                )
            )
        )
    ).all()
    by_kind = dict(rules)
    return department, by_kind.get("person", by_kind.get("department"))


@dataclass(frozen=True, slots=True)
class PeopleChanges:
    """How many person rows a directory sync created, updated, and marked as left."""

    created: int
    updated: int
    left: int


async def apply_directory_people(
    session: AsyncSession,
    users: Iterable[DirectoryRow],
    removed: Iterable[str],
    waves: WaveRules,
    now: datetime,
) -> PeopleChanges:
    """Bring the person table in line with the directory, writing only what differs.

    - Someone the directory lists as an enabled account and the bot does not know yet gets a
      row without a conversation (they have not installed; the install fills it in).
    - A known person gets the directory's UPN, display name and department, and their wave
      from the wave rules (their own, else their department's; with no rules at all, waves
      stay as they are).
      Conversation, install, welcome and locale fields are never touched.
    - Leavers: a person the directory lists as disabled, or who left the directory
      (`removed`), gets `left_at`, which takes them out of every audience and out of the
      known departments; their row stays (ambassador lists, "my data", and the names that
      free-text answers are scrubbed of still need it). Listed as enabled again, they are
      back. A person the directory never listed (a guest, the local Playground user) is
      left alone.
    """
    rows = await session.execute(
        select(
            Person.id,
            Person.upn,
            Person.display_name,
            Person.department,
            Person.wave,
            Person.left_at,
        )
    )
    known: dict[str, tuple[Any, ...]] = {row[0]: tuple(row[1:]) for row in rows}
    fresh: list[tuple[str, str, str | None, str | None, str | None]] = []
    changed: list[dict[str, Any]] = []
    left = 0
    for user in users:
        current = known.get(user.id)
        if current is None:
            if user.enabled:
                wave = waves.wave_of(user.id, user.department)
                fresh.append((user.id, user.upn, user.display_name, user.department, wave))
            continue
        _, name, _, wave, left_at = current
        wanted = (
            user.upn,
            user.display_name or name,
            user.department,
            waves.wave_of(user.id, user.department) if waves else wave,
            None if user.enabled else left_at or now,
        )
        if wanted != current:
            left += wanted[4] is not None and left_at is None
            changed.append(dict(zip(_PERSON_FIELDS, (user.id, *wanted), strict=True)))
    for person_id in sorted(set(removed)):
        current = known.get(person_id)
        if current is not None and current[4] is None:
            left += 1
            changed.append({"id": person_id, "left_at": now})
    if fresh:
        connection = await session.connection()
        await insert_many(connection, cast(Table, Person.__table__), _PERSON_FIELDS[:5], fresh)
    # ORM bulk UPDATE by primary key (one executemany per set of columns).
    for columns in {tuple(change) for change in changed}:
        await session.execute(
            update(Person), [change for change in changed if tuple(change) == columns]
        )
    return PeopleChanges(len(fresh), len(changed), left)


_PERSON_FIELDS = ("id", "upn", "display_name", "department", "wave", "left_at")


async def claim_welcome(session: AsyncSession, person_id: str, now: datetime) -> bool:
    """True exactly once per install: Teams sends two activities for one install.

    A conditional UPDATE is atomic on both SQLite and PostgreSQL, so two concurrent turns
    cannot both win.
    """
    result = await session.execute(
        update(Person)
        .where(Person.id == person_id, Person.welcomed_at.is_(None))
        .values(welcomed_at=now)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def mark_unreachable(session: AsyncSession, person_id: str, now: datetime) -> bool:
    """The person removed or blocked the bot; a later install welcomes them again."""
    result = await session.execute(
        update(Person).where(Person.id == person_id).values(unreachable_since=now, welcomed_at=None)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def set_locale(session: AsyncSession, person_id: str, locale: str) -> None:
    await session.execute(update(Person).where(Person.id == person_id).values(locale=locale))


def _within(query: Select[*_Ts], audience: Audience) -> Select[*_Ts]:
    """`query` over Person narrowed to the people of `audience`."""
    if audience.kind == "department":
        return query.where(Person.department == audience.name)
    if audience.kind == "wave":
        return query.where(Person.wave == audience.name)
    if audience.kind == "list":
        members = select(CampaignMember.person_id).where(
            CampaignMember.campaign_id == int(audience.name)
        )
        return query.where(Person.id.in_(members))
    return query


def _recipients(query: Select[*_Ts], audience: Audience) -> Select[*_Ts]:
    return _within(
        query.where(Person.unreachable_since.is_(None), Person.left_at.is_(None)), audience
    )


def recipients_query(audience: Audience) -> Select[str]:
    """Ids of the people of `audience` a message may go to: everyone known in it, installed
    or not (the sender reaches those it can), except who removed or blocked the bot and who
    left the organisation."""
    return _recipients(select(Person.id), audience)


def run_recipients_select(run_id: int, audience: Audience) -> Select[int, str]:
    """(run id, person id) of every recipient (as recipients_query): an INSERT ... SELECT of
    a run's recipients needs no round trip of 100,000 ids through Python."""
    return _recipients(select(literal(run_id, Integer), Person.id), audience)


async def known_departments(session: AsyncSession) -> Sequence[str]:
    """The departments of the people in the organisation (leavers' departments aside)."""
    query = (
        select(Person.department)
        .where(Person.department.is_not(None), Person.left_at.is_(None))
        .distinct()
    )
    return sorted(d for d in (await session.scalars(query)).all() if d)


async def known_waves(session: AsyncSession) -> Sequence[str]:
    """The rollout waves of the people in the organisation (leavers' waves aside)."""
    query = select(Person.wave).where(Person.wave.is_not(None), Person.left_at.is_(None)).distinct()
    return sorted(w for w in (await session.scalars(query)).all() if w)


async def person_upns(session: AsyncSession, person_id: str) -> set[str]:
    """The UPNs known for an object id (person table and directory mirror), lower-cased."""
    found: set[str] = set()
    upn = await session.scalar(select(Person.upn).where(Person.id == person_id))
    if upn:
        found.add(upn.lower())
    mirrored = await session.scalar(
        select(DirectoryEntry.upn).where(DirectoryEntry.id == person_id)
    )
    if mirrored:
        found.add(mirrored.lower())
    return found


async def person_by_id_or_upn(session: AsyncSession, ref: str) -> Person | None:
    """A known person by Entra object id or UPN (case-insensitive)."""
    person = await session.get(Person, ref.lower()) or await session.get(Person, ref)
    if person is not None:
        return person
    lowered = ref.lower()
    rows = await session.execute(select(Person).where(func.lower(Person.upn) == lowered))
    hit = rows.scalars().first()
    if hit is not None:
        return hit
    mirrored = await session.scalar(
        select(DirectoryEntry.id).where(func.lower(DirectoryEntry.upn) == lowered)
    )
    return await session.get(Person, mirrored) if mirrored else None


async def person_department(session: AsyncSession, person_id: str) -> str | None:
    return await session.scalar(select(Person.department).where(Person.id == person_id))


async def display_names(session: AsyncSession) -> list[str]:
    rows = await session.scalars(
        select(Person.display_name).where(Person.display_name.is_not(None))
    )
    return [name for name in rows.all() if name]


async def count_in(session: AsyncSession, audience: Audience) -> int:
    """How many known people an audience holds (installed or not): is it empty?"""
    return int(await session.scalar(_within(select(func.count(Person.id)), audience)) or 0)


async def ids_by_ref(session: AsyncSession, refs: Sequence[str]) -> dict[str, str]:
    """Person ids for lower-cased UPNs or object ids (those known to uptake), by ref."""
    found: dict[str, str] = {}
    wanted = sorted(set(refs))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = await session.execute(
            select(Person.id, func.lower(Person.upn)).where(
                or_(Person.id.in_(chunk), func.lower(Person.upn).in_(chunk))
            )
        )
        for person_id, upn in rows:
            if person_id in chunk:
                found[person_id] = person_id
            if upn in chunk:
                found[upn] = person_id
    return found


async def record_reach(
    session: AsyncSession,
    person_id: str,
    now: datetime,
    conversation: dict[str, Any] | None,
    error: str | None = None,
) -> None:
    """The outcome of installing the app for someone through Graph: their new conversation
    reference, or the reason it failed."""
    values: dict[str, object] = {
        "install_attempted_at": now,
        "install_state": "installed" if conversation is not None else "failed",
        "install_error": None if conversation is not None else (error or "unknown")[:64],
    }
    if conversation is not None:
        values.update(conversation=conversation, unreachable_since=None)
    await session.execute(update(Person).where(Person.id == person_id).values(**values))


async def department_waves(session: AsyncSession) -> dict[str, set[str]]:
    """Per department, the waves its people are in (a department may span several)."""
    rows = await session.execute(
        select(Person.department, Person.wave)
        .where(Person.department.is_not(None), Person.wave.is_not(None))
        .distinct()
    )
    found: dict[str, set[str]] = {}
    for department, wave in rows:
        if department and wave:
            found.setdefault(department, set()).add(wave)
    return found


async def time_zones(session: AsyncSession, person_ids: Sequence[str]) -> dict[str, str | None]:
    """The IANA zone each person's Teams reported (None: not known)."""
    if not person_ids:
        return {}
    rows = await session.execute(
        select(Person.id, Person.time_zone).where(Person.id.in_(list(person_ids)))
    )
    return {pid: zone for pid, zone in rows}
