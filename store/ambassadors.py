"""Ambassadors (champions) and the departments they cover."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

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


async def remove_ambassador(session: AsyncSession, person_id: str) -> bool:
    result = await session.execute(delete(Ambassador).where(Ambassador.person_id == person_id))
    return bool(getattr(result, "rowcount", 0))


async def ambassadors(session: AsyncSession) -> list[AmbassadorView]:
    rows = await session.execute(
        select(Ambassador, Person.display_name)
        .outerjoin(Person, Person.id == Ambassador.person_id)
        .order_by(Person.display_name, Ambassador.person_id)
    )
    return [
        AmbassadorView(a.person_id, name, tuple(a.departments or ()), a.since) for a, name in rows
    ]
