"""Durable schedules and their occurrences: what recurs, when it is next due, what fired."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.recurrence import Recurrence
from store.tables import Occurrence, Schedule


@dataclass(frozen=True, slots=True)
class ScheduleView:
    id: int
    key: str
    kind: str
    rule: Recurrence
    next_due: datetime | None
    active: bool


def _view(row: Schedule) -> ScheduleView:
    return ScheduleView(
        row.id, row.key, row.kind, Recurrence.from_json(row.rule), row.next_due, row.active
    )


async def ensure(
    session: AsyncSession, key: str, kind: str, rule: Recurrence, now: datetime
) -> ScheduleView:
    """Create the schedule `key` if it does not exist; an existing one keeps its state, and
    its rule is updated when the configured rule changed (next_due recomputed from now)."""
    existing = await session.scalar(select(Schedule).where(Schedule.key == key))
    if existing is None:
        return await create(session, key, kind, rule, now)
    if Recurrence.from_json(existing.rule) != rule:
        existing.rule = rule.to_json()
        existing.next_due = rule.first_at_or_after(now)
    return _view(existing)


async def create(
    session: AsyncSession, key: str, kind: str, rule: Recurrence, now: datetime
) -> ScheduleView:
    row = Schedule(
        key=key,
        kind=kind,
        rule=rule.to_json(),
        next_due=rule.occurrence(0),
        active=True,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return _view(row)


async def due(session: AsyncSession, until: datetime) -> list[ScheduleView]:
    """Active schedules with an occurrence due at or before `until`, soonest first."""
    rows = await session.scalars(
        select(Schedule)
        .where(Schedule.active.is_(True), Schedule.next_due <= until)
        .order_by(Schedule.next_due, Schedule.id)
    )
    return [_view(row) for row in rows]


async def record(
    session: AsyncSession, schedule_id: int, due_at: datetime, outcome: str, now: datetime
) -> bool:
    """Materialise one occurrence; False when it was recorded already (by another worker or
    an earlier run), so the caller must not fire it again."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(Occurrence)
        .values(schedule_id=schedule_id, due_at=due_at, outcome=outcome, fired_at=now)
        .on_conflict_do_nothing(index_elements=[Occurrence.schedule_id, Occurrence.due_at])
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def advance(session: AsyncSession, schedule_id: int, next_due: datetime | None) -> None:
    await session.execute(
        update(Schedule).where(Schedule.id == schedule_id).values(next_due=next_due)
    )


async def set_active(
    session: AsyncSession, schedule_id: int, active: bool, next_due: datetime | None = None
) -> None:
    values: dict[str, object] = {"active": active}
    if next_due is not None or not active:
        values["next_due"] = next_due
    await session.execute(update(Schedule).where(Schedule.id == schedule_id).values(**values))


async def get(session: AsyncSession, schedule_id: int) -> ScheduleView | None:
    row = await session.get(Schedule, schedule_id)
    return _view(row) if row is not None else None


async def occurrences(session: AsyncSession, schedule_id: int) -> Sequence[Occurrence]:
    rows = await session.scalars(
        select(Occurrence).where(Occurrence.schedule_id == schedule_id).order_by(Occurrence.due_at)
    )
    return rows.all()


async def rename(session: AsyncSession, schedule_id: int, key: str) -> None:
    await session.execute(update(Schedule).where(Schedule.id == schedule_id).values(key=key))


async def all_schedules(session: AsyncSession) -> list[ScheduleView]:
    rows = await session.scalars(select(Schedule).order_by(Schedule.key))
    return [_view(row) for row in rows]
