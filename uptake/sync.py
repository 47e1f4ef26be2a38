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
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.funnel import FunnelRow, publish, tally_people, tenant_only
from adoption.history import PersonHistory, derive_all
from adoption.licences import (
    COPILOT,
    LicenceRow,
    Subscription,
    publish_licences,
    tally_by_index,
    tenant_licences,
)
from adoption.rights import cutoffs, forgotten_filter, tombstone_key
from adoption.scenarios import catalogue
from adoption.signals import PersonUsage, Workload
from adoption.waves import WaveRules
from graph.client import GraphConnection, open_graph
from graph.directory import (
    DirectoryChanges,
    DirectoryPerson,
    Sku,
    concealed_names_setting,
    read_directory,
    subscribed_skus,
)
from graph.errors import GraphForbidden
from graph.identity import pseudonym_key
from graph.ingest import Snapshot, fold_batch
from graph.sources import UsageBatch, fetch_graph_batch, scan_folder
from store import directory, history, licences, people, rights
from store import usage as repo
from store import waves as wave_table
from store.history import Previous
from uptake.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
# Whether an object id or usage key is of someone who asked to be forgotten.
Forgotten = Callable[[str], bool]
GraphOpener = Callable[[Settings], AbstractAsyncContextManager[GraphConnection]]


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What one report date of a sync did."""

    report_date: date
    outcome: repo.SaveOutcome
    population: int
    concealed_reason: str | None


def compute_funnels(
    snapshot: Snapshot, previous: Previous | None, k: int
) -> tuple[list[PersonHistory], list[FunnelRow]]:
    """Each person's evidence as of the snapshot (carried from `previous`, the latest earlier
    snapshot) and the published (suppressed) funnels: per group, or tenant-only if
    concealed (no people, no evidence)."""
    if snapshot.concealed_reason is not None:
        return [], tenant_only(snapshot.tenant_counts, snapshot.population, k)
    return derive_funnels(snapshot.people, previous, snapshot.report_date, k)


def derive_funnels(
    people_: Sequence[PersonUsage], previous: Previous | None, as_of: date, k: int
) -> tuple[list[PersonHistory], list[FunnelRow]]:
    """Evidence and published funnels of a snapshot's people."""
    if previous is None:
        histories = derive_all(people_, {}, 0, as_of)
    else:
        histories = derive_all(people_, previous.histories, previous.gap(as_of), as_of)
    tally = tally_people(people_, histories, as_of, catalogue())
    return histories, publish(tally, k)


def compute_licences(
    snapshot: Snapshot, users: Sequence[DirectoryPerson] | None, k: int
) -> list[LicenceRow]:
    """Holders and idle holders per scope and SKU, published (k in holders). Concealed
    reports join no person to usage: SKU totals of the tenant only."""
    if users is None:
        return []  # no directory: nobody is known to hold anything
    if snapshot.concealed_reason is not None:
        totals: dict[str, int] = {}
        for user in users:
            if user.enabled:
                for sku in user.skus.split():
                    totals[sku] = totals.get(sku, 0) + 1
        counts = snapshot.tenant_counts.get(Workload.COPILOT.value)
        copilot = None
        if counts is not None:
            habitual = snapshot.copilot_habitual if snapshot.copilot_version == "v2" else None
            copilot = (counts[0], counts[2], habitual)
        return tenant_licences(totals, copilot, k)
    skus = {user.id: user.skus for user in users if user.skus}
    copilot_days = snapshot.copilot_days
    v2 = snapshot.copilot_version == "v2"
    holders = (
        (
            p.department,
            p.wave,
            held,
            p.last_activity,
            # Listed in the v2 report with no row: no Copilot day (a holder it omits).
            copilot_days.get(p.key, (0, 0)) if v2 and COPILOT in held else None,
        )
        for p in snapshot.people
        if p.enabled and (held := skus.get(p.key))
    )
    return publish_licences(tally_by_index(holders, snapshot.report_date), k, habit_known=v2)


