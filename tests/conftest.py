"""Shared fixtures: databases (SQLite always, PostgreSQL when present or in CI), settings.

The session refuses every non-loopback connection (pytest-socket, `--allow-hosts` in
pyproject), so a test that leaks towards a real Microsoft host fails loudly.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from store.engine import make_engine
from store.schema import upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "UPTAKE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def _postgres_listening() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    available = _postgres_listening()
    if not available and IN_CI:
        pytest.fail(
            "CI=true but PostgreSQL is not reachable on 127.0.0.1:5432: the store "
            "tests must run on PostgreSQL in CI"
        )
    return available


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_available: bool
) -> AsyncIterator[str]:
    """A fresh, empty database URL: a SQLite file, or a new PostgreSQL database."""
    if request.param == "postgresql" and not postgres_available:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (required when CI=true)")
    async with fresh_database(request.param, tmp_path) as url:
        yield url


@asynccontextmanager
async def fresh_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty database: a SQLite file in `tmp_path`, or a PostgreSQL database that is
    dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}"
        return
    name = f"uptake_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated database on each backend."""
    engine = make_engine(database_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No UPTAKE_* or bot credential variables leak into a test from the developer's shell."""
    for name in list(os.environ):
        if name.startswith(("UPTAKE_", "CONNECTIONS__", "CONNECTIONSMAP__", "AZURE_")):
            monkeypatch.delenv(name)
