"""A fake Teams Bot Connector that enforces Teams' rate limits (its own process, for benches).

`POST /v3/conversations/{id}/activities` is accepted only within:

  - the global limit: at most `--rate` accepted activities in any sliding 1 s window (Teams:
    about 50 requests/s per app per tenant; a sliding window is the strictest reading);
  - the per-conversation limits of a bot: 7 per 1 s, 8 per 2 s, 60 per 30 s.

Beyond, it answers 429 with `Retry-After` in whole seconds (HTTP's delay-seconds), as Teams
does. A throttled request does not count against the windows: only accepted ones do.

It counts accepted activities per conversation (more than one to a 1:1 chat of a check-in
is a duplicate), 429s sent, and TCP connections opened (distinct client address and port),
and serves them at `GET /stats`; `POST /stats/reset` starts the counts again.

The windows are written here on their own rather than imported from the sender: a fake that
shared the code under test could not catch its mistakes.

Usage: python bench/fake_teams.py PORT [--rate 50] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Teams' per bot per conversation limits: (sends, seconds).
PER_CONVERSATION: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0))


class SlidingWindow:
    """At most `limit` events in any `seconds`-long window."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._times: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds until one more event fits (0 when it fits now)."""
        while self._times and self._times[0] <= now - self.seconds:
            self._times.popleft()
        if len(self._times) < self.limit:
            return 0.0
        return self._times[0] + self.seconds - now

    def add(self, now: float) -> None:
        self._times.append(now)


@dataclass
class Stats:
    accepted: Counter[str] = field(default_factory=Counter)
    throttled_global: int = 0
    throttled_conversation: int = 0
    peers: set[tuple[str, int]] = field(default_factory=set)
    first: float | None = None
    last: float | None = None
    per_second: Counter[int] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        total = sum(self.accepted.values())
        return {
            "accepted": total,
            "conversations": len(self.accepted),
            "duplicates": total - len(self.accepted),
            "throttled": self.throttled_global + self.throttled_conversation,
            "throttled_global": self.throttled_global,
            "throttled_conversation": self.throttled_conversation,
            "connections": len(self.peers),
            "first": self.first,
            "last": self.last,
            "per_second": [self.per_second[s] for s in range(max(self.per_second, default=-1) + 1)],
        }


class FakeTeams:
    def __init__(self, rate: int, latency: float = 0.0) -> None:
        self.rate = rate
        self.latency = latency
        self.stats = Stats()
        self._global = SlidingWindow(rate, 1.0)
        self._conversations: dict[str, list[SlidingWindow]] = {}
        self._ids = itertools.count(1)

    def _windows(self, conversation: str) -> list[SlidingWindow]:
        windows = self._conversations.get(conversation)
        if windows is None:
            windows = [SlidingWindow(n, s) for n, s in PER_CONVERSATION]
            self._conversations[conversation] = windows
        return windows

    async def send(self, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer is not None:
            self.stats.peers.add((str(peer[0]), int(peer[1])))
        await request.read()
        if self.latency:
            await asyncio.sleep(self.latency)
        conversation = request.match_info["conversation"]
        now = time.monotonic()
        chat = self._windows(conversation)
        chat_wait = max(w.wait(now) for w in chat)
        global_wait = self._global.wait(now)
        if chat_wait or global_wait:
            if chat_wait:
                self.stats.throttled_conversation += 1
            else:
                self.stats.throttled_global += 1
            retry_after = max(1, math.ceil(max(chat_wait, global_wait)))
            return web.json_response(
                {"error": {"code": "Throttled", "message": "Too many requests"}},
                status=429,
                headers={"Retry-After": str(retry_after)},
            )
        self._global.add(now)
        for window in chat:
            window.add(now)
        self.stats.accepted[conversation] += 1
        wall = time.time()
        if self.stats.first is None:
            self.stats.first = wall
        self.stats.last = wall
        self.stats.per_second[int(wall - self.stats.first)] += 1
        return web.json_response({"id": f"activity-{next(self._ids)}"})

    async def read_stats(self, _request: web.Request) -> web.Response:
        return web.json_response(self.stats.as_json())

    async def reset(self, _request: web.Request) -> web.Response:
        self.stats = Stats()
        return web.json_response({"reset": True})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self.send)
        app.router.add_get("/stats", self.read_stats)
        app.router.add_post("/stats/reset", self.reset)
        return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    options = parser.parse_args()
    fake = FakeTeams(options.rate, options.latency_ms / 1000)
    web.run_app(fake.app(), host="127.0.0.1", port=options.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
