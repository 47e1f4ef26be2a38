"""Check-in runs, who they were sent to, and anonymous responses.

A run's cards and reminders are messages of the one outbox (store/outbox.py): kind
"checkin" (ref {"run": id}) and "checkin.reminder" (ref {"run": id, "n": i}), topic
"run:<id>". Who may answer a run is kept apart, in `run_recipient`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.audience import Audience
from adoption.checkin import shipped_template_source
from adoption.results import Answered
from adoption.scopes import TENANT, Scope
from store import outbox
from store.outbox import NewMessage
from store.people import recipients_query, run_recipients_select
from store.tables import CampaignMember, CheckinRun, Person, Response, RunRecipient, RunState


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
        select(RunRecipient.run_id)
        .join(CheckinRun, CheckinRun.id == RunRecipient.run_id)
        .where(
            _is_open(now),
            CheckinRun.template_key == template_key,
            RunRecipient.person_id.in_(recipients_query(audience)),
        )
        .distinct()
        .order_by(RunRecipient.run_id)
    )
    return list((await session.scalars(query)).all())


CHECKIN_KIND = "checkin"
REMINDER_KIND = "checkin.reminder"


def topic(run_id: int) -> str:
    return f"run:{run_id}"


def run_messages(
    run_id: int, person_id: str, send_at: datetime, reminders: Sequence[datetime]
) -> list[NewMessage]:
    """The card of a run for one person, and its reminders (skipped if they answered)."""
    messages = [
        NewMessage(
            CHECKIN_KIND,
            person_id,
            {"run": run_id},
            f"checkin:{run_id}:{person_id}",
            send_at,
            topic(run_id),
        )
    ]
    messages.extend(
        NewMessage(
            REMINDER_KIND,
            person_id,
            {"run": run_id, "n": n},
            f"reminder:{run_id}:{n}:{person_id}",
            at,
            topic(run_id),
        )
        for n, at in enumerate(reminders, start=1)
    )
    return messages


async def open_run(
    session: AsyncSession,
    *,
    template_key: str,
    audience: Audience,
    now: datetime,
    open_for: timedelta,
    min_group_size: int,
    alongside: bool = False,
    reminders: Sequence[timedelta] = (),
    campaign_id: int | None = None,
) -> OpenedRun:
    """Open a run of a shipped template and queue its card (and reminders) for every
    recipient of the audience (store.people.recipients_query).

    This is the one place a run is opened (CLI, demo, campaigns). It refuses, with
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
        campaign_id=campaign_id,
    )
    session.add(run)
    await session.flush()
    # One statement picks the recipients and records them; the messages go to exactly the
    # rows it returned (a person added meanwhile is queued by add_to_open_runs instead).
    inserted = await session.execute(
        insert(RunRecipient)
        .from_select(["run_id", "person_id"], run_recipients_select(run.id, audience))
        .returning(RunRecipient.person_id)
    )
    people = sorted(inserted.scalars().all())
    remind_at = [now + delay for delay in reminders if delay < open_for]
    await outbox.enqueue(
        session,
        (m for p in people for m in run_messages(run.id, p, now, remind_at)),
        now,
    )
    return OpenedRun(run.id, len(people))


async def add_to_open_runs(session: AsyncSession, person_id: str, now: datetime) -> list[int]:
    """Queue every open run whose audience includes the person (someone who installed after
    it opened); returns the runs queued. Reminders follow the run's own schedule."""
    person = await session.get(Person, person_id)
    if person is None:
        return []
    member_of = set(
        (
            await session.scalars(
                select(CampaignMember.campaign_id).where(CampaignMember.person_id == person_id)
            )
        ).all()
    )
    query = select(CheckinRun.id, CheckinRun.audience, CheckinRun.campaign_id).where(_is_open(now))
    added: list[int] = []
    for run_id, encoded, campaign_id in (await session.execute(query)).all():
        audience = Audience.decode(encoded)
        listed = audience.kind == "list" and campaign_id in member_of
        if not (listed or audience.includes(person.department, person.wave)):
            continue
        if await session.get(RunRecipient, (run_id, person_id)) is None:
            session.add(RunRecipient(run_id=run_id, person_id=person_id))
            await outbox.enqueue(session, run_messages(run_id, person_id, now, []), now)
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
            .join(RunRecipient, RunRecipient.person_id == Person.id)
            .where(RunRecipient.run_id == run_id, RunRecipient.person_id == person_id)
        )
    ).first()
    return Recipient(row.department, row.wave) if row is not None else None


async def recipients(session: AsyncSession, run_id: int) -> dict[str, Recipient]:
    """Every recipient of a run, by person id (one query instead of one per answer)."""
    rows = await session.execute(
        select(RunRecipient.person_id, Person.department, Person.wave)
        .join(Person, Person.id == RunRecipient.person_id)
        .where(RunRecipient.run_id == run_id)
    )
    return {row.person_id: Recipient(row.department, row.wave) for row in rows}


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


async def recipient_count(session: AsyncSession, run_id: int) -> int:
    return int(await session.scalar(select(func.count()).where(RunRecipient.run_id == run_id)) or 0)


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
