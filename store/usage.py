"""Usage snapshots, per-person usage and published funnels; repository functions.

One snapshot per report date. Funnels are stored already suppressed (k applied), so readers
such as the facilitator cards never see a figure that must stay hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.funnel import FunnelCounts, FunnelRow, Subject
from adoption.history import CLIENTS, EMPTY, PersonHistory, encode_days
from adoption.scopes import TENANT, Scope
from adoption.signals import WORKLOADS, PersonUsage
from adoption.views import ConcealedReason, FunnelLine, StatusView, TrendPoint
from store.base import Base
from store.bulk import insert_many
from store.tables import UsageFunnel, UsagePerson, UsageSnapshot

_LAST_COLUMNS = tuple(f"{w.value}_last" for w in WORKLOADS)
HISTORY_CLIENT_COLUMNS = tuple(f"{WORKLOADS[i].value}_client_seen" for i in CLIENTS)
_PERSON_COLUMNS = (
    "snapshot_id",
    "person_key",
    "department",
    "wave",
    "enabled",
    "licensed",
    "provisioned",
    "signals",
    *_LAST_COLUMNS,
    "evidence",
    *HISTORY_CLIENT_COLUMNS,
)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


SaveOutcome = Literal["created", "unchanged", "replaced"]


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    report_date: date
    population: int
    concealed_reason: str | None
    digest: str


async def snapshot_digest(session: AsyncSession, report_date: date) -> str | None:
    """The stored digest for `report_date`, or None when no snapshot exists."""
    return await session.scalar(
        select(UsageSnapshot.digest).where(UsageSnapshot.report_date == report_date)
    )


async def save_snapshot(
    session: AsyncSession,
    *,
    report_date: date,
    origin: str,
    population: int,
    concealed_reason: str | None,
    digest: str,
    people: Sequence[PersonUsage],
    funnels: Iterable[FunnelRow],
    histories: Sequence[PersonHistory] | None = None,
) -> SaveOutcome:
    """Store one report date with each person's evidence (`histories`, in the order of
    `people`; none: no evidence yet). Same digest: nothing changes. Different digest
    (Microsoft re-validates recent days): the old snapshot is replaced. Run inside the
    caller's transaction so a failure leaves nothing behind; marking later snapshots stale
    is the caller's (it knows why)."""
    existing = (
        await session.execute(
            select(UsageSnapshot.id, UsageSnapshot.digest).where(
                UsageSnapshot.report_date == report_date
            )
        )
    ).first()
    if existing is not None and existing.digest == digest:
        return "unchanged"
    if existing is not None:
        for table in (UsagePerson, UsageFunnel):
            await session.execute(delete(table).where(table.snapshot_id == existing.id))
        await session.execute(delete(UsageSnapshot).where(UsageSnapshot.id == existing.id))
    snapshot_id = await session.scalar(
        insert(UsageSnapshot)
        .values(
            report_date=report_date,
            origin=origin,
            concealed_reason=concealed_reason,
            population=population,
            digest=digest,
            created_at=datetime.now(UTC),
            stale=False,
        )
        .returning(UsageSnapshot.id)
    )
    connection = await session.connection()
    await insert_many(
        connection,
        _table(UsagePerson),
        _PERSON_COLUMNS,
        (
            (
                snapshot_id,
                p.key,
                p.department,
                p.wave,
                p.enabled,
                p.licensed,
                p.provisioned,
                p.signals,
                *p.last_activity,
                encode_days(h.days),
                *h.clients,
            )
            # In key order, the primary key and person_key indexes are appended to rather
            # than written at random pages: a third less time for a large snapshot.
            for p, h in sorted(
                zip(people, histories or [EMPTY] * len(people), strict=True), key=_by_key
            )
        ),
    )
    funnel_rows = [_funnel_values(snapshot_id, f) for f in funnels]
    if funnel_rows:
        await connection.execute(insert(_table(UsageFunnel)), funnel_rows)
    return "replaced" if existing is not None else "created"


def _by_key(pair: tuple[PersonUsage, PersonHistory]) -> str:
    return pair[0].key


async def replace_funnels(
    session: AsyncSession, snapshot_id: int, funnels: Iterable[FunnelRow]
) -> None:
    """The published funnels of a snapshot, recomputed."""
    await session.execute(delete(UsageFunnel).where(UsageFunnel.snapshot_id == snapshot_id))
    rows = [_funnel_values(snapshot_id, f) for f in funnels]
    if rows:
        await session.execute(insert(_table(UsageFunnel)), rows)


def _funnel_values(snapshot_id: int | None, row: FunnelRow) -> dict[str, Any]:
    c = row.counts
    return {
        "snapshot_id": snapshot_id,
        "scope_kind": row.scope.kind,
        "scope_key": row.scope.key,
        "subject_kind": row.subject.kind,
        "subject_key": row.subject.key,
        "hidden": c is None,
        "population": c.population if c else None,
        "licensed": c.licensed if c else None,
        "provisioned": c.provisioned if c else None,
        "active": c.active if c else None,
        "habitual": c.habitual if c else None,
    }


def _counts(row: UsageFunnel) -> FunnelCounts | None:
    if row.hidden or row.population is None:
        return None
    return FunnelCounts(
        row.population, row.licensed or 0, row.provisioned or 0, row.active or 0, row.habitual
    )


