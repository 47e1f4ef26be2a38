"""`uptake db upgrade`: apply the Alembic migrations."""

from __future__ import annotations

import asyncio

import click

from store.engine import make_engine
from store.schema import upgrade
from uptake.cli.common import load_settings, say
from uptake.root import prepare_sqlite_folder


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (PostgreSQL deployments run this before starting)."""
    settings = load_settings()

    async def run() -> None:
        prepare_sqlite_folder(settings)
        engine = make_engine(settings.effective_database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    say("cli.db_upgraded")


COMMANDS: list[click.Command] = [db]
