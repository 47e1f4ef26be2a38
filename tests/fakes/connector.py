"""A fake Bot Connector: a small aiohttp app on an ephemeral loopback port.

It serves the routes the bot uses (send, reply, update, delete, create conversation), records
every activity it receives, and can be told to answer a conversation with a failure (429 with
Retry-After, 403 MessageWritesBlocked, 503...) so the real SDK client meets real HTTP errors.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Received:
    method: str
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any]
    authorization: str | None

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.body.get("attachments", [])
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass
class Failure:
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def blocked() -> Failure:
    return Failure(403, {"error": {"code": "MessageWritesBlocked", "message": "blocked"}})


def throttled(retry_after: float = 0) -> Failure:
    return Failure(429, {"error": {"code": "Throttled"}}, {"Retry-After": str(retry_after)})


class FakeConnector:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._always: dict[str, Failure] = {}
        self._ids = itertools.count(1)
        self.server: TestServer | None = None
        self._arrived = asyncio.Condition()

    # --- scripting failures ---------------------------------------------------------------
    def fail_next(self, conversation_id: str, *failures: Failure) -> None:
        self._failures[conversation_id].extend(failures)

    def fail_always(self, conversation_id: str, failure: Failure) -> None:
        self._always[conversation_id] = failure

    # --- what arrived ---------------------------------------------------------------------
    async def wait_for(self, count: int) -> None:
        """Until at least `count` activities arrived (bound it with `asyncio.timeout`)."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)

    def sent_to(self, conversation_id: str) -> list[Received]:
        return [r for r in self.received if r.conversation_id == conversation_id]

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    # --- the server -----------------------------------------------------------------------
    def _failure_for(self, conversation_id: str) -> Failure | None:
        queue = self._failures.get(conversation_id)
        if queue:
            return queue.popleft()
        return self._always.get(conversation_id)

    async def _record(self, request: web.Request, method: str) -> web.Response:
        conversation_id = request.match_info.get("conversation_id", "")
        failure = self._failure_for(conversation_id)
        if failure is not None:
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        try:
            body = await request.json() if request.can_read_body else {}
        except json.JSONDecodeError:
            return web.json_response({"error": {"code": "BadArgument"}}, status=400)
        activity_id = request.match_info.get("activity_id")
        self.received.append(
            Received(
                method, conversation_id, activity_id, body, request.headers.get("Authorization")
            )
        )
        async with self._arrived:
            self._arrived.notify_all()
        if method == "DELETE":
            return web.Response(status=200)
        return web.json_response({"id": activity_id or f"activity-{next(self._ids)}"})

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, "POST")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, "PUT")

    async def _delete(self, request: web.Request) -> web.Response:
        return await self._record(request, "DELETE")

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        members = body.get("members") or []
        if body.get("isGroup") is not False or len(members) != 1 or not body.get("tenantId"):
            return web.json_response({"error": {"code": "BadArgument"}}, status=400)
        conversation_id = f"a:{members[0]['id']}"
        self.received.append(
            Received("CREATE", conversation_id, None, body, request.headers.get("Authorization"))
        )
        return web.json_response(
            {"id": conversation_id, "activityId": f"activity-{next(self._ids)}"}
        )

    def app(self) -> web.Application:
        app = web.Application()
        base = "/v3/conversations"
        app.router.add_post(base, self._create)
        app.router.add_post(base + "/{conversation_id}/activities", self._send)
        app.router.add_post(base + "/{conversation_id}/activities/{activity_id}", self._send)
        app.router.add_put(base + "/{conversation_id}/activities/{activity_id}", self._update)
        app.router.add_delete(base + "/{conversation_id}/activities/{activity_id}", self._delete)
        return app

    async def start(self) -> None:
        self.server = TestServer(self.app(), host="127.0.0.1", port=0)
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
