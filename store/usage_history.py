"""Published funnels over time, per group: what nudges, spotlights and digests compare.

Read from the stored (already suppressed) funnels of the snapshots since a date: a hidden
group has no figures on a date, and stays without them here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.funnel import FunnelCounts, Subject
from store.tables import UsageFunnel, UsageSnapshot

History = dict[str, dict[Subject, list[tuple[date, FunnelCounts | None]]]]


async def group_history(
    session: AsyncSession, kind: str, keys: Sequence[str], since: date
) -> History:
    """For each group of `kind` ("department", "wave", "tenant") in `keys`: every subject's
    funnel per report date since `since`, oldest first."""
    if not keys:
        return {}
    rows = await session.execute(
        select(UsageSnapshot.report_date, UsageFunnel)
        .join(UsageFunnel, UsageFunnel.snapshot_id == UsageSnapshot.id)
        .where(
            UsageSnapshot.report_date >= since,
            UsageFunnel.scope_kind == kind,
            UsageFunnel.scope_key.in_(list(keys)),
        )
        .order_by(UsageSnapshot.report_date)
    )
    history: History = {}
    for report_date, row in rows:
        subject = Subject(row.subject_kind, row.subject_key)  # type: ignore[arg-type]
        counts = (
            None
            if row.hidden or row.population is None
            else FunnelCounts(
                row.population,
                row.licensed or 0,
                row.provisioned or 0,
                row.active or 0,
                row.habitual,
            )
        )
        history.setdefault(row.scope_key, {}).setdefault(subject, []).append((report_date, counts))
    return history
