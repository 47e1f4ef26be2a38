"""A running uptake web app (local mode unless told otherwise) and a fake Bot Connector."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from store.tables import Person
from tests.fakes.activities import User
from tests.fakes.connector import FakeConnector
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings

SECRET = "test-secret-that-is-long-enough-0123456789"


@dataclass
class RunningBot:
    runtime: Runtime
    server: TestServer
    http: aiohttp.ClientSession
    connector: FakeConnector

    @property
    def service_url(self) -> str:
        return self.connector.url

    async def post(
        self, activity: Any, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        response = await self.http.post(
            self.server.make_url("/api/messages"), json=activity, headers=headers
        )
        await response.read()
        return response

    async def post_raw(
        self, body: bytes, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        """Bytes as they are, for bodies json.dumps would never produce."""
        response = await self.http.post(
            self.server.make_url("/api/messages"),
            data=io.BytesIO(body),  # a big bytes payload would make aiohttp warn
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        await response.read()
        return response


async def assert_refused(bot: RunningBot, response: aiohttp.ClientResponse, status: int) -> None:
    """A 4xx with a JSON reason, and nothing stored or sent."""
    assert response.status == status
    body: dict[str, Any] = await response.json()
    assert set(body) >= {"error", "message"}
    assert bot.connector.received == []
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 0


async def start_bot(
    database_url: str,
    data_dir: Path,
    connector: FakeConnector,
    credentials: BotCredentials,
    *,
    prepare: Callable[[Runtime], None] | None = None,
    **settings: Any,
) -> tuple[Runtime, TestServer]:
    """A runtime and its web app on a loopback port; `prepare` may swap parts of the runtime
    (token providers, the key cache) before the web app is built from them."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "secret": SECRET,
        "min_group_size": 3,
        **settings,
    }
    runtime = await Runtime.start(Settings(**values), credentials, migrate=True)
    if prepare is not None:
        prepare(runtime)
    server = TestServer(runtime.web_app(), host="127.0.0.1", port=0)
    await server.start_server()
    return runtime, server


@pytest.fixture
async def bot(
    database_url: str, tmp_path: Path, connector: FakeConnector, clean_environ: None
) -> AsyncIterator[RunningBot]:
    runtime, server = await start_bot(database_url, tmp_path, connector, BotCredentials({}))
    async with aiohttp.ClientSession() as http:
        yield RunningBot(runtime, server, http, connector)
    await server.close()
    await runtime.close()


@pytest.fixture
def alice() -> User:
    return User("0b7c3e2a-1111-4c4c-9a9a-000000000001", "Alice Peeters", "nl-BE")


@pytest.fixture
def bruno() -> User:
    return User("0b7c3e2a-2222-4c4c-9a9a-000000000002", "Bruno Lambert", "fr-BE")
