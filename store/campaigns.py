"""Campaigns in the store: created whole or not at all, fired by the schedule, paused,
resumed, closed, and how each run's delivery went.

A campaign owns a schedule (key "campaign:<id>"). Each occurrence opens a run of the
campaign's template for its audience (store.checkins.open_run, the one place runs open),
queues the cards with reminders at the campaign's days, and closes the run after
`close_after_days`. Pausing stops new occurrences and holds reminders; closing closes the
open run at once, so its queued cards and reminders are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.audience import Audience
from adoption.campaigns import CampaignPlan, CampaignProblems, Problem, RunStatus
from adoption.recurrence import Recurrence
from adoption.rows import RowsRead
from store import checkins, outbox, people, schedules
from store.schedules import ScheduleView
from store.tables import Campaign, CampaignMember, CampaignState, CheckinRun, RunState

# A campaign occurrence more than a day late is missed, not sent late (see scheduler.runner).
CATCH_UP: Final = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class CampaignView:
    id: int
    template_key: str
    audience: Audience
    rule: Recurrence
    remind_after_days: tuple[int, ...]
    close_after_days: int
    state: str
    next_due: datetime | None
    members: int


async def resolve_members(session: AsyncSession, rows: RowsRead) -> tuple[list[str], list[Problem]]:
    """The person ids of a CSV's rows; every row that names nobody known is a problem."""
    problems: list[Problem] = []
    found = await people.ids_by_ref(session, [row.ref for row in rows.rows])
    ids: list[str] = []
    for row in rows.rows:
        person_id = found.get(row.ref)
        if person_id is None:
            problems.append(Problem.of("audience", "unknown_person", line=row.line, ref=row.ref))
        else:
            ids.append(person_id)
    for problem in rows.problems:
        problems.append(
            Problem.of("audience", f"row_{problem.code}", line=problem.line, detail=problem.detail)
        )
    return ids, problems


async def check_audience(session: AsyncSession, audience: Audience) -> list[Problem]:
    """A named department or wave must exist, and the audience must hold someone."""
    if audience.kind == "department":
        known = await people.known_departments(session)
        if audience.name not in known:
            return [
                Problem.of(
                    "audience",
                    "unknown_department",
                    name=audience.name,
                    known=", ".join(known) or "-",
                )
            ]
    if audience.kind == "wave":
        known = await people.known_waves(session)
        if audience.name not in known:
            return [
                Problem.of(
                    "audience", "unknown_wave", name=audience.name, known=", ".join(known) or "-"
                )
            ]
    if await people.count_in(session, audience) == 0:
        return [Problem.of("audience", "empty")]
    return []


async def create(
    session: AsyncSession,
    plan: CampaignPlan,
    members: Sequence[str],
    now: datetime,
    *,
    min_group_size: int,
    created_by: str | None,
) -> int:
    """Write the campaign, its schedule and its members in the caller's transaction (all or
    nothing); the first occurrence fires when its schedule falls due."""
    schedule = await schedules.create(
        session, f"campaign:new:{now.timestamp()}", "campaign", plan.recurrence, now
    )
    campaign = Campaign(
        template_key=plan.template_key,
        audience=plan.audience.encode() if plan.audience is not None else "list",
        remind_after_days=list(plan.remind_after_days),
        close_after_days=plan.close_after_days,
        state=CampaignState.ACTIVE,
        min_group_size=min_group_size,
        schedule_id=schedule.id,
        created_at=now,
        created_by=created_by,
    )
    session.add(campaign)
    await session.flush()
    await schedules.rename(session, schedule.id, f"campaign:{campaign.id}")
    if plan.audience is None:
        session.add_all(CampaignMember(campaign_id=campaign.id, person_id=p) for p in members)
    return campaign.id


def audience_of(campaign: Campaign) -> Audience:
    if campaign.audience == "list":
        return Audience("list", str(campaign.id))
    return Audience.decode(campaign.audience)


async def fire(session: AsyncSession | None, schedule: ScheduleView, due_at: datetime) -> None:
    """One occurrence: close what the campaign still has open, open its next run at
    `due_at`, queue cards and reminders. Runs in the occurrence's transaction."""
    if session is None:
        raise RuntimeError("a campaign occurrence runs in the schedule's transaction")
    campaign = await session.scalar(select(Campaign).where(Campaign.schedule_id == schedule.id))
    if campaign is None or campaign.state != CampaignState.ACTIVE:
        return
    await _close_runs(session, campaign.id, due_at)
    await checkins.open_run(
        session,
        template_key=campaign.template_key,
        audience=audience_of(campaign),
        now=due_at,
        open_for=timedelta(days=campaign.close_after_days),
        min_group_size=campaign.min_group_size,
        # Its own previous run is closed above; a hand-opened run elsewhere is the
        # operator's choice, and the campaign goes on as planned.
        alongside=True,
        reminders=[timedelta(days=d) for d in campaign.remind_after_days],
        campaign_id=campaign.id,
    )


