"""Caches of runs and their recipients, so an answer turn does not read the database.

Every answer needs the run's template and state and whether the person was sent the run;
reading (and parsing) those per turn was most of an answer's cost after the write. Run entries
live a few seconds, so a run closed by hand is noticed almost at once, and a run past
`closes_at` is refused at once by the clock. Recipients never leave a run, so they are loaded
once per run and a person not (yet) known is looked up on their own: someone added to a
running check-in is found, and nobody is let in who should not be.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cachetools import LRUCache, TTLCache
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.checkin import Template, parse_template
from store import campaigns, checkins
from store.tables import CampaignState, RunState

TTL_SECONDS = 5.0
# Runs are few; the bounds only protect against a pathological client sending many run ids.
MAX_RUNS = 1000
MAX_RECIPIENT_LISTS = 100


@dataclass(frozen=True)
class RunInfo:
    id: int
    template: Template
    open: bool
    closes_at: datetime
    closed_at: datetime | None
    # The run's campaign is paused: its queued cards and reminders wait.
    paused: bool = False


class RunCache:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        ttl: float = TTL_SECONDS,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._runs: TTLCache[int, RunInfo] = TTLCache(maxsize=MAX_RUNS, ttl=ttl, timer=timer)
        self._recipients: LRUCache[int, dict[str, checkins.Recipient]] = LRUCache(
            maxsize=MAX_RECIPIENT_LISTS
        )

    async def get(self, run_id: int) -> RunInfo | None:
        cached = self._runs.get(run_id)
        if cached is not None:
            return cached
        async with self._sessions() as session:
            run = await checkins.get_run(session, run_id)
            campaign_state = await campaigns.state_of_run(session, run_id) if run else None
        if run is None:
            return None
        info = RunInfo(
            id=run.id,
            template=parse_template(run.template_source, f"run {run.id}"),
            open=run.state == RunState.OPEN,
            closes_at=run.closes_at,
            closed_at=run.closed_at,
            paused=campaign_state == CampaignState.PAUSED,
        )
        self._runs[run_id] = info
        return info

    async def recipient(self, run_id: int, person_id: str) -> checkins.Recipient | None:
        known = self._recipients.get(run_id)
        if known is None:
            async with self._sessions() as session:
                known = await checkins.recipients(session, run_id)
            self._recipients[run_id] = known
        found = known.get(person_id)
        if found is None:
            async with self._sessions() as session:
                found = await checkins.recipient(session, run_id, person_id)
            if found is not None:
                known[person_id] = found
        return found
