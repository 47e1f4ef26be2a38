"""Apply Alembic migrations on an async engine (the only way the schema is ever created)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("store").joinpath("migrations")))
    return config


class SecretRequired(RuntimeError):
    """A migration must re-key stored data with the server secret, and none was given."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what}: pass the server secret (UPTAKE_SECRET or <data dir>/secret.key) to "
            "store.schema.upgrade; `uptake db upgrade` and every command do"
        )


async def upgrade(
    engine: AsyncEngine, revision: str = "head", *, secret: bytes | None = None
) -> None:
    """Bring the database to `revision` inside one transaction.

    `secret` is the server secret, for migrations that re-key stored pseudonyms (0005); one
    that finds such rows without it raises SecretRequired and nothing is applied."""

    def _run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        config.attributes["secret"] = secret
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_run)


async def is_current(engine: AsyncEngine) -> bool:
    """True when every migration has been applied (what `/readyz` and `serve` check)."""

    def _check(connection: Connection) -> bool:
        script = ScriptDirectory.from_config(alembic_config())
        current = set(MigrationContext.configure(connection).get_current_heads())
        return current == set(script.get_heads())

    async with engine.connect() as connection:
        return await connection.run_sync(_check)