async def _close_runs(session: AsyncSession, campaign_id: int, now: datetime) -> int:
    result = await session.execute(
        update(CheckinRun)
        .where(CheckinRun.campaign_id == campaign_id, CheckinRun.state == RunState.OPEN)
        .values(state=RunState.CLOSED, closed_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def get(session: AsyncSession, campaign_id: int) -> CampaignView | None:
    campaign = await session.get(Campaign, campaign_id)
    return await _view(session, campaign) if campaign is not None else None


async def all_campaigns(session: AsyncSession) -> list[CampaignView]:
    rows = await session.scalars(select(Campaign).order_by(Campaign.id))
    return [await _view(session, c) for c in rows.all()]


async def _view(session: AsyncSession, campaign: Campaign) -> CampaignView:
    schedule = await schedules.get(session, campaign.schedule_id)
    if schedule is None:
        raise RuntimeError(f"campaign {campaign.id} lost its schedule")
    members = int(
        await session.scalar(select(func.count()).where(CampaignMember.campaign_id == campaign.id))
        or 0
    )
    return CampaignView(
        campaign.id,
        campaign.template_key,
        audience_of(campaign),
        schedule.rule,
        tuple(campaign.remind_after_days or ()),
        campaign.close_after_days,
        campaign.state,
        schedule.next_due if schedule.active else None,
        members,
    )


async def set_state(
    session: AsyncSession, campaign_id: int, state: CampaignState, now: datetime
) -> bool:
    """Pause, resume or close. Resuming fires the next occurrence after now (those that fell
    while paused are not sent late); closing closes the open run at once."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None or campaign.state == CampaignState.CLOSED:
        return False
    schedule = await schedules.get(session, campaign.schedule_id)
    if schedule is None:
        return False
    campaign.state = state
    if state == CampaignState.ACTIVE:
        await schedules.set_active(session, schedule.id, True, schedule.rule.first_at_or_after(now))
    else:
        await schedules.set_active(session, schedule.id, False)
    if state == CampaignState.CLOSED:
        await _close_runs(session, campaign_id, now)
    return True


async def state_of_run(session: AsyncSession, run_id: int) -> str | None:
    """The state of the campaign a run belongs to (None: a run opened by hand)."""
    return await session.scalar(
        select(Campaign.state)
        .join(CheckinRun, CheckinRun.campaign_id == Campaign.id)
        .where(CheckinRun.id == run_id)
    )


async def run_statuses(session: AsyncSession, campaign_id: int, now: datetime) -> list[RunStatus]:
    """Every run of the campaign, newest first, with its delivery and answer counts."""
    runs = (
        await session.scalars(
            select(CheckinRun)
            .where(CheckinRun.campaign_id == campaign_id)
            .order_by(CheckinRun.id.desc())
        )
    ).all()
    found: list[RunStatus] = []
    for run in runs:
        counts = await outbox.counts(session, checkins.topic(run.id), [checkins.CHECKIN_KIND])
        found.append(
            RunStatus(
                run.id,
                run.opened_at,
                run.closes_at,
                run.state == RunState.OPEN and run.closes_at > now,
                counts.get("sent", 0),
                counts.get("pending", 0) + counts.get("sending", 0),
                counts.get("failed", 0),
                counts.get("unreachable", 0),
                counts.get("skipped", 0),
                await checkins.response_count(session, run.id),
                await checkins.recipient_count(session, run.id),
            )
        )
    return found


async def create_checked(
    session: AsyncSession,
    plan: CampaignPlan,
    rows: RowsRead | None,
    now: datetime,
    *,
    min_group_size: int,
    created_by: str | None,
) -> int:
    """Check what needs the store (the audience exists and holds people, a CSV's people are
    known, the first run overlaps no open run), then create; raise CampaignProblems with
    every problem, having written nothing."""
    problems: list[Problem] = []
    members: list[str] = []
    if plan.audience is None:
        if rows is None:
            problems.append(Problem.of("audience", "file_without_path"))
        else:
            members, problems = await resolve_members(session, rows)
    else:
        problems.extend(await check_audience(session, plan.audience))
        if not problems and plan.first <= now + CATCH_UP:
            overlap = await checkins.overlapping_runs(
                session, plan.template_key, plan.audience, plan.first
            )
            if overlap:
                problems.append(
                    Problem.of("audience", "overlaps", runs=", ".join(map(str, overlap)))
                )
    if problems:
        raise CampaignProblems(problems)
    return await create(
        session, plan, members, now, min_group_size=min_group_size, created_by=created_by
    )
