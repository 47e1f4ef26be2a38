"""`uptake checkin send|status`: open a run and queue its cards; see how its delivery went."""

from __future__ import annotations

from datetime import timedelta

import click

from adoption.audience import Audience
from adoption.checkin import SHIPPED_TEMPLATES, shipped_template
from store import checkins, outbox, people
from uptake.cli.common import EXIT_USAGE, configure_logging, run, runtime, say


@click.group()
def checkin() -> None:
    """Pulse check-ins."""


def parse_audience(text: str) -> Audience:
    """'all', 'wave:<name>', or a department name."""
    if text == "all":
        return Audience.everyone()
    if text.startswith("wave:"):
        return Audience("wave", text.removeprefix("wave:").strip())
    return Audience("department", text.strip())


async def _send(template_key: str, audience_text: str, open_days: int, alongside: bool) -> int:
    async with runtime() as started:
        template = shipped_template(template_key)
        audience = parse_audience(audience_text)
        async with started.sessions.begin() as session:
            if audience.kind != "all":
                known = await (
                    people.known_departments(session)
                    if audience.kind == "department"
                    else people.known_waves(session)
                )
                if audience.name not in known:
                    say(
                        f"cli.unknown_{audience.kind}",
                        err=True,
                        name=audience.name,
                        known=", ".join(known) or "-",
                    )
                    return EXIT_USAGE
            try:
                opened = await checkins.open_run(
                    session,
                    template_key=template.key,
                    audience=audience,
                    now=started.clock(),
                    open_for=timedelta(days=open_days),
                    min_group_size=started.settings.min_group_size,
                    alongside=alongside,
                )
            except checkins.RunOverlap as overlap:
                say(
                    "cli.run_overlaps",
                    err=True,
                    runs=", ".join(map(str, overlap.runs)),
                    template=template.key,
                )
                return EXIT_USAGE
        say(
            "cli.run_opened",
            run=opened.run_id,
            audience=audience_text,
            count=opened.recipients,
        )
        if opened.recipients == 0:
            say("cli.nobody_reachable")
        else:
            # This command only queues: the worker (the one sender) delivers, at the pace
            # Teams allows, and survives this terminal closing.
            say("cli.run_queued", run=opened.run_id)
        return 0


async def _status(run_id: int) -> int:
    async with runtime() as started, started.sessions() as session:
        run = await checkins.get_run(session, run_id)
        if run is None:
            say("cli.unknown_run", err=True, run=run_id)
            return EXIT_USAGE
        counts = await outbox.counts(session, checkins.topic(run_id), [checkins.CHECKIN_KIND])
        answered = await checkins.response_count(session, run_id)
    say(
        "cli.run_status",
        run=run_id,
        sent=counts.get("sent", 0),
        pending=counts.get("pending", 0) + counts.get("sending", 0),
        failed=counts.get("failed", 0),
        unreachable=counts.get("unreachable", 0),
        answered=answered,
    )
    return 0


@checkin.command("send")
@click.argument("template", type=click.Choice(SHIPPED_TEMPLATES))
@click.option(
    "--to",
    "audience",
    default="all",
    show_default=True,
    help="'all', a department name, or wave:<name>.",
)
@click.option(
    "--open-days",
    default=7,
    show_default=True,
    type=click.IntRange(1, 90),
    help="How long answers are accepted.",
)
@click.option(
    "--alongside",
    is_flag=True,
    help="Open it even when some of its people have an open run of the same template.",
)
def send(template: str, audience: str, open_days: int, alongside: bool) -> None:
    """Open a check-in run and queue its card for every reachable person of the audience."""
    configure_logging("WARNING")
    run(lambda: _send(template, audience, open_days, alongside))


@checkin.command("status")
@click.argument("run_id", metavar="RUN", type=click.IntRange(1, 10**9))
def status(run_id: int) -> None:
    """How the cards of RUN went: sent, queued, failed, unreachable, answered."""
    configure_logging("WARNING")
    run(lambda: _status(run_id))


COMMANDS: list[click.Command] = [checkin]
