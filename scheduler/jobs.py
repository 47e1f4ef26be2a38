"""The worker's clock tick: APScheduler runs one job that looks at the durable schedules.

What recurs lives in the database (store/schedules.py, fired by scheduler.runner), not in
APScheduler's memory: a tick missed during a deploy is caught up by the next one. The tick
also closes runs past their closing time. The outbox has its own loop
(bot.sender.OutboxSender.serve), woken when something is queued.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from apscheduler.schedulers.asyncio import AsyncIOScheduler

Job = Callable[[], Awaitable[None]]
TICK_SECONDS: Final = 30


def build_scheduler(*, timezone: str, tick: Job, every: float = TICK_SECONDS) -> AsyncIOScheduler:
    """One interval job; `max_instances=1` so a slow tick is never run twice at once."""
    scheduler = AsyncIOScheduler(timezone=timezone)
    scheduler.add_job(
        tick,
        "interval",
        seconds=every,
        id="tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=int(every),
    )
    return scheduler
