"""A counting fake Bot Connector for benchmarks (its own process, so it shares no event loop)."""

from __future__ import annotations

import itertools
import sys

from aiohttp import web

_ids = itertools.count(1)


RECEIVED = web.AppKey("received", list[int])


async def accept(request: web.Request) -> web.Response:
    await request.read()
    request.app[RECEIVED][0] += 1
    return web.json_response({"id": f"activity-{next(_ids)}"})


async def count(request: web.Request) -> web.Response:
    return web.json_response({"received": request.app[RECEIVED][0]})


def build() -> web.Application:
    app = web.Application()
    app[RECEIVED] = [0]
    app.router.add_post("/v3/conversations/{conversation}/activities", accept)
    app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", accept)
    app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", accept)
    app.router.add_get("/count", count)
    return app


if __name__ == "__main__":
    web.run_app(build(), host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
