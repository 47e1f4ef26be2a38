"""No answer advertises the server's software or versions (aiohttp sends 'Python/3.x aiohttp/x')."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.integration.bot.conftest import RunningBot


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}"


def assert_anonymous(server: str | None) -> None:
    assert server is not None
    assert "aiohttp" not in server.lower()
    assert "python" not in server.lower()
    assert not any(ch.isdigit() for ch in server)


async def test_no_answer_names_the_server_software(bot: RunningBot, alice: User) -> None:
    url = bot.server.make_url
    answers = [
        await bot.http.get(url("/healthz")),
        await bot.http.get(url("/readyz")),
        await bot.http.get(url("/nowhere")),
        await bot.http.get(url("/api/messages")),
        await bot.post(act.message(alice, bot.service_url, "help")),
        await bot.post_raw(b"{"),
        await bot.post_raw(b" " * 300_000),
    ]

    assert sorted({a.status for a in answers}) == [200, 202, 400, 404, 405, 413]
    for answer in answers:
        assert_anonymous(answer.headers.get("Server"))


async def test_a_request_that_is_not_http_gets_no_version_either(bot: RunningBot) -> None:
    host, port = bot.server.host, bot.server.port
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
    await writer.drain()
    head = (await reader.read(4096)).decode("latin-1")
    writer.close()
    await writer.wait_closed()

    assert head.split(" ", 2)[1] == "400"  # aiohttp answers this itself, before any app
    server = [line for line in head.split("\r\n") if line.lower().startswith("server:")]
    assert_anonymous(server[0].split(":", 1)[1].strip() if server else None)
