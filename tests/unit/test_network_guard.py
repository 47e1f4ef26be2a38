"""The test session refuses connections to anything but loopback, so a leak fails loudly."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from pytest_socket import SocketConnectBlockedError

# 0.0.0.0 is not on the allow list; even if the guard failed, Linux would keep this local.
NOT_LOOPBACK = "0.0.0.0"  # noqa: S104


def test_a_non_loopback_address_is_refused() -> None:
    with (
        pytest.warns(UserWarning, match="allowed"),
        pytest.raises(SocketConnectBlockedError),
        socket.create_connection((NOT_LOOPBACK, 9), 1),
    ):
        pass


async def test_an_http_client_leak_is_refused() -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.warns(UserWarning, match="allowed"), pytest.raises(SocketConnectBlockedError):
            await http.get(f"http://{NOT_LOOPBACK}:9/")
