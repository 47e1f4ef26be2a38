"""The SDK work-around is applied where the pinned SDK looks it up, and changes no output."""

from __future__ import annotations

from microsoft_agents.hosting.core.connector.client import connector_client, user_token_client
from microsoft_agents.hosting.core.connector.get_product_info import get_product_info

from bot.sdk_patches import memoise_product_info


def test_product_info_is_memoised_in_the_client_modules() -> None:
    memoise_product_info()

    for module in (connector_client, user_token_client):
        patched = module.get_product_info
        assert patched() == get_product_info()
        assert hasattr(patched, "cache_info")
    assert memoise_product_info() == 0  # applying twice changes nothing
