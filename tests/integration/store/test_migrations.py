"""The hand-written migrations create exactly what the table classes describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from store.base import Base
from store.schema import is_current, upgrade


async def test_migrations_match_the_models(engine: AsyncEngine) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)

    assert differences == []


async def test_upgrade_is_idempotent_and_leaves_the_schema_current(engine: AsyncEngine) -> None:
    await upgrade(engine)
    assert await is_current(engine)


async def test_deliveries_become_outbox_messages_without_loss(database_url: str) -> None:
    from datetime import datetime

    from sqlalchemy import select, text

    from store.engine import make_engine, make_sessions
    from store.tables import Message, RunRecipient

    engine = make_engine(database_url)
    await upgrade(engine, "0004")
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO person (id) VALUES ('p1'), ('p2'), ('p3'), ('p4')")
        )
        await connection.execute(
            text(
                "INSERT INTO checkin_run (id, template_key, template_source, audience, state, "
                "opened_at, closes_at, min_group_size) VALUES (1, 'pulse', 'x', 'all', 'open', "
                ":at, :at, 5)"
            ),
            {"at": datetime(2026, 11, 20, 10, 0)},
        )
        for person, state, attempts in (
            ("p1", "sent", 1),
            ("p2", "pending", 0),
            ("p3", "sending", 2),
            ("p4", "unreachable", 1),
        ):
            await connection.execute(
                text(
                    "INSERT INTO delivery (run_id, person_id, state, attempts, next_attempt_at, "
                    "updated_at) VALUES (1, :p, :s, :a, :at, :at)"
                ),
                {"p": person, "s": state, "a": attempts, "at": datetime(2026, 11, 20, 10, 0)},
            )
    await upgrade(engine)
    async with make_sessions(engine)() as session:
        messages = {m.person_id: m for m in (await session.scalars(select(Message))).all()}
        recipients = set((await session.scalars(select(RunRecipient.person_id))).all())
    await engine.dispose()

    assert recipients == {"p1", "p2", "p3", "p4"}
    assert {p: m.state for p, m in messages.items()} == {
        "p1": "sent",
        "p2": "pending",
        "p3": "pending",  # caught mid-send: sent again, never lost
        "p4": "unreachable",
    }
    assert all(m.kind == "checkin" and m.ref == {"run": 1} for m in messages.values())
    assert messages["p3"].attempts == 2
    assert messages["p1"].dedupe_key == "checkin:1:p1"
