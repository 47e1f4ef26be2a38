"""Check-in runs, the delivery outbox and anonymous responses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.audience import Audience
from adoption.checkin import shipped_template_source
from adoption.results import Answered
from adoption.scopes import TENANT, Scope
from store.people import reachable_ids, reachable_query
from store.tables import CheckinRun, Delivery, DeliveryState, Person, Response, RunState


@dataclass(frozen=True)
class OpenedRun:
    run_id: int
    recipients: int


class RunOverlap(Exception):
    """Opening the run would send a second open run of the same template to the same people."""

    def __init__(self, runs: Sequence[int]) -> None:
        super().__init__(f"overlaps open run(s) {', '.join(map(str, runs))}")
        self.runs = tuple(runs)


def _is_open(now: datetime) -> ColumnElement[bool]:
    return and_(CheckinRun.state == RunState.OPEN, CheckinRun.closes_at > now)


async def overlapping_runs(
    session: AsyncSession, template_key: str, audience: Audience, now: datetime
) -> list[int]:
    """Open runs of `template_key` already sent to someone of `audience`."""
    query = (
        select(Delivery.run_id)
        .join(CheckinRun, CheckinRun.id == Delivery.run_id)
        .where(
            _is_open(now),
            CheckinRun.template_key == template_key,
            Delivery.person_id.in_(reachable_query(audience)),
        )
        .distinct()
        .order_by(Delivery.run_id)
    )
    return list((await session.scalars(query)).all())


async def open_run(
    session: AsyncSession,
    *,
    template_key: str,
    audience: Audience,
    now: datetime,
    open_for: timedelta,
    min_group_size: int,
    alongside: bool = False,
) -> OpenedRun:
    """Open a run of a shipped template and queue one delivery per reachable person.

    This is the one place a run is opened (CLI, demo, scheduler). It refuses, with
    `RunOverlap`, a run that would reach people who have an open run of the same template,
    unless `alongside` asks for it: two open pulses would split what one group says over two
    runs. The run keeps the template's text as it is now, so answers are always checked
    against the questions people were sent, even after the template file changes.
    """
    if not alongside:
        overlap = await overlapping_runs(session, template_key, audience, now)
        if overlap:
            raise RunOverlap(overlap)
    run = CheckinRun(
        template_key=template_key,
        template_source=shipped_template_source(template_key),
        audience=audience.encode(),
        state=RunState.OPEN,
        opened_at=now,
        closes_at=now + open_for,
        min_group_size=min_group_size,
    )
    session.add(run)
    await session.flush()
    people = await reachable_ids(session, audience)
    session.add_all(_delivery(run.id, person_id, now) for person_id in people)
    return OpenedRun(run.id, len(people))


def _delivery(run_id: int, person_id: str, now: datetime) -> Delivery:
    return Delivery(
        run_id=run_id,
        person_id=person_id,
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=now,
        updated_at=now,
    )


async def add_to_open_runs(session: AsyncSession, person_id: str, now: datetime) -> list[int]:
    """Queue every open run whose audience includes the person (someone who installed after
    it opened); returns the runs queued."""
    person = await session.get(Person, person_id)
    if person is None:
        return []
    query = select(CheckinRun.id, CheckinRun.audience).where(_is_open(now))
    added: list[int] = []
    for run_id, audience in (await session.execute(query)).all():
        if not Audience.decode(audience).includes(person.department, person.wave):
            continue
        if await session.get(Delivery, (run_id, person_id)) is None:
            session.add(_delivery(run_id, person_id, now))
            added.append(run_id)
    return added


async def latest_open_run(session: AsyncSession, template_key: str, now: datetime) -> int | None:
    return await session.scalar(
        select(CheckinRun.id)
        .where(
            CheckinRun.template_key == template_key,
            CheckinRun.state == RunState.OPEN,
            CheckinRun.closes_at > now,
        )
        .order_by(CheckinRun.id.desc())
        .limit(1)
    )


async def get_run(session: AsyncSession, run_id: int) -> CheckinRun | None:
    return await session.get(CheckinRun, run_id)


async def close_due_runs(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(
        update(CheckinRun)
        .where(CheckinRun.state == RunState.OPEN, CheckinRun.closes_at <= now)
        .values(state=RunState.CLOSED, closed_at=now)
    )
    return int(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class Recipient:
    department: str | None
    wave: str | None


async def recipient(session: AsyncSession, run_id: int, person_id: str) -> Recipient | None:
    """The person as a recipient of the run (None when the run was not sent to them)."""
    row = (
        await session.execute(
            select(Person.department, Person.wave)
            .join(Delivery, Delivery.person_id == Person.id)
            .where(Delivery.run_id == run_id, Delivery.person_id == person_id)
        )
    ).first()
    return Recipient(row.department, row.wave) if row is not None else None


async def recipients(session: AsyncSession, run_id: int) -> dict[str, Recipient]:
    """Every recipient of a run, by person id (one query instead of one per answer)."""
    rows = await session.execute(
        select(Delivery.person_id, Person.department, Person.wave)
        .join(Person, Person.id == Delivery.person_id)
        .where(Delivery.run_id == run_id)
    )
    return {row.person_id: Recipient(row.department, row.wave) for row in rows}


# --- the outbox ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDelivery:
    run_id: int
    person_id: str
    attempts: int
    conversation: dict[str, Any]
    locale: str | None


async def claim_due(
    session: AsyncSession, *, now: datetime, lease: timedelta, limit: int
) -> list[DueDelivery]:
    """Take up to `limit` due deliveries for this sender, leasing them against other senders.

    Rows still SENDING after their lease (a sender died mid-send) are due again: delivery is
    at least once, never silently lost.
    """
    due = or_(
        and_(Delivery.state == DeliveryState.PENDING, Delivery.next_attempt_at <= now),
        and_(Delivery.state == DeliveryState.SENDING, Delivery.lease_until <= now),
    )
    candidates = select(Delivery.run_id, Delivery.person_id).where(due).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    keys = (await session.execute(candidates)).all()
    if not keys:
        return []
    claimed: list[DueDelivery] = []
    for run_id, person_id in keys:
        result = await session.execute(
            update(Delivery)
            .where(Delivery.run_id == run_id, Delivery.person_id == person_id, due)
            .values(
                state=DeliveryState.SENDING,
                lease_until=now + lease,
                attempts=Delivery.attempts + 1,
                updated_at=now,
            )
        )
        if getattr(result, "rowcount", 0) != 1:
            continue  # another sender took it between the select and the update
        row = (
            await session.execute(
                select(Delivery.attempts, Person.conversation, Person.locale)
                .join(Person, Person.id == Delivery.person_id)
                .where(Delivery.run_id == run_id, Delivery.person_id == person_id)
            )
        ).one()
        if row.conversation is None:
            await _finish(
                session, run_id, person_id, DeliveryState.UNREACHABLE, now, "no_conversation"
            )
            continue
        claimed.append(DueDelivery(run_id, person_id, row.attempts, row.conversation, row.locale))
    return claimed


async def _finish(
    session: AsyncSession,
    run_id: int,
    person_id: str,
    state: DeliveryState,
    now: datetime,
    error: str | None = None,
    activity_id: str | None = None,
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.run_id == run_id, Delivery.person_id == person_id)
        .values(
            state=state, lease_until=None, last_error=error, activity_id=activity_id, updated_at=now
        )
    )


async def mark_sent(
    session: AsyncSession, run_id: int, person_id: str, activity_id: str | None, now: datetime
) -> None:
    await _finish(session, run_id, person_id, DeliveryState.SENT, now, None, activity_id)


async def mark_unreachable(
    session: AsyncSession, run_id: int, person_id: str, now: datetime, reason: str
) -> None:
    await _finish(session, run_id, person_id, DeliveryState.UNREACHABLE, now, reason)


async def mark_failed(
    session: AsyncSession, run_id: int, person_id: str, now: datetime, reason: str
) -> None:
    await _finish(session, run_id, person_id, DeliveryState.FAILED, now, reason)


async def retry_later(
    session: AsyncSession, run_id: int, person_id: str, at: datetime, now: datetime, reason: str
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.run_id == run_id, Delivery.person_id == person_id)
        .values(
            state=DeliveryState.PENDING,
            next_attempt_at=at,
            lease_until=None,
            last_error=reason,
            updated_at=now,
        )
    )


async def delivery_counts(session: AsyncSession, run_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Delivery.state, func.count())
        .where(Delivery.run_id == run_id)
        .group_by(Delivery.state)
    )
    return {str(state): int(count) for state, count in rows.all()}


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the next pending delivery becomes due (None when the outbox is empty)."""
    return await session.scalar(
        select(func.min(Delivery.next_attempt_at)).where(
            Delivery.state.in_([DeliveryState.PENDING, DeliveryState.SENDING])
        )
    )


