"""Retention through `uptake jobs run-due --at`: per-person usage beyond its horizon goes and
the funnels stay; old audit rows and finished outbox messages go; nothing recent is touched."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from adoption.funnel import publish, subjects
from adoption.scenarios import catalogue
from adoption.signals import PersonUsage
from store import usage
from store.engine import make_engine, make_sessions
from store.schema import upgrade
from store.tables import AuditEntry, Message, Person, UsageFunnel, UsagePerson, UsageSnapshot
from tests.integration.test_cli import _run

OLD, RECENT = date(2026, 9, 30), date(2027, 11, 20)
# 04:00 in Brussels on 1 December 2027: the nightly retention (03:47) is due.
AT = "2027-12-01T04:00"


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _message(state: str, day: date, key: str) -> Message:
    at = _moment(day)
    return Message(
        kind="tip",
        person_id="p1",
        ref={},
        dedupe_key=key,
        not_before=at,
        next_attempt_at=at,
        state=state,
        attempts=1,
        created_at=at,
        updated_at=at,
    )


async def test_run_due_folds_old_usage_keeps_funnels_and_drops_old_audit_and_messages(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}")
    await upgrade(engine)
    tally = {("HR", "1"): {s: [6, 6, 5, 3, 2] for s in subjects(catalogue())}}
    async with make_sessions(engine).begin() as session:
        for day in (OLD, RECENT):
            await usage.save_snapshot(
                session,
                report_date=day,
                origin="graph",
                population=6,
                concealed_reason=None,
                digest=day.isoformat(),
                people=[PersonUsage(f"person-{n}", "HR", "1") for n in range(6)],
                funnels=publish(tally, 3),
            )
        session.add(Person(id="p1"))
        await session.flush()
        session.add_all(
            [
                _message("sent", date(2027, 1, 5), "old-sent"),
                _message("failed", date(2027, 1, 5), "old-failed"),
                _message("pending", date(2027, 1, 5), "old-pending"),
                _message("sent", date(2027, 11, 25), "recent-sent"),
                AuditEntry(
                    asked_at=_moment(date(2026, 6, 1)),
                    person_id="f",
                    question="status",
                    outcome="answered",
                ),
                AuditEntry(
                    asked_at=_moment(date(2027, 11, 1)),
                    person_id="f",
                    question="waves",
                    outcome="answered",
                ),
            ]
        )
    async with make_sessions(engine)() as session:
        funnels_before = {
            day: await session.scalar(
                select(func.count())
                .select_from(UsageFunnel)
                .join(UsageSnapshot, UsageSnapshot.id == UsageFunnel.snapshot_id)
                .where(UsageSnapshot.report_date == day)
            )
            for day in (OLD, RECENT)
        }
    assert funnels_before[OLD] and funnels_before[OLD] == funnels_before[RECENT]

    code, output = await _run(tmp_path, "jobs", "run-due", "--at", AT)
    assert code == 0, output
    assert "retention" in output

    async with make_sessions(engine)() as session:
        people = dict(
            (
                await session.execute(
                    select(UsageSnapshot.report_date, func.count(UsagePerson.person_key))
                    .outerjoin(UsagePerson, UsagePerson.snapshot_id == UsageSnapshot.id)
                    .group_by(UsageSnapshot.report_date)
                )
            ).all()
        )
        folded = dict(
            (
                await session.execute(
                    select(UsageSnapshot.report_date, UsageSnapshot.people_folded_on)
                )
            ).all()
        )
        funnels_after = {
            day: await session.scalar(
                select(func.count())
                .select_from(UsageFunnel)
                .join(UsageSnapshot, UsageSnapshot.id == UsageFunnel.snapshot_id)
                .where(UsageSnapshot.report_date == day)
            )
            for day in (OLD, RECENT)
        }
        messages = set(await session.scalars(select(Message.dedupe_key)))
        questions = set(await session.scalars(select(AuditEntry.question)))
        trend = await usage.trend(session, "teams", 500)
    await engine.dispose()

    assert people == {OLD: 0, RECENT: 6}
    assert folded == {OLD: date(2027, 12, 1), RECENT: None}
    assert funnels_after == funnels_before
    assert [point.report_date for point in trend if point.counts is not None] == [OLD, RECENT]
    assert messages == {"old-pending", "recent-sent"}
    assert questions == {"waves"}
