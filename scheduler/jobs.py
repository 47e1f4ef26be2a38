"""Background jobs of the worker role: drain the outbox, close runs that are due."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import OutboxSender
from store import checkins

log = logging.getLogger("uptake.scheduler")

OUTBOX_EVERY_SECONDS = 10


async def close_due_runs(
    sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> int:
    async with sessions.begin() as session:
        closed = await checkins.close_due_runs(session, clock())
    if closed:
        log.info("runs.closed count=%s", closed)
    return closed


async def drain_outbox(sender: OutboxSender) -> None:
    report = await sender.drain()
    if report.outcomes:
        log.info("outbox.drained %s", dict(report.outcomes))


def build_scheduler(
    *,
    timezone: str,
    sessions: async_sessionmaker[AsyncSession],
    sender: OutboxSender,
    clock: Callable[[], datetime],
) -> AsyncIOScheduler:
    """One job per concern; `max_instances=1` so a slow drain is never run twice at once."""
    scheduler = AsyncIOScheduler(timezone=timezone)
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    scheduler.add_job(
        drain_outbox, "interval", seconds=OUTBOX_EVERY_SECONDS, args=[sender], id="outbox", **common
    )
    scheduler.add_job(
        close_due_runs, "interval", minutes=1, args=[sessions, clock], id="close_runs", **common
    )
    return scheduler
