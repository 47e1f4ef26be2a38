"""The sender: one outbox for every kind, paced, failures isolated, nothing lost or doubled."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from adoption.audience import Audience
from store import checkins, outbox
from store.outbox import NewMessage
from store.tables import Message
from tests.fakes.connector import Failure, throttled
from tests.integration.engine.conftest import Engine, add_people


async def _open_pulse(engine: Engine, **kw: object) -> int:
    async with engine.runtime.sessions.begin() as session:
        opened = await checkins.open_run(
            session,
            template_key="pulse",
            audience=Audience.everyone(),
            now=engine.clock(),
            open_for=timedelta(days=7),
            min_group_size=3,
            **kw,  # type: ignore[arg-type]
        )
    return opened.run_id


async def _states(engine: Engine) -> dict[str, int]:
    async with engine.runtime.sessions() as session:
        rows = await session.execute(select(Message.state, func.count()).group_by(Message.state))
    return {str(state): int(n) for state, n in rows.all()}


async def test_enqueueing_twice_sends_once(engine: Engine) -> None:
    (person,) = await add_people(engine, 1)
    message = NewMessage("checkin", person, {"run": 1}, "same-key", engine.clock())
    async with engine.runtime.sessions.begin() as session:
        first = await outbox.enqueue(session, [message], engine.clock())
        second = await outbox.enqueue(session, [message, message], engine.clock())
    assert (first, second) == (1, 0)
    async with engine.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 1


async def test_a_throttled_recipient_holds_back_nobody_else(engine: Engine) -> None:
    people = await add_people(engine, 40)
    slow = people[7]
    engine.connector.fail_always(f"conv-{slow}", throttled(30))
    await _open_pulse(engine)

    began = time.monotonic()
    report = await engine.runtime.sender.drain()
    took = time.monotonic() - began

    assert report.sent == 39
    assert report.outcomes["retry"] == 1
    assert took < 5  # not 30 s: only the throttled message waits out its Retry-After
    async with engine.runtime.sessions() as session:
        waiting = await session.scalar(select(Message).where(Message.person_id == slow))
    assert waiting is not None and waiting.state == "pending"
    assert waiting.next_attempt_at - engine.clock() == timedelta(seconds=30)
    assert waiting.attempts == 0  # a throttle is no failure of the message


async def test_transient_failures_are_retried_then_given_up(engine: Engine) -> None:
    (person,) = await add_people(engine, 1)
    engine.connector.fail_always(f"conv-{person}", Failure(503))
    await _open_pulse(engine)
    max_attempts = engine.runtime.settings.send_max_attempts
    for _ in range(max_attempts):
        await engine.runtime.sender.drain()
        engine.clock.advance(minutes=15)  # past any backoff
    assert await _states(engine) == {"failed": 1}
    assert len(engine.connector.received) == 0


async def test_a_kind_nobody_renders_fails_without_sending(engine: Engine) -> None:
    (person,) = await add_people(engine, 1)
    async with engine.runtime.sessions.begin() as session:
        await outbox.enqueue(
            session, [NewMessage("mystery", person, {}, "m-1", engine.clock())], engine.clock()
        )
    report = await engine.runtime.sender.drain()
    assert report.outcomes == {"failed": 1}
    assert engine.connector.received == []


async def test_a_card_for_a_closed_run_is_skipped(engine: Engine) -> None:
    await add_people(engine, 2)
    run_id = await _open_pulse(engine)
    async with engine.runtime.sessions.begin() as session:
        run = await checkins.get_run(session, run_id)
        assert run is not None
        run.state = "closed"
    report = await engine.runtime.sender.drain()
    assert report.outcomes == {"skipped": 2}
    assert engine.connector.received == []


async def test_rows_a_dead_sender_left_sending_go_out_at_once_on_take_over(
    engine: Engine,
) -> None:
    await add_people(engine, 3)
    await _open_pulse(engine)
    async with engine.runtime.sessions.begin() as session:
        # A sender claimed them with a one-minute lease, then died.
        leased = await outbox.claim(
            session, now=engine.clock(), lease=timedelta(minutes=1), limit=10
        )
    assert len(leased) == 3
    assert (await engine.runtime.sender.drain()).sent == 0  # leased: not due yet

    assert await engine.runtime.sender.take_over() == 3
    report = await engine.runtime.sender.drain()

    assert report.sent == 3
    assert len(engine.connector.received) == 3


async def test_a_newly_queued_message_starts_within_a_second(engine: Engine) -> None:
    people = await add_people(engine, 1)
    run_id = await _open_pulse(engine)
    await engine.runtime.sender.drain()
    stop = asyncio.Event()
    loop = asyncio.create_task(engine.runtime.sender.serve(stop, poll_seconds=0.5))
    try:
        await asyncio.sleep(0.3)  # the loop is idle now
        queued = time.monotonic()
        async with engine.runtime.sessions.begin() as session:
            message = checkins.run_messages(run_id, people[0], engine.clock(), [])[0]
            await outbox.enqueue(session, [replace(message, dedupe_key="again")], engine.clock())
        # Queued by another session, with no wake-up: the loop's own look finds it.
        async with asyncio.timeout(1.0):
            await engine.connector.wait_for(2)
        arrived = time.monotonic() - queued
    finally:
        stop.set()
        await loop
    assert arrived < 1.0


async def test_two_claims_never_take_the_same_message(engine: Engine) -> None:
    await add_people(engine, 200)
    await _open_pulse(engine)

    async def claim() -> set[int]:
        async with engine.runtime.sessions.begin() as session:
            rows = await outbox.claim(
                session, now=engine.clock(), lease=timedelta(minutes=1), limit=150
            )
        return {row.id for row in rows}

    first, second = await asyncio.gather(claim(), claim())
    assert not first & second
    assert len(first | second) == 200
