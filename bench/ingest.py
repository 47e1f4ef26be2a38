"""Benchmark: the usage sync of a generated 100,000-person tenant, on SQLite or PostgreSQL.

Two modes, both printed, never asserted:

- first sync (default): one report date into an empty store: scan + parse/fold + funnels +
  store, next to a bare `csv` parse of the same files. Goal: <= 10 s on 2 cores, <= 400 MB,
  <= 3x the bare parse.
- `--history`: 26 earlier weekly snapshots are stored first (the production case: the habit
  rule reads earlier snapshots), then one daily sync (the day after the last weekly date) is
  measured. Goal: <= 10 s on 2 cores, <= 400 MB.

The measured sync runs in a child process, so its peak RSS (VmHWM) is the sync's own
(interpreter and imports included), not the generator's. Storing the history is set-up and
not measured: it goes through the same import as a sync, from CSV held in memory.

Licences are part of it: the users export's product names become SKUs per person, the
folder's subscribed-SKUs file gives prepaid and consumed units, and the Copilot report is the
v2 one (active days and prompts per person, D28); the child prints the licence figures it
stored and the Copilot report version read.

The child also prints the directory and person rows the sync wrote: a daily sync of an
unchanged directory writes none; `--moved N` moves N people to another department first.

Each measured sync starts from its own copy of the stored state (`--repeat`, default 3);
the best and the median are printed, with wall and CPU seconds, since the machine may be
shared.

`--upgraded` (with `--history`) measures the first sync after migration 0005: the stored
snapshots carry no evidence yet and are all derived, oldest first, before the new date.

Run: `python -m bench.ingest [--people N] [--history [--upgraded]] [--moved N] [--repeat N]
[--database postgresql://...]`.
With `--database`, a scratch database of that name is created on the server and dropped
afterwards (it must not exist).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import json
import logging
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from adoption.waves import WaveRules
from graph.directory import DirectoryChanges, DirectoryUser
from graph.identity import pseudonym_key
from graph.reports import BY_KEY
from graph.sources import UsageBatch, bytes_input, scan_folder
from graph.synthetic import DemoTenant, WeekUsage, generate_tenant
from graph.synthetic_export import REPORT_KEYS, report_csv, users_export_csv, write_export_folder
from store.engine import make_engine, make_sessions
from store.schema import upgrade
from uptake.settings import Settings
from uptake.sync import import_batches, run_sync, store_directory

HISTORY_WEEKS = 26
BENCH_SECRET = b"bench-secret-of-at-least-32-characters!"


def bare_parse(folder: Path) -> int:
    rows = 0
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for _ in csv.reader(handle):
                rows += 1
    return rows


def shifted(tenant: DemoTenant, days: int) -> DemoTenant:
    """The tenant's single week moved `days` later (negative: earlier), dates and all."""
    delta = timedelta(days=days)
    week = tuple(
        WeekUsage([d + delta if d else None for d in usage.last], usage.counts)
        for usage in tenant.weeks[0]
    )
    return dataclasses.replace(
        tenant, report_dates=(tenant.report_dates[0] + delta,), weeks=(week,)
    )


