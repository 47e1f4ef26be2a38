"""Fan-out: one check-in to 10,000 people through the outbox, against Teams' rate limits.

Real processes: a fake Teams connector (bench/fake_teams.py) that enforces a global limit (a
sliding 1 s window at the ceiling), the per-conversation limits and 429 + Retry-After beyond;
and `uptake serve --role worker` in local mode with `UPTAKE_SEND_RATE_PER_SECOND` at the
ceiling. For each backend (a fresh SQLite file; a scratch PostgreSQL database, created and
dropped) and each ceiling (50 and 500/s): 10,000 people whose conversation references point
at the fake, a run opened for all (`store.checkins.open_run`) once the worker leads, then the
worker sends. Printed, never asserted:

  - delivered/s from the first to the last accepted activity, and its ratio to the ceiling
    (goal >= 0.95);
  - 429s received, duplicates (a chat that got the card twice; goal 0), lost (messages not
    sent; goal 0);
  - CPU ms per message of the worker process (user + sys, from /proc), connections opened.

Separately: the seconds `open_run` takes to enqueue 100,000 messages (goal <= 5 s).

Usage: python bench/fanout.py [--people 10000] [--ceilings 50,500] [--backends sqlite,postgresql]
       [--enqueue 100000] [--postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
       [--timeline] [--latency-ms 0]
PostgreSQL is skipped (and said so) when nothing listens at the URL. `--timeline` prints the
accepted sends of each second; `--latency-ms` makes the fake answer each send that much later
(a real connector's round trip), which the sender's concurrency has to cover. The machine's
load average is printed: other work on it shows in every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import aiohttp
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adoption.audience import Audience
from adoption.clock import utc_now
from store import checkins
from store.engine import make_engine, make_sessions
from store.schema import upgrade
from store.tables import Message, MessageState, Person

ROOT = Path(__file__).resolve().parent.parent
UPTAKE = str(Path(sys.executable).with_name("uptake"))  # the console script of this venv
TENANT = "7c0c36f5-af83-4c24-8844-9962e0163719"
SECRET = "bench-secret-0123456789abcdef0123456789abcdef"  # noqa: S105 - a bench value
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def process(
    args: list[str], log: IO[bytes], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    # Output goes to a file: an unread pipe fills up and blocks the process mid-benchmark.
    # Our own interpreter and console script with fixed arguments: nothing untrusted.
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


async def wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError(f"the process on port {port} exited")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


def read_log(path: Path) -> str:
    return path.read_text(errors="replace")


async def wait_for_line(path: Path, needle: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if needle in read_log(path):
            return
        if proc.poll() is not None:
            break
        await asyncio.sleep(0.05)
    tail = read_log(path)[-3000:]
    raise RuntimeError(f"no {needle!r} from the worker:\n{tail}")


# --- databases -----------------------------------------------------------------------------


def postgres_listening(url: str) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 1):
            return True
    except OSError:
        return False


@asynccontextmanager
async def scratch_database(backend: str, folder: Path, admin_url: str) -> AsyncIterator[str]:
    """A fresh, migrated database: a SQLite file, or a PostgreSQL database dropped after."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'uptake.db'}"
        await migrate(url)
        yield url
        return
    name = f"uptake_bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
        try:
            await migrate(url)
            yield url
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def reference(n: int, service_url: str) -> dict[str, Any]:
    """A conversation reference as the bot stores it from an install activity."""
    oid = f"00000000-0000-4000-8000-{n:012d}"
    return {
        "activityId": f"install-{n}",
        "user": {"id": f"29:{oid}", "name": f"Bench Person {n}", "aadObjectId": oid},
        "bot": {"id": "28:bench-bot", "name": "uptake"},
        "conversation": {"conversationType": "personal", "id": f"a:{oid}", "tenantId": TENANT},
        "channelId": "msteams",
        "locale": "nl-BE",
        "serviceUrl": service_url,
    }


async def add_people(url: str, count: int, service_url: str) -> None:
    engine = make_engine(url)
    try:
        async with make_sessions(engine).begin() as session:
            for start in range(0, count, 5000):
                await session.execute(
                    insert(Person),
                    [
                        {
                            "id": f"00000000-0000-4000-8000-{n:012d}",
                            "tenant_id": TENANT,
                            "department": f"Department {n % 20}",
                            "locale": ("nl-BE", "fr-BE", "en-GB")[n % 3],
                            "conversation": reference(n, service_url),
                            "installed_at": utc_now(),
                        }
                        for n in range(start, min(count, start + 5000))
                    ],
                )
    finally:
        await engine.dispose()


async def open_run(url: str) -> tuple[int, float]:
    """Open a pulse for everyone; returns (recipients, seconds the transaction took)."""
    engine = make_engine(url)
    try:
        sessions = make_sessions(engine)
        started = time.perf_counter()
        async with sessions.begin() as session:
            opened = await checkins.open_run(
                session,
                template_key="pulse",
                audience=Audience.everyone(),
                now=utc_now(),
                open_for=timedelta(days=1),
                min_group_size=5,
            )
        return opened.recipients, time.perf_counter() - started
    finally:
        await engine.dispose()


