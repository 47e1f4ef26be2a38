"""Hostile bodies get a 4xx with a JSON reason and change nothing: no row, no message."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from store.tables import Person
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.integration.bot.conftest import RunningBot


async def assert_refused(bot: RunningBot, response: aiohttp.ClientResponse, status: int) -> None:
    assert response.status == status
    body: dict[str, Any] = await response.json()
    assert set(body) >= {"error", "message"}
    assert bot.connector.received == []
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 0


def with_raw_field(activity: dict[str, Any], name: str, raw_json: str) -> bytes:
    """The activity's JSON with one more field whose value is written verbatim."""
    text = json.dumps(activity)
    return (text[:-1] + f', "{name}": {raw_json}}}').encode()


async def test_a_body_over_the_activity_limit_gets_413(bot: RunningBot, alice: User) -> None:
    activity = act.installation(alice, bot.service_url)
    activity["text"] = "a" * 1_048_000  # under aiohttp's 1 MiB default, over our 256 KB

    await assert_refused(bot, await bot.post_raw(json.dumps(activity).encode()), 413)


async def test_a_body_over_the_limit_without_content_length_gets_413(
    bot: RunningBot, alice: User
) -> None:
    body = json.dumps({**act.installation(alice, bot.service_url), "text": "a" * 300_000})

    async def chunks() -> Any:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536].encode()

    response = await bot.http.post(
        bot.server.make_url("/api/messages"),
        data=chunks(),
        headers={"Content-Type": "application/json"},
    )
    await response.read()
    await assert_refused(bot, response, 413)


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
async def test_json_nested_too_deep_gets_400(bot: RunningBot, alice: User, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    body = with_raw_field(act.installation(alice, bot.service_url), "value", nested)

    await assert_refused(bot, await bot.post_raw(body), 400)


async def test_json_nested_as_deep_as_cards_go_is_accepted(bot: RunningBot, alice: User) -> None:
    nested = '{"a":' * 40 + "1" + "}" * 40
    body = with_raw_field(act.message(alice, bot.service_url, "help"), "value", nested)

    response = await bot.post_raw(body)

    assert response.status == 202


async def test_brackets_inside_strings_do_not_count_as_depth(bot: RunningBot, alice: User) -> None:
    response = await bot.post(act.message(alice, bot.service_url, "[" * 5000 + "{" * 5000))

    assert response.status == 202


@pytest.mark.parametrize(
    "number",
    ["9" * 4301, "-" + "9" * 5000, "1" * 50, "1e999", "-1e999", "1." + "0" * 5000],
    ids=["4301-digits", "5000-digits-negative", "50-digits", "overflow", "-overflow", "long"],
)
async def test_numbers_beyond_what_any_field_needs_get_400(
    bot: RunningBot, alice: User, number: str
) -> None:
    body = with_raw_field(act.installation(alice, bot.service_url), "value", number)

    await assert_refused(bot, await bot.post_raw(body), 400)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_non_json_constants_get_400(bot: RunningBot, alice: User, constant: str) -> None:
    body = with_raw_field(act.installation(alice, bot.service_url), "value", constant)

    await assert_refused(bot, await bot.post_raw(body), 400)


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


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{}", b"", b"{", b"[]", b'"text"', b"\xef\xbb\xbf{}", b"{}{}"],
    ids=["not-utf8", "empty", "truncated", "array", "string", "bom", "two-objects"],
)
async def test_bodies_that_are_not_one_json_object_get_400(bot: RunningBot, body: bytes) -> None:
    await assert_refused(bot, await bot.post_raw(body), 400)
