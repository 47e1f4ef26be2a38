"""Why bot/inbound_auth.py checks tokens instead of the Agents SDK 1.9's middleware.

Each test pins one behaviour of the pinned SDK that made its middleware unusable here. When an
SDK upgrade changes one, the test fails: look again whether the SDK's own check will do.
"""

from __future__ import annotations

import threading

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_agents.activity import Activity
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentAuthConfiguration, ClaimsIdentity
from microsoft_agents.hosting.core.authorization.jwt import _authorize_request
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator as validator

BOT_FRAMEWORK = "https://api.botframework.com"
CONFIG = AgentAuthConfiguration(client_id="app", tenant_id="tenant", client_secret="s")


def test_the_key_url_is_a_constant_chosen_by_the_tokens_own_issuer() -> None:
    # No setting reaches it: a test cannot point the SDK at a fake key host.
    uri = validator._build_jwks_uri(BOT_FRAMEWORK, CONFIG, CONFIG)
    assert uri == "https://login.botframework.com/v1/.well-known/keys"


def test_keys_are_fetched_with_a_30_second_timeout_under_one_lock() -> None:
    manager = validator._JwkClientManager()  # type: ignore[no-untyped-call]
    entry = manager._get_jwk_client("https://127.0.0.1:9/keys")
    assert entry.jwk_client.timeout == 30
    assert isinstance(entry.lock, type(threading.Lock()))  # held across the fetch


async def test_a_token_without_kid_escapes_as_a_key_error_not_a_401() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode({"iss": BOT_FRAMEWORK, "aud": "app"}, key, "RS256")

    with pytest.raises(KeyError, match="kid"):
        await _authorize_request(f"Bearer {token}", CONFIG)


def test_the_issuer_is_not_checked_unless_asked() -> None:
    assert CONFIG.VALIDATE_ISSUER is False


def test_a_token_for_another_service_url_is_only_warned_about() -> None:
    connections = MsalConnectionManager(
        connections_configurations={"SERVICE_CONNECTION": AgentAuthConfiguration()}
    )
    adapter = CloudAdapter(connection_manager=connections)
    claims = ClaimsIdentity({"serviceurl": "https://smba.trafficmanager.net/emea/"}, "Bearer")
    activity = Activity(type="message", service_url="https://elsewhere.example/")

    assert adapter._validate_service_url(claims, activity) is True
