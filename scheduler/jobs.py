"""Background jobs of the worker role, as APScheduler jobs over callables it is given.

The scheduler knows no feature: the composition root hands it what to run (close runs that
are due, sync usage), each an async callable that logs its own outcome. The outbox has its
own loop (bot.sender.OutboxSender.serve), woken when something is queued.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from apscheduler.schedulers.asyncio import AsyncIOScheduler

Job = Callable[[], Awaitable[None]]
SYNC_HOUR: Final = 5
SYNC_MINUTE: Final = 17


def build_scheduler(*, timezone: str, close_due_runs: Job, sync_usage: Job) -> AsyncIOScheduler:
    """One job per concern; `max_instances=1` so a slow job is never run twice at once."""
    scheduler = AsyncIOScheduler(timezone=timezone)
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 60}
    scheduler.add_job(close_due_runs, "interval", minutes=1, id="close_runs", **common)
    # Reports lag 24-48 h and one run makes 10 requests (limit: 14 per 10 minutes per report
    # API), so once a day in the early morning is both enough and well within throttling.
    scheduler.add_job(
        sync_usage, "cron", hour=SYNC_HOUR, minute=SYNC_MINUTE, id="usage_sync", **common
    )
    return scheduler
