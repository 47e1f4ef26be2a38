"""The audit of questions asked of the bot: who (object id), when, what (normalised), outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
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
