"""Where uptake may send requests: the Teams service hosts, loopback in local mode and tests."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname
    return host is not None and is_loopback_host(host)


def listen_host(host: str) -> str:
    """An address as a socket takes it: '[::1]' is written like that in URLs, 'localhost.'
    is localhost written fully qualified."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return "localhost" if text.lower() == "localhost." else text


# The hosts Teams sends service URLs on (the Agents SDK's own defaults for Bot Connector and
# Teams): public cloud smba.trafficmanager.net, the government clouds *.teams.microsoft.us.
TEAMS_SERVICE_HOSTS: Final = (
    "smba.trafficmanager.net",
    "botframework.com",
    "teams.microsoft.com",
    "teams.microsoft.us",
)


# Where Teams' file consent lets a bot upload a file: the user's OneDrive for Business, on
# <tenant>-my.sharepoint.com (sovereign clouds: add their SharePoint host).
FILE_UPLOAD_HOSTS: Final = ("sharepoint.com",)


@dataclass(frozen=True, slots=True)
class ServiceUrls:
    """Which service URLs the bot sends to, in-turn and proactively.

    `hosts`: a URL's host is one of them or below one (`emea.smba.trafficmanager.net`), over
    https. Loopback is taken when `local` (no bot credentials: the Playground, tests) or when
    listed in `hosts` (a fake connector beside a test with credentials), over http or https.
    Never a URL with credentials in it, in any mode.
    """

    hosts: tuple[str, ...] = TEAMS_SERVICE_HOSTS
    local: bool = False

    def problem(self, url: str) -> str | None:
        """Why the bot must not send to `url`, or None."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return "not a URL"
        if parts.username is not None or parts.password is not None:
            return "credentials in the URL"
        if not host or parts.scheme not in ("http", "https"):
            return "not an http(s) URL"
        host = host.rstrip(".").lower()
        listed = any(host == h or host.endswith("." + h) for h in self.hosts)
        if is_loopback_host(host):
            return None if self.local or listed else "loopback outside local mode"
        if self.local:
            return "local mode sends to loopback only"
        if parts.scheme != "https":
            return "not https"
        return None if listed else "not a Teams service host"
