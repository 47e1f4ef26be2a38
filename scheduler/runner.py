"""Firing durable schedules: every occurrence due up to a moment, exactly once.

An occurrence is materialised in `occurrence` (unique per schedule and time) in the same
transaction as the job's own writes, so a job that queues messages or opens a run does so
exactly once: a restart, `uptake jobs run-due` run twice, or a second worker find the
occurrence recorded and skip it. A job that does long work of its own (the usage sync) runs
first and is recorded after it succeeds: at least once, and it is idempotent.

Downtime: occurrences that fell due while nothing ran are fired when the runner next looks,
if they are not older than their kind's catch-up window; older ones are recorded as missed
(a week-old check-in reminder would be noise). The clock is injectable: `run_due(at)`
fires what is due up to `at`, which is how weeks are simulated.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.clock import Clock
from store import schedules
from store.schedules import ScheduleView

log = logging.getLogger("uptake.scheduler")

DEFAULT_CATCH_UP: Final = timedelta(hours=24)
Outcome = Literal["fired", "missed", "failed"]
# A job of a transactional kind writes through the session it is given; an idempotent one
# gets None and opens its own transactions.
JobRun = Callable[[AsyncSession | None, ScheduleView, datetime], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Job:
    run: JobRun
    transactional: bool = True
    catch_up: timedelta = DEFAULT_CATCH_UP


@dataclass(frozen=True, slots=True)
class Fired:
    key: str
    kind: str
    due_at: datetime
    outcome: Outcome


class ScheduleRunner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        jobs: Mapping[str, Job],
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._jobs = dict(jobs)
        self._clock = clock

    def register(self, kind: str, job: Job) -> None:
        if kind in self._jobs:
            raise ValueError(f"a job for {kind!r} is registered already")
        self._jobs[kind] = job

    async def run_due(self, at: datetime | None = None) -> list[Fired]:
        """Fire every occurrence due at or before `at` (default: now), oldest first."""
        until = at or self._clock()
        async with self._sessions() as session:
            pending = await schedules.due(session, until)
        fired: list[Fired] = []
        for schedule in pending:
            job = self._jobs.get(schedule.kind)
            if job is None:
                log.warning("schedule.no_job key=%s kind=%s", schedule.key, schedule.kind)
                continue
            if schedule.next_due is None:
                continue
            for due_at in schedule.rule.between(schedule.next_due, until):
                outcome = await self._fire(schedule, job, due_at, until)
                if outcome is None:
                    continue
                fired.append(Fired(schedule.key, schedule.kind, due_at, outcome))
                if outcome == "failed":
                    break  # tried again on the next look; later occurrences wait for it
        return fired

    async def _fire(
        self, schedule: ScheduleView, job: Job, due_at: datetime, until: datetime
    ) -> Outcome | None:
        missed = until - due_at > job.catch_up
        outcome: Outcome = "missed" if missed else "fired"
        following = schedule.rule.after(due_at)
        try:
            if not missed and not job.transactional:
                await job.run(None, schedule, due_at)
            async with self._sessions.begin() as session:
                if not await schedules.record(session, schedule.id, due_at, outcome, self._clock()):
                    await schedules.advance(session, schedule.id, following)
                    return None  # fired already: by an earlier run or another worker
                if not missed and job.transactional:
                    await job.run(session, schedule, due_at)
                await schedules.advance(session, schedule.id, following)
        except Exception:
            log.exception("schedule.failed key=%s due=%s", schedule.key, due_at.isoformat())
            return "failed"
        log.info("schedule.%s key=%s due=%s", outcome, schedule.key, due_at.isoformat())
        return outcome
