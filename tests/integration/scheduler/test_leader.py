"""Exactly one worker leads; a standby takes over when the leader lets go."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from scheduler.leader import KEEPALIVE, FileLeadership, Leadership, PostgresLeadership, lead
from store.engine import make_engine


async def _pair(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> tuple[Leadership, Leadership, AsyncEngine | None]:
    if engine.dialect.name == "postgresql":
        other = make_engine(database_url)  # a second process would have its own pool
        return PostgresLeadership(engine), PostgresLeadership(other), other
    lock = tmp_path / "worker.lock"
    return FileLeadership(lock), FileLeadership(lock), None


async def test_only_one_worker_leads_and_a_standby_takes_over(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    first, second, other = await _pair(engine, database_url, tmp_path)
    try:
        assert await first.try_acquire()
        assert not await second.try_acquire()
        assert await first.still_held()

        await first.release()

        assert await second.try_acquire()
        assert not await first.try_acquire()
        await second.release()
    finally:
        if other is not None:
            await other.dispose()


async def test_lead_runs_jobs_only_while_leading(engine: AsyncEngine, tmp_path: Path) -> None:
    events: list[str] = []
    stop = asyncio.Event()
    leadership = FileLeadership(tmp_path / "worker.lock")
    rival = FileLeadership(tmp_path / "worker.lock")
    assert await rival.try_acquire()

    task = asyncio.create_task(
        lead(
            leadership,
            lambda: events.append("elected"),
            lambda: events.append("deposed"),
            stop,
            every=0.05,
        )
    )
    await asyncio.sleep(0.2)
    assert events == []  # the rival holds the lock: standby
    await rival.release()
    await asyncio.sleep(0.2)
    assert events == ["elected"]
    stop.set()
    await task
    assert events == ["elected", "deposed"]


@pytest.mark.postgres
async def test_the_lock_connection_is_probed_so_a_dead_host_frees_it_in_seconds(
    engine: AsyncEngine, database_url: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock lives on PostgreSQL")
    leader = PostgresLeadership(engine)
    assert await leader.try_acquire()
    try:
        connection = leader._connection
        assert connection is not None
        shown = {
            name: (await connection.execute(text(f"SHOW {name}"))).scalar() for name in KEEPALIVE
        }
        assert shown == {name: str(seconds) for name, seconds in KEEPALIVE.items()}
    finally:
        await leader.release()