async def import_batches(
    sessions: async_sessionmaker[AsyncSession],
    batches: Sequence[UsageBatch],
    users: Sequence[DirectoryPerson] | None,
    waves: WaveRules,
    k: int,
    progress: Progress | None = None,
    *,
    pseudonym_key: bytes | None = None,
    forgotten: Forgotten | None = None,
    usage_since: date | None = None,
    subscriptions: Sequence[Sku] | None = None,
) -> list[SyncOutcome]:
    """Fold, count and store each batch, oldest first: each carries the evidence of the
    latest earlier snapshot forward. A new or replaced date makes the later snapshots it
    can reach stale; they are derived again before the next batch needs them, and at the
    end. People `forgotten` are left out; report dates before `usage_since` (beyond the
    retention horizon: an old export read again) are not stored."""
    outcomes: list[SyncOutcome] = []
    for batch in sorted(batches, key=lambda b: b.report_date):
        if usage_since is not None and batch.report_date < usage_since:
            log.info("usage.snapshot_expired", extra={"report_date": batch.report_date.isoformat()})
            continue
        await rederive_stale(sessions, k, before=batch.report_date)
        # Parsing and counting are CPU work: keep the event loop (and the bot) responsive.
        snapshot = await asyncio.to_thread(fold_batch, batch, users, waves, pseudonym_key)
        if forgotten is not None:
            snapshot.people = [p for p in snapshot.people if not forgotten(p.key)]
        async with sessions() as session, session.begin():
            if await repo.snapshot_digest(session, snapshot.report_date) == snapshot.digest:
                outcome: repo.SaveOutcome = "unchanged"
            else:
                previous = await history.previous_histories(session, snapshot.report_date)
                histories, funnels = await asyncio.to_thread(compute_funnels, snapshot, previous, k)
                outcome = await repo.save_snapshot(
                    session,
                    report_date=snapshot.report_date,
                    origin=snapshot.origin,
                    population=snapshot.population,
                    concealed_reason=snapshot.concealed_reason,
                    digest=snapshot.digest,
                    people=snapshot.people,
                    histories=histories,
                    funnels=funnels,
                )
                await history.mark_later_stale(session, snapshot.report_date)
            # Licences change without usage changing: their figures are replaced every time.
            rows = await asyncio.to_thread(compute_licences, snapshot, users, k)
            await licences.save_licences(
                session,
                snapshot.report_date,
                copilot_version=snapshot.copilot_version,
                subscriptions=_subscriptions(subscriptions),
                rows=rows,
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
    await rederive_stale(sessions, k)
    return outcomes


def _subscriptions(skus: Sequence[Sku] | None) -> list[Subscription] | None:
    if skus is None:
        return None
    return [
        Subscription(s.sku_id, s.part_number, s.enabled_units, s.consumed_units, s.service_plans)
        for s in skus
        if s.part_number
    ]


async def rederive_stale(
    sessions: async_sessionmaker[AsyncSession], k: int, *, before: date | None = None
) -> int:
    """Derive the evidence and funnels of stale snapshots (before `before`, when given) again
    from their stored rows, oldest first, one transaction each; returns how many."""
    async with sessions() as session:
        stale = await history.stale_snapshots(session, before)
    for item in stale:
        changed: list[tuple[str, PersonHistory]] = []
        async with sessions() as session, session.begin():
            if not item.concealed:
                people_, stored = await history.snapshot_people(session, item.id)
                previous = await history.previous_histories(session, item.report_date)
                derived, funnels = await asyncio.to_thread(
                    derive_funnels, people_, previous, item.report_date, k
                )
                changed = [
                    (p.key, new)
                    for p, new, old in zip(people_, derived, stored, strict=True)
                    if new != old
                ]
                await history.store_histories(session, item.id, changed)
                await repo.replace_funnels(session, item.id, funnels)
            await history.clear_stale(session, item.id)
        log.info(
            "usage.snapshot_rederived",
            extra={"report_date": item.report_date.isoformat(), "evidence_changed": len(changed)},
        )
    return len(stale)


async def store_directory(
    sessions: async_sessionmaker[AsyncSession],
    changes: DirectoryChanges,
    waves: WaveRules,
    forgotten: Forgotten | None = None,
) -> list[directory.DirectoryRow]:
    """Store a directory read (Graph or an export folder, the same way) and bring the person
    table in line with it; returns the whole directory as now stored. People `forgotten`
    are neither mirrored nor recreated."""
    users = changes.users
    if forgotten is not None:
        users = tuple(user for user in users if not forgotten(user[0]))
    async with sessions() as session, session.begin():
        change = await directory.apply_directory(
            session,
            full=changes.full,
            users=users,
            removed=changes.removed,
        )
        # A folder's directory is not Graph's delta state: the next Graph read starts afresh.
        await directory.set_state(session, directory.DELTA_LINK_KEY, changes.delta_link)
        applied = await people.apply_directory_people(
            session, change.users, change.removed, waves, datetime.now(UTC)
        )
    log.info(
        "directory.stored",
        extra={
            "users": len(change.users),
            "mirror_rows_written": change.written,
            "people_created": applied.created,
            "people_updated": applied.updated,
            "people_left": applied.left,
        },
    )
    return change.users


async def _wave_rules(
    sessions: async_sessionmaker[AsyncSession], given: Mapping[str, str]
) -> WaveRules:
    """The wave rules of this sync: the department -> wave mapping given (a folder's
    waves.csv, or the caller's) is stored as department rules first, so later syncs and
    installs place people in the same waves; people's own rules stay as they are."""
    async with sessions() as session, session.begin():
        if given:
            await wave_table.assign(session, "department", given)
        return await wave_table.wave_rules(session)


async def run_sync(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    secret: bytes | None = None,
    progress: Progress | None = None,
    waves: Mapping[str, str] | None = None,
    graph_opener: GraphOpener | None = None,
    graph_options: Mapping[str, Any] | None = None,
) -> list[SyncOutcome]:
    """One usage sync: from UPTAKE_REPORTS_DIR when set, else from Microsoft Graph.

    `secret` (the server secret) keys the pseudonyms of usage rows the directory cannot
    join; it is required when an export folder has no users export.

    Each sync stores the directory (Graph's users, or the folder's users export) and brings
    the person table in line with it. `waves` maps department to rollout wave (an export
    folder may carry its own waves.csv, which it overrides); both are kept as department wave
    rules, and a sync given none uses the stored rules. Raises `graph.errors.UsageDataError`
    subclasses with a clear message; nothing is stored for a report date that failed.
    """
    k = settings.min_group_size
    key = pseudonym_key(secret) if secret is not None else None
    forgotten = await _forgotten(sessions, secret)
    since = cutoffs(datetime.now(UTC), settings.retention).usage_before
    if settings.reports_dir is not None:
        contents = await asyncio.to_thread(scan_folder, settings.reports_dir)
        mapping = await _wave_rules(sessions, {**(waves or {}), **contents.waves})
        if any(contents.wave_names.values()):
            async with sessions() as session, session.begin():
                await wave_table.name_waves(session, contents.wave_names)
        users = None
        if contents.directory is not None:
            full = DirectoryChanges(tuple(contents.directory), (), None, full=True)
            users = await store_directory(sessions, full, mapping, forgotten)
        if progress is not None:
            progress(f"found {len(contents.batches)} report dates")
        return await import_batches(
            sessions,
            contents.batches,
            users,
            mapping,
            k,
            progress,
            pseudonym_key=key,
            forgotten=forgotten,
            usage_since=since,
            subscriptions=contents.subscriptions,
        )
    opener = graph_opener or (lambda s: open_graph(s.graph_access, **dict(graph_options or {})))
    mapping = await _wave_rules(sessions, waves or {})
    async with opener(settings) as graph:
        concealed = await concealed_names_setting(graph)
        skus = await _read_subscriptions(graph)
        part_numbers = {s.sku_id: s.part_number for s in skus or () if s.part_number}
        async with sessions() as session:
            link = await directory.get_state(session, directory.DELTA_LINK_KEY)
        read = await read_directory(graph, link, part_numbers)
        users = await store_directory(sessions, read, mapping, forgotten)
        if progress is not None:
            progress("directory")
        batch = await fetch_graph_batch(graph, concealed_setting=concealed, progress=progress)
    return await import_batches(
        sessions,
        [batch],
        users,
        mapping,
        k,
        progress,
        pseudonym_key=key,
        forgotten=forgotten,
        usage_since=since,
        subscriptions=skus,
    )


async def _forgotten(
    sessions: async_sessionmaker[AsyncSession], secret: bytes | None
) -> Forgotten | None:
    """Who must not be recreated (tombstones need the secret to be matched)."""
    async with sessions() as session:
        stones = await rights.tombstones(session)
    if not stones:
        return None
    if secret is None:
        raise ValueError("people asked to be forgotten: the sync needs the server secret")
    return forgotten_filter(tombstone_key(secret), stones)


async def _read_subscriptions(graph: GraphConnection) -> list[Sku] | None:
    """The tenant's subscribed SKUs; None without Organization.Read.All (licences are then
    known by SKU id only, and unassigned units not at all): the usage sync goes on."""
    try:
        return await subscribed_skus(graph)
    except GraphForbidden:
        log.warning("graph.subscribed_skus_forbidden")
        return None
