"""Outbound messages to the Bot Connector, with pooled connections and typed failures.

The SDK opens a new aiohttp session per turn; for fan-out that means a TCP/TLS handshake per
message. `ConnectorPool` keeps one SDK `ConnectorClient` per service URL on one shared
session. `send` maps every remote failure to a typed error at this one boundary, so the sender
decides retries from types, not from status codes scattered around.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.connector.client import ConnectorClient

from adoption.endpoints import is_loopback_url
from adoption.pacing import retry_after_header

log = logging.getLogger("uptake.connector")

BOT_FRAMEWORK_RESOURCE = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPES = ["https://api.botframework.com/.default"]


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


class ConnectorPool:
    """One pooled HTTP session for all outbound connector calls of this process."""

    def __init__(self, tokens: TokenSource, *, timeout_seconds: float = 30.0) -> None:
        self._tokens = tokens
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, ConnectorClient] = {}

    def _client(self, service_url: str) -> ConnectorClient:
        client = self._clients.get(service_url)
        if client is None:
            if self._session is None:
                self._session = aiohttp.ClientSession(
                    timeout=self._timeout, connector=aiohttp.TCPConnector(limit=64)
                )
            # ConnectorClient puts headers on the session it is given, so each service URL
            # gets a light session that shares the pooled connector.
            session = aiohttp.ClientSession(
                base_url=service_url.rstrip("/") + "/",
                connector=self._session.connector,
                connector_owner=False,
                timeout=self._timeout,
            )
            client = ConnectorClient(service_url, "", session=session)
            self._clients[service_url] = client
        return client

    async def send(self, service_url: str, conversation_id: str, activity: Activity) -> str | None:
        """Post `activity` into the conversation; returns the new activity id."""
        token = await self._tokens.token_for(service_url)
        client = self._client(service_url)
        if token:
            client.client.headers["Authorization"] = f"Bearer {token}"
        else:
            client.client.headers.pop("Authorization", None)
        try:
            result = await client.conversations.send_to_conversation(conversation_id, activity)
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
        return result.id

    async def close(self) -> None:
        for client in self._clients.values():
            await client.client.close()
        self._clients.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
