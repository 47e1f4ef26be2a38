"""The usage sync: source -> parse -> snapshot -> funnels, for the CLI and the scheduler.

Every report is fetched (or every export file identified) before anything is written; each
report date is then stored in one transaction, so a failed sync leaves no partial snapshot.
The daily run makes one request per report API (10 a day), far below the reports' limit of
14 requests per 10 minutes per app; kiota retries 429/503 with Retry-After, and a throttle
that outlasts it ends the run with GraphThrottled for the scheduler's next attempt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.funnel import FunnelRow, publish, tally_people, tenant_only
from adoption.scenarios import catalogue
from adoption.signals import PastUsage
from graph.client import GraphConnection, open_graph
from graph.directory import DirectoryUser, concealed_names_setting, read_directory
from graph.ingest import Snapshot, fold_batch
from graph.sources import UsageBatch, fetch_graph_batch, scan_folder
from store import usage as repo
from uptake.settings import Settings

log = logging.getLogger(__name__)

DELTA_LINK_KEY = "users_delta_link"
Progress = Callable[[str], None]
GraphOpener = Callable[[Settings], AbstractAsyncContextManager[GraphConnection]]


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What one report date of a sync did."""

    report_date: date
    outcome: repo.SaveOutcome
    population: int
    concealed_reason: str | None


def compute_funnels(
    snapshot: Snapshot, history: Mapping[str, Sequence[PastUsage]], k: int
) -> list[FunnelRow]:
    """Published (suppressed) funnels of a snapshot: per group, or tenant-only if concealed."""
    if snapshot.concealed_reason is not None:
        return tenant_only(snapshot.tenant_counts, snapshot.population, k)
    tally = tally_people(snapshot.people, history, snapshot.report_date, catalogue())
    return publish(tally, k)


async def import_batches(
    sessions: async_sessionmaker[AsyncSession],
    batches: Sequence[UsageBatch],
    directory: Sequence[DirectoryUser] | None,
    waves: Mapping[str, str],
    k: int,
    progress: Progress | None = None,
) -> list[SyncOutcome]:
    """Fold, count and store each batch, oldest first (habit needs the earlier dates)."""
    outcomes: list[SyncOutcome] = []
    for batch in sorted(batches, key=lambda b: b.report_date):
        # Parsing and counting are CPU work: keep the event loop (and the bot) responsive.
        snapshot = await asyncio.to_thread(fold_batch, batch, directory, waves)
        async with sessions() as session, session.begin():
            if await repo.snapshot_digest(session, snapshot.report_date) == snapshot.digest:
                outcome: repo.SaveOutcome = "unchanged"
            else:
                history = await repo.load_history(session, snapshot.report_date)
                funnels = await asyncio.to_thread(compute_funnels, snapshot, history, k)
                outcome = await repo.save_snapshot(
                    session,
                    report_date=snapshot.report_date,
                    origin=snapshot.origin,
                    population=snapshot.population,
                    concealed_reason=snapshot.concealed_reason,
                    digest=snapshot.digest,
                    people=snapshot.people,
                    funnels=funnels,
                )
        log.info(
            "usage.snapshot_stored",
            extra={"report_date": snapshot.report_date.isoformat(), "outcome": outcome},
        )
        outcomes.append(
            SyncOutcome(
                snapshot.report_date, outcome, snapshot.population, snapshot.concealed_reason
            )
        )
        if progress is not None:
            progress(f"stored {snapshot.report_date.isoformat()}")
    return outcomes


async def _graph_directory(
    graph: GraphConnection, sessions: async_sessionmaker[AsyncSession]
) -> list[DirectoryUser]:
    async with sessions() as session:
        link = await repo.get_state(session, DELTA_LINK_KEY)
    changes = await read_directory(graph, link)
    async with sessions() as session, session.begin():
        rows = await repo.apply_directory(
            session,
            full=changes.full,
            users=[(u.id, u.upn, u.department, u.enabled, u.licensed) for u in changes.users],
            removed=changes.removed,
        )
        await repo.set_state(session, DELTA_LINK_KEY, changes.delta_link)
    return [DirectoryUser(*row) for row in rows]


async def run_sync(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    progress: Progress | None = None,
    waves: Mapping[str, str] | None = None,
    graph_opener: GraphOpener | None = None,
    graph_options: Mapping[str, Any] | None = None,
) -> list[SyncOutcome]:
    """One usage sync: from UPTAKE_REPORTS_DIR when set, else from Microsoft Graph.

    `waves` maps department to rollout wave (an export folder may carry its own waves.csv,
    which it overrides). Raises `graph.errors.UsageDataError` subclasses with a clear
    message; nothing is stored for a report date that failed.
    """
    k = settings.min_group_size
    if settings.reports_dir is not None:
        contents = await asyncio.to_thread(scan_folder, settings.reports_dir)
        merged = {**(waves or {}), **contents.waves}
        if progress is not None:
            progress(f"found {len(contents.batches)} report dates")
        return await import_batches(
            sessions, contents.batches, contents.directory, merged, k, progress
        )
    opener = graph_opener or (lambda s: open_graph(s.graph_access, **dict(graph_options or {})))
    async with opener(settings) as graph:
        concealed = await concealed_names_setting(graph)
        directory = await _graph_directory(graph, sessions)
        if progress is not None:
            progress("directory")
        batch = await fetch_graph_batch(graph, concealed_setting=concealed, progress=progress)
    return await import_batches(sessions, [batch], directory, dict(waves or {}), k, progress)
