"""`uptake campaign create|list|status|pause|resume|close`: check-ins on a schedule.

Creating only writes the campaign and its schedule; the worker fires each occurrence (opens
the run, queues cards and reminders) and sends. Every problem with a request is listed at
once, and nothing is created when there is one.
"""

from __future__ import annotations

from pathlib import Path

import click

from adoption.campaigns import CampaignProblems, CampaignRequest, plan_campaign
from adoption.rows import RowsRead, read_people
from cards.campaigns import audience_label, rule_label
from store import campaigns
from store.tables import CampaignState
from uptake.cli.common import (
    EXIT_USAGE,
    configure_logging,
    load_settings,
    reader_locale,
    run,
    runtime,
    say,
    say_problem,
)

FLAGS = {
    "template": "--template",
    "audience": "--to",
    "start": "--start",
    "every": "--every",
    "remind_after": "--remind-after",
    "close_after": "--close-after",
}


@click.group()
def campaign() -> None:
    """Check-in campaigns: a template, an audience, a schedule, reminders."""


def _read_file(path: str) -> RowsRead | str:
    try:
        return read_people(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return str(getattr(error, "strerror", None) or error)


async def _create(request: CampaignRequest) -> int:
    async with runtime() as started:
        settings = started.settings
        now = started.clock()
        try:
            plan = plan_campaign(request, settings.timezone, now)
        except CampaignProblems as problems:
            return _refuse(problems)
        rows: RowsRead | None = None
        if plan.audience_file is not None:
            read = _read_file(plan.audience_file)
            if isinstance(read, str):
                say("cli.cannot_read", err=True, path=plan.audience_file, reason=read)
                return EXIT_USAGE
            rows = read
        try:
            async with started.sessions.begin() as session:
                campaign_id = await campaigns.create_checked(
                    session,
                    plan,
                    rows,
                    now,
                    min_group_size=settings.min_group_size,
                    created_by=None,
                )
        except CampaignProblems as problems:
            return _refuse(problems)
    locale = reader_locale()
    say(
        "campaign.created",
        id=campaign_id,
        rule=rule_label(plan.recurrence, locale),
        audience=request.audience,
    )
    return 0


def _refuse(problems: CampaignProblems) -> int:
    say("campaign.not_created", err=True, count=len(problems.problems))
    for problem in problems.problems:
        say_problem(FLAGS.get(problem.field, problem.field), problem)
    return EXIT_USAGE


async def _list() -> int:
    locale = reader_locale()
    async with runtime() as started, started.sessions() as session:
        found = await campaigns.all_campaigns(session)
    if not found:
        say("campaign.none")
    for view in found:
        say(
            "campaign.line",
            id=view.id,
            template=view.template_key,
            audience=audience_label(view.audience, view.members, locale),
            rule=rule_label(view.rule, locale),
            state=view.state,
            next=view.next_due.isoformat(timespec="minutes") if view.next_due else "-",
        )
    return 0


async def _status(campaign_id: int) -> int:
    async with runtime() as started, started.sessions() as session:
        view = await campaigns.get(session, campaign_id)
        if view is None:
            say("campaign.unknown", err=True, id=campaign_id)
            return EXIT_USAGE
        runs = await campaigns.run_statuses(session, campaign_id, started.clock())
    say("campaign.status_head", id=campaign_id, state=view.state, count=len(runs))
    for status in runs:
        say(
            "campaign.status_run",
            run=status.run_id,
            opened=status.opened_at.date().isoformat(),
            recipients=status.recipients,
            sent=status.sent,
            pending=status.pending,
            failed=status.failed,
            unreachable=status.unreachable,
            answered=status.answered,
        )
    return 0


async def _set(campaign_id: int, state: CampaignState) -> int:
    async with runtime() as started, started.sessions.begin() as session:
        changed = await campaigns.set_state(session, campaign_id, state, started.clock())
    if not changed:
        say("campaign.cannot_change", err=True, id=campaign_id)
        return EXIT_USAGE
    say(f"campaign.now_{state.value}", id=campaign_id)
    return 0


@campaign.command("create")
@click.option("--template", required=True, help="pulse or baseline.")
@click.option("--to", "audience", required=True, help="all, a department, wave:KEY or file:PATH.")
@click.option(
    "--start", default="now", show_default=True, help="ISO-8601 (local if no offset) or now."
)
@click.option("--every", help="Repeat: 1w, 2w, 7d... (once when left out).")
@click.option("--remind-after", help="Days after each send to remind non-respondents: 2,4.")
@click.option("--close-after", type=int, help="Days each run stays open (default 7).")
def create(
    template: str,
    audience: str,
    start: str,
    every: str | None,
    remind_after: str | None,
    close_after: int | None,
) -> None:
    """Create a campaign; the worker sends it when its schedule falls due."""
    configure_logging("WARNING")
    load_settings()
    request = CampaignRequest(template, audience, start, every, remind_after, close_after)
    run(lambda: _create(request))


@campaign.command("list")
def list_() -> None:
    """Every campaign, its schedule and state."""
    configure_logging("WARNING")
    run(_list)


@campaign.command("status")
@click.argument("campaign_id", metavar="ID", type=click.IntRange(1, 10**9))
def status(campaign_id: int) -> None:
    """Per run: recipients, sent, queued, failed, unreachable, answered."""
    configure_logging("WARNING")
    run(lambda: _status(campaign_id))


def _state_command(name: str, state: CampaignState, help_text: str) -> click.Command:
    @click.argument("campaign_id", metavar="ID", type=click.IntRange(1, 10**9))
    def command(campaign_id: int) -> None:
        configure_logging("WARNING")
        run(lambda: _set(campaign_id, state))

    command.__doc__ = help_text
    return click.command(name)(command)


for _name, _state, _help in (
    ("pause", CampaignState.PAUSED, "Stop new runs and hold reminders until resumed."),
    ("resume", CampaignState.ACTIVE, "Run again from the next occurrence on."),
    ("close", CampaignState.CLOSED, "End the campaign and close its open run now."),
):
    campaign.add_command(_state_command(_name, _state, _help))


COMMANDS: list[click.Command] = [campaign]
