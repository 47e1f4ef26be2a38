"""`uptake outbox send [--at T]`: deliver what is due, when no worker runs (a pilot, a
simulation). It takes the worker's lock first, so there are never two senders."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import click

from adoption.clock import Clock, fixed_clock, utc_now
from store import outbox
from uptake.cli.common import (
    EXIT_FAILED,
    configure_logging,
    demo_option,
    load_settings,
    moment_option,
    run,
    say,
)
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings

# Retries due within this much are waited for; later ones are left to the worker.
WAIT_FOR_RETRIES = timedelta(minutes=5)


async def _send(settings: Settings, at: datetime | None) -> int:
    clock: Clock = utc_now if at is None else fixed_clock(at)
    started = await Runtime.start(settings, BotCredentials.from_environ(), clock=clock)
    leadership = started.leadership()
    try:
        if not await leadership.try_acquire():
            say("cli.worker_is_sending", err=True)
            return EXIT_FAILED
        await started.sender.take_over()
        while True:
            report = await started.sender.drain()
            async with started.sessions() as session:
                next_due = await outbox.next_due_at(session)
            now = clock()
            if at is not None or next_due is None or next_due - now > WAIT_FOR_RETRIES:
                break
            await asyncio.sleep(max(0.2, (next_due - now).total_seconds()))
        async with started.sessions() as session:
            pending = await outbox.pending_count(session)
        say(
            "cli.send_summary",
            sent=report.outcomes["sent"],
            unreachable=report.outcomes["unreachable"],
            failed=report.outcomes["failed"],
            pending=pending,
        )
        return 0
    finally:
        await leadership.release()
        await started.close()


@click.group("outbox")
def outbox_group() -> None:
    """The outbox of proactive messages."""


@outbox_group.command("send")
@click.option("--at", "at_text", metavar="ISO-8601", help="Send what is due at this moment.")
@demo_option
def send(at_text: str | None, demo: bool) -> None:
    """Deliver the messages that are due, then the retries due within five minutes.

    For a pilot without a worker, or to simulate: with --at, the clock stands at that moment
    (a time without an offset is in UPTAKE_TIMEZONE)."""
    configure_logging("WARNING")
    settings = load_settings(demo)
    at = moment_option(at_text, settings.timezone) if at_text else None
    run(lambda: _send(settings, at))


COMMANDS: list[click.Command] = [outbox_group]
