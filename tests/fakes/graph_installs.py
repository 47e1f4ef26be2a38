"""A fake of Graph's Teams app installation API for one app: install (201, or 409 when it
is there), list a user's installations, give the 1:1 chat. Knobs: refuse users (403)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class FakeInstalls:
    catalog_app_id: str
    installed: set[str] = field(default_factory=set)
    forbidden: set[str] = field(default_factory=set)
    busy: set[str] = field(default_factory=set)  # answered 503, as Graph does when overloaded
    calls: Counter[str] = field(default_factory=Counter)
    server: TestServer | None = None

    @property
    def base_url(self) -> str:
        if self.server is None:
            raise RuntimeError("start the fake first")
        return str(self.server.make_url("/v1.0"))

    async def _install(self, request: web.Request) -> web.Response:
        user = request.match_info["user"]
        self.calls["install"] += 1
        if user in self.busy:
            return web.json_response({"error": {"code": "ServiceUnavailable"}}, status=503)
        if user in self.forbidden:
            return web.json_response(
                {"error": {"code": "Forbidden", "message": "Missing role permissions"}},
                status=403,
            )
        body = await request.json()
        bind = str(body.get("teamsApp@odata.bind", ""))
        if not bind.endswith(f"/appCatalogs/teamsApps/{self.catalog_app_id}"):
            return web.json_response({"error": {"code": "BadRequest"}}, status=400)
        if user in self.installed:
            return web.json_response({"error": {"code": "Conflict"}}, status=409)
        self.installed.add(user)
        return web.Response(status=201)

    async def _list(self, request: web.Request) -> web.Response:
        user = request.match_info["user"]
        self.calls["list"] += 1
        value = (
            [{"id": f"inst-{user}", "teamsApp": {"id": self.catalog_app_id}}]
            if user in self.installed
            else []
        )
        return web.json_response({"value": value})

    async def _chat(self, request: web.Request) -> web.Response:
        user = request.match_info["user"]
        self.calls["chat"] += 1
        return web.json_response({"id": f"19:{user}_bot@unq.gbl.spaces"})

    async def start(self) -> None:
        app = web.Application()
        base = "/v1.0/users/{user}/teamwork/installedApps"
        app.router.add_post(base, self._install)
        app.router.add_get(base, self._list)
        app.router.add_get(base + "/{installation}/chat", self._chat)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
