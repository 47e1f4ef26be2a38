"""Benchmark: a generated 100,000-person tenant, all reports: parse, store, compute funnels.

Prints three figures: the full ingest time (scan + parse/fold + funnels + SQLite store), the
time of a bare `csv` parse of the same files, their ratio, and the peak RSS. Goal: <= 10 s on
2 cores, <= 400 MB, <= 3x the bare parse. Run: `python -m bench.ingest [--people N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import resource
import tempfile
import time
from pathlib import Path

from graph.synthetic import generate_tenant
from graph.synthetic_export import write_export_folder
from store.engine import make_engine, make_sessions
from store.schema import upgrade
from uptake.settings import Settings
from uptake.sync import run_sync


def bare_parse(folder: Path) -> int:
    rows = 0
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for _ in csv.reader(handle):
                rows += 1
    return rows


async def ingest(folder: Path, db: Path) -> float:
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    try:
        await upgrade(engine)
        started = time.perf_counter()
        await run_sync(Settings(reports_dir=folder), make_sessions(engine))
        return time.perf_counter() - started
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "exports"
        started = time.perf_counter()
        tenant = generate_tenant(args.people, weeks=1)
        write_export_folder(tenant, folder)
        del tenant
        size = sum(p.stat().st_size for p in folder.rglob("*.csv")) / 1e6
        print(f"generated {args.people} people, {size:.0f} MB CSV in "
              f"{time.perf_counter() - started:.1f} s (not measured)")  # fmt: skip
        started = time.perf_counter()
        rows = bare_parse(folder)
        bare = time.perf_counter() - started
        full = asyncio.run(ingest(folder, Path(tmp) / "bench.db"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bare csv parse : {bare:6.2f} s ({rows} rows)")
    print(f"ingest (parse + store + funnels): {full:6.2f} s  = {full / bare:.1f}x bare parse")
    print(f"peak RSS       : {peak_mb:6.0f} MB (includes generation)")


if __name__ == "__main__":
    main()
