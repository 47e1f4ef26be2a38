"""The aiohttp app: a thin adapter from HTTP to the Agents SDK, plus health and readiness.

`/api/*` is a sub-application whose token middleware (bot/inbound_auth.py) is always
installed: with bot credentials every request needs a valid Bot Framework token whose
`serviceurl` is the activity's; without them (local mode) requests are anonymous, and the CLI
refuses to listen anywhere but loopback. Before the SDK sees an activity, its body is bounded
and its fields checked (bot/inbound.py); a refusal is a JSON 4xx.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from aiohttp import web
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentApplication, TurnState

from adoption.endpoints import ServiceUrls
from bot.inbound import (
    MAX_ACTIVITY_BYTES,
    Refused,
    activity_from,
    parse_activity_json,
    quiet_sdk_activity_validation,
    too_large,
)
from bot.inbound_auth import CALLER, TokenVerifier, admit, token_middleware

log = logging.getLogger("uptake.web")

Readiness = Callable[[], Awaitable[dict[str, bool]]]


def _refusal(refused: Refused) -> web.Response:
    return web.json_response(refused.body(), status=refused.status)


async def _read_body(request: web.Request) -> bytes:
    """The body, at most MAX_ACTIVITY_BYTES: the root app's client_max_size bounds the read
    (the request belongs to the root app, so the sub-app's setting would never apply)."""
    length = request.content_length
    if length is not None and length > MAX_ACTIVITY_BYTES:
        raise too_large()  # refused before a byte of it is read
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise too_large() from None


def messages_handler(
    agent: AgentApplication[TurnState], adapter: CloudAdapter, service_urls: ServiceUrls
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def messages(request: web.Request) -> web.StreamResponse:
        try:
            if request.content_type != "application/json":
                raise Refused("send the activity as application/json")
            activity = activity_from(parse_activity_json(await _read_body(request)))
            admit(request.get(CALLER), activity)
            # The turn's replies go to serviceUrl, and its conversation reference is kept for
            # later messages: only a Teams service host (loopback in local mode).
            if service_urls.problem(activity.service_url or ""):
                raise Refused(
                    "serviceUrl is not a Teams service host this bot sends to",
                    status=HTTPStatus.FORBIDDEN,
                    error="service_url_not_allowed",
                )
        except Refused as refused:
            log.info("activity.refused status=%d reason=%r", refused.status, refused.message)
            return _refusal(refused)
        began = time.perf_counter()
        response = await adapter.process(request, agent)
        response = response if response is not None else web.Response(status=202)
        # The turn's own duration (W3C Server-Timing), for operators' dashboards and the bench.
        response.headers["Server-Timing"] = f"turn;dur={(time.perf_counter() - began) * 1000:.1f}"
        return response

    return messages


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def readyz_handler(readiness: Readiness) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def readyz(_request: web.Request) -> web.Response:
        checks = await readiness()
        ready = all(checks.values())
        return web.json_response(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status=200 if ready else 503,
        )

    return readyz


SERVER_NAME = "uptake"


async def _anonymous_server(_request: web.Request, response: web.StreamResponse) -> None:
    # aiohttp would send "Python/3.11 aiohttp/x.y.z": a free map to the CVEs of those versions.
    # (What aiohttp answers before the app runs is covered by bot.sdk_patches.)
    response.headers["Server"] = SERVER_NAME


def build_web_app(
    agent: AgentApplication[TurnState],
    adapter: CloudAdapter,
    verifier: TokenVerifier | None,
    readiness: Readiness,
    service_urls: ServiceUrls,
) -> web.Application:
    """The web app; `verifier` is None exactly in local mode (no app id to check tokens for)."""
    quiet_sdk_activity_validation()
    api = web.Application(middlewares=[token_middleware(verifier)])
    api.router.add_post("/messages", messages_handler(agent, adapter, service_urls))

    # The request object belongs to the root app: its client_max_size is the one aiohttp applies.
    root = web.Application(client_max_size=MAX_ACTIVITY_BYTES)
    root.on_response_prepare.append(_anonymous_server)
    root.router.add_get("/healthz", healthz)
    root.router.add_get("/readyz", readyz_handler(readiness))
    root.add_subapp("/api", api)
    return root
