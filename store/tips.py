"""Which tip each ambassador got per week, and how tips were received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import CustomTips, TipFeedback, TipSent

VERDICTS = ("shared", "not_useful")


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def chosen(session: AsyncSession, person_id: str, week: str) -> str | None:
    """The tip already chosen for this person and week (a retried send shows the same)."""
    return await session.scalar(
        select(TipSent.tip_key).where(TipSent.person_id == person_id, TipSent.week == week)
    )


async def choose(
    session: AsyncSession, person_id: str, week: str, tip_key: str, now: datetime
) -> str:
    """Keep the week's choice; if another send chose first, theirs stands."""
    insert = _insert(session)
    await session.execute(
        insert(TipSent)
        .values(person_id=person_id, week=week, tip_key=tip_key, chosen_at=now)
        .on_conflict_do_nothing(index_elements=[TipSent.person_id, TipSent.week])
    )
    return await chosen(session, person_id, week) or tip_key


async def sent_keys(session: AsyncSession, person_id: str) -> list[str]:
    """The tips sent to this person, oldest first."""
    rows = await session.scalars(
        select(TipSent.tip_key).where(TipSent.person_id == person_id).order_by(TipSent.week)
    )
    return list(rows.all())


async def give_verdict(
    session: AsyncSession, person_id: str, week: str, tip_key: str, verdict: str, now: datetime
) -> None:
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    insert = _insert(session)
    statement = insert(TipFeedback).values(
        person_id=person_id, week=week, tip_key=tip_key, verdict=verdict, given_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[TipFeedback.person_id, TipFeedback.week, TipFeedback.tip_key],
            set_={"verdict": statement.excluded.verdict, "given_at": statement.excluded.given_at},
        )
    )


@dataclass(frozen=True, slots=True)
class TipScore:
    tip_key: str
    sent: int
    shared: int
    not_useful: int


async def scores(session: AsyncSession) -> list[TipScore]:
    """Per tip ever sent: how often, how often shared, how often found not useful."""
    sent = dict(
        (
            await session.execute(select(TipSent.tip_key, func.count()).group_by(TipSent.tip_key))
        ).all()
    )
    verdicts: dict[tuple[str, str], int] = {}
    for key, verdict, count in await session.execute(
        select(TipFeedback.tip_key, TipFeedback.verdict, func.count()).group_by(
            TipFeedback.tip_key, TipFeedback.verdict
        )
    ):
        verdicts[(key, verdict)] = int(count)
    return [
        TipScore(
            key, int(n), verdicts.get((key, "shared"), 0), verdicts.get((key, "not_useful"), 0)
        )
        for key, n in sorted(sent.items())
    ]


async def week_activity(session: AsyncSession, week: str) -> tuple[int, int]:
    """Tips sent and tips shared in an ISO week (the digest's ambassador activity)."""
    sent = await session.scalar(select(func.count()).where(TipSent.week == week))
    shared = await session.scalar(
        select(func.count()).where(TipFeedback.week == week, TipFeedback.verdict == "shared")
    )
    return int(sent or 0), int(shared or 0)


async def custom_source(session: AsyncSession) -> str | None:
    """The facilitators' tips file as imported (validated then), or None."""
    row = await session.get(CustomTips, 1)
    return row.source if row is not None else None


async def save_custom(session: AsyncSession, source: str, now: datetime) -> None:
    """Replace the facilitators' tips file (the caller validated it)."""
    row = await session.get(CustomTips, 1)
    if row is None:
        session.add(CustomTips(id=1, source=source, imported_at=now))
    else:
        row.source, row.imported_at = source, now
