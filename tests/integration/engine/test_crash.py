"""Crash safety and several workers, with real `uptake serve --role worker` processes.

A worker killed with SIGKILL mid-run and started again loses nothing, resumes within seconds
and sends twice at most what it had in flight. Of two workers only the leader sends; when it
is killed the standby takes over within 30 s. The fake connector answers each send 50 ms
after accepting it, so a kill finds sends accepted but not yet acknowledged, the case that
can make a duplicate.

A duplicate card answered twice stores one answer: the respondent key is upserted
(tests/integration/bot/test_spine.py::test_answer_twice_counts_once_and_the_second_replaces_the_first).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adoption.audience import Audience
from adoption.clock import utc_now
from bot.sender import OutboxSender
from store import checkins
from store.engine import make_engine, make_sessions
from store.schema import upgrade
from store.tables import Message, MessageState, Person
from tests.fakes.connector import FakeConnector
from tests.integration.bot.conftest import SECRET

log = logging.getLogger("tests.crash")

UPTAKE = str(Path(sys.executable).with_name("uptake"))
RATE = 100  # sends per second: a run of a few seconds, long enough to kill it midway
PEOPLE = 500
IN_FLIGHT = OutboxSender.in_flight_for(RATE)


class SlowConnector(FakeConnector):
    """Accepts a send, then answers it 50 ms later; notes when each arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []

    async def _send(self, request: web.Request) -> web.Response:
        response = await super()._send(request)
        self.arrived.append(time.monotonic())
        await asyncio.sleep(0.05)
        return response

    def per_chat(self) -> Counter[str]:
        return Counter(r.conversation_id for r in self.received if r.method == "POST")


