"""People and their conversation references."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Integer, Select, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.audience import Audience
from store.tables import CampaignMember, DirectoryEntry, Person

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
    """Create or refresh the person and make them reachable again; returns their language."""
    person = await session.get(Person, install.person_id)
    if person is None:
        person = Person(id=install.person_id)
        session.add(person)
    person.tenant_id = install.tenant_id or person.tenant_id
    person.display_name = install.display_name or person.display_name
    person.locale = install.locale or person.locale
    person.time_zone = install.time_zone or person.time_zone
    person.conversation = install.conversation
    if person.installed_at is None or person.unreachable_since is not None:
        person.installed_at = now
    person.unreachable_since = None
    return person.locale


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
    return _within(query.where(Person.unreachable_since.is_(None)), audience)


def recipients_query(audience: Audience) -> Select[str]:
    """Ids of the people of `audience` a message may go to: everyone known in it, installed
    or not (the sender reaches those it can), except who removed or blocked the bot."""
    return _recipients(select(Person.id), audience)


def run_recipients_select(run_id: int, audience: Audience) -> Select[int, str]:
    """(run id, person id) of every recipient (as recipients_query): an INSERT ... SELECT of
    a run's recipients needs no round trip of 100,000 ids through Python."""
    return _recipients(select(literal(run_id, Integer), Person.id), audience)


async def known_departments(session: AsyncSession) -> Sequence[str]:
    query = select(Person.department).where(Person.department.is_not(None)).distinct()
    return sorted(d for d in (await session.scalars(query)).all() if d)


async def known_waves(session: AsyncSession) -> Sequence[str]:
    query = select(Person.wave).where(Person.wave.is_not(None)).distinct()
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
