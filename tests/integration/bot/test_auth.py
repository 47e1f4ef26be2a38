"""With bot credentials configured, every request to /api/messages needs a valid token.

Tokens are signed with locally generated RSA keys published by a fake OpenID host on a
loopback port (tests/fakes/openid.py), which the bot is pointed at through its settings.
Authentication happens before any store is touched, so these run on SQLite only.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.openid_keys import OpenIdKeys
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.fakes.connector import FakeConnector
from tests.fakes.openid import FakeOpenId
from tests.fakes.tokens import OUTBOUND_TOKEN, FixedTokenConnections
from tests.integration.bot.conftest import RunningBot, assert_refused, start_bot
from uptake.root import Runtime
from uptake.settings import BotCredentials

APP_ID = "00000000-0000-4000-8000-00000000b07a"
TEAMS_SERVICE_URL = "https://smba.trafficmanager.net/emea/"


def credentials(app_id: str = APP_ID) -> BotCredentials:
    return BotCredentials(
        {
            "CONNECTIONS": {
                "SERVICE_CONNECTION": {
                    "SETTINGS": {
                        "CLIENTID": app_id,
                        "CLIENTSECRET": "not-a-real-secret",
                        "TENANTID": act.TENANT,
                    }
                }
            }
        }
    )


CREDENTIALS = credentials()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}"


@pytest.fixture
async def openid() -> AsyncIterator[FakeOpenId]:
    fake = FakeOpenId()
    await fake.start()
    yield fake
    await fake.close()


class SecuredBot(RunningBot):
    openid: FakeOpenId

    def token(self, **claims: Any) -> str:
        return self.openid.token(APP_ID, self.service_url, **claims)

    async def post_with(
        self, activity: dict[str, Any], authorization: str | None
    ) -> aiohttp.ClientResponse:
        headers = {"Authorization": authorization} if authorization is not None else {}
        return await self.post(activity, headers)


async def secured(
    database_url: str,
    tmp_path: Path,
    connector: FakeConnector,
    openid: FakeOpenId,
    *,
    keys: Callable[[str], OpenIdKeys] | None = None,
    bot_credentials: BotCredentials = CREDENTIALS,
) -> tuple[Runtime, SecuredBot]:
    def prepare(runtime: Runtime) -> None:
        # MSAL would fetch the outbound token from login.microsoftonline.com.
        runtime.connections = FixedTokenConnections(runtime.connections)
        if keys is not None:
            runtime.keys = keys(openid.metadata_url)

    runtime, server = await start_bot(
        database_url,
        tmp_path,
        connector,
        bot_credentials,
        prepare=prepare,
        bot_openid_metadata_url=openid.metadata_url,
        # With credentials only Teams hosts are sent to: the fake connector is listed.
        teams_service_hosts=("smba.trafficmanager.net", "127.0.0.1"),
    )
    bot = SecuredBot(runtime, server, aiohttp.ClientSession(), connector)
    bot.openid = openid
    return runtime, bot


@pytest.fixture
async def secured_bot(
    database_url: str,
    tmp_path: Path,
    connector: FakeConnector,
    openid: FakeOpenId,
    clean_environ: None,
) -> AsyncIterator[SecuredBot]:
    runtime, bot = await secured(database_url, tmp_path, connector, openid)
    yield bot
    await bot.http.close()
    await bot.server.close()
    await runtime.close()


# --- the matrix: every way a token can be wrong gets 401 and changes nothing -----------------

NOW = int(time.time())
Forge = Callable[[SecuredBot], str | None]

REFUSED: dict[str, Forge] = {
    "missing": lambda _: None,
    "garbage": lambda _: "Bearer garbage",
    "not-a-jwt": lambda _: "Bearer a.b.c",
    "basic": lambda _: "Basic dXNlcjpwYXNz",
    "empty": lambda _: "Bearer ",
    "two-tokens": lambda bot: f"Bearer {bot.token()} {bot.token()}",
    "alg-none": lambda bot: f"Bearer {bot.openid.unsigned_token(APP_ID, bot.service_url)}",
    "hs256": lambda bot: f"Bearer {bot.openid.hmac_token(APP_ID, bot.service_url)}",
    "expired": lambda bot: f"Bearer {bot.token(exp=NOW - 3600, nbf=NOW - 7200)}",
    "not-yet-valid": lambda bot: f"Bearer {bot.token(nbf=NOW + 3600)}",
    "no-expiry": lambda bot: f"Bearer {bot.token(exp=None)}",
    "wrong-audience": lambda bot: f"Bearer {bot.token(aud='11111111-0000-4000-8000-000000000000')}",
    "audience-list": lambda bot: f"Bearer {bot.token(aud=[APP_ID])}",
    "wrong-issuer": lambda bot: f"Bearer {bot.token(iss='https://login.evil.example')}",
    "unknown-key": lambda bot: f"Bearer {bot.token(kid='key-unknown')}",
    "kid-less": lambda bot: f"Bearer {bot.token(kid=None, signed_by='key-1')}",
    "kid-not-a-string": lambda bot: (
        "Bearer "
        + bot.openid.raw_token(
            {"alg": "RS256", "kid": 5}, bot.openid.claims(APP_ID, bot.service_url), "key-1"
        )
    ),
    "signed-by-another-key": lambda bot: f"Bearer {bot.token(kid='key-1', signed_by='key-3')}",
    "no-service-url": lambda bot: f"Bearer {bot.token(serviceurl=None)}",
    "other-service-url": lambda bot: f"Bearer {bot.token(serviceurl=TEAMS_SERVICE_URL)}",
    "service-url-other-port": lambda bot: (
        "Bearer " + bot.token(serviceurl=bot.service_url.rsplit(":", 1)[0] + ":1")
    ),
    "key-not-endorsed-for-teams": lambda bot: f"Bearer {bot.token(kid='key-2')}",
}


@pytest.mark.parametrize("forge", REFUSED.values(), ids=REFUSED.keys())
async def test_a_token_that_is_not_a_valid_bot_framework_token_for_this_turn_gets_401(
    secured_bot: SecuredBot, alice: User, forge: Forge
) -> None:
    activity = act.installation(alice, secured_bot.service_url)

    response = await secured_bot.post_with(activity, forge(secured_bot))

    await assert_refused(secured_bot, response, 401)
    assert (await response.json())["error"] == "unauthorized"


async def test_a_valid_token_gets_the_card_answer(secured_bot: SecuredBot, alice: User) -> None:
    activity = act.card_action(alice, secured_bot.service_url, "checkin.answer", {"run": 1})

    response = await secured_bot.post_with(activity, f"Bearer {secured_bot.token()}")

    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"


async def test_a_valid_token_gets_a_reply_sent_with_the_bots_own_token(
    secured_bot: SecuredBot, alice: User
) -> None:
    activity = act.message(alice, secured_bot.service_url, "help")

    response = await secured_bot.post_with(activity, f"Bearer {secured_bot.token()}")

    assert response.status == 202
    (reply,) = secured_bot.connector.sent_to(alice.conversation_id)
    assert reply.authorization == f"Bearer {OUTBOUND_TOKEN}"


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": NOW - 60},  # within the Bot Framework's five minutes of clock skew
        {"nbf": NOW + 60},
    ],
    ids=["just-expired", "nearly-valid"],
)
async def test_clock_skew_of_a_minute_is_tolerated(
    secured_bot: SecuredBot, alice: User, claims: dict[str, int]
) -> None:
    activity = act.card_action(alice, secured_bot.service_url, "checkin.answer", {"run": 1})

    response = await secured_bot.post_with(activity, f"Bearer {secured_bot.token(**claims)}")

    assert response.status == 200


async def test_the_service_url_matches_whatever_its_trailing_slash_or_case(
    secured_bot: SecuredBot, alice: User
) -> None:
    claimed = secured_bot.service_url.upper().replace("HTTP://", "http://") + "/"
    activity = act.card_action(alice, secured_bot.service_url, "checkin.answer", {"run": 1})

    response = await secured_bot.post_with(
        activity, f"Bearer {secured_bot.token(serviceurl=claimed)}"
    )

    assert response.status == 200


async def test_the_app_id_is_compared_without_case(
    database_url: str,
    tmp_path: Path,
    connector: FakeConnector,
    openid: FakeOpenId,
    alice: User,
    clean_environ: None,
) -> None:
    runtime, bot = await secured(
        database_url, tmp_path, connector, openid, bot_credentials=credentials(APP_ID.upper())
    )
    try:
        activity = act.card_action(alice, bot.service_url, "checkin.answer", {"run": 1})
        response = await bot.post_with(activity, f"Bearer {bot.token()}")
        assert response.status == 200
    finally:
        await bot.http.close()
        await bot.server.close()
        await runtime.close()


async def test_health_needs_no_token(secured_bot: SecuredBot) -> None:
    response = await secured_bot.http.get(secured_bot.server.make_url("/healthz"))
    assert response.status == 200


async def test_local_mode_refuses_a_token_it_cannot_check(bot: RunningBot, alice: User) -> None:
    response = await bot.post(
        act.installation(alice, bot.service_url), {"Authorization": "Bearer a.b.c"}
    )

    await assert_refused(bot, response, 401)


def test_local_mode_is_exactly_no_app_id() -> None:
    assert CREDENTIALS.configured
    assert not BotCredentials({}).configured
    assert not BotCredentials.from_environ({"UPTAKE_SECRET": "x"}).configured


async def test_a_valid_token_for_a_host_that_is_not_listed_is_refused(
    secured_bot: SecuredBot, alice: User
) -> None:
    # Signed, for this bot, naming its own serviceUrl: but not a host the bot sends to.
    elsewhere = secured_bot.service_url.replace("127.0.0.1", "localhost")
    activity = act.message(alice, elsewhere, "help")
    token = secured_bot.openid.token(APP_ID, elsewhere)

    response = await secured_bot.post_with(activity, f"Bearer {token}")

    await assert_refused(secured_bot, response, 403)
    assert (await response.json())["error"] == "service_url_not_allowed"
