"""With bot credentials configured, every request to /api/messages needs a valid token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from store.tables import Person
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.fakes.connector import FakeConnector
from tests.integration.bot.conftest import RunningBot, start_bot
from uptake.settings import BotCredentials

CREDENTIALS = BotCredentials(
    {
        "CONNECTIONS": {
            "SERVICE_CONNECTION": {
                "SETTINGS": {
                    "CLIENTID": "00000000-0000-4000-8000-00000000b07",
                    "CLIENTSECRET": "not-a-real-secret",
                    "TENANTID": act.TENANT,
                }
            }
        }
    }
)


@pytest.fixture
async def secured_bot(
    database_url: str, tmp_path: Path, connector: FakeConnector, clean_environ: None
) -> AsyncIterator[RunningBot]:
    runtime, server = await start_bot(database_url, tmp_path, connector, CREDENTIALS)
    async with aiohttp.ClientSession() as http:
        yield RunningBot(runtime, server, http, connector)
    await server.close()
    await runtime.close()


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer garbage", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Bearer "],
    ids=["missing", "garbage", "not-a-jwt", "basic", "empty"],
)
async def test_requests_without_a_valid_token_get_401_and_change_nothing(
    secured_bot: RunningBot, alice: User, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}

    response = await secured_bot.post(act.installation(alice, secured_bot.service_url), headers)

    assert response.status == 401
    assert secured_bot.connector.received == []
    async with secured_bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 0


async def test_health_needs_no_token(secured_bot: RunningBot) -> None:
    response = await secured_bot.http.get(secured_bot.server.make_url("/healthz"))
    assert response.status == 200


def test_local_mode_is_exactly_no_app_id() -> None:
    assert CREDENTIALS.configured
    assert not BotCredentials({}).configured
    assert not BotCredentials.from_environ({"UPTAKE_SECRET": "x"}).configured
