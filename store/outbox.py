"""The outbox: enqueue messages (idempotent by dedupe key), claim what is due, finish in bulk.

Claiming is one statement per batch: on PostgreSQL the candidate rows are locked with
`FOR UPDATE SKIP LOCKED`, so two senders never take the same row; on SQLite the single
writer gives the same guarantee. Finishing is one executemany per outcome kind, so a sender
at several hundred messages a second costs the database a few statements a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import FINAL_STATES, Message, MessageState, Person

ENQUEUE_CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class NewMessage:
    kind: str
    person_id: str
    ref: dict[str, Any]
    dedupe_key: str
    not_before: datetime
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Due:
    """A claimed message with what sending it needs."""

    id: int
    kind: str
    person_id: str
    ref: dict[str, Any]
    attempts: int
    conversation: dict[str, Any] | None
    locale: str | None


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def enqueue(session: AsyncSession, messages: Iterable[NewMessage], now: datetime) -> int:
    """Queue messages; one whose dedupe key exists already is left as it is. Returns how many
    were new (the caller's transaction commits them)."""
    insert = pg_insert if _dialect(session) == "postgresql" else sqlite_insert
    # RETURNING counts what was really inserted: an executemany's rowcount is not reliable.
    statement = (
        insert(Message)
        .on_conflict_do_nothing(index_elements=[Message.dedupe_key])
        .returning(Message.id)
    )
    added = 0
    chunk: list[dict[str, Any]] = []

    async def flush() -> int:
        if not chunk:
            return 0
        result = await session.execute(statement, chunk)
        count = len(result.all())
        chunk.clear()
        return count

    for m in messages:
        chunk.append(
            {
                "kind": m.kind,
                "person_id": m.person_id,
                "ref": m.ref,
                "topic": m.topic,
                "dedupe_key": m.dedupe_key,
                "not_before": m.not_before,
                "next_attempt_at": m.not_before,
                "state": MessageState.PENDING,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(chunk) >= ENQUEUE_CHUNK:
            added += await flush()
    added += await flush()
    return added


def _due(now: datetime) -> Any:
    return or_(
        and_(Message.state == MessageState.PENDING, Message.next_attempt_at <= now),
        and_(Message.state == MessageState.SENDING, Message.lease_until <= now),
    )


async def claim(session: AsyncSession, *, now: datetime, lease: timedelta, limit: int) -> list[Due]:
    """Take up to `limit` due messages (oldest due first), leased against other senders.

    Rows still SENDING after their lease (a sender died mid-send) are due again: delivery is
    at least once, never silently lost."""
    candidates: Select[int] = (
        select(Message.id).where(_due(now)).order_by(Message.next_attempt_at).limit(limit)
    )
    if _dialect(session) == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = (
        await session.execute(
            update(Message)
            .where(Message.id.in_(candidates.scalar_subquery()))
            .values(
                state=MessageState.SENDING,
                lease_until=now + lease,
                attempts=Message.attempts + 1,
                updated_at=now,
            )
            .returning(Message.id, Message.kind, Message.person_id, Message.ref, Message.attempts)
            .execution_options(synchronize_session=False)
        )
    ).all()
    if not claimed:
        return []
    people = {
        row.id: (row.conversation, row.locale)
        for row in await session.execute(
            select(Person.id, Person.conversation, Person.locale).where(
                Person.id.in_({c.person_id for c in claimed})
            )
        )
    }
    found = [
        Due(
            c.id,
            c.kind,
            c.person_id,
            c.ref or {},
            c.attempts,
            *people.get(c.person_id, (None, None)),
        )
        for c in claimed
    ]
    return sorted(found, key=lambda d: d.id)


async def revive(session: AsyncSession, person_id: str, now: datetime) -> int:
    """Someone (re)installed the bot: their messages that could not reach them are due again
    (a renderer skips what has become moot, such as a closed run's card)."""
    result = await session.execute(
        update(Message)
        .where(Message.person_id == person_id, Message.state == MessageState.UNREACHABLE)
        .values(state=MessageState.PENDING, next_attempt_at=now, last_error=None, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def release_all(session: AsyncSession, now: datetime) -> int:
    """Every SENDING row back to PENDING: called by a sender that has just become the only
    one (the leader), so rows a dead sender had leased resume now, not after their lease."""
    result = await session.execute(
        update(Message)
        .where(Message.state == MessageState.SENDING)
        .values(state=MessageState.PENDING, lease_until=None, next_attempt_at=now, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class Outcomes:
    """What happened to claimed messages, to be written in one go."""

    sent: list[tuple[int, str | None]] = field(default_factory=list)
    final: list[tuple[int, str, str]] = field(default_factory=list)  # id, state, reason
    retry: list[tuple[int, datetime, str, bool]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sent) + len(self.final) + len(self.retry)


async def finish(session: AsyncSession, outcomes: Outcomes, now: datetime) -> None:
    """Write sent, final (failed, unreachable, skipped) and retried messages in bulk. A retry
    that was no failure of the message (a throttle) gives its attempt back."""
    table = cast(Table, Message.__table__)
    if outcomes.sent:
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("mid"))
            .values(
                state=MessageState.SENT,
                lease_until=None,
                last_error=None,
                activity_id=bindparam("activity"),
                sent_at=now,
                updated_at=now,
            ),
            [{"mid": mid, "activity": activity} for mid, activity in outcomes.sent],
        )
    if outcomes.final:
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("mid"))
            .values(
                state=bindparam("final_state"),
                lease_until=None,
                last_error=bindparam("reason"),
                updated_at=now,
            ),
            [
                {"mid": mid, "final_state": state, "reason": reason[:256]}
                for mid, state, reason in outcomes.final
            ],
        )
    if outcomes.retry:
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("mid"))
            .values(
                state=MessageState.PENDING,
                lease_until=None,
                next_attempt_at=bindparam("at"),
                last_error=bindparam("reason"),
                attempts=table.c.attempts - bindparam("refund"),
                updated_at=now,
            ),
            [
                {"mid": mid, "at": at, "reason": reason[:256], "refund": int(refund)}
                for mid, at, reason, refund in outcomes.retry
            ],
        )


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the next pending message falls due (None when nothing waits)."""
    return await session.scalar(
        select(func.min(Message.next_attempt_at)).where(Message.state == MessageState.PENDING)
    )


async def pending_count(session: AsyncSession) -> int:
    """Messages not final yet (pending or being sent)."""
    return int(
        await session.scalar(
            select(func.count()).where(
                Message.state.in_([MessageState.PENDING, MessageState.SENDING])
            )
        )
        or 0
    )


async def any_due(session: AsyncSession, now: datetime) -> bool:
    """Cheap check the sender polls: is something due (or a lease expired)?"""
    return (await session.scalar(select(Message.id).where(_due(now)).limit(1))) is not None


async def counts(
    session: AsyncSession, topic: str, kinds: Sequence[str] | None = None
) -> dict[str, int]:
    """Messages of a topic (optionally of some kinds only), by state."""
    query = select(Message.state, func.count()).where(Message.topic == topic)
    if kinds is not None:
        query = query.where(Message.kind.in_(kinds))
    rows = await session.execute(query.group_by(Message.state))
    return {str(state): int(n) for state, n in rows.all()}


def is_final(state: str) -> bool:
    return state in FINAL_STATES
