"""Enqueueing in bulk: exactly the new messages counted, every value kept as given."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from store import outbox
from store.outbox import NewMessage
from store.tables import Message
from tests.integration.engine.conftest import Engine, add_people


async def test_only_new_messages_are_counted_within_and_across_chunks(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "ENQUEUE_CHUNK", 3)
    people = await add_people(engine, 4)
    now = engine.clock()

    def message(key: str) -> NewMessage:
        return NewMessage("checkin", people[0], {"run": 1}, key, now)

    async with engine.runtime.sessions.begin() as session:
        first = await outbox.enqueue(session, [message("a"), message("b")], now)
    keys = ["a", "c", "c", "d", "e", "b", "f", "d"]  # a, b known; c, d twice; c in one chunk
    async with engine.runtime.sessions.begin() as session:
        second = await outbox.enqueue(session, (message(k) for k in keys), now)

    assert (first, second) == (2, 4)
    async with engine.runtime.sessions() as session:
        stored = sorted((await session.scalars(select(Message.dedupe_key))).all())
    assert stored == ["a", "b", "c", "d", "e", "f"]


async def test_every_value_is_stored_as_given(engine: Engine) -> None:
    people = await add_people(engine, 3)
    now = engine.clock()
    later = now + timedelta(days=2, microseconds=7)
    refs: list[dict[str, Any]] = [
        {"run": 1, "share": 1},
        {"run": 1, "share": 1.0},  # equal to the first in Python, not in JSON
        {"run": 1, "share": True},
        {"waves": ["1", "2"], "nested": {"a": None}},
    ]
    messages = [
        NewMessage(f"kind-{i}", people[i % 3], ref, f"key-{i}", later if i % 2 else now, "t:1")
        for i, ref in enumerate(refs)
    ]
    async with engine.runtime.sessions.begin() as session:
        assert await outbox.enqueue(session, messages, now) == 4

    async with engine.runtime.sessions() as session:
        rows = (await session.scalars(select(Message).order_by(Message.dedupe_key))).all()
    assert [r.ref for r in rows] == refs
    assert [type(r.ref.get("share")) for r in rows] == [int, float, bool, type(None)]
    assert [r.not_before for r in rows] == [now, later, now, later]
    assert [r.next_attempt_at for r in rows] == [now, later, now, later]
    assert all(r.created_at == now == r.updated_at for r in rows)
    assert all(r.not_before.tzinfo is not None for r in rows)
    assert [(r.kind, r.person_id, r.topic) for r in rows] == [
        (m.kind, m.person_id, m.topic) for m in messages
    ]
    assert {(r.state, r.attempts) for r in rows} == {("pending", 0)}


async def test_a_naive_moment_is_refused(engine: Engine) -> None:
    (person,) = await add_people(engine, 1)
    naive = engine.clock().replace(tzinfo=None)
    with pytest.raises((ValueError, StatementError), match="naive"):
        async with engine.runtime.sessions.begin() as session:
            await outbox.enqueue(session, [NewMessage("k", person, {}, "k", naive)], naive)
