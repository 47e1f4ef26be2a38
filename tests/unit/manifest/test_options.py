"""What an operator gives `uptake manifest build`, and the clear refusals of bad values."""

from __future__ import annotations

import pytest

from uptake.manifest_package import PackageError, package_options

from .conftest import BOT_ID


def _refusal(**overrides: str | None) -> PackageError:
    arguments: dict[str, str | None] = {"bot_id": BOT_ID, "domain": "uptake.contoso.com"}
    arguments.update(overrides)
    with pytest.raises(PackageError) as raised:
        package_options(**arguments)  # type: ignore[arg-type]
    return raised.value


def test_missing_app_id_is_refused_with_the_env_name() -> None:
    error = _refusal(bot_id=None)
    assert error.key == "manifest.err_missing_app_id"
    assert "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID" in error.text("nl")


def test_app_id_that_is_not_a_guid_is_refused() -> None:
    assert _refusal(bot_id="my-bot").key == "manifest.err_bad_guid"


@pytest.mark.parametrize("version", ["1.2", "v1.2.3", "1.02.3", "1.2.3-beta"])
def test_version_teams_cannot_read_is_refused(version: str) -> None:
    error = _refusal(version=version)
    assert error.key == "manifest.err_bad_version"
    assert version in error.text("fr")


def test_missing_domain_is_refused() -> None:
    assert _refusal(domain=None).key == "manifest.err_missing_domain"


@pytest.mark.parametrize(
    "domain", ["https://uptake.contoso.com", "uptake.contoso.com/api", "localhost"]
)
def test_domain_must_be_a_host_name(domain: str) -> None:
    assert _refusal(domain=domain).key == "manifest.err_bad_domain"


def test_privacy_url_must_be_https() -> None:
    assert _refusal(privacy_url="http://contoso.com/privacy").key == "manifest.err_bad_url"


def test_teams_app_id_is_stable_per_bot_and_differs_between_bots() -> None:
    first = package_options(bot_id=BOT_ID, domain="a.contoso.com")
    again = package_options(bot_id=BOT_ID.upper(), domain="b.contoso.com")
    other = package_options(bot_id="99999999-2222-3333-4444-555555555555", domain="a.contoso.com")
    assert first.teams_app_id == again.teams_app_id
    assert first.teams_app_id != other.teams_app_id
    assert first.teams_app_id != first.bot_id


def test_defaults_follow_the_domain_and_the_bot() -> None:
    chosen = package_options(bot_id=BOT_ID, domain="Uptake.Contoso.com")
    assert chosen.domain == "uptake.contoso.com"
    assert chosen.privacy_url == "https://uptake.contoso.com/privacy"
    assert chosen.graph_app_id == BOT_ID
