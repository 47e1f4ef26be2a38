"""`uptake serve`: the bot service (web), the background jobs (worker), or both."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import signal
import sys
import warnings

import click
from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning

from adoption.endpoints import is_loopback_host, listen_host
from scheduler.jobs import build_scheduler
from scheduler.leader import lead
from uptake.cli.common import EXIT_USAGE, configure_logging, load_settings, run, say
from uptake.database import StartupError
from uptake.demo import PLAYGROUND_USER_CHAMPIONS, demo_settings, prepare_demo
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings

log = logging.getLogger("uptake.serve")


async def _listen(runner: web.AppRunner, host: str, port: int) -> None:
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise StartupError("startup.port_in_use", host=host, port=port) from error
        raise StartupError(
            "startup.cannot_listen", host=host, port=port, reason=error.strerror or error
        ) from error


class _Worker:
    """The leader's work: the outbox loop and the scheduled jobs; a standby runs neither."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._runner = runtime.schedule_runner()
        self._scheduler = build_scheduler(timezone=runtime.settings.timezone, tick=self._tick)
        self._scheduler.start(paused=True)
        self._stop_sending = asyncio.Event()
        self._sending: asyncio.Task[None] | None = None
        self._first_tick: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        try:
            await self._runtime.close_due_runs()
            fired = await self._runner.run_due()
        except Exception:
            log.exception("worker.tick_failed")
            return
        if fired:
            self._runtime.sender.wake()

    async def elected(self) -> None:
        await self._runtime.ensure_schedules()
        self._stop_sending.clear()
        self._sending = asyncio.create_task(self._runtime.sender.serve(self._stop_sending))
        self._scheduler.resume()
        # Look at once: occurrences that fell due while no worker led are caught up now
        # (in a task: a long usage sync must not hold up the leader's own checks).
        self._first_tick = asyncio.create_task(self._tick())

    async def deposed(self) -> None:
        self._scheduler.pause()
        self._stop_sending.set()
        if self._sending is not None:
            await self._sending
            self._sending = None

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=False)


async def _serve(
    settings: Settings, credentials: BotCredentials, host: str, port: int, role: str, demo: bool
) -> int:
    runtime = await Runtime.start(settings, credentials)
    # What start-up built (the SDK, SQLAlchemy, templates: most of the heap) lives as long as
    # the process: out of the collector's sight, a full collection no longer walks it. Those
    # walks paused the event loop for 90-250 ms every few seconds at 500 sends/s.
    gc.freeze()
    runner: web.AppRunner | None = None
    worker: _Worker | None = None
    leader: asyncio.Task[None] | None = None
    try:
        if demo:
            summary = await prepare_demo(runtime)
            say(
                "cli.demo_ready",
                people=summary.people,
                departments=summary.departments,
                champions=PLAYGROUND_USER_CHAMPIONS,
            )
        if role in ("all", "web"):
            runner = web.AppRunner(runtime.web_app(), access_log=None)
            await runner.setup()
            await _listen(runner, host, port)
            say("cli.listening", host=f"[{host}]" if ":" in host else host, port=port, role=role)
            if not credentials.configured:
                say("cli.playground_hint", port=port)
        stop = asyncio.Event()
        if role in ("all", "worker"):
            worker = _Worker(runtime)
            leader = asyncio.create_task(
                lead(runtime.leadership(), worker.elected, worker.deposed, stop)
            )
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        if leader is not None:
            await leader
    finally:
        if worker is not None:
            worker.shutdown()
        if runner is not None:
            await runner.cleanup()
        await runtime.close()
    return 0


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
    host = listen_host(host)
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
    run(lambda: _serve(settings, credentials, host, port, role, demo))


COMMANDS: list[click.Command] = [serve]
