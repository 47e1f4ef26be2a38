"""The sender's pipeline: outcomes durable before the next send, nothing held past its lease,
busy chats and zero-second throttles handled within one drain."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.language import Locale
from bot import outcomes as outcomes_module
from bot.outcomes import OutcomeWriter
from bot.sender import OutboxSender, Rendered, Renderers
from cards.base import Card
from store import outbox
from store.outbox import Due, NewMessage
from store.tables import Message, MessageState
from tests.fakes.connector import FakeConnector, throttled
from tests.integration.engine.conftest import Engine, add_people

NOTE = "test.note"


def _note_card(text: str = "note") -> Card:
    return {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": text}]}


def _sender(
    engine: Engine,
    *,
    in_flight: int | None = None,
    rate: float = 200,
    monotonic: Callable[[], float] = time.monotonic,
    on_render: Callable[[Due], None] | None = None,
) -> OutboxSender:
    renderers = Renderers()

    async def render(message: Due, locale: Locale) -> Rendered:
        if on_render is not None:
            on_render(message)
        return _note_card()

    renderers.register(NOTE, render)
    return OutboxSender(
        engine.runtime.sessions,
        engine.runtime.pool,
        renderers,
        rate_per_second=rate,
        max_attempts=5,
        default_locale="en",
        clock=engine.clock,
        in_flight=in_flight,
        rng=random.Random(7),
        monotonic=monotonic,
    )


async def _queue_notes(engine: Engine, people: list[str], per_person: int = 1) -> None:
    async with engine.runtime.sessions.begin() as session:
        await outbox.enqueue(
            session,
            [
                NewMessage(NOTE, person, {"n": n}, f"note:{person}:{n}", engine.clock())
                for person in people
                for n in range(per_person)
            ],
            engine.clock(),
        )


async def _states(engine: Engine) -> dict[str, int]:
    async with engine.runtime.sessions() as session:
        rows = await session.execute(select(Message.state, func.count()).group_by(Message.state))
    return {str(state): int(n) for state, n in rows.all()}


class _Auditor(FakeConnector):
    """Before accepting each send, notes how many sends arrived whose outcome is still not
    committed: the messages a crash at that moment would send twice."""

    def __init__(self, sessions: Callable[[], async_sessionmaker[AsyncSession]]) -> None:
        super().__init__()
        self._sessions = sessions
        self.uncommitted: list[int] = []

    async def _send(self, request: web.Request) -> web.Response:
        # Arrived first, committed after: sends that arrive while the count is read must not
        # be held against the sender (commits only grow, so this never overstates).
        arrived = len(self.received)
        async with self._sessions()() as session:
            committed = await session.scalar(
                select(func.count()).where(Message.state == MessageState.SENT)
            )
        self.uncommitted.append(arrived - int(committed or 0))
        return await super()._send(request)


@pytest.fixture
async def auditor(engine: Engine) -> AsyncIterator[_Auditor]:
    fake = _Auditor(lambda: engine.runtime.sessions)
    await fake.start()
    yield fake
    await fake.close()


async def test_a_crash_could_resend_no_more_than_the_sender_has_in_flight(
    engine: Engine, auditor: _Auditor
) -> None:
    engine.connector = auditor  # people's references point at the auditing fake
    people = await add_people(engine, 300)
    await _queue_notes(engine, people)
    sender = _sender(engine, in_flight=8)

    report = await sender.drain()

    assert report.sent == 300
    assert len(auditor.received) == 300
    # Without per-message durability this reaches a whole batch (hundreds).
    assert max(auditor.uncommitted) <= 8
    assert await _states(engine) == {"sent": 300}


async def test_concurrency_follows_the_rate() -> None:
    assert OutboxSender.in_flight_for(40) == 32
    assert OutboxSender.in_flight_for(500) == 125


async def test_a_throttle_of_zero_seconds_is_sent_again_in_the_same_drain(engine: Engine) -> None:
    people = await add_people(engine, 5)
    engine.connector.fail_next(f"conv-{people[2]}", throttled(0))
    await _queue_notes(engine, people)

    report = await _sender(engine).drain()

    assert report.sent == 5
    assert report.outcomes["retry"] == 1
    assert len(engine.connector.sent_to(f"conv-{people[2]}")) == 1


async def test_a_message_held_past_half_its_lease_is_given_back_then_sent_once(
    engine: Engine,
) -> None:
    people = await add_people(engine, 3)
    await _queue_notes(engine, people)
    shift = [0.0]

    def jump_once(_message: Due) -> None:
        if shift[0] == 0.0:
            shift[0] = 3600.0  # the first render "took an hour": the others are stale now

    sender = _sender(
        engine, in_flight=1, monotonic=lambda: time.monotonic() + shift[0], on_render=jump_once
    )

    report = await sender.drain()

    assert report.sent == 3
    assert report.outcomes["retry"] == 2
    assert sorted(len(engine.connector.sent_to(f"conv-{p}")) for p in people) == [1, 1, 1]
    async with engine.runtime.sessions() as session:
        attempts = (await session.scalars(select(Message.attempts))).all()
    assert sorted(attempts) == [1, 1, 1]  # giving back refunds the attempt


async def test_a_busy_chat_gets_what_its_windows_allow_and_the_rest_later(
    engine: Engine,
) -> None:
    (person,) = await add_people(engine, 1)
    await _queue_notes(engine, [person], per_person=10)

    report = await _sender(engine).drain()

    # 7 at once, the 8th after a second (8 in 2 s), the last two given back for later.
    assert report.sent == 8
    assert report.outcomes["retry"] == 2
    async with engine.runtime.sessions() as session:
        waiting = (
            await session.scalars(select(Message).where(Message.state == MessageState.PENDING))
        ).all()
    assert len(waiting) == 2
    assert all(m.next_attempt_at > engine.clock() for m in waiting)
    assert all(m.last_error == "conversation_pace" for m in waiting)


class _FlakySessions:
    """A sessionmaker whose first `begin()` fails as a dropped connection would."""

    def __init__(self, real: async_sessionmaker[AsyncSession]) -> None:
        self._real = real
        self.failures = 1

    def begin(self) -> Any:
        if self.failures:
            self.failures -= 1
            raise OperationalError("begin", {}, ConnectionError("connection reset"))
        return self._real.begin()


async def test_a_failed_commit_of_outcomes_is_tried_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outcomes_module, "WRITE_RETRY_SECONDS", 0.01)
    people = await add_people(engine, 2)
    await _queue_notes(engine, people)
    async with engine.runtime.sessions.begin() as session:
        claimed = await outbox.claim(
            session, now=engine.clock(), lease=timedelta(minutes=1), limit=10
        )
    flaky = _FlakySessions(engine.runtime.sessions)
    writer = OutcomeWriter(flaky, engine.clock, flush_at=10)  # type: ignore[arg-type]
    try:
        for message in claimed:
            writer.outcomes.sent.append((message.id, f"activity-{message.id}"))
        await writer.committed()
    finally:
        await writer.close()

    assert flaky.failures == 0
    assert await _states(engine) == {"sent": 2}


async def test_closing_the_writer_commits_what_is_left(engine: Engine) -> None:
    people = await add_people(engine, 1)
    await _queue_notes(engine, people)
    async with engine.runtime.sessions.begin() as session:
        (claimed,) = await outbox.claim(
            session, now=engine.clock(), lease=timedelta(minutes=1), limit=10
        )
    writer = OutcomeWriter(engine.runtime.sessions, engine.clock, flush_at=10, flush_seconds=60)
    writer.outcomes.sent.append((claimed.id, "activity-1"))
    await writer.close()
    assert await _states(engine) == {"sent": 1}
