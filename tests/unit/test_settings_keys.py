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


def test_teams_service_hosts_come_from_a_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "UPTAKE_TEAMS_SERVICE_HOSTS", "smba.trafficmanager.net, Smba.Infra.Gov.Teams.Microsoft.US."
    )
    assert Settings().teams_service_hosts == (
        "smba.trafficmanager.net",
        "smba.infra.gov.teams.microsoft.us",
    )


@pytest.mark.parametrize("value", ["https://smba.trafficmanager.net/", "", "a b", "-x.example"])
def test_a_service_host_that_is_not_a_host_name_is_refused(value: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="host names"):
        Settings(teams_service_hosts=(value,))


def test_the_service_url_for_chats_found_through_graph_is_on_a_service_host() -> None:
    with pytest.raises(pydantic.ValidationError, match="not a Teams service host"):
        Settings(bot_service_url="https://attacker.example/teams/")
    assert Settings(bot_service_url="http://127.0.0.1:9/").bot_service_url == "http://127.0.0.1:9/"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("retention_usage_months", 1),
        ("retention_usage_months", 121),
        ("retention_audit_months", 0),
        ("retention_messages_days", 7),
    ],
)
def test_retention_horizons_outside_their_range_are_refused(
    name: str, value: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"UPTAKE_{name.upper()}", str(value))
    with pytest.raises(pydantic.ValidationError, match=name):
        Settings()


def test_retention_defaults_are_thirteen_months_and_ninety_days() -> None:
    policy = Settings().retention
    assert (policy.usage_months, policy.audit_months, policy.message_days) == (13, 13, 90)


def test_file_upload_hosts_come_from_a_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UPTAKE_FILE_UPLOAD_HOSTS", "sharepoint.com, sharepoint.us")
    settings = Settings()
    assert settings.file_upload_hosts == ("sharepoint.com", "sharepoint.us")
    assert settings.upload_urls(local=False).problem("https://x-my.sharepoint.us/u") is None
    monkeypatch.setenv("UPTAKE_FILE_UPLOAD_HOSTS", "not a host!")
    with pytest.raises(pydantic.ValidationError, match="host names"):
        Settings()