async def latest_status(session: AsyncSession, scope: Scope = TENANT) -> StatusView | None:
    """The published funnels of the latest snapshot for the tenant, a department or a wave;
    None when no snapshot exists yet."""
    snapshot = await session.scalar(
        select(UsageSnapshot).order_by(UsageSnapshot.report_date.desc()).limit(1)
    )
    if snapshot is None:
        return None
    rows = (
        await session.scalars(
            select(UsageFunnel).where(
                UsageFunnel.snapshot_id == snapshot.id,
                UsageFunnel.scope_kind == scope.kind,
                UsageFunnel.scope_key == scope.key,
            )
        )
    ).all()
    lines = sorted(
        (FunnelLine(Subject(r.subject_kind, r.subject_key), _counts(r)) for r in rows),  # type: ignore[arg-type]
        key=lambda line: line.subject,
    )
    reason: ConcealedReason | None = snapshot.concealed_reason  # type: ignore[assignment]
    hidden = not rows or all(line.counts is None for line in lines)
    return StatusView(
        report_date=snapshot.report_date,
        scope=scope,
        tenant_level_only=reason is not None,
        concealed_reason=reason,
        hidden=hidden,
        workloads=tuple(line for line in lines if line.subject.kind == "workload"),
        scenarios=tuple(line for line in lines if line.subject.kind == "scenario"),
        origin=snapshot.origin,
    )


async def trend(
    session: AsyncSession, subject: str, days: int, scope: Scope = TENANT
) -> list[TrendPoint]:
    """The funnel of a workload or scenario key over the last `days` days of report dates,
    oldest first. Days where the group is hidden or unavailable have `counts` None."""
    newest = await session.scalar(
        select(UsageSnapshot.report_date).order_by(UsageSnapshot.report_date.desc()).limit(1)
    )
    if newest is None:
        return []
    since = newest - timedelta(days=max(days, 1) - 1)
    query = (
        select(UsageSnapshot.report_date, UsageFunnel)
        .outerjoin(
            UsageFunnel,
            (UsageFunnel.snapshot_id == UsageSnapshot.id)
            & (UsageFunnel.scope_kind == scope.kind)
            & (UsageFunnel.scope_key == scope.key)
            & (UsageFunnel.subject_key == subject),
        )
        .where(UsageSnapshot.report_date >= since)
        .order_by(UsageSnapshot.report_date)
    )
    return [
        TrendPoint(report_date, _counts(row) if row is not None else None)
        for report_date, row in await session.execute(query)
    ]


# --- published funnels across scopes -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScopeFigures:
    """Published funnels of one scope kind (all departments or all waves) for one subject."""

    report_date: Any
    lines: tuple[tuple[str, FunnelCounts | None], ...]


async def scope_figures(
    session: AsyncSession, kind: str, subjects: Sequence[Subject]
) -> dict[Subject, ScopeFigures]:
    """For the latest snapshot, every scope of `kind` with its (suppressed) funnel per subject."""
    snapshot = (
        await session.execute(
            select(UsageSnapshot.id, UsageSnapshot.report_date)
            .order_by(UsageSnapshot.report_date.desc())
            .limit(1)
        )
    ).first()
    if snapshot is None:
        return {}
    rows = await session.scalars(
        select(UsageFunnel).where(
            UsageFunnel.snapshot_id == snapshot.id,
            UsageFunnel.scope_kind == kind,
            UsageFunnel.subject_key.in_([s.key for s in subjects]),
        )
    )
    found: dict[Subject, list[tuple[str, FunnelCounts | None]]] = {s: [] for s in subjects}
    for row in rows:
        subject = Subject(row.subject_kind, row.subject_key)  # type: ignore[arg-type]
        if subject not in found:
            continue
        counts = None
        if not row.hidden and row.population is not None:
            counts = FunnelCounts(
                row.population,
                row.licensed or 0,
                row.provisioned or 0,
                row.active or 0,
                row.habitual,
            )
        found[subject].append((row.scope_key, counts))
    return {
        s: ScopeFigures(snapshot.report_date, tuple(sorted(lines))) for s, lines in found.items()
    }


async def scope_keys(session: AsyncSession) -> dict[str, list[str]]:
    """Department and wave names of the latest snapshot (hidden ones included: they can be
    asked for, and then the answer says they are below the minimum size)."""
    newest = await session.scalar(
        select(UsageSnapshot.id).order_by(UsageSnapshot.report_date.desc()).limit(1)
    )
    if newest is None:
        return {"department": [], "wave": []}
    rows = await session.execute(
        select(UsageFunnel.scope_kind, UsageFunnel.scope_key)
        .where(UsageFunnel.snapshot_id == newest, UsageFunnel.scope_kind != TENANT.kind)
        .distinct()
    )
    keys: dict[str, list[str]] = {"department": [], "wave": []}
    for kind, key in rows:
        keys.setdefault(kind, []).append(key)
    return {kind: sorted(values) for kind, values in keys.items()}


async def delete_snapshots(session: AsyncSession) -> None:
    """Every usage snapshot and what hangs off it (the demo starts a new series with it)."""
    for table in (UsagePerson, UsageFunnel, UsageSnapshot):
        await session.execute(delete(table))
