"""Answer turns per second of `uptake serve` against a bare Agents SDK echo bot.

Both run as real processes in local mode against the same fake Bot Connector (its own process)
and are driven over HTTP by this script at the same concurrency. Printed, never asserted:

  - echo bot: message turns/s (each turn replies through the connector);
  - uptake: check-in answer turns/s (Action.Execute invokes: validate, store, thank-you card);
  - the ratio of the two, measured in this one run (goal: >= 0.8);
  - a burst of answers from distinct people, and how many were lost (goal: 0).

Usage: python bench/checkin_turns.py [--answers 3000] [--burst 10000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from adoption.audience import Audience
from adoption.clock import utc_now
from store import checkins
from store.engine import make_engine, make_sessions
from store.tables import Response

TENANT = "7c0c36f5-af83-4c24-8844-9962e0163719"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def process(
    args: list[str], env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    # Output goes to a file: an unread pipe fills up and blocks the server mid-benchmark.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    # Our own interpreter and console script with fixed arguments: nothing untrusted.
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        yield proc
    except BaseException:
        log.seek(0)
        sys.stderr.write(log.read()[-4000:].decode(errors="replace"))
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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


def user(n: int) -> dict[str, Any]:
    oid = f"00000000-0000-4000-8000-{n:012d}"
    return {"id": f"29:{oid}", "name": f"Bench Person {n}", "aadObjectId": oid}


def activity(kind: str, n: int, service_url: str, **extra: Any) -> dict[str, Any]:
    sender = user(n)
    return {
        "type": kind,
        "id": f"in-{n}-{time.monotonic_ns()}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "locale": "nl-BE",
        "from": sender,
        "recipient": {"id": "28:bench-bot", "name": "uptake"},
        "conversation": {
            "id": f"a:{sender['aadObjectId']}",
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "channelData": {"tenant": {"id": TENANT}},
        **extra,
    }


def answer(n: int, service_url: str, run_id: int, confidence: int) -> dict[str, Any]:
    data = {
        "run": run_id,
        "q_confidence": str(confidence),
        "q_usefulness": "4",
        "q_blocker": "time",
    }
    return activity(
        "invoke",
        n,
        service_url,
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": "checkin.answer", "data": data}},
    )


async def drive(
    url: str, payloads: list[dict[str, Any]], concurrency: int, check: Callable[[int, bytes], bool]
) -> tuple[float, int]:
    """Post every payload with `concurrency` in flight; returns (seconds, failures)."""
    failures = 0
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for payload in payloads:
        queue.put_nowait(payload)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            nonlocal failures
            while not queue.empty():
                payload = queue.get_nowait()
                async with http.post(url, json=payload) as response:
                    if not check(response.status, await response.read()):
                        failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, failures


def accepted(status: int, _body: bytes) -> bool:
    return status in (200, 201, 202)


def thanked(status: int, body: bytes) -> bool:
    return (
        status == 200 and b"application/vnd.microsoft.card.adaptive" in body and b"q_" not in body
    )


async def measure_echo(connector_url: str, count: int, concurrency: int) -> float:
    port = free_port()
    with process([sys.executable, "bench/echo_bot.py", str(port)]) as proc:
        await wait_listening(port, proc)
        url = f"http://127.0.0.1:{port}/api/messages"
        warm = [activity("message", n, connector_url, text="warm") for n in range(200)]
        await drive(url, warm, concurrency, accepted)
        payloads = [activity("message", n, connector_url, text=f"hi {n}") for n in range(count)]
        seconds, failures = await drive(url, payloads, concurrency, accepted)
    if failures:
        raise RuntimeError(f"echo bot failed {failures} turns")
    return count / seconds


async def open_run(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        async with make_sessions(engine).begin() as session:
            opened = await checkins.open_run(
                session,
                template_key="pulse",
                audience=Audience.everyone(),
                now=utc_now(),
                open_for=timedelta(days=1),
                min_group_size=5,
            )
        return opened.run_id
    finally:
        await engine.dispose()


async def stored(database_url: str, run_id: int) -> tuple[int, int]:
    engine = make_engine(database_url)
    try:
        async with make_sessions(engine)() as session:
            rows = (
                await session.scalars(select(Response.answers).where(Response.run_id == run_id))
            ).all()
            count = await session.scalar(select(func.count()).select_from(Response))
        return int(count or 0), sum(int(r["confidence"]) for r in rows)
    finally:
        await engine.dispose()


async def measure_uptake(
    connector_url: str, answers: int, burst: int, concurrency: int
) -> dict[str, float]:
    port = free_port()
    people = max(answers, burst)
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite+aiosqlite:///{folder}/uptake.db"
        env = {**os.environ, "UPTAKE_DATA_DIR": folder, "UPTAKE_DATABASE_URL": database_url}
        env = {k: v for k, v in env.items() if not k.startswith("CONNECTIONS__")}
        uptake = str(Path(sys.executable).with_name("uptake"))  # the console script of this venv
        with process([uptake, "serve", "--role", "web", "--port", str(port)], env) as proc:
            await wait_listening(port, proc)
            url = f"http://127.0.0.1:{port}/api/messages"
            installs = [
                activity("installationUpdate", n, connector_url, action="add")
                for n in range(people)
            ]
            install_seconds, failures = await drive(url, installs, concurrency, accepted)
            if failures:
                raise RuntimeError(f"{failures} installs failed")
            run_id = await open_run(database_url)
            warm = [answer(n, connector_url, run_id, 3) for n in range(200)]
            await drive(url, warm, concurrency, thanked)
            payloads = [answer(n, connector_url, run_id, 1 + n % 5) for n in range(answers)]
            seconds, failed = await drive(url, payloads, concurrency, thanked)
            if failed:
                raise RuntimeError(f"{failed} answers failed")
            expected = [1 + (n * 7) % 5 for n in range(burst)]
            burst_payloads = [answer(n, connector_url, run_id, expected[n]) for n in range(burst)]
            burst_seconds, burst_failed = await drive(url, burst_payloads, 4 * concurrency, thanked)
            rows, confidence_sum = await stored(database_url, run_id)
    lost = burst - rows if confidence_sum == sum(expected) else burst
    return {
        "install_turns_per_s": people / install_seconds,
        "answer_turns_per_s": answers / seconds,
        "burst_seconds": burst_seconds,
        "burst_failed_replies": burst_failed,
        "burst_lost": lost,
        "burst_rows": rows,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=3000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    options = parser.parse_args()
    connector_port = free_port()
    with process([sys.executable, "bench/fake_connector.py", str(connector_port)]) as proc:
        await wait_listening(connector_port, proc)
        connector_url = f"http://127.0.0.1:{connector_port}"
        echo = await measure_echo(connector_url, options.answers, options.concurrency)
        uptake = await measure_uptake(
            connector_url, options.answers, options.burst, options.concurrency
        )
    print(f"concurrency                {options.concurrency}")
    print(f"echo bot turns/s           {echo:8.1f}")
    print(f"uptake answer turns/s      {uptake['answer_turns_per_s']:8.1f}")
    print(f"ratio uptake/echo          {uptake['answer_turns_per_s'] / echo:8.2f}   (goal >= 0.8)")
    print(f"uptake install turns/s     {uptake['install_turns_per_s']:8.1f}")
    print(
        f"burst answers              {options.burst} in {uptake['burst_seconds']:.1f} s "
        f"({options.burst / uptake['burst_seconds']:.0f}/s, concurrency {4 * options.concurrency})"
    )
    print(f"burst failed replies       {uptake['burst_failed_replies']}")
    lost, rows = uptake["burst_lost"], uptake["burst_rows"]
    print(f"burst answers lost         {lost}   (goal 0; rows stored {rows})")


if __name__ == "__main__":
    asyncio.run(main())
