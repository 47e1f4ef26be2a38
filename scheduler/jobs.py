"""Background jobs of the worker role: drain the outbox, close runs that are due."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import OutboxSender
from graph.errors import UsageDataError
from store import checkins
from uptake.settings import Settings
from uptake.sync import run_sync

log = logging.getLogger("uptake.scheduler")

OUTBOX_EVERY_SECONDS = 10
SYNC_HOUR = 5


async def close_due_runs(
    sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> int:
    async with sessions.begin() as session:
        closed = await checkins.close_due_runs(session, clock())
    if closed:
        log.info("runs.closed count=%s", closed)
    return closed


async def sync_usage(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
    """The daily usage sync; a failure is logged and retried by tomorrow's run (or by hand)."""
    try:
        outcomes = await run_sync(settings, sessions)
    except UsageDataError as error:
        log.error("usage.sync_failed error=%s", type(error).__name__)
        return
    log.info("usage.synced dates=%s", len(outcomes))


async def drain_outbox(sender: OutboxSender) -> None:
    report = await sender.drain()
    if report.outcomes:
        log.info("outbox.drained %s", dict(report.outcomes))


def build_scheduler(
    *,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    sender: OutboxSender,
    clock: Callable[[], datetime],
) -> AsyncIOScheduler:
    """One job per concern; `max_instances=1` so a slow drain is never run twice at once."""
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    scheduler.add_job(
        drain_outbox, "interval", seconds=OUTBOX_EVERY_SECONDS, args=[sender], id="outbox", **common
    )
    scheduler.add_job(
        close_due_runs, "interval", minutes=1, args=[sessions, clock], id="close_runs", **common
    )
    # Reports lag 24-48 h and one run makes 10 requests (limit: 14 per 10 minutes per report
    # API), so once a day in the early morning is both enough and well within throttling.
    scheduler.add_job(
        sync_usage,
        "cron",
        hour=SYNC_HOUR,
        minute=17,
        args=[settings, sessions],
        id="usage_sync",
        **common,
    )
    return scheduler
