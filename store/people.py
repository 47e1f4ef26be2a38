"""People and their conversation references."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import Person


@dataclass(frozen=True)
class Installation:
    """What an install activity tells us about a person."""

    person_id: str
    tenant_id: str | None
    display_name: str | None
    locale: str | None
    conversation: dict[str, Any]


async def record_installation(session: AsyncSession, install: Installation, now: datetime) -> None:
    """Create or refresh the person and make them reachable again."""
    person = await session.get(Person, install.person_id)
    if person is None:
        person = Person(id=install.person_id)
        session.add(person)
    person.tenant_id = install.tenant_id or person.tenant_id
    person.display_name = install.display_name or person.display_name
    person.locale = install.locale or person.locale
    person.conversation = install.conversation
    if person.installed_at is None or person.unreachable_since is not None:
        person.installed_at = now
    person.unreachable_since = None


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


async def reachable_ids(session: AsyncSession, department: str | None) -> Sequence[str]:
    """Ids of people the bot can message, optionally within one department."""
    query = select(Person.id).where(
        Person.conversation.is_not(None), Person.unreachable_since.is_(None)
    )
    if department is not None:
        query = query.where(Person.department == department)
    return (await session.scalars(query.order_by(Person.id))).all()


async def known_departments(session: AsyncSession) -> Sequence[str]:
    query = select(Person.department).where(Person.department.is_not(None)).distinct()
    return sorted(d for d in (await session.scalars(query)).all() if d)
