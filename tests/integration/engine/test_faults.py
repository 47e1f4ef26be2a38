"""Remote failures during a campaign (docs/faults.md): what is retried, what is given up, and
that no queued message is lost or sent twice.

The Bot Connector is the fake on a loopback port (tests.fakes.connector); a connector that
refuses connections is a loopback port nothing listens on; a slow one is a small aiohttp app
that answers after the pool's timeout. The database faults use the real database: PostgreSQL
that stops accepting connections mid-campaign, SQLite that has no page left to grow into.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from adoption.audience import Audience
from bot.connector import ConnectorPool, LocalTokens, TransientFailure
from store import checkins
from store.tables import CheckinRun, Message, Person
from tests.conftest import POSTGRES_ADMIN_URL
from tests.fakes.connector import Failure
from tests.integration.engine.conftest import Engine, add_people, reference


async def _open_pulse(engine: Engine) -> int:
    async with engine.runtime.sessions.begin() as session:
        opened = await checkins.open_run(
            session,
            template_key="pulse",
            audience=Audience.everyone(),
            now=engine.clock(),
            open_for=timedelta(days=7),
            min_group_size=3,
        )
    return opened.run_id


async def _messages(engine: Engine) -> list[Message]:
    async with engine.runtime.sessions() as session:
        return list(await session.scalars(select(Message).order_by(Message.id)))


def _free_port() -> int:
    with socket.socket() as probe:  # bound, never listening, closed: connections are refused
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_connector_5xx_is_retried_and_then_sent_once(engine: Engine) -> None:
    people = await add_people(engine, 3)
    engine.connector.fail_next(f"conv-{people[0]}", Failure(502), Failure(500))
    await _open_pulse(engine)
    for _ in range(3):
        await engine.runtime.sender.drain()
        engine.clock.advance(minutes=15)  # past any backoff
    rows = await _messages(engine)
    assert [m.state for m in rows] == ["sent"] * 3
    assert len(engine.connector.sent_to(f"conv-{people[0]}")) == 1
    # Two failed attempts, then the one that went through.
    assert next(m for m in rows if m.person_id == people[0]).attempts == 3


async def test_a_conversation_the_connector_no_longer_knows_is_unreachable_not_retried(
    engine: Engine,
) -> None:
    people = await add_people(engine, 2)
    gone = Failure(404, {"error": {"code": "ConversationNotFound", "message": "gone"}})
    engine.connector.fail_always(f"conv-{people[0]}", gone)
    await _open_pulse(engine)
    await engine.runtime.sender.drain()
    engine.clock.advance(hours=1)
    await engine.runtime.sender.drain()
    states = {m.person_id: m.state for m in await _messages(engine)}
    assert states == {people[0]: "unreachable", people[1]: "sent"}
    async with engine.runtime.sessions() as session:
        person = await session.get(Person, people[0])
    assert person is not None and person.unreachable_since is not None


async def test_a_refused_connection_is_retried_and_nothing_is_lost(engine: Engine) -> None:
    (person,) = await add_people(engine, 1)
    async with engine.runtime.sessions.begin() as session:
        dead = {
            **reference(person, engine.connector),
            "serviceUrl": f"http://127.0.0.1:{_free_port()}/",
        }
        await session.execute(update(Person).where(Person.id == person).values(conversation=dead))
    await _open_pulse(engine)
    report = await engine.runtime.sender.drain()
    assert report.outcomes["retry"] == 1
    (waiting,) = await _messages(engine)
    assert (waiting.state, waiting.attempts) == ("pending", 1)
    assert waiting.last_error == "transient"
    # The connector is back (here: the reference points at a live one): sent, once.
    async with engine.runtime.sessions.begin() as session:
        live = reference(person, engine.connector)
        await session.execute(update(Person).where(Person.id == person).values(conversation=live))
    engine.clock.advance(minutes=15)
    await engine.runtime.sender.drain()
    (sent,) = await _messages(engine)
    assert sent.state == "sent"
    assert len(engine.connector.sent_to(f"conv-{person}")) == 1


@pytest.fixture
async def slow_connector() -> AsyncIterator[str]:
    async def too_slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({"id": "late"})

    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities", too_slow)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("/"))
    finally:
        await server.close()


async def test_a_connector_that_does_not_answer_in_time_is_a_transient_failure(
    engine: Engine, slow_connector: str
) -> None:
    pool = ConnectorPool(
        LocalTokens(), engine.runtime.settings.service_urls(local=True), timeout_seconds=0.3
    )
    try:
        with pytest.raises(TransientFailure) as caught:
            await pool.post(slow_connector, "conv-1", b"{}")
    finally:
        await pool.close()
    # A transient failure is retried with backoff by the sender (the 5xx test above).
    assert isinstance(caught.value.__cause__, TimeoutError)


async def test_database_unavailable_during_a_campaign_loses_and_doubles_nothing(
    engine: Engine,
) -> None:
    url = engine.runtime.settings.database_url or ""
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL refuses new connections on demand; SQLite has no server to stop")
    name = url.rsplit("/", 1)[1]
    await add_people(engine, 20)
    await _open_pulse(engine)
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            await connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
        with pytest.raises(DBAPIError):
            await engine.runtime.sender.drain()
        assert engine.connector.received == []
        async with admin.connect() as connection:
            await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        await admin.dispose()
    # The pool's connections were killed; SQLAlchemy's pre-ping replaces them.
    await engine.runtime.engine.dispose()
    report = await engine.runtime.sender.drain()
    assert report.sent == 20
    rows = await _messages(engine)
    assert [m.state for m in rows] == ["sent"] * 20
    per_chat = [len(engine.connector.sent_to(f"conv-{m.person_id}")) for m in rows]
    assert per_chat == [1] * 20


async def test_a_full_sqlite_disk_refuses_the_new_run_whole_and_keeps_the_queued_one(
    engine: Engine,
) -> None:
    if not (engine.runtime.settings.database_url or "").startswith("sqlite"):
        pytest.skip("SQLite's page limit stands in for a full disk")
    await add_people(engine, 5)
    first = await _open_pulse(engine)
    await add_people(engine, 300, prefix="late")

    def no_room(dbapi_connection: Any, _record: Any) -> None:
        # SQLite answers SQLITE_FULL ("database or disk is full") as soon as the file would
        # need another page: a full disk, without needing one.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA page_count")
        (pages,) = cursor.fetchone()
        cursor.execute(f"PRAGMA max_page_count = {int(pages)}")
        cursor.close()

    sync_engine = engine.runtime.engine.sync_engine
    await engine.runtime.engine.dispose()
    event.listen(sync_engine, "connect", no_room)
    try:
        with pytest.raises(OperationalError, match="database or disk is full"):
            async with engine.runtime.sessions.begin() as session:
                await checkins.open_run(
                    session,
                    template_key="baseline",
                    audience=Audience.everyone(),
                    now=engine.clock(),
                    open_for=timedelta(days=7),
                    min_group_size=3,
                )
    finally:
        event.remove(sync_engine, "connect", no_room)
        await engine.runtime.engine.dispose()
    async with engine.runtime.sessions() as session:
        runs = await session.scalars(select(CheckinRun.id))
        assert list(runs) == [first]  # nothing of the refused run was written
        queued = await session.scalar(select(func.count()).select_from(Message))
    assert queued == 5
    report = await engine.runtime.sender.drain()
    assert report.sent == 5
