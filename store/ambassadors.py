"""Ambassadors (champions) and the departments they cover."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.contacts import Contact
from store.tables import Ambassador, Person


@dataclass(frozen=True, slots=True)
class AmbassadorView:
    person_id: str
    display_name: str | None
    departments: tuple[str, ...]
    since: datetime


async def add_ambassador(
    session: AsyncSession, person_id: str, departments: Sequence[str], now: datetime
) -> bool:
    """Make someone an ambassador for departments (added to the ones they already cover).
    True when they were not an ambassador before."""
    existing = await session.get(Ambassador, person_id)
    if existing is None:
        session.add(
            Ambassador(person_id=person_id, departments=sorted(set(departments)), since=now)
        )
        return True
    existing.departments = sorted(set(existing.departments) | set(departments))
    return False


async def remove_ambassador(
    session: AsyncSession, person_id: str, department: str | None = None
) -> bool:
    """No longer an ambassador: for one department (the others stay), or for all. False when
    they were not (for that department)."""
    existing = await session.get(Ambassador, person_id)
    if existing is None or (department is not None and department not in existing.departments):
        return False
    remaining = [] if department is None else [d for d in existing.departments if d != department]
    if remaining:
        existing.departments = remaining
    else:
        await session.execute(delete(Ambassador).where(Ambassador.person_id == person_id))
    return True


async def is_ambassador(session: AsyncSession, person_id: str) -> bool:
    return await session.get(Ambassador, person_id) is not None


async def of_department(session: AsyncSession, department: str) -> list[Contact]:
    """The ambassadors of one department, as people one can contact."""
    found = [a for a in await ambassadors(session) if department in a.departments]
    return await contacts(session, [a.person_id for a in found])


async def contacts(session: AsyncSession, person_ids: Sequence[str]) -> list[Contact]:
    if not person_ids:
        return []
    rows = await session.execute(
        select(Person.id, Person.display_name, Person.upn).where(
            Person.id.in_(person_ids), Person.left_at.is_(None)
        )
    )
    by_id = {pid: Contact(pid, name, upn) for pid, name, upn in rows}
    return [by_id[p] for p in person_ids if p in by_id]


async def ambassadors(session: AsyncSession) -> list[AmbassadorView]:
    """Every ambassador still with the organisation: one the directory lists as gone
    (`left_at`) gets no tips and is nobody's contact, so their departments count as having
    no ambassador."""
    rows = await session.execute(
        select(Ambassador, Person.display_name)
        .outerjoin(Person, Person.id == Ambassador.person_id)
        .where(Person.left_at.is_(None))
        .order_by(Person.display_name, Ambassador.person_id)
    )
    return [
        AmbassadorView(a.person_id, name, tuple(a.departments or ()), a.since) for a, name in rows
    ]
