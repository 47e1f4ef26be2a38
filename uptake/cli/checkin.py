"""`uptake checkin send <template> --to all|<department>|wave:<name>`: open a run, deliver it."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

import click

from adoption.audience import Audience
from adoption.checkin import SHIPPED_TEMPLATES, shipped_template
from store import checkins, people
from uptake.cli.common import EXIT_USAGE, configure_logging, run, runtime, say
from uptake.root import Runtime


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
            recipients=opened.recipients,
        )
        if opened.recipients == 0:
            say("cli.nobody_reachable")
            return 0
        return await _deliver(started, opened.run_id, opened.recipients)


async def _deliver(started: Runtime, run_id: int, recipients: int) -> int:
    """Drain until every delivery of the run is final, sleeping until retries are due."""
    with click.progressbar(length=recipients, file=sys.stderr) as bar:

        def progress(outcome: str) -> None:
            if outcome != "retry":
                bar.update(1)

        while True:
            await started.sender.drain(on_progress=progress)
            async with started.sessions() as session:
                counts = await checkins.delivery_counts(session, run_id)
                next_due = await checkins.next_due_at(session)
            pending = counts.get("pending", 0) + counts.get("sending", 0)
            if pending == 0 or next_due is None:
                break
            say("cli.waiting_retry", err=True, count=pending)
            await asyncio.sleep(max(0.5, (next_due - started.clock()).total_seconds()))
    say(
        "cli.send_summary",
        sent=counts.get("sent", 0),
        unreachable=counts.get("unreachable", 0),
        failed=counts.get("failed", 0),
        pending=pending,
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
    """Open a check-in run and send its card to every reachable person of the audience."""
    configure_logging("WARNING")
    run(lambda: _send(template, audience, open_days, alongside))


COMMANDS: list[click.Command] = [checkin]
