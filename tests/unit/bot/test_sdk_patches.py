"""The SDK work-around is applied where the pinned SDK looks it up, and changes no output."""

from __future__ import annotations

import aiohttp
import aiohttp.http
import pytest
from aiohttp import web_response
from microsoft_agents.hosting.core.connector.client import connector_client, user_token_client
from microsoft_agents.hosting.core.connector.get_product_info import get_product_info
from microsoft_agents.hosting.core.connector.teams import teams_connector_client

from bot.sdk_patches import (
    hide_server_software,
    memoise_product_info,
    refuse_redirects,
    refuse_sdk_redirects,
)


def test_product_info_is_memoised_in_the_client_modules() -> None:
    memoise_product_info()

    for module in (connector_client, user_token_client):
        patched = module.get_product_info
        assert patched() == get_product_info()
        assert hasattr(patched, "cache_info")
    assert memoise_product_info() == 0  # applying twice changes nothing


def test_the_server_header_default_is_where_aiohttp_reads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Start from aiohttp's own default (an earlier test may have applied the patch already).
    monkeypatch.setattr(web_response, "SERVER_SOFTWARE", aiohttp.http.SERVER_SOFTWARE)
    assert getattr(web_response, "SERVER_SOFTWARE").startswith("Python/")  # noqa: B009

    assert hide_server_software("uptake")
    assert getattr(web_response, "SERVER_SOFTWARE") == "uptake"  # noqa: B009


async def test_the_sdks_client_sessions_refuse_redirects() -> None:
    refuse_sdk_redirects()
    for module in (connector_client, user_token_client, teams_connector_client):
        session = module.ClientSession()
        assert isinstance(session, aiohttp.ClientSession)
        assert refuse_redirects in session._middlewares, module.__name__
        await session.close()
