"""`status` (or `licences`, `copilot`: `--question`) turns on a 100,000-person tenant, 32
concurrent facilitator chats.

The tenant is written as aggregate rows directly (what `uptake sync` stores: published,
suppressed funnels for 6 weekly report dates over 40 departments in 3 waves), plus a pulse run
with 10,000 anonymous answers, and the licence figures of the latest date (E3 for everyone,
Copilot for one in five, a third of those idle; a price list). Then `uptake serve --role web`
runs as its own process (local mode) against a fake Bot Connector (another process); the
chats are driven from this one.
Server-side time is what the server reports in its Server-Timing header: the whole turn,
including the reply sent to the connector. Two loads, printed, never asserted:

  - back to back: every chat asks again the moment it is answered (saturation; latency is then
    mostly waiting behind the other 31 chats on one event loop);
  - with think time: each chat asks about once per `--think` seconds, as people do.

Usage: python bench/facilitator.py [--turns 3000] [--concurrency 32] [--think 1]
                                   [--database-url URL] [--question status|licences|copilot]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adoption.audience import Audience
from adoption.clock import utc_now
from adoption.funnel import Subject, publish, subjects
from adoption.licences import COPILOT, publish_licences
from adoption.scenarios import catalogue
from bench.checkin_turns import TENANT, free_port, process, wait_listening
from store import checkins, licences, usage
from uptake.prices import EXAMPLE_PRICES
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings

PEOPLE = 100_000
DEPARTMENTS = 40
REPORT = date(2026, 11, 21)


def tally(week: int) -> dict[tuple[str, str], dict[Subject, list[int]]]:
    names = subjects(catalogue())
    result: dict[tuple[str, str], dict[Subject, list[int]]] = {}
    weights = [1 + (i % 7) for i in range(DEPARTMENTS)]
    weights[-1] = 0  # a department of 3 people: below k, protected by complement
    total = sum(weights)
    for i, weight in enumerate(weights):
        size = 3 if weight == 0 else PEOPLE * weight // total
        growth = 0.3 + 0.5 * ((i % 5) / 5) + week * 0.03
        active = int(size * min(growth, 0.95))
        row = [size, int(size * 0.97), int(size * 0.9), active, int(active * 0.6)]
        result[(f"Department {i:02d}", str(1 + i % 3))] = {name: list(row) for name in names}
    return result


def licence_tally() -> dict[tuple[str, str], dict[str, list[int]]]:
    """Per leaf and SKU: [holders, idle, habitual, prompts], as the sync stores them."""
    result: dict[tuple[str, str], dict[str, list[int]]] = {}
    for (department, wave), by_subject in tally(5).items():
        size = next(iter(by_subject.values()))[0]
        copilot = size // 5
        result[(department, wave)] = {
            "SPE_E3": [size, size // 20, 0, 0],
            COPILOT: [copilot, copilot // 3, copilot // 4, copilot * 30],
        }
    return result


async def seed(runtime: Runtime) -> None:
    async with runtime.sessions.begin() as session:
        for week in range(6):
            day = REPORT - timedelta(days=7 * (5 - week))
            await usage.save_snapshot(
                session,
                report_date=day,
                origin="bench",
                population=PEOPLE,
                concealed_reason=None,
                digest=f"bench-{day}",
                people=[],
                funnels=publish(tally(week), runtime.settings.min_group_size),
            )
        await licences.save_licences(
            session,
            REPORT,
            copilot_version="v2",
            subscriptions=None,
            rows=publish_licences(
                licence_tally(), runtime.settings.min_group_size, habit_known=True
            ),
        )
        opened = await checkins.open_run(
            session,
            template_key="pulse",
            audience=Audience.everyone(),
            now=utc_now(),
            open_for=timedelta(days=7),
            min_group_size=runtime.settings.min_group_size,
        )
        blockers = ("time", "habits", "training", "technical", "nothing")
        await checkins.save_responses(
            session,
            [
                {
                    "run_id": opened.run_id,
                    "respondent_key": f"r{i}",
                    "department": f"Department {i % DEPARTMENTS:02d}",
                    "answers": {
                        "confidence": 1 + i % 5,
                        "usefulness": 1 + (i * 7) % 5,
                        "blocker": blockers[i % 5],
                    },
                    "submitted_on": utc_now().date(),
                }
                for i in range(10_000)
            ],
        )


def activity(user: int, service_url: str, text: str) -> dict[str, object]:
    uid = f"00000000-0000-4000-8000-{user:012d}"
    return {
        "type": "message",
        "id": f"m-{user}-{time.monotonic_ns()}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "locale": ("nl-BE", "fr-BE", "en-GB")[user % 3],
        "text": text,
        "from": {"id": f"29:{uid}", "aadObjectId": uid},
        "recipient": {"id": "28:bot", "name": "uptake"},
        "conversation": {"id": f"a:{uid}", "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
    }


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100)
    return (
        f"p50 {q[49] * 1000:6.1f} ms  p95 {q[94] * 1000:6.1f} ms  "
        f"p99 {q[98] * 1000:6.1f} ms  max {ordered[-1] * 1000:6.1f} ms"
    )


def server_ms(response: aiohttp.ClientResponse) -> float:
    """The turn's duration as the server measured it (its Server-Timing header)."""
    timing = response.headers.get("Server-Timing", "")
    return float(timing.split("dur=", 1)[1]) / 1000 if "dur=" in timing else float("nan")


