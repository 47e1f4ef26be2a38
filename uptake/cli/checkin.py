"""`uptake checkin send <template> --to all|<department>`: open a run and deliver it."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import timedelta

import click

from adoption.checkin import SHIPPED_TEMPLATES, shipped_template
from bot.services import utc_now
from store import checkins, people
from uptake.cli.common import EXIT_USAGE, configure_logging, load_settings, say
from uptake.root import Runtime
from uptake.settings import BotCredentials


@click.group()
def checkin() -> None:
    """Pulse check-ins."""


async def _send(template_key: str, audience: str, open_days: int) -> int:
    settings = load_settings()
    runtime = await Runtime.start(
        settings, BotCredentials.from_environ(), migrate=settings.is_sqlite
    )
    try:
        template = shipped_template(template_key)
        department = None if audience == "all" else audience
        async with runtime.sessions.begin() as session:
            if department is not None:
                known = await people.known_departments(session)
                if department not in known:
                    say(
                        "cli.unknown_department",
                        err=True,
                        department=department,
                        known=", ".join(known) or "-",
                    )
                    return EXIT_USAGE
            opened = await checkins.open_run(
                session,
                template_key=template.key,
                department=department,
                now=utc_now(),
                open_for=timedelta(days=open_days),
                min_group_size=settings.min_group_size,
            )
        say("cli.run_opened", run=opened.run_id, audience=audience, recipients=opened.recipients)
        if opened.recipients == 0:
            say("cli.nobody_reachable")
            return 0
        return await _deliver(runtime, opened.run_id, opened.recipients)
    finally:
        await runtime.close()


async def _deliver(runtime: Runtime, run_id: int, recipients: int) -> int:
    """Drain until every delivery of the run is final, sleeping until retries are due."""
    with click.progressbar(length=recipients, file=sys.stderr) as bar:

        def progress(outcome: str) -> None:
            if outcome != "retry":
                bar.update(1)

        while True:
            await runtime.sender.drain(on_progress=progress)
            async with runtime.sessions() as session:
                counts = await checkins.delivery_counts(session, run_id)
                next_due = await checkins.next_due_at(session)
            pending = counts.get("pending", 0) + counts.get("sending", 0)
            if pending == 0 or next_due is None:
                break
            say("cli.waiting_retry", err=True, count=pending)
            await asyncio.sleep(max(0.5, (next_due - utc_now()).total_seconds()))
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
    "--to", "audience", default="all", show_default=True, help="'all', or one department name."
)
@click.option(
    "--open-days",
    default=7,
    show_default=True,
    type=click.IntRange(1, 90),
    help="How long answers are accepted.",
)
def send(template: str, audience: str, open_days: int) -> None:
    """Open a check-in run and send its card to every reachable person of the audience."""
    configure_logging("WARNING")
    code = 1
    with contextlib.suppress(KeyboardInterrupt):
        code = asyncio.run(_send(template, audience, open_days))
    raise SystemExit(code)


COMMANDS: list[click.Command] = [checkin]