class Worker:
    """One `uptake serve --role worker` process; its output is read as it comes."""

    def __init__(self, env: dict[str, str], name: str) -> None:
        self.name = name
        self._env = env
        self.lines: list[str] = []
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            UPTAKE,
            "serve",
            "--role",
            "worker",
            env=self._env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        async for line in self._process.stdout:
            self.lines.append(line.decode(errors="replace").rstrip())

    def said(self, event: str) -> bool:
        return any(event in line for line in self.lines)

    async def wait_for(self, event: str, within: float) -> None:
        deadline = time.monotonic() + within
        while not self.said(event):
            if self._process is not None and self._process.returncode is not None:
                break
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        if not self.said(event):
            tail = "\n".join(self.lines[-30:])
            raise AssertionError(f"{self.name} never logged {event!r}:\n{tail}")

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a crash or an OOM kill."""
        if self._process is not None and self._process.returncode is None:
            self._process.send_signal(signal.SIGKILL)
            await self._process.wait()
        if self._reader is not None:
            await self._reader

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            try:
                await asyncio.wait_for(self._process.wait(), 15)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()
        if self._reader is not None:
            await self._reader


@pytest.fixture
async def connector() -> AsyncIterator[SlowConnector]:
    fake = SlowConnector()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UPTAKE_", "CONNECTIONS__", "CONNECTIONSMAP__", "AZURE_"))
    }
    reports = tmp_path / "no-reports"  # empty: the daily usage sync never reaches for Graph
    reports.mkdir(exist_ok=True)
    env.update(
        {
            "UPTAKE_DATA_DIR": str(tmp_path),
            "UPTAKE_DATABASE_URL": database_url,
            "UPTAKE_SECRET": SECRET,
            "UPTAKE_REPORTS_DIR": str(reports),
            "UPTAKE_SEND_RATE_PER_SECOND": str(RATE),
            "LANG": "en_GB.UTF-8",
        }
    )
    return env


async def _open_run_for_everyone(store: AsyncEngine, connector: FakeConnector) -> None:
    sessions = make_sessions(store)
    async with sessions.begin() as session:
        session.add_all(
            Person(
                id=f"p{n:05d}",
                department="Verkoop",
                locale="en-GB",
                conversation={
                    "conversation": {"id": f"conv-p{n:05d}"},
                    "serviceUrl": connector.url,
                    "channelId": "msteams",
                    "bot": {"id": "28:bot"},
                    "user": {"id": f"p{n:05d}"},
                    "locale": "en-GB",
                },
            )
            for n in range(PEOPLE)
        )
    async with sessions.begin() as session:
        await checkins.open_run(
            session,
            template_key="pulse",
            audience=Audience.everyone(),
            now=utc_now(),
            open_for=timedelta(days=1),
            min_group_size=3,
        )


async def _states(store: AsyncEngine) -> dict[str, int]:
    async with make_sessions(store)() as session:
        rows = await session.execute(select(Message.state, func.count()).group_by(Message.state))
    return {str(state): int(n) for state, n in rows.all()}


async def _until_all_sent(store: AsyncEngine, connector: SlowConnector, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if len(connector.per_chat()) == PEOPLE and (await _states(store)) == {"sent": PEOPLE}:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not all sent: {await _states(store)}, {len(connector.per_chat())}")


async def _until_received(connector: SlowConnector, count: int, within: float) -> None:
    deadline = time.monotonic() + within
    while len(connector.received) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {len(connector.received)} sends arrived")
        await asyncio.sleep(0.02)


def _assert_each_sent_once_but_at_most(connector: SlowConnector, duplicates: int) -> int:
    per_chat = connector.per_chat()
    assert len(per_chat) == PEOPLE  # none lost
    assert set(per_chat.values()) <= {1, 2}
    sent_twice = sum(per_chat.values()) - PEOPLE
    assert sent_twice <= duplicates
    return sent_twice


async def test_a_killed_worker_restarted_loses_nothing_and_resumes_within_seconds(
    store: AsyncEngine, database_url: str, tmp_path: Path, connector: SlowConnector
) -> None:
    await _open_run_for_everyone(store, connector)
    env = _env(tmp_path, database_url)
    first = Worker(env, "first")
    second = Worker(env, "second")
    try:
        await first.start()
        await _until_received(connector, PEOPLE // 3, within=30)
        await first.kill()
        async with make_sessions(store)() as session:
            left_sending = await session.scalar(
                select(func.count()).where(Message.state == MessageState.SENDING)
            )
        before = len(connector.received)
        assert before < PEOPLE  # the kill landed mid-run

        restarted = time.monotonic()
        await second.start()
        await _until_received(connector, before + 1, within=15)
        resumed = connector.arrived[before] - restarted
        await _until_all_sent(store, connector, within=30)
    finally:
        await first.kill()
        await second.stop()

    assert left_sending  # it really died mid-send
    assert resumed < 10
    twice = _assert_each_sent_once_but_at_most(connector, IN_FLIGHT)
    assert second.said("outbox.resumed")
    log.info("crash.restart resumed=%.2fs left_sending=%s twice=%s", resumed, left_sending, twice)


async def test_only_the_leader_sends_and_a_standby_takes_over_its_kill_within_30_s(
    store: AsyncEngine, database_url: str, tmp_path: Path, connector: SlowConnector
) -> None:
    await _open_run_for_everyone(store, connector)
    env = _env(tmp_path, database_url)
    leader = Worker(env, "leader")
    standby = Worker(env, "standby")
    try:
        await leader.start()
        await leader.wait_for("leader.elected", within=30)
        await standby.start()
        await standby.wait_for("leader.standby", within=30)
        await _until_received(connector, PEOPLE // 3, within=30)
        # Both are up; only one of them has sent: no chat got anything twice.
        assert max(connector.per_chat().values()) == 1
        assert not standby.said("leader.elected")

        await leader.kill()
        killed = time.monotonic()
        before = len(connector.received)
        await standby.wait_for("leader.elected", within=30)
        await _until_received(connector, before + 1, within=30)
        took_over = connector.arrived[before] - killed
        await _until_all_sent(store, connector, within=30)
    finally:
        await leader.kill()
        await standby.stop()

    assert took_over < 30
    twice = _assert_each_sent_once_but_at_most(connector, IN_FLIGHT)
    log.info("crash.take_over sent_after=%.2fs twice=%s", took_over, twice)