def moved(tenant: DemoTenant, count: int) -> DemoTenant:
    """The tenant with `count` people (every n-th) moved to another department."""
    step = max(1, len(tenant.people) // max(count, 1))
    people = list(tenant.people)
    for index in range(0, min(len(people), step * count), step):
        person = people[index]
        other = "HR" if person.department != "HR" else "IT"
        people[index] = dataclasses.replace(person, department=other)
    return dataclasses.replace(tenant, people=tuple(people))


def async_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    return url


async def create_database(url: str, template: str | None = None) -> None:
    parsed = make_url(url)
    admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{parsed.database}"{copy}'))
    finally:
        await admin.dispose()


async def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(
                text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            )
    finally:
        await admin.dispose()


def directory_of(tenant: DemoTenant, folder: Path) -> list[DirectoryUser]:
    """The tenant's directory, read from its users export as a folder sync reads it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users.csv").write_bytes(users_export_csv(tenant))
    return scan_folder(folder).directory or []


async def store_history(url: str, tenant: DemoTenant, weeks: int, folder: Path) -> None:
    """The directory (people included), then `weeks` weekly snapshots ending a day before the
    tenant's report date, each imported the way a sync imports it (oldest first)."""
    engine = make_engine(url)
    try:
        await upgrade(engine, secret=BENCH_SECRET)
        sessions = make_sessions(engine)
        changes = DirectoryChanges(tuple(directory_of(tenant, folder)), (), None, full=True)
        directory = await store_directory(sessions, changes, WaveRules(tenant.waves))
        keyed = pseudonym_key(BENCH_SECRET)
        for week in range(weeks, 0, -1):
            started = time.perf_counter()
            earlier = shifted(tenant, -1 - 7 * (week - 1))
            day = earlier.report_dates[0]
            batch = UsageBatch(day, "folder")
            for key in REPORT_KEYS:
                batch.reports[key] = bytes_input(BY_KEY[key], report_csv(earlier, key, day))
            await import_batches(
                sessions, [batch], directory, WaveRules(tenant.waves), 5, pseudonym_key=keyed
            )
            print(f"  history {day}: {time.perf_counter() - started:5.1f} s", flush=True)
    finally:
        await engine.dispose()


class _Written(logging.Handler):
    """Keeps what the sync logs about the directory it stored (rows written)."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "directory.stored":
            for name in ("mirror_rows_written", "people_created", "people_updated"):
                self.figures[name] = getattr(record, name)


async def as_before_evidence(url: str) -> None:
    """The stored snapshots as an upgrade from 0004 leaves them: stale, without evidence."""
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE usage_snapshot SET stale = true"))
            await connection.execute(
                text(
                    "UPDATE usage_person SET evidence = NULL, teams_client_seen = NULL, "
                    "apps_client_seen = NULL"
                )
            )
    finally:
        await engine.dispose()


async def measured_sync(url: str, folder: Path) -> tuple[float, dict[str, int]]:
    written = _Written()
    logger = logging.getLogger("uptake.sync")
    logger.setLevel(logging.INFO)
    logger.addHandler(written)
    engine = make_engine(url)
    try:
        await upgrade(engine, secret=BENCH_SECRET)
        started = time.perf_counter()
        await run_sync(Settings(reports_dir=folder), make_sessions(engine), secret=BENCH_SECRET)
        seconds = time.perf_counter() - started
        async with engine.connect() as connection:
            figures = await connection.scalar(text("SELECT count(*) FROM licence_figure"))
            version = await connection.scalar(
                text("SELECT copilot_version FROM licence_sync ORDER BY snapshot_id DESC LIMIT 1")
            )
        written.figures["licence_figures"] = int(figures or 0)
        written.figures[f"copilot_{version}"] = 1
        return seconds, written.figures
    finally:
        await engine.dispose()


def child(url: str, folder: Path) -> None:
    """The measured part, in its own process: prints seconds (wall, and this process's CPU:
    the machine may be shared) and this process's peak RSS."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    seconds, written = asyncio.run(measured_sync(url, folder))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "written": written}))


def peak_mb() -> float:
    """This process's peak RSS. Linux's VmHWM belongs to this process's own memory map;
    ru_maxrss does not: after a vfork + exec (Python's subprocess) it starts from the
    parent's peak, which here holds the generated tenant and the stored history."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--history", action="store_true", help="26 weekly snapshots first")
    parser.add_argument("--database", help="postgresql://user@host:port/<new scratch db>")
    parser.add_argument(
        "--moved", type=int, default=0, help="people in another department on the measured day"
    )
    parser.add_argument(
        "--upgraded",
        action="store_true",
        help="with --history: the snapshots as migration 0005 leaves them (stale, no evidence)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="measured syncs, each on a fresh copy of the state"
    )
    parser.add_argument("--child", nargs=2, metavar=("URL", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp), async_url(args.database) if args.database else None)
        try:
            run(args, Path(tmp), store)
        finally:
            store.drop()


class Store:
    """The state the measured syncs start from, and a fresh copy of it for each of them:
    a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL."""

    def __init__(self, tmp: Path, postgres_url: str | None) -> None:
        self.tmp = tmp
        self.postgres = postgres_url
        self.url = postgres_url or f"sqlite+aiosqlite:///{tmp / 'state.db'}"
        self.copies: list[str] = []
        if postgres_url:
            asyncio.run(create_database(postgres_url))

    def copy(self, index: int, *, empty: bool) -> str:
        if self.postgres is None:
            target = self.tmp / f"run{index}.db"
            state = self.tmp / "state.db"
            if not empty:
                shutil.copy(state, target)
            return f"sqlite+aiosqlite:///{target}"
        name = f"{make_url(self.postgres).database}_run{index}"
        url = make_url(self.postgres).set(database=name).render_as_string(hide_password=False)
        asyncio.run(create_database(url, template=None if empty else self.postgres))
        self.copies.append(url)
        return url

    def drop(self) -> None:
        if self.postgres:
            for url in [*self.copies, self.postgres]:
                asyncio.run(drop_database(url))


def measure(url: str, folder: Path) -> dict[str, Any]:
    answer = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.ingest", "--child", url, str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, Any] = json.loads(answer.stdout.strip().splitlines()[-1])
    return figures


def run(args: argparse.Namespace, tmp: Path, store: Store) -> None:
    started = time.perf_counter()
    tenant = generate_tenant(args.people, weeks=1, end=date(2026, 11, 16))
    if args.history:
        asyncio.run(store_history(store.url, tenant, HISTORY_WEEKS, tmp / "directory"))
        if args.upgraded:
            asyncio.run(as_before_evidence(store.url))
        print(f"stored {HISTORY_WEEKS} weekly snapshots in {time.perf_counter() - started:.0f} s "
              "(not measured)")  # fmt: skip
    folder = tmp / "exports"
    if args.moved:
        tenant = moved(tenant, args.moved)
    write_export_folder(tenant, folder)
    del tenant
    size = sum(p.stat().st_size for p in folder.rglob("*.csv")) / 1e6
    print(f"{args.people} people, {size:.0f} MB CSV (not measured)")
    started = time.perf_counter()
    rows = bare_parse(folder)
    bare = time.perf_counter() - started
    backend = "PostgreSQL" if store.postgres else "SQLite"
    mode = f"daily sync after {HISTORY_WEEKS} weekly snapshots" if args.history else "first sync"
    if args.upgraded:
        mode += " stored before evidence was carried (all derived first)"
    print(f"backend        : {backend}, {mode}")
    print(f"bare csv parse : {bare:6.2f} s ({rows} rows)")
    runs = [measure(store.copy(i, empty=not args.history), folder) for i in range(args.repeat)]
    for figures in runs:
        print(f"sync           : {figures['seconds']:6.2f} s wall, {figures['cpu']:5.2f} s CPU "
              f"(this process), peak RSS {figures['peak_mb']:4.0f} MB, rows written "
              f"{figures['written']}")  # fmt: skip
    best = min(r["seconds"] for r in runs)
    print(f"best of {len(runs)}      : {best:6.2f} s = {best / bare:.1f}x bare parse, median "
          f"{statistics.median(r['seconds'] for r in runs):.2f} s, peak RSS "
          f"{max(r['peak_mb'] for r in runs):.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
