"""Where the bot may send: Teams' service hosts over https; loopback only in local mode."""

from __future__ import annotations

import pytest

from adoption.endpoints import ServiceUrls, listen_host

PRODUCTION = ServiceUrls()
LOCAL = ServiceUrls(local=True)
TESTED = ServiceUrls(hosts=("smba.trafficmanager.net", "127.0.0.1"))


@pytest.mark.parametrize(
    "url",
    [
        "https://smba.trafficmanager.net/emea/",
        "https://smba.trafficmanager.net/amer/",
        "https://EMEA.smba.trafficmanager.net./teams/",
        "https://smba.infra.gov.teams.microsoft.us/",
    ],
)
def test_teams_service_urls_are_taken_in_production(url: str) -> None:
    assert PRODUCTION.problem(url) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://smba.trafficmanager.net/emea/", "not https"),
        ("https://evil.example/emea/", "not a Teams service host"),
        ("https://smba.trafficmanager.net.evil.example/", "not a Teams service host"),
        ("https://notsmba.trafficmanager.net/", "not a Teams service host"),
        ("https://user:pass@smba.trafficmanager.net/", "credentials in the URL"),
        ("http://127.0.0.1:56150/", "loopback outside local mode"),
        ("https://localhost/", "loopback outside local mode"),
        ("file:///etc/passwd", "not an http(s) URL"),
        ("x", "not an http(s) URL"),
        ("https://[::1/", "not a URL"),
    ],
)
def test_anything_else_is_refused_in_production(url: str, why: str) -> None:
    assert PRODUCTION.problem(url) == why


def test_local_mode_sends_to_loopback_only_and_never_with_credentials() -> None:
    assert LOCAL.problem("http://localhost:56150") is None
    assert LOCAL.problem("http://[::1]:3978/") is None
    assert LOCAL.problem("https://smba.trafficmanager.net/emea/") == (
        "local mode sends to loopback only"
    )
    assert LOCAL.problem("http://user:pass@127.0.0.1:1/") == "credentials in the URL"


def test_a_listed_loopback_host_is_taken_beside_credentials() -> None:
    assert TESTED.problem("http://127.0.0.1:40000/") is None
    assert TESTED.problem("http://localhost:40000/") == "loopback outside local mode"


@pytest.mark.parametrize(
    ("given", "socket"),
    [("[::1]", "::1"), ("localhost.", "localhost"), (" 127.0.0.1 ", "127.0.0.1")],
)
def test_listen_hosts_are_what_a_socket_takes(given: str, socket: str) -> None:
    assert listen_host(given) == socket
