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