# --- responses -----------------------------------------------------------------------------


async def save_responses(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Upsert answers: a respondent's later answer replaces the earlier one of the same run.

    `rows` must hold at most one row per (run_id, respondent_key): PostgreSQL refuses to update
    the same row twice in one statement.
    """
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Response)
    statement = statement.on_conflict_do_update(
        index_elements=[Response.run_id, Response.respondent_key],
        set_={
            "answers": statement.excluded.answers,
            "department": statement.excluded.department,
            "wave": statement.excluded.wave,
            "submitted_on": statement.excluded.submitted_on,
        },
    )
    await session.execute(statement, list(rows))


async def find_response(
    session: AsyncSession, run_id: int, respondent_key: str
) -> dict[str, Any] | None:
    return await session.scalar(
        select(Response.answers).where(
            Response.run_id == run_id, Response.respondent_key == respondent_key
        )
    )


async def response_count(session: AsyncSession, run_id: int) -> int:
    return int(await session.scalar(select(func.count()).where(Response.run_id == run_id)) or 0)


async def responses(session: AsyncSession, run_id: int) -> Sequence[Response]:
    return (await session.scalars(select(Response).where(Response.run_id == run_id))).all()


# --- run summaries for results ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunSummary:
    id: int
    template_key: str
    template_source: str
    audience: Audience
    opened_at: datetime
    closes_at: datetime
    state: str
    min_group_size: int


def _summary(run: CheckinRun) -> RunSummary:
    return RunSummary(
        run.id,
        run.template_key,
        run.template_source,
        Audience.decode(run.audience),
        run.opened_at,
        run.closes_at,
        run.state,
        run.min_group_size,
    )


async def latest_run(
    session: AsyncSession, template_key: str, scope: Scope = TENANT
) -> RunSummary | None:
    """The newest run of a template whose audience covers `scope` (every one of its members
    was asked): an organisation-wide run for the organisation, that or the department's own
    run for a department, and so on."""
    runs = await session.scalars(
        select(CheckinRun)
        .where(CheckinRun.template_key == template_key)
        .order_by(CheckinRun.id.desc())
    )
    for run in runs:
        summary = _summary(run)
        if summary.audience.covers(scope):
            return summary
    return None


async def run_by_id(session: AsyncSession, run_id: int) -> RunSummary | None:
    run = await session.get(CheckinRun, run_id)
    return _summary(run) if run is not None else None


async def run_answers(session: AsyncSession, run_id: int) -> list[Answered]:
    rows = await session.execute(
        select(Response.department, Response.answers, Response.wave).where(
            Response.run_id == run_id
        )
    )
    return [Answered(department, answers or {}, wave) for department, answers, wave in rows]
