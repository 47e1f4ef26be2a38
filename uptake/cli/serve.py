"""`uptake serve`: the bot service (web), the background jobs (worker), or both."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import warnings

import click
from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning

from bot.services import utc_now
from scheduler.jobs import build_scheduler
from scheduler.leader import FileLeadership, Leadership, PostgresLeadership, lead
from uptake.cli.common import EXIT_USAGE, configure_logging, load_settings, say
from uptake.demo import demo_settings, prepare_demo, send_pulse_on_install
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings, is_loopback_host

log = logging.getLogger("uptake.serve")


def _leadership(runtime: Runtime) -> Leadership:
    if runtime.settings.is_sqlite:
        return FileLeadership(runtime.settings.data_dir / "worker.lock")
    return PostgresLeadership(runtime.engine)


async def _serve(
    settings: Settings, credentials: BotCredentials, host: str, port: int, role: str, demo: bool
) -> None:
    runtime = await Runtime.start(settings, credentials, migrate=settings.is_sqlite)
    runner: web.AppRunner | None = None
    scheduler = None
    leader: asyncio.Task[None] | None = None
    try:
        if demo:
            summary = await prepare_demo(runtime)
            send_pulse_on_install(runtime, summary.run_id)
            say("cli.demo_ready", people=summary.people, departments=summary.departments)
        if role in ("all", "web"):
            runner = web.AppRunner(runtime.web_app(), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, host, port).start()
            say("cli.listening", host=host, port=port, role=role)
            if not credentials.configured:
                say("cli.playground_hint", port=port)
        stop = asyncio.Event()
        if role in ("all", "worker"):
            scheduler = build_scheduler(
                settings=runtime.settings,
                sessions=runtime.sessions,
                sender=runtime.sender,
                clock=utc_now,
            )
            # Paused until this process is the leader: a second worker is a hot standby.
            scheduler.start(paused=True)
            leadership = _leadership(runtime)
            leader = asyncio.create_task(lead(leadership, scheduler.resume, scheduler.pause, stop))
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        if leader is not None:
            await leader
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if runner is not None:
            await runner.cleanup()
        await runtime.close()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=3978, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--role",
    type=click.Choice(["all", "web", "worker"]),
    default="all",
    show_default=True,
    help="web: /api/messages only; worker: background jobs only.",
)
@click.option("--demo", is_flag=True, help="Seed the bundled demo organisation (SQLite).")
def serve(host: str, port: int, role: str, demo: bool) -> None:
    """Run the bot service."""
    configure_logging()
    # The Agents SDK keys aiohttp app/request storage by plain strings; aiohttp would warn on
    # every request. The keys are the SDK's contract, not ours to change.
    warnings.simplefilter("ignore", NotAppKeyWarning)
    settings = load_settings()
    credentials = BotCredentials.from_environ()
    if not credentials.configured:
        if role != "worker" and not is_loopback_host(host):
            say("cli.refuse_public_bind", err=True, host=host)
            sys.exit(EXIT_USAGE)
        say("cli.local_mode", err=True)
    if demo:
        settings = demo_settings(settings)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(settings, credentials, host, port, role, demo))


COMMANDS: list[click.Command] = [serve]
