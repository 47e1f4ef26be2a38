"""Where uptake may send requests: loopback checks for local mode, tests and fakes."""

from __future__ import annotations

import ipaddress
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
