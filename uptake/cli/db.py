"""`uptake db upgrade`: apply the Alembic migrations."""

from __future__ import annotations

import click

from uptake.cli.common import load_settings, run, say
from uptake.database import open_database


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (PostgreSQL deployments run this before starting)."""
    settings = load_settings()

    async def upgrade() -> int:
        from uptake.root import load_or_create_secret

        database = await open_database(
            settings, secret=load_or_create_secret(settings), migrate=True
        )
        await database.close()
        say("cli.db_upgraded")
        return 0

    run(upgrade)


COMMANDS: list[click.Command] = [db]
