"""A fake OneDrive upload endpoint: what Teams' file consent `uploadUrl` points at.

A small aiohttp app on an ephemeral loopback port that records every PUT (path, headers,
body); `redirect_to` makes it answer 307 instead, to check that the bot does not follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Upload:
    path: str
    content_range: str | None
    authorization: str | None
    body: bytes


class FakeOneDrive:
    def __init__(self) -> None:
        self.uploads: list[Upload] = []
        self.redirect_to: str | None = None
        self.server: TestServer | None = None

    def url(self, path: str = "/upload/session-1") -> str:
        assert self.server is not None
        return str(self.server.make_url(path))

    async def _put(self, request: web.Request) -> web.Response:
        if self.redirect_to is not None and request.path != "/landing":
            raise web.HTTPTemporaryRedirect(self.redirect_to)
        self.uploads.append(
            Upload(
                request.path,
                request.headers.get("Content-Range"),
                request.headers.get("Authorization"),
                await request.read(),
            )
        )
        return web.json_response({"id": "file-1", "name": "uptake-my-data.json"}, status=201)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_put("/{tail:.*}", self._put)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
