"""`uptake jobs run-due [--at T]` and `uptake jobs list`: the durable schedules.

run-due fires every occurrence due up to T (default: now) exactly once: running it twice,
or beside the worker, fires nothing twice. Operators run it after an outage; tests and
demos run it with --at to simulate weeks (then `uptake outbox send --at T` delivers). With
--demo both work on the demo organisation, seeded first if it is not there yet.
"""

from __future__ import annotations

from datetime import datetime

import click

from adoption.clock import Clock, fixed_clock, utc_now
from store import schedules
from uptake.cli.common import (
    configure_logging,
    demo_option,
    load_settings,
    moment_option,
    run,
    say,
)
from uptake.demo import prepare_demo
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings


@click.group()
def jobs() -> None:
    """Durable schedules: campaigns, the daily usage sync."""


async def _run_due(settings: Settings, at: datetime | None, demo: bool) -> int:
    clock: Clock = utc_now if at is None else fixed_clock(at)
    started = await Runtime.start(settings, BotCredentials.from_environ(), clock=clock)
    try:
        if demo:
            # As `serve --demo` would at that moment: seeded if new, reports renewed if stale.
            await prepare_demo(started)
        await started.ensure_schedules()
        fired = await started.schedule_runner().run_due(clock())
    finally:
        await started.close()
    if not fired:
        say("jobs.nothing_due")
    for item in fired:
        say(f"jobs.{item.outcome}", key=item.key, due=item.due_at.isoformat(timespec="minutes"))
    return 1 if any(item.outcome == "failed" for item in fired) else 0


async def _list(settings: Settings) -> int:
    started = await Runtime.start(settings, BotCredentials.from_environ())
    try:
        await started.ensure_schedules()
        async with started.sessions() as session:
            found = await schedules.all_schedules(session)
    finally:
        await started.close()
    for item in found:
        say(
            "jobs.line",
            key=item.key,
            next=item.next_due.isoformat(timespec="minutes") if item.next_due else "-",
            active="yes" if item.active else "no",
        )
    return 0


@jobs.command("run-due")
@click.option("--at", "at_text", metavar="ISO-8601", help="Fire what is due up to this moment.")
@demo_option
def run_due(at_text: str | None, demo: bool) -> None:
    """Fire every scheduled occurrence due up to now (or --at), each exactly once."""
    configure_logging("WARNING")
    settings = load_settings(demo)
    at = moment_option(at_text, settings.timezone) if at_text else None
    run(lambda: _run_due(settings, at, demo))


@jobs.command("list")
@demo_option
def list_(demo: bool) -> None:
    """The schedules and when each is next due."""
    configure_logging("WARNING")
    settings = load_settings(demo)
    run(lambda: _list(settings))


COMMANDS: list[click.Command] = [jobs]
