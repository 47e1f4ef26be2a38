"""Work-arounds in pinned dependencies, applied by the composition root, each tested to fail
when the dependency changes under it.

The Agents SDK 1.9: every connector and user-token client the SDK builds (two per turn)
computes its User-Agent with `get_product_info()`, which asks importlib for the version of a
distribution that is not installed ("microsoft-agents-connector"), scanning every sys.path
entry each time: about 0.3 ms per call, 8 % of a facilitator turn in a profile. The answer
never changes within a process, so the same function, memoised, is put where the SDK's
modules look it up.

aiohttp 3.14: every response gets `Server: Python/3.11 aiohttp/3.14.5` unless it has one. The
web app sets its own on every answer it prepares (bot/web.py), but aiohttp answers requests
that are not valid HTTP itself, before any app or signal runs; only its module default
reaches those, so that default is replaced.
"""

from __future__ import annotations

import functools
import importlib
import logging

from aiohttp import web_response

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
