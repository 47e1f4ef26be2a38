"""Usage pseudonyms are keyed with the server secret: migration 0005 re-keys the unkeyed
"h:" rows of earlier syncs, and a sync after it continues their habit history."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, MetaData, select, text, update

from graph.identity import pseudonym, pseudonym_key
from graph.synthetic import DemoTenant, generate_tenant
from graph.synthetic_export import write_export_folder
from store.schema import SecretRequired, alembic_config, is_current, upgrade
from store.tables import UsagePerson
from tests.integration.graph.conftest import migrated_sessions
from tests.integration.graph.test_sync import Sessions, funnels
from uptake.settings import Settings
from uptake.sync import run_sync

SECRET = b"a-server-secret-of-more-than-32-characters"


def unkeyed(upn: str) -> str:
    """What earlier versions stored: anyone with the UPN list can compute it."""
    return "h:" + hashlib.blake2b(upn.encode(), digest_size=16).hexdigest()


async def rebuild_at_0004(sessions: Sessions) -> None:
    """The same rows in a schema at revision 0004: migration 0006 (the outbox) has no way
    back, so every table is read, dropped, created as 0004 had it and filled again with the
    columns 0004 knew."""

    def run(connection: Connection) -> None:
        head = MetaData()
        head.reflect(connection)
        saved = {
            table.name: [dict(row) for row in connection.execute(select(table)).mappings()]
            for table in head.sorted_tables
        }
        head.drop_all(connection)
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        old = MetaData()
        old.reflect(connection)
        for table in old.sorted_tables:
            columns = set(table.columns.keys())
            known = saved.get(table.name, [])
            rows = [{k: v for k, v in row.items() if k in columns} for row in known]
            if rows and table.name != "alembic_version":
                connection.execute(table.insert(), rows)
                if connection.dialect.name == "postgresql" and "id" in columns:
                    # Explicit ids leave the sequence behind them.
                    # The table names are the schema's own, reflected.
                    sql = f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), max(id)) FROM {table.name}"  # noqa: E501, S608
                    connection.execute(text(sql))

    engine = sessions.kw["bind"]
    async with engine.begin() as connection:
        await connection.run_sync(run)


async def person_keys(sessions: Sessions) -> set[str]:
    async with sessions() as session:
        return set((await session.scalars(select(UsagePerson.person_key))).all())


async def store_as_earlier_versions_did(sessions: Sessions, upns: Iterable[str]) -> None:
    """Turn the keyed rows of a sync into the unkeyed rows an earlier version stored, and
    take the schema back to 0004."""
    key = pseudonym_key(SECRET)
    async with sessions.begin() as session:
        for upn in upns:
            await session.execute(
                update(UsagePerson)
                .where(UsagePerson.person_key == pseudonym(upn, key))
                .values(person_key=unkeyed(upn))
            )
    await rebuild_at_0004(sessions)


def folder_without_directory(tenant: DemoTenant, folder: Path, weeks: slice) -> Path:
    write_export_folder(tenant, folder, dates=tenant.report_dates[weeks])
    (folder / "users.csv").unlink()  # no directory: every row is keyed by a pseudonym
    return folder


@pytest.fixture(scope="module")
def small_tenant() -> DemoTenant:
    return generate_tenant(40, seed=5, weeks=4)


async def test_migration_rekeys_old_rows_and_habit_history_continues(
    small_tenant: DemoTenant, tmp_path: Path, database_url: str
) -> None:
    upns = [p.upn for p in small_tenant.people]
    first_weeks = folder_without_directory(small_tenant, tmp_path / "w12", slice(0, 2))
    every_week = folder_without_directory(small_tenant, tmp_path / "all", slice(None))
    async for sessions in migrated_sessions(database_url):
        await run_sync(Settings(reports_dir=first_weeks), sessions, secret=SECRET)
        keyed = await person_keys(sessions)
        await store_as_earlier_versions_did(sessions, upns)
        assert await person_keys(sessions) == {unkeyed(upn) for upn in upns}

        await upgrade(sessions.kw["bind"], secret=SECRET)

        # Re-keyed to exactly what a sync computes from the UPN, without knowing any UPN.
        assert await person_keys(sessions) == keyed
        await run_sync(Settings(reports_dir=every_week), sessions, secret=SECRET)
        continued = await funnels(sessions)
    async for sessions in migrated_sessions(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"):
        await run_sync(Settings(reports_dir=every_week), sessions, secret=SECRET)
        from_scratch = await funnels(sessions)
    assert continued == from_scratch
    assert any(row[9] for row in continued if not row[4]), "habit needs the earlier weeks"


def test_keys_cannot_be_reproduced_without_the_secret() -> None:
    upn = "an.peeters.1@contoso.be"
    key = pseudonym(upn, pseudonym_key(SECRET))
    assert key.startswith("k:")
    assert len(key) <= 64  # usage_person.person_key
    assert key == pseudonym(upn, pseudonym_key(SECRET))
    assert key != pseudonym(upn, pseudonym_key(b"another-secret-of-more-than-32-chars"))
    assert key[2:] not in (unkeyed(upn)[2:], hashlib.sha256(upn.encode()).hexdigest()[:32])
    # Domain separation: the pseudonym key is not the secret the check-ins use.
    assert pseudonym_key(SECRET) != SECRET


async def test_migration_without_the_secret_refuses_and_changes_nothing(
    small_tenant: DemoTenant, tmp_path: Path, database_url: str
) -> None:
    folder = folder_without_directory(small_tenant, tmp_path / "w1", slice(0, 1))
    async for sessions in migrated_sessions(database_url):
        await run_sync(Settings(reports_dir=folder), sessions, secret=SECRET)
        await store_as_earlier_versions_did(sessions, [p.upn for p in small_tenant.people])
        engine = sessions.kw["bind"]

        with pytest.raises(SecretRequired, match="secret"):
            await upgrade(engine)

        assert not await is_current(engine)
        async with engine.connect() as connection:
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert version == "0004"
        assert all(key.startswith("h:") for key in await person_keys(sessions))


async def test_rows_no_directory_joins_are_not_keyed_without_the_secret(
    small_tenant: DemoTenant, tmp_path: Path
) -> None:
    folder = folder_without_directory(small_tenant, tmp_path / "w1", slice(0, 1))
    async for sessions in migrated_sessions(f"sqlite+aiosqlite:///{tmp_path / 'u.db'}"):
        with pytest.raises(ValueError, match="server secret"):
            await run_sync(Settings(reports_dir=folder), sessions)
        assert await person_keys(sessions) == set()
