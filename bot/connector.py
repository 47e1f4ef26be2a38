"""Outbound messages to the Bot Connector, with pooled connections and typed failures.

The SDK opens a new aiohttp session per turn; for fan-out that means a TCP/TLS handshake per
message. `ConnectorPool` keeps one session whose connections live across messages, and
posts the JSON the SDK would post. `post` maps every remote failure to a typed error at this
one boundary, so the sender decides retries from types, not from status codes scattered
around.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import aiohttp
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.connector.client import connector_client

from adoption.endpoints import ServiceUrls, is_loopback_url
from adoption.pacing import retry_after_header
from cards.base import CARD_CONTENT_TYPE

log = logging.getLogger("uptake.connector")

BOT_FRAMEWORK_RESOURCE = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPES = ["https://api.botframework.com/.default"]
# The SDK trims conversation ids to this length before sending.
MAX_ID: Final = 150


class DeliveryError(Exception):
    """A send failed; `reason` is a short code safe for logs and the outbox."""

    reason = "failed"


class RecipientGone(DeliveryError):
    """The person blocked or removed the bot (403 MessageWritesBlocked), or the chat is gone."""

    reason = "recipient_gone"


@dataclass
class Throttled(DeliveryError):
    """429: slow down; `retry_after` seconds when the service said so."""

    retry_after: float | None

    reason = "throttled"


class TransientFailure(DeliveryError):
    """412/5xx or a network fault: worth retrying with backoff."""

    reason = "transient"


class PermanentFailure(DeliveryError):
    """Anything else (400, 401, 404...): retrying will not help."""

    reason = "permanent"


class TokenSource(Protocol):
    async def token_for(self, service_url: str) -> str: ...


class LocalTokens:
    """Local mode has no credentials: an empty token, and only towards loopback addresses."""

    async def token_for(self, service_url: str) -> str:
        if not is_loopback_url(service_url):
            raise PermanentFailure("local mode cannot send to a non-loopback service URL")
        return ""


class SdkTokens:
    """Tokens from the Agents SDK's connection (MSAL caches and refreshes them)."""

    def __init__(self, connection_manager: Any) -> None:
        self._connection = connection_manager.get_default_connection()

    async def token_for(self, service_url: str) -> str:
        token = await self._connection.get_access_token(
            BOT_FRAMEWORK_RESOURCE, BOT_FRAMEWORK_SCOPES
        )
        return str(token)


def classify(error: aiohttp.ClientResponseError) -> DeliveryError:
    """The one place where connector HTTP statuses become meanings."""
    status = error.status
    if status == 429:
        return Throttled(retry_after_header(error.headers))
    if status == 403 and "MessageWritesBlocked" in (error.message or ""):
        return RecipientGone()
    if status in (404, 410) and "ConversationNotFound" in (error.message or ""):
        return RecipientGone()
    if status in (412, 500, 502, 503, 504):
        return TransientFailure(f"http_{status}")
    return PermanentFailure(f"http_{status}")


def _sub_code(message: str | None) -> str:
    try:
        parsed = json.loads(message or "")
    except ValueError:
        return ""
    error = parsed.get("error") if isinstance(parsed, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


def card_message(reference: Mapping[str, Any], card: Mapping[str, Any]) -> dict[str, Any]:
    """The activity that carries `card` into the conversation of a stored reference, as JSON.

    The same document the SDK builds (`MessageFactory.attachment(...)
    .apply_conversation_reference(reference, is_incoming=False)`, dumped by alias without
    unset fields; a test pins the two as equal), without its pydantic models: at a fan-out's
    rate, validating and dumping them was most of a send's CPU time.
    """
    body: dict[str, Any] = {
        "type": "message",
        "channelId": reference.get("channelId"),
        "serviceUrl": reference.get("serviceUrl"),
        "from": reference.get("bot"),
        "conversation": reference.get("conversation"),
        "recipient": reference.get("user"),
        "attachmentLayout": "list",
        "locale": reference.get("locale"),
        "inputHint": "acceptingInput",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
    }
    # The SDK sets every field above even when empty, and the reply id only when it has one.
    if reference.get("activityId") is not None:
        body["replyToId"] = reference["activityId"]
    return body


def conversation_id_of(reference: Mapping[str, Any]) -> str | None:
    """The conversation a stored reference points at; None when it is not usable."""
    conversation = reference.get("conversation")
    found = conversation.get("id") if isinstance(conversation, Mapping) else None
    service_url = reference.get("serviceUrl")
    if not isinstance(found, str) or not found or not isinstance(service_url, str):
        return None
    return found


class ConnectorPool:
    """One pooled HTTP session for all outbound connector calls of this process.

    Sends are plain aiohttp POSTs of JSON built by `card_message`, on connections kept alive
    across messages; the wire format and the failure types are those of the SDK's
    `ConnectorClient.send_to_conversation`, which costs about three times the CPU per send
    (measured: 0.45 against 0.16 ms with the same pooled connections).
    """

    def __init__(
        self,
        tokens: TokenSource,
        service_urls: ServiceUrls,
        *,
        timeout_seconds: float = 30.0,
        connections: int = 256,
    ) -> None:
        self._tokens = tokens
        # Stored references came through the inbound check; a row written any other way (an
        # old database, a hand edit) still never sends a token elsewhere.
        self._service_urls = service_urls
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        # The sender's worker count is what bounds concurrent sends; this only caps sockets.
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._user_agent: str | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=self._connections),
            )
        return self._session

    def _headers(self, token: str) -> dict[str, str]:
        if self._user_agent is None:
            # The SDK's own User-Agent (memoised by bot.sdk_patches), as its client would send.
            self._user_agent = str(connector_client.get_product_info())  # type: ignore[attr-defined]
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": self._user_agent,
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def send(self, service_url: str, conversation_id: str, activity: Activity) -> str | None:
        """Post an SDK `activity` into the conversation; returns the new activity id."""
        body = activity.model_dump(by_alias=True, exclude_unset=True, mode="json")
        return await self.post(service_url, conversation_id, json.dumps(body).encode())

    async def post(self, service_url: str, conversation_id: str, body: bytes) -> str | None:
        """Post an activity, already JSON, into the conversation; returns the new activity id.
        Every failure is raised as a `DeliveryError`."""
        if self._service_urls.problem(service_url):
            raise PermanentFailure("service_url_refused")
        token = await self._tokens.token_for(service_url)
        # Trimmed as the SDK does: the service refuses longer ids anyway.
        url = f"{service_url.rstrip('/')}/v3/conversations/{conversation_id[:MAX_ID]}/activities"
        try:
            # Teams never redirects: a 3xx is a failure, never a hop to another host.
            async with self._http().post(
                url, data=body, headers=self._headers(token), allow_redirects=False
            ) as response:
                text = await response.text("utf-8")
                if response.status not in (200, 201, 202):
                    raise aiohttp.ClientResponseError(
                        response.request_info,
                        response.history,
                        status=response.status,
                        message=text,
                        headers=response.headers,
                    )
        except aiohttp.ClientResponseError as error:
            failure = classify(error)
            log.info(
                "connector.failed status=%s reason=%s code=%s",
                error.status,
                failure.reason,
                _sub_code(error.message),
            )
            raise failure from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientFailure(type(error).__name__) from error
        return _activity_id(text)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _activity_id(text: str) -> str | None:
    try:
        parsed = json.loads(text) if text else {}
    except ValueError:
        return None
    found = parsed.get("id") if isinstance(parsed, dict) else None
    return found if isinstance(found, str) else None
