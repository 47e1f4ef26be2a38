"""Work-arounds in pinned dependencies, applied by the composition root, each tested to fail
when the dependency changes under it.

The Agents SDK 1.9: every connector and user-token client the SDK builds (two per turn)
computes its User-Agent with `get_product_info()`, which asks importlib for the version of a
distribution that is not installed ("microsoft-agents-connector"), scanning every sys.path
entry each time: about 0.3 ms per call, 8 % of a facilitator turn in a profile. The answer
never changes within a process, so the same function, memoised, is put where the SDK's
modules look it up.

The Agents SDK 1.9 builds each connector and user-token client on a plain aiohttp session,
which follows redirects: a service URL answering 307 would send the bot's reply, with its
token, to whatever host the Location names. Teams never redirects. Those sessions get a
middleware that refuses every redirect (aiohttp runs client middlewares on each hop).

aiohttp 3.14: every response gets `Server: Python/3.11 aiohttp/3.14.5` unless it has one. The
web app sets its own on every answer it prepares (bot/web.py), but aiohttp answers requests
that are not valid HTTP itself, before any app or signal runs; only its module default
reaches those, so that default is replaced.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import ClientHandlerType, ClientRequest, ClientResponse, web_response

log = logging.getLogger("uptake.sdk")

_MODULES = (
    "microsoft_agents.hosting.core.connector.client.connector_client",
    "microsoft_agents.hosting.core.connector.client.user_token_client",
    "microsoft_agents.hosting.core.connector.mcs.mcs_connector_client",
)


def memoise_product_info() -> int:
    """Memoise `get_product_info` in the SDK modules that use it; returns how many were done."""
    # The package re-exports the function under the module's own name: import the module.
    source = importlib.import_module("microsoft_agents.hosting.core.connector.get_product_info")
    original = source.get_product_info
    memoised = functools.cache(original)
    patched = 0
    for name in _MODULES:
        module = importlib.import_module(name)
        current = getattr(module, "get_product_info", None)
        if current is original:
            setattr(module, "get_product_info", memoised)  # noqa: B010 - mypy refuses assigning to a ModuleType
            patched += 1
        elif current is None or not hasattr(current, "cache_info"):
            # A newer SDK moved things: run unpatched (slower, still correct) and say so.
            log.warning("sdk.product_info_not_patched module=%s", name)
    return patched


def hide_server_software(name: str) -> bool:
    """Make `name` aiohttp's default Server header; False (and a warning) if aiohttp moved it."""
    current = getattr(web_response, "SERVER_SOFTWARE", None)
    if not isinstance(current, str):
        log.warning("sdk.server_header_not_patched")
        return False
    setattr(web_response, "SERVER_SOFTWARE", name)  # noqa: B010 - a module global, like above
    return True


_SESSION_MODULES = (
    "microsoft_agents.hosting.core.connector.client.connector_client",
    "microsoft_agents.hosting.core.connector.teams.teams_connector_client",
    "microsoft_agents.hosting.core.connector.client.user_token_client",
)


class RedirectRefused(aiohttp.ClientError):
    """A service answered with a redirect: not followed (the bot only talks to the host its
    activity named). A ClientError, so it is a channel failure like any other."""


async def refuse_redirects(request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
    response = await handler(request)
    if 300 <= response.status < 400:
        response.release()
        raise RedirectRefused(f"redirect {response.status} not followed")
    return response


def _guarded_session(*args: Any, **kwargs: Any) -> aiohttp.ClientSession:
    middlewares = (*kwargs.pop("middlewares", ()), refuse_redirects)
    return aiohttp.ClientSession(*args, middlewares=middlewares, **kwargs)


def refuse_sdk_redirects() -> int:
    """Make the SDK's client sessions refuse redirects; returns how many modules were done."""
    patched = 0
    for name in _SESSION_MODULES:
        module = importlib.import_module(name)
        current: Callable[..., object] | None = getattr(module, "ClientSession", None)
        if current is aiohttp.ClientSession:
            setattr(module, "ClientSession", _guarded_session)  # noqa: B010 - as above
            patched += 1
        elif current is not _guarded_session:
            log.warning("sdk.redirects_not_refused module=%s", name)
    return patched
