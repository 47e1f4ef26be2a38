"""Strings only a database refuses (a NUL, half a surrogate pair) are refused at the door, on
both backends: PostgreSQL rejects NUL in text, and neither can encode a lone surrogate."""

from __future__ import annotations

import json

import pytest

from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.integration.bot.conftest import RunningBot, assert_refused


@pytest.mark.parametrize(
    "name",
    ["\\ud800", "x\\udfffy", "\\u0000", "a\\u0000b"],
    ids=["lone-high-surrogate", "lone-low-surrogate", "nul", "inner-nul"],
)
async def test_strings_no_database_can_store_get_400(
    bot: RunningBot, alice: User, name: str
) -> None:
    activity = act.installation(alice, bot.service_url)
    activity["from"]["name"] = "PLACEHOLDER"
    body = json.dumps(activity).replace("PLACEHOLDER", name).encode()

    await assert_refused(bot, await bot.post_raw(body), 400)


async def test_a_paired_surrogate_is_an_ordinary_character(bot: RunningBot, alice: User) -> None:
    activity = act.message(alice, bot.service_url, "PLACEHOLDER")
    body = json.dumps(activity).replace("PLACEHOLDER", "\\ud83d\\ude00 ok").encode()

    response = await bot.post_raw(body)

    assert response.status == 202
