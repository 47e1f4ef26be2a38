"""Durable schedules: each occurrence once, caught up within its window, on local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.recurrence import Recurrence
from scheduler.runner import Job, ScheduleRunner
from store import schedules
from store.schedules import ScheduleView
from tests.integration.engine.conftest import Engine

WEEKLY = Recurrence(datetime(2026, 3, 16, 9, 0), "Europe/Brussels", every_days=7)


class Recorder:
    def __init__(self, fail_once: bool = False) -> None:
        self.fired: list[datetime] = []
        self.fail_once = fail_once

    async def __call__(
        self, session: AsyncSession | None, schedule: ScheduleView, due_at: datetime
    ) -> None:
        if self.fail_once:
            self.fail_once = False
            raise RuntimeError("boom")
        self.fired.append(due_at)


async def _runner(engine: Engine, recorder: Recorder, **job: object) -> ScheduleRunner:
    async with engine.runtime.sessions.begin() as session:
        await schedules.create(session, "test:weekly", "test", WEEKLY, engine.clock())
    return ScheduleRunner(
        engine.runtime.sessions,
        {"test": Job(recorder, **job)},  # type: ignore[arg-type]
        engine.clock,
    )


async def test_each_occurrence_fires_once_however_often_it_is_asked(engine: Engine) -> None:
    recorder = Recorder()
    runner = await _runner(engine, recorder, catch_up=timedelta(days=30))
    at = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    engine.clock.now = at

    first = await runner.run_due(at)
    again = await runner.run_due(at)

    assert [f.outcome for f in first] == ["fired", "fired", "fired"]
    assert again == []
    assert [d.day for d in recorder.fired] == [16, 23, 30]


async def test_occurrences_keep_nine_local_across_the_spring_change(engine: Engine) -> None:
    recorder = Recorder()
    runner = await _runner(engine, recorder, catch_up=timedelta(days=30))
    at = datetime(2026, 4, 6, 12, 0, tzinfo=UTC)
    engine.clock.now = at
    await runner.run_due(at)
    local_hours = {d.astimezone(WEEKLY.tz).hour for d in recorder.fired}
    assert local_hours == {9}
    assert [d.day for d in recorder.fired] == [16, 23, 30, 6]


async def test_downtime_longer_than_the_window_is_missed_not_sent_late(engine: Engine) -> None:
    recorder = Recorder()
    runner = await _runner(engine, recorder, catch_up=timedelta(hours=24))
    # Down from before the first occurrence until 10:00 UTC on Monday 30 March.
    at = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    engine.clock.now = at
    fired = await runner.run_due(at)
    assert [(f.due_at.day, f.outcome) for f in fired] == [
        (16, "missed"),
        (23, "missed"),
        (30, "fired"),
    ]
    assert [d.day for d in recorder.fired] == [30]


async def test_a_failed_job_is_tried_again_and_then_fires_once(engine: Engine) -> None:
    recorder = Recorder(fail_once=True)
    runner = await _runner(engine, recorder, catch_up=timedelta(days=30))
    at = datetime(2026, 3, 17, 12, 0, tzinfo=UTC)
    engine.clock.now = at
    assert [f.outcome for f in await runner.run_due(at)] == ["failed"]
    assert [f.outcome for f in await runner.run_due(at)] == ["fired"]
    assert await runner.run_due(at) == []
    assert len(recorder.fired) == 1


@pytest.mark.parametrize("restarts", [1, 3])
async def test_a_restarted_runner_fires_nothing_twice(engine: Engine, restarts: int) -> None:
    recorder = Recorder()
    await _runner(engine, recorder, catch_up=timedelta(days=30))
    at = datetime(2026, 4, 1, tzinfo=UTC)
    engine.clock.now = at
    for _ in range(restarts + 1):
        fresh = ScheduleRunner(
            engine.runtime.sessions,
            {"test": Job(recorder, catch_up=timedelta(days=30))},
            engine.clock,
        )
        await fresh.run_due(at)
    assert len(recorder.fired) == len(set(recorder.fired)) == 3
