"""Hostile bodies get a 4xx with a JSON reason and change nothing: no row, no message.

Refusals happen before any store is touched, so these run on SQLite only; the strings only a
database would refuse are tried on both backends in test_hostile_strings.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.integration.bot.conftest import RunningBot, assert_refused


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}"


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
    "body",
    [b"\xff\xfe{}", b"", b"{", b"[]", b'"text"', b"\xef\xbb\xbf{}", b"{}{}"],
    ids=["not-utf8", "empty", "truncated", "array", "string", "bom", "two-objects"],
)
async def test_bodies_that_are_not_one_json_object_get_400(bot: RunningBot, body: bytes) -> None:
    await assert_refused(bot, await bot.post_raw(body), 400)


# --- activities the SDK chokes on ------------------------------------------------------------

SERVICE_URLS_REFUSED = [
    "x",
    "file:///etc/passwd",
    "ftp://127.0.0.1/",
    "javascript:alert(1)",
    "http://",
    "http:/127.0.0.1/",
    "//127.0.0.1/",
    "http://127.0.0.1:99999/",
    "http://127.0.0.1:0/",
    "http://[::1/",
    "http://127.0.0.1 /",
    "http://127.0.0.1/\u00e9/",
    "",
    "  ",
]


def _service_url_variants(base: str) -> list[str]:
    return [base + "/?a=b", base + "/#frag", base.replace("://", "://user:pw@"), base + "?"]


@pytest.mark.parametrize("service_url", SERVICE_URLS_REFUSED)
async def test_a_service_url_that_is_not_an_absolute_http_url_gets_400(
    bot: RunningBot, alice: User, service_url: str
) -> None:
    response = await bot.post(act.message(alice, service_url, "help"))

    await assert_refused(bot, response, 400)
    body = await response.json()
    assert "serviceUrl" in body["message"]


@pytest.mark.parametrize("variant", range(4), ids=["query", "fragment", "credentials", "bare-?"])
async def test_a_service_url_with_query_fragment_or_credentials_gets_400(
    bot: RunningBot, alice: User, variant: int
) -> None:
    service_url = _service_url_variants(bot.service_url)[variant]

    await assert_refused(bot, await bot.post(act.message(alice, service_url, "help")), 400)


@pytest.mark.parametrize("service_url", [5, None, ["http://127.0.0.1/"], {"url": "x"}])
async def test_a_service_url_that_is_not_a_string_gets_400(
    bot: RunningBot, alice: User, service_url: object
) -> None:
    activity = act.message(alice, bot.service_url, "help")
    activity["serviceUrl"] = service_url

    await assert_refused(bot, await bot.post(activity), 400)


@pytest.mark.parametrize("channel_id", ["", "   ", ":", ":teams", None, 5])
async def test_a_missing_or_empty_channel_id_gets_400(
    bot: RunningBot, alice: User, channel_id: object
) -> None:
    activity = act.installation(alice, bot.service_url)
    activity["channelId"] = channel_id

    await assert_refused(bot, await bot.post(activity), 400)


@pytest.mark.parametrize("kind", ["message", "invoke", "installationUpdate", "conversationUpdate"])
@pytest.mark.parametrize("field", ["from", "recipient", "conversation"])
async def test_an_activity_without_sender_recipient_or_conversation_gets_400(
    bot: RunningBot, alice: User, kind: str, field: str
) -> None:
    activity = act.card_action(alice, bot.service_url, "checkin.answer", {"run": 1})
    activity["type"] = kind
    del activity[field]

    await assert_refused(bot, await bot.post(activity), 400)


@pytest.mark.parametrize("field", ["from", "recipient", "conversation"])
@pytest.mark.parametrize("value", [{}, {"id": ""}, {"id": 5}, {"name": "x"}, "x", []])
async def test_a_sender_recipient_or_conversation_without_an_id_gets_400(
    bot: RunningBot, alice: User, field: str, value: object
) -> None:
    activity = act.message(alice, bot.service_url, "help")
    activity[field] = value

    await assert_refused(bot, await bot.post(activity), 400)


async def test_an_invoke_without_recipient_gets_a_json_400_not_an_empty_501(
    bot: RunningBot, alice: User
) -> None:
    activity = act.card_action(alice, bot.service_url, "checkin.answer", {"run": 1})
    del activity["recipient"]

    response = await bot.post(activity)

    await assert_refused(bot, response, 400)
    assert "recipient" in (await response.json())["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("conversation.id", "a/../../v3/x"),
        ("conversation.id", "a?b=c"),
        ("conversation.id", "a#b"),
        ("conversation.id", "a%2F..%2Fb"),
        ("conversation.id", ".."),
        ("conversation.id", "a b"),
        ("conversation.id", "a\\b"),
        ("conversation.id", "x" * 1025),
        ("id", "x?y=1"),
        ("id", "../x"),
        ("replyToId", "../x"),
        ("replyToId", "x\ny"),
    ],
)
async def test_ids_that_would_change_the_connector_url_get_400(
    bot: RunningBot, alice: User, field: str, value: str
) -> None:
    # The SDK pastes these ids into connector URL paths unquoted.
    activity = act.card_submit(alice, bot.service_url, {"verb": "checkin.answer"}, "reply-1")
    if field == "conversation.id":
        activity["conversation"]["id"] = value
    else:
        activity[field] = value

    await assert_refused(bot, await bot.post(activity), 400)


@pytest.mark.parametrize(
    "conversation_id",
    ["a:1hXw2Rf-_x", "19:abc@thread.tacv2;messageid=1700000000000", "29:1a-b_c.d", "ñ:é"],
)
async def test_ids_as_teams_writes_them_are_accepted(
    bot: RunningBot, alice: User, conversation_id: str
) -> None:
    activity = act.message(alice, bot.service_url, "help")
    activity["conversation"]["id"] = conversation_id

    response = await bot.post(activity)

    assert response.status == 202
    assert len(bot.connector.sent_to(conversation_id)) == 1


@pytest.mark.parametrize("role", ["agenticUser", "agenticAppInstance", "connectoruser", "skill"])
async def test_a_recipient_role_this_bot_is_not_gets_400(
    bot: RunningBot, alice: User, role: str
) -> None:
    # Agentic and Copilot Studio roles send the SDK down token paths that fail before the turn.
    activity = act.message(alice, bot.service_url, "help")
    activity["recipient"]["role"] = role

    await assert_refused(bot, await bot.post(activity), 400)


async def test_a_product_info_that_contradicts_the_channel_gets_400(
    bot: RunningBot, alice: User
) -> None:
    # The SDK raises a bare Exception from inside model validation for this one.
    activity = act.message(alice, bot.service_url, "help")
    activity["channelId"] = "msteams:a"
    activity["entities"] = [{"type": "ProductInfo", "id": "b"}]

    await assert_refused(bot, await bot.post(activity), 400)


async def test_a_refused_activity_logs_no_traceback_and_none_of_its_content(
    bot: RunningBot, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    activity = act.installation(alice, bot.service_url)
    activity["from"]["name"] = "Alice Confidential"
    activity["locale"] = 42  # wrongly typed: pydantic's message would quote the input

    with caplog.at_level("DEBUG"):
        await assert_refused(bot, await bot.post(activity), 400)

    assert not [r for r in caplog.records if r.exc_info or r.stack_info]
    assert "Confidential" not in caplog.text
