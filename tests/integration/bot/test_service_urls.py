"""Local mode answers loopback service URLs only: an anonymous caller cannot make the bot send
anywhere else (with credentials, tests/integration/bot/test_auth.py)."""

from __future__ import annotations

import pytest

from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.fakes.connector import Failure, FakeConnector
from tests.integration.bot.conftest import RunningBot, assert_refused


@pytest.mark.parametrize(
    "service_url",
    [
        "https://smba.trafficmanager.net/emea/",  # a real Teams host: not in local mode
        "https://attacker.example/",
        "http://10.0.0.7:8080/",
    ],
)
async def test_local_mode_refuses_to_reply_anywhere_but_loopback(
    bot: RunningBot, alice: User, service_url: str
) -> None:
    response = await bot.post(act.message(alice, service_url, "help"))

    await assert_refused(bot, response, 403)
    assert (await response.json())["error"] == "service_url_not_allowed"


async def test_local_mode_still_answers_the_playground_on_loopback(
    bot: RunningBot, alice: User
) -> None:
    response = await bot.post(act.message(alice, bot.service_url, "help"))

    assert response.status in (200, 202)
    assert len(bot.connector.sent_to(alice.conversation_id)) == 1


async def test_a_reply_is_never_redirected_to_another_host(bot: RunningBot, alice: User) -> None:
    elsewhere = FakeConnector()
    await elsewhere.start()
    try:
        target = f"{elsewhere.url}/v3/conversations/{alice.conversation_id}/activities"
        bot.connector.fail_always(alice.conversation_id, Failure(307, headers={"Location": target}))

        response = await bot.post(act.message(alice, bot.service_url, "help"))

        assert response.status < 500
        assert elsewhere.received == []  # neither the reply nor the apology followed
    finally:
        await elsewhere.close()