async def load(
    url: str, service_url: str, turns: int, concurrency: int, think: float, question: str
) -> tuple[float, list[float], list[float]]:
    """`concurrency` chats asking `question`; each waits `think` seconds (jittered) between
    turns."""
    server: list[float] = []
    round_trips: list[float] = []
    queue = iter(range(turns))
    rng = random.Random(7)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:

        async def chat(user: int) -> None:
            for _ in queue:
                if think:
                    await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
                begin = time.perf_counter()
                body = activity(user, service_url, question)
                async with http.post(url, json=body) as response:
                    await response.read()
                    assert response.status in (200, 202), response.status
                round_trips.append(time.perf_counter() - begin)
                server.append(server_ms(response))

        begin = time.perf_counter()
        await asyncio.gather(*(chat(u) for u in range(concurrency)))
        return time.perf_counter() - begin, server, round_trips


async def main(
    turns: int, concurrency: int, think: float, database_url: str | None, question: str
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="uptake-bench-facilitator-"))
    facilitators = tuple(f"00000000-0000-4000-8000-{u:012d}" for u in range(concurrency))
    settings = Settings(
        data_dir=folder,
        database_url=database_url,
        secret="bench-secret-that-is-long-enough-0123456789",  # type: ignore[arg-type]  # noqa: S106
        facilitators=facilitators,
    )
    runtime = await Runtime.start(settings, BotCredentials({}), migrate=True)
    started = time.perf_counter()
    await seed(runtime)
    await runtime.close()
    print(f"seeded {PEOPLE:,} people as aggregates in {time.perf_counter() - started:.1f} s")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTIONS__")}
    env.update(
        {
            "UPTAKE_DATA_DIR": str(folder),
            "UPTAKE_DATABASE_URL": settings.effective_database_url,
            "UPTAKE_SECRET": "bench-secret-that-is-long-enough-0123456789",
            "UPTAKE_FACILITATORS": ",".join(facilitators),
            "UPTAKE_LICENCE_PRICES": str(EXAMPLE_PRICES),
        }
    )
    port, connector_port = free_port(), free_port()
    uptake = str(Path(sys.executable).with_name("uptake"))
    service_url = f"http://127.0.0.1:{connector_port}"
    url = f"http://127.0.0.1:{port}/api/messages"
    with (
        process([sys.executable, "bench/fake_connector.py", str(connector_port)]) as connector,
        process([uptake, "serve", "--role", "web", "--port", str(port)], env) as server,
    ):
        await wait_listening(connector_port, connector)
        await wait_listening(port, server)
        # Warm-up: one turn per chat.
        await load(url, service_url, concurrency, concurrency, 0, question)
        busy = await load(url, service_url, turns, concurrency, 0, question)
        paced = await load(
            url, service_url, max(turns // 4, concurrency), concurrency, think, question
        )
    backend = "PostgreSQL" if settings.effective_database_url.startswith("postgres") else "SQLite"
    print(f"backend {backend}; `{question}` on {PEOPLE:,} people, {concurrency} concurrent chats")
    for name, (elapsed, server_times, round_trips) in (
        ("back to back (saturation)", busy),
        (f"think time ~{think:g} s per chat", paced),
    ):
        print(f"{name}: {len(server_times)} turns, {len(server_times) / elapsed:.1f} turns/s")
        print(f"  server (turn)   {percentiles(server_times)}   goal p95 <= 100 ms")
        print(f"  client (HTTP)   {percentiles(round_trips)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between a chat's turns")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--question", default="status", choices=("status", "licences", "copilot"))
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.concurrency, args.think, args.database_url, args.question))