async def states(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as session:
            rows = await session.execute(
                select(Message.state, func.count()).group_by(Message.state)
            )
            return {str(state): int(n) for state, n in rows.all()}
    finally:
        await engine.dispose()


# --- one fan-out ---------------------------------------------------------------------------


@dataclass
class Figures:
    backend: str
    ceiling: int
    delivered_per_s: float
    throttled: int
    duplicates: int
    lost: int
    cpu_ms_per_message: float
    connections: int
    seconds: float
    per_second: list[int]

    @property
    def ratio(self) -> float:
        return self.delivered_per_s / self.ceiling


async def stats(http: aiohttp.ClientSession, fake_url: str) -> dict[str, Any]:
    async with http.get(f"{fake_url}/stats") as response:
        result: dict[str, Any] = await response.json()
        return result


def worker_env(folder: Path, url: str, ceiling: int) -> dict[str, str]:
    reports = folder / "no-reports"  # an empty export folder: the usage sync never calls Graph
    reports.mkdir(exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UPTAKE_", "CONNECTIONS__", "CONNECTIONSMAP__", "AZURE_"))
    }
    env.update(
        {
            "UPTAKE_DATA_DIR": str(folder),
            "UPTAKE_DATABASE_URL": url,
            "UPTAKE_SECRET": SECRET,
            "UPTAKE_REPORTS_DIR": str(reports),
            "UPTAKE_SEND_RATE_PER_SECOND": str(ceiling),
        }
    )
    return env


async def fan_out(
    backend: str, ceiling: int, people: int, admin_url: str, latency_ms: float = 0.0
) -> Figures:
    port = free_port()
    fake_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        fake_log = (folder / "fake.log").open("wb")
        worker_log_path = folder / "worker.log"
        worker_log = worker_log_path.open("wb")
        fake_args = [sys.executable, "bench/fake_teams.py", str(port), "--rate", str(ceiling)]
        fake_args += ["--latency-ms", str(latency_ms)]
        async with scratch_database(backend, folder, admin_url) as url:
            await add_people(url, people, fake_url)
            with process(fake_args, fake_log) as fake:
                await wait_listening(port, fake)
                worker_args = [UPTAKE, "serve", "--role", "worker"]
                env = worker_env(folder, url, ceiling)
                with process(worker_args, worker_log, env) as worker:
                    await wait_for_line(worker_log_path, "leader.elected", worker)
                    await asyncio.sleep(1.0)  # the first tick (schedules, catch-up) settles
                    cpu_before = cpu_seconds(worker.pid)
                    recipients, _ = await open_run(url)
                    deadline = time.monotonic() + 60 + 4 * people / ceiling
                    async with aiohttp.ClientSession() as http:
                        while time.monotonic() < deadline:
                            seen = await stats(http, fake_url)
                            if seen["conversations"] >= recipients:
                                break
                            if worker.poll() is not None:
                                raise RuntimeError("the worker exited")
                            await asyncio.sleep(0.2)
                        await asyncio.sleep(1.0)  # the last outcomes are written
                        cpu = cpu_seconds(worker.pid) - cpu_before
                        seen = await stats(http, fake_url)
            by_state = await states(url)
    span = (seen["last"] or 0) - (seen["first"] or 0)
    accepted = int(seen["accepted"])
    delivered = int(seen["conversations"])
    return Figures(
        backend=backend,
        ceiling=ceiling,
        delivered_per_s=(delivered - 1) / span if span > 0 else 0.0,
        throttled=int(seen["throttled"]),
        duplicates=int(seen["duplicates"]),
        lost=recipients - min(delivered, by_state.get(MessageState.SENT, 0)),
        cpu_ms_per_message=1000 * cpu / max(accepted, 1),
        connections=int(seen["connections"]),
        seconds=span,
        per_second=list(seen["per_second"]),
    )


async def enqueue_seconds(backend: str, people: int, admin_url: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        async with scratch_database(backend, Path(tmp), admin_url) as url:
            await add_people(url, people, "http://127.0.0.1:9")
            recipients, seconds = await open_run(url)
            if recipients != people:
                raise RuntimeError(f"open_run queued {recipients} of {people}")
            return seconds


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--ceilings", default="50,500")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--enqueue", type=int, default=100_000, help="0 skips the timing")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--timeline", action="store_true", help="accepted per second, too")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="the fake answers each send this late"
    )
    options = parser.parse_args()
    backends = [b for b in options.backends.split(",") if b]
    if "postgresql" in backends and not postgres_listening(options.postgres_url):
        print("PostgreSQL is not listening: skipped")
        backends.remove("postgresql")
    ceilings = [int(c) for c in options.ceilings.split(",") if c]
    rows: list[Figures] = []
    # Other work on the machine shows in these figures: say how busy it was.
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for backend in backends:
        for ceiling in ceilings:
            figures = await fan_out(
                backend, ceiling, options.people, options.postgres_url, options.latency_ms
            )
            rows.append(figures)
            print_row(figures, header=len(rows) == 1)
            if options.timeline:
                print("  accepted per second:", " ".join(map(str, figures.per_second)))
    if options.enqueue:
        for backend in backends:
            seconds = await enqueue_seconds(backend, options.enqueue, options.postgres_url)
            print(f"enqueue {options.enqueue} messages, {backend:<10} {seconds:6.2f} s (goal <= 5)")
    print("load average at end:   {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def print_row(f: Figures, *, header: bool) -> None:
    if header:
        print(
            "backend     ceiling  delivered/s  ratio  429s  duplicates  lost  "
            "cpu ms/msg  connections  seconds"
        )
    print(
        f"{f.backend:<10} {f.ceiling:>8} {f.delivered_per_s:>12.1f} {f.ratio:>6.2f} "
        f"{f.throttled:>5} {f.duplicates:>11} {f.lost:>5} {f.cpu_ms_per_message:>11.2f} "
        f"{f.connections:>12} {f.seconds:>8.1f}",
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
