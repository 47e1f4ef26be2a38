"""Whoever serves the token signing keys decides which tokens are valid: https only, except on
this machine."""

from __future__ import annotations

import pydantic
import pytest

from bot.openid_keys import BOT_FRAMEWORK_METADATA_URL
from uptake.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_environ")


def test_the_bot_framework_metadata_is_the_default() -> None:
    assert Settings().bot_openid_metadata_url == BOT_FRAMEWORK_METADATA_URL


@pytest.mark.parametrize(
    "url",
    [
        "https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
        "http://127.0.0.1:8080/.well-known/openid-configuration",
        "http://localhost/.well-known/openid-configuration",
    ],
)
def test_https_or_loopback_is_accepted(url: str) -> None:
    assert Settings(bot_openid_metadata_url=url).bot_openid_metadata_url == url


@pytest.mark.parametrize(
    "url", ["http://login.botframework.com/v1/.well-known/openidconfiguration", "file:///k", "x"]
)
def test_anything_else_is_refused_at_start(url: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="https"):
        Settings(bot_openid_metadata_url=url)
