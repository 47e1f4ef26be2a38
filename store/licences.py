"""Licences per snapshot: the subscribed SKUs, which Copilot report was read, and the
published (already suppressed) holders and idle holders per scope and SKU.

A few hundred rows per snapshot at most (scopes x SKUs): they are replaced whenever a sync
reads that report date, so a licence change shows the next day even when the usage did
not change. Who holds which SKU lives in the directory mirror (store.directory), written
only when it changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.licences import LicenceCounts, LicenceRow, Subscription
from adoption.scopes import Scope
from store.tables import (
    DirectoryEntry,
    LicenceFigure,
    LicenceSubscription,
    LicenceSync,
    UsagePerson,
    UsageSnapshot,
)


@dataclass(frozen=True, slots=True)
class LicenceSnapshot:
    """What the latest snapshot knows of licences in one scope."""

    report_date: date
    concealed: bool
    copilot_version: str | None
    rows: tuple[LicenceRow, ...]  # of the scope: visible and hidden SKUs
    subscriptions: tuple[Subscription, ...] | None  # None: not read with this snapshot


async def save_licences(
    session: AsyncSession,
    report_date: date,
    *,
    copilot_version: str | None,
    subscriptions: Sequence[Subscription] | None,
    rows: Sequence[LicenceRow],
) -> None:
    """Replace the licence figures of the snapshot of `report_date` (it must exist)."""
    snapshot_id = await session.scalar(
        select(UsageSnapshot.id).where(UsageSnapshot.report_date == report_date)
    )
    if snapshot_id is None:
        raise LookupError(f"no snapshot for {report_date}")
    for table in (LicenceFigure, LicenceSubscription, LicenceSync):
        await session.execute(delete(table).where(table.snapshot_id == snapshot_id))
    await session.execute(
        insert(LicenceSync).values(
            snapshot_id=snapshot_id,
            copilot_version=copilot_version,
            subscriptions_known=subscriptions is not None,
        )
    )
    if subscriptions:
        await session.execute(
            insert(LicenceSubscription),
            [
                {
                    "snapshot_id": snapshot_id,
                    "part_number": s.part_number,
                    "sku_id": s.sku_id,
                    "enabled": s.enabled,
                    "consumed": s.consumed,
                    "service_plans": list(s.service_plans),
                }
                for s in {s.part_number: s for s in subscriptions}.values()
            ],
        )
    if rows:
        await session.execute(
            insert(LicenceFigure),
            [
                {
                    "snapshot_id": snapshot_id,
                    "scope_kind": r.scope.kind,
                    "scope_key": r.scope.key,
                    "sku": r.sku,
                    "hidden": r.counts is None,
                    "holders": r.counts.holders if r.counts else None,
                    "idle": r.counts.idle if r.counts else None,
                    "habitual": r.counts.habitual if r.counts else None,
                    "prompts": r.counts.prompts if r.counts else None,
                }
                for r in rows
            ],
        )


async def latest_licences(session: AsyncSession, scope: Scope) -> LicenceSnapshot | None:
    """The licences of the latest snapshot that has them, in `scope`; None when no sync has
    stored licences yet."""
    found = (
        await session.execute(
            select(
                UsageSnapshot.id,
                UsageSnapshot.report_date,
                UsageSnapshot.concealed_reason,
                LicenceSync.copilot_version,
                LicenceSync.subscriptions_known,
            )
            .join(LicenceSync, LicenceSync.snapshot_id == UsageSnapshot.id)
            .order_by(UsageSnapshot.report_date.desc())
            .limit(1)
        )
    ).first()
    if found is None:
        return None
    snapshot_id, report_date, concealed, version, known = found
    figures = await session.execute(
        select(
            LicenceFigure.sku,
            LicenceFigure.hidden,
            LicenceFigure.holders,
            LicenceFigure.idle,
            LicenceFigure.habitual,
            LicenceFigure.prompts,
        )
        .where(
            LicenceFigure.snapshot_id == snapshot_id,
            LicenceFigure.scope_kind == scope.kind,
            LicenceFigure.scope_key == scope.key,
        )
        .order_by(LicenceFigure.sku)
    )
    rows = tuple(
        LicenceRow(
            scope,
            sku,
            None if hidden or holders is None else LicenceCounts(holders, idle, habitual, prompts),
        )
        for sku, hidden, holders, idle, habitual, prompts in figures
    )
    subscriptions: tuple[Subscription, ...] | None = None
    if known:
        stored = await session.execute(
            select(
                LicenceSubscription.sku_id,
                LicenceSubscription.part_number,
                LicenceSubscription.enabled,
                LicenceSubscription.consumed,
                LicenceSubscription.service_plans,
            )
            .where(LicenceSubscription.snapshot_id == snapshot_id)
            .order_by(LicenceSubscription.part_number)
        )
        subscriptions = tuple(
            Subscription(sku_id, part, enabled, consumed, tuple(plans or ()))
            for sku_id, part, enabled, consumed, plans in stored
        )
    return LicenceSnapshot(report_date, concealed is not None, version, rows, subscriptions)


async def department_rows(session: AsyncSession, sku: str) -> list[LicenceRow]:
    """One SKU's figures of every department in the latest snapshot with licences (as
    stored: suppressed), for where in the organisation its idle licences are."""
    latest = (
        select(LicenceSync.snapshot_id)
        .join(UsageSnapshot, UsageSnapshot.id == LicenceSync.snapshot_id)
        .order_by(UsageSnapshot.report_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    figures = await session.execute(
        select(
            LicenceFigure.scope_key,
            LicenceFigure.hidden,
            LicenceFigure.holders,
            LicenceFigure.idle,
        )
        .where(
            LicenceFigure.snapshot_id == latest,
            LicenceFigure.scope_kind == "department",
            LicenceFigure.sku == sku,
        )
        .order_by(LicenceFigure.scope_key)
    )
    return [
        LicenceRow(
            Scope("department", key),
            sku,
            None if hidden or holders is None else LicenceCounts(holders, idle),
        )
        for key, hidden, holders, idle in figures
    ]


@dataclass(frozen=True, slots=True)
class HolderRecord:
    """One licence holder as the idle export lists them (operator command only)."""

    upn: str
    display_name: str | None
    department: str | None
    skus: str
    last_activity: tuple[date | None, ...]  # per adoption.signals.WORKLOADS; () if unknown


async def holders_with_usage(
    session: AsyncSession, last_columns: Sequence[str]
) -> tuple[date | None, list[HolderRecord]]:
    """Every enabled directory user holding a SKU, with their last activity per workload
    from the latest unconcealed snapshot (by object id); (its report date, holders)."""
    latest = (
        await session.execute(
            select(UsageSnapshot.id, UsageSnapshot.report_date)
            .where(UsageSnapshot.concealed_reason.is_(None))
            .order_by(UsageSnapshot.report_date.desc())
            .limit(1)
        )
    ).first()
    usage: dict[str, tuple[date | None, ...]] = {}
    if latest is not None:
        columns = [getattr(UsagePerson, name) for name in last_columns]
        found = await session.execute(
            select(UsagePerson.person_key, *columns).where(UsagePerson.snapshot_id == latest[0])
        )
        usage = {row[0]: tuple(row[1:]) for row in found}
    users = await session.execute(
        select(
            DirectoryEntry.id,
            DirectoryEntry.upn,
            DirectoryEntry.display_name,
            DirectoryEntry.department,
            DirectoryEntry.skus,
        )
        .where(DirectoryEntry.enabled.is_(True), DirectoryEntry.skus != "")
        .order_by(DirectoryEntry.department, DirectoryEntry.upn)
    )
    holders = [
        HolderRecord(upn, name, department, skus, usage.get(uid, ()))
        for uid, upn, name, department, skus in users
    ]
    return (latest[1] if latest is not None else None), holders
