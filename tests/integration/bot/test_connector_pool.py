"""The pooled connector: the SDK's wire format without its models, typed failures, kept-alive
connections."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from microsoft_agents.activity import ConversationReference

from adoption.endpoints import ServiceUrls
from bot.app import card_activity
from bot.connector import (
    ConnectorPool,
    LocalTokens,
    PermanentFailure,
    RecipientGone,
    Throttled,
    TransientFailure,
    card_message,
    conversation_id_of,
)
from tests.fakes.connector import Failure, FakeConnector, blocked, throttled

CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Hoe gaat het?"}],
}


def _reference(service_url: str, **extra: Any) -> dict[str, Any]:
    """A reference as bot.activity_facts stores it from an install activity."""
    return {
        "activityId": "f:install-1",
        "user": {"id": "29:user", "name": "Alice", "aadObjectId": "0b7c3e2a"},
        "bot": {"id": "28:bot", "name": "uptake"},
        "conversation": {"conversationType": "personal", "id": "a:chat-1", "tenantId": "t-1"},
        "channelId": "msteams",
        "locale": "nl-BE",
        "serviceUrl": service_url,
        **extra,
    }


@pytest.mark.parametrize(
    "reference",
    [
        _reference("https://smba.example.test/emea/"),
        {k: v for k, v in _reference("http://127.0.0.1:9").items() if k != "activityId"},
        {k: v for k, v in _reference("http://127.0.0.1:9").items() if k != "locale"},
    ],
)
def test_the_message_is_the_document_the_sdk_would_send(reference: dict[str, Any]) -> None:
    sdk = card_activity(CARD).apply_conversation_reference(
        ConversationReference.model_validate(reference), is_incoming=False
    )
    expected = sdk.model_dump(by_alias=True, exclude_unset=True, mode="json")
    assert card_message(reference, CARD) == json.loads(json.dumps(expected))


def test_a_reference_without_a_conversation_is_not_usable() -> None:
    assert conversation_id_of(_reference("http://127.0.0.1:9")) == "a:chat-1"
    assert conversation_id_of({"serviceUrl": "http://127.0.0.1:9"}) is None
    assert conversation_id_of({"conversation": {"id": ""}, "serviceUrl": "x"}) is None
    assert conversation_id_of({"conversation": {"id": "a:1"}}) is None


@pytest.fixture
async def pool() -> AsyncIterator[ConnectorPool]:
    connectors = ConnectorPool(LocalTokens(), ServiceUrls(local=True))
    yield connectors
    await connectors.close()


def _body(connector: FakeConnector) -> bytes:
    return json.dumps(card_message(_reference(connector.url), CARD)).encode()


async def test_a_post_arrives_as_json_and_returns_the_activity_id(
    connector: FakeConnector, pool: ConnectorPool
) -> None:
    activity_id = await pool.post(connector.url, "a:chat-1", _body(connector))

    (received,) = connector.received
    assert activity_id == "activity-1"
    assert received.conversation_id == "a:chat-1"
    assert received.cards == [CARD]
    assert received.body["recipient"]["id"] == "29:user"
    assert received.authorization is None  # local mode: no token


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (throttled(3), Throttled),
        (blocked(), RecipientGone),
        (Failure(503), TransientFailure),
        (Failure(400, {"error": {"code": "BadArgument"}}), PermanentFailure),
    ],
)
async def test_remote_failures_arrive_typed(
    connector: FakeConnector, pool: ConnectorPool, failure: Failure, kind: type[Exception]
) -> None:
    connector.fail_next("a:chat-1", failure)
    with pytest.raises(kind) as raised:
        await pool.post(connector.url, "a:chat-1", _body(connector))
    if isinstance(raised.value, Throttled):
        assert raised.value.retry_after == 3.0


async def test_nobody_listening_is_transient(pool: ConnectorPool) -> None:
    with pytest.raises(TransientFailure):
        await pool.post("http://127.0.0.1:9", "a:chat-1", b"{}")


async def test_sends_reuse_their_connections(pool: ConnectorPool) -> None:
    peers: set[tuple[str, int]] = set()

    async def accept(request: web.Request) -> web.Response:
        assert request.transport is not None
        peers.add(request.transport.get_extra_info("peername"))
        return web.json_response({"id": "x"})

    app = web.Application()
    app.router.add_post("/v3/conversations/{id}/activities", accept)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        url = str(server.make_url("")).rstrip("/")
        for n in range(20):
            await pool.post(url, f"a:chat-{n}", b"{}")
    finally:
        await server.close()
    assert len(peers) == 1


async def test_a_redirect_is_a_failure_never_a_hop_to_another_host(
    pool: ConnectorPool, connector: FakeConnector
) -> None:
    elsewhere = FakeConnector()
    await elsewhere.start()
    try:
        target = f"{elsewhere.url}/v3/conversations/conv-1/activities"
        connector.fail_always("conv-1", Failure(307, headers={"Location": target}))
        with pytest.raises(PermanentFailure, match="http_307"):
            await pool.post(connector.url, "conv-1", _body(connector))
        assert elsewhere.received == []
    finally:
        await elsewhere.close()


async def test_a_stored_reference_to_a_host_not_allowed_sends_nothing(
    connector: FakeConnector,
) -> None:
    production = ConnectorPool(LocalTokens(), ServiceUrls())  # loopback not listed
    try:
        with pytest.raises(PermanentFailure, match="service_url_refused"):
            await production.post(connector.url, "conv-1", _body(connector))
    finally:
        await production.close()
    assert connector.received == []
