"""Facilitation: the audit of questions, ambassadors, and the reads facilitator cards need.

Everything read here is already aggregated (published funnels, k-applied) or small (runs,
ambassadors); the anonymous responses of one run are read only to aggregate them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from adoption.funnel import TENANT, FunnelCounts, Subject
from adoption.results import Answered
from store.base import Base
from store.tables import CheckinRun, Person, Response, UtcDateTime
from store.usage import DirectoryEntry, UsageFunnel, UsageSnapshot


class AuditEntry(Base):
    """One question asked of the bot: who (object id), when, what (normalised), the outcome."""

    __tablename__ = "facilitator_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    person_id: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_facilitator_audit_asked_at", "asked_at"),)


class Ambassador(Base):
    """A person who champions the programme for one or more departments."""

    __tablename__ = "ambassador"

    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    departments: Mapped[list[str]] = mapped_column(JSON)
    since: Mapped[datetime] = mapped_column(UtcDateTime())


# --- audit ---------------------------------------------------------------------------------


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


# --- people --------------------------------------------------------------------------------


async def person_upns(session: AsyncSession, person_id: str) -> set[str]:
    """The UPNs known for an object id (person table and directory mirror), lower-cased."""
    found: set[str] = set()
    upn = await session.scalar(select(Person.upn).where(Person.id == person_id))
    if upn:
        found.add(upn.lower())
    mirrored = await session.scalar(
        select(DirectoryEntry.upn).where(DirectoryEntry.id == person_id)
    )
    if mirrored:
        found.add(mirrored.lower())
    return found


async def person_by_id_or_upn(session: AsyncSession, ref: str) -> Person | None:
    """A known person by Entra object id or UPN (case-insensitive)."""
    person = await session.get(Person, ref.lower()) or await session.get(Person, ref)
    if person is not None:
        return person
    lowered = ref.lower()
    rows = await session.execute(select(Person).where(func.lower(Person.upn) == lowered))
    hit = rows.scalars().first()
    if hit is not None:
        return hit
    mirrored = await session.scalar(
        select(DirectoryEntry.id).where(func.lower(DirectoryEntry.upn) == lowered)
    )
    return await session.get(Person, mirrored) if mirrored else None


async def person_department(session: AsyncSession, person_id: str) -> str | None:
    return await session.scalar(select(Person.department).where(Person.id == person_id))


async def display_names(session: AsyncSession) -> list[str]:
    rows = await session.scalars(
        select(Person.display_name).where(Person.display_name.is_not(None))
    )
    return [name for name in rows.all() if name]


# --- ambassadors ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AmbassadorView:
    person_id: str
    display_name: str | None
    departments: tuple[str, ...]
    since: datetime


async def add_ambassador(
    session: AsyncSession, person_id: str, departments: Sequence[str], now: datetime
) -> bool:
    """Make someone an ambassador for departments (added to the ones they already cover).
    True when they were not an ambassador before."""
    existing = await session.get(Ambassador, person_id)
    if existing is None:
        session.add(
            Ambassador(person_id=person_id, departments=sorted(set(departments)), since=now)
        )
        return True
    existing.departments = sorted(set(existing.departments) | set(departments))
    return False


async def remove_ambassador(session: AsyncSession, person_id: str) -> bool:
    result = await session.execute(delete(Ambassador).where(Ambassador.person_id == person_id))
    return bool(getattr(result, "rowcount", 0))


async def ambassadors(session: AsyncSession) -> list[AmbassadorView]:
    rows = await session.execute(
        select(Ambassador, Person.display_name)
        .outerjoin(Person, Person.id == Ambassador.person_id)
        .order_by(Person.display_name, Ambassador.person_id)
    )
    return [
        AmbassadorView(a.person_id, name, tuple(a.departments or ()), a.since) for a, name in rows
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


# --- check-in runs -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunSummary:
    id: int
    template_key: str
    template_source: str
    opened_at: datetime
    closes_at: datetime
    state: str
    min_group_size: int


def _summary(run: CheckinRun) -> RunSummary:
    return RunSummary(
        run.id,
        run.template_key,
        run.template_source,
        run.opened_at,
        run.closes_at,
        run.state,
        run.min_group_size,
    )


async def latest_run(session: AsyncSession, template_key: str) -> RunSummary | None:
    run = await session.scalar(
        select(CheckinRun)
        .where(CheckinRun.template_key == template_key)
        .order_by(CheckinRun.id.desc())
        .limit(1)
    )
    return _summary(run) if run is not None else None


async def run_by_id(session: AsyncSession, run_id: int) -> RunSummary | None:
    run = await session.get(CheckinRun, run_id)
    return _summary(run) if run is not None else None


async def run_answers(session: AsyncSession, run_id: int) -> list[Answered]:
    rows = await session.execute(
        select(Response.department, Response.answers).where(Response.run_id == run_id)
    )
    return [Answered(department, answers or {}) for department, answers in rows]
