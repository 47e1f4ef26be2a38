"""The audit of questions asked of the bot: who (object id), when, what (normalised), outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditRecord:
    asked_at: datetime
    person_id: str
    question: str
    outcome: str


async def write_audit(session: AsyncSession, records: Sequence[AuditRecord]) -> None:
    if records:
        await session.execute(
            insert(AuditEntry),
            [
                {
                    "asked_at": r.asked_at,
                    "person_id": r.person_id,
                    "question": r.question[:200],
                    "outcome": r.outcome[:16],
                }
                for r in records
            ],
        )


async def audit_entries(session: AsyncSession, limit: int = 1000) -> Sequence[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def recent(session: AsyncSession, limit: int) -> Sequence[AuditEntry]:
    """The last `limit` audited questions, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.asked_at.desc(), AuditEntry.id.desc())
    return (await session.scalars(query.limit(limit))).all()


async def counts_since(session: AsyncSession, since: datetime) -> list[tuple[str, int]]:
    """Questions per person asked since `since`, most first."""
    rows = await session.execute(
        select(AuditEntry.person_id, func.count())
        .where(AuditEntry.asked_at >= since)
        .group_by(AuditEntry.person_id)
        .order_by(func.count().desc(), AuditEntry.person_id)
    )
    return [(person_id, int(count)) for person_id, count in rows]
