"""Fixtures for the Graph edge: the fake Graph on real HTTP, the real msgraph-sdk, a database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graph.client import GraphConnection, StaticTokenCredential, build_connection
from graph.synthetic import DemoTenant, generate_tenant
from store.engine import make_engine, make_sessions
from store.schema import upgrade
from tests.fakes.graph import TOKEN, FakeGraph, start_fake_graph


@pytest.fixture(scope="session")
def tenant() -> DemoTenant:
    return generate_tenant(120, seed=11, weeks=4)


@pytest.fixture
async def fake_graph(tenant: DemoTenant) -> AsyncIterator[FakeGraph]:
    fake = FakeGraph(tenant)
    runners = await start_fake_graph(fake)
    try:
        yield fake
    finally:
        for runner in runners:
            await runner.cleanup()


@pytest.fixture
async def graph(fake_graph: FakeGraph) -> AsyncIterator[GraphConnection]:
    # No base delay: the fake's Retry-After (1 s) is the only wait in these tests.
    connection = build_connection(
        fake_graph.base_url, StaticTokenCredential(TOKEN), retry_delay=0.0
    )
    try:
        yield connection
    finally:
        await connection.aclose()


async def migrated_sessions(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(url)
    try:
        await upgrade(engine)
        yield make_sessions(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def sqlite_sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async for sessions in migrated_sessions(f"sqlite+aiosqlite:///{tmp_path / 'usage.db'}"):
        yield sessions
