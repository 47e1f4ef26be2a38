"""The outbox: enqueue messages (idempotent by dedupe key), claim what is due, finish in bulk.

Enqueueing is one statement per 20,000 messages: on PostgreSQL an `INSERT ... SELECT` from
one array per column, on SQLite an executemany whose repeated values are converted once.
Claiming is one statement per batch: on PostgreSQL the candidate rows are locked with
`FOR UPDATE SKIP LOCKED`, so two senders never take the same row; on SQLite the single
writer gives the same guarantee. Finishing is one executemany per outcome kind, so a sender
at several hundred messages a second costs the database a few statements a second.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Integer,
    Select,
    String,
    Table,
    Text,
    and_,
    bindparam,
    column,
    func,
    literal,
    or_,
    select,
    table,
    text,
    update,
)
from sqlalchemy import cast as cast_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from store.tables import FINAL_STATES, Message, MessageState, Person, UtcDateTime

ENQUEUE_CHUNK = 20_000


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
    rows = iter(messages)
    added = 0
    while chunk := list(islice(rows, ENQUEUE_CHUNK)):
        if _dialect(session) == "postgresql":
            added += await _insert_unnested(session, chunk, now)
        else:
            added += await _insert_many(session, chunk, now)
    return added


# The outbox table as untyped columns: values given to it are passed to the driver as they are.
_COLUMNS = (
    "kind",
    "person_id",
    "ref",
    "topic",
    "dedupe_key",
    "not_before",
    "next_attempt_at",
    "state",
    "attempts",
    "created_at",
    "updated_at",
)
_UNTYPED = table("message", *(column(name) for name in _COLUMNS))


async def _insert_many(session: AsyncSession, chunk: list[NewMessage], now: datetime) -> int:
    """SQLite: one executemany of the chunk.

    Converting each row's values for the driver was most of the time (four timestamps and a
    JSON document per row), yet they repeat: one moment, one reference per run. So each
    distinct value is converted once, with the column's own type, and the rows go through the
    untyped table. What was really inserted is the connection's change count (rows ignored as
    duplicates are not changes)."""
    dialect = session.get_bind().dialect
    typed = cast(Table, Message.__table__).c
    at = _Converted(typed.not_before.type.bind_processor(dialect))
    ref = _Converted(typed.ref.type.bind_processor(dialect))
    stamp = at(now)
    rows = [
        {
            "kind": m.kind,
            "person_id": m.person_id,
            "ref": ref(m.ref, key=_key(m.ref)),
            "topic": m.topic,
            "dedupe_key": m.dedupe_key,
            "not_before": at(m.not_before),
            "next_attempt_at": at(m.not_before),
            "state": MessageState.PENDING.value,
            "attempts": 0,
            "created_at": stamp,
            "updated_at": stamp,
        }
        for m in chunk
    ]
    statement = sqlite_insert(_UNTYPED).on_conflict_do_nothing(
        index_elements=[_UNTYPED.c.dedupe_key]
    )
    before = int(await session.scalar(text("SELECT total_changes()")) or 0)
    await session.execute(statement, rows)
    return int(await session.scalar(text("SELECT total_changes()")) or 0) - before


_MISSING: Any = object()


class _Converted:
    """A column type's conversion for the driver, done once per distinct value."""

    def __init__(self, convert: Callable[[Any], Any] | None) -> None:
        self._convert = convert or (lambda value: value)
        self._done: dict[Any, Any] = {}

    def __call__(self, value: Any, *, key: Any = _MISSING) -> Any:
        """`value` converted; `key` stands for it when it is not hashable itself."""
        key = value if key is _MISSING else key
        found = self._done.get(key, _MISSING)
        if found is _MISSING:
            found = self._done[key] = self._convert(value)
        return found


def _key(ref: dict[str, Any]) -> Any:
    """A hashable stand-in for a reference: its items with their types (1, 1.0 and True are
    equal keys in Python, not in JSON) for flat references, the usual case; its JSON when a
    value is a list or a mapping."""
    try:
        items = tuple((k, type(v), v) for k, v in ref.items())
        hash(items)
    except TypeError:
        return json.dumps(ref, sort_keys=True)
    return items


def _unnested_insert() -> Any:
    """PostgreSQL: the chunk travels as one array per column and is inserted by one
    statement, `INSERT ... SELECT FROM unnest(...)`: a row-by-row executemany spends most of
    its time binding parameters, and its row count is not reliable."""
    messages = cast(Table, Message.__table__)
    rows = func.unnest(
        bindparam("kinds", type_=ARRAY(String)),
        bindparam("people", type_=ARRAY(String)),
        bindparam("refs", type_=ARRAY(Text)),
        bindparam("topics", type_=ARRAY(String)),
        bindparam("keys", type_=ARRAY(String)),
        bindparam("not_before", type_=ARRAY(UtcDateTime())),
    ).table_valued("kind", "person_id", "ref", "topic", "dedupe_key", "not_before")
    rows = rows.render_derived(name="new_message")
    now = bindparam("now", type_=UtcDateTime())
    source = select(
        rows.c.kind,
        rows.c.person_id,
        cast_(rows.c.ref, JSON),
        rows.c.topic,
        rows.c.dedupe_key,
        rows.c.not_before,
        rows.c.not_before,
        literal(MessageState.PENDING.value, String),
        literal(0, Integer),
        now,
        now,
    )
    return (
        pg_insert(messages)
        .from_select(_COLUMNS, source)
        .on_conflict_do_nothing(index_elements=[messages.c.dedupe_key])
    )


async def _insert_unnested(session: AsyncSession, chunk: list[NewMessage], now: datetime) -> int:
    result = await session.execute(
        _unnested_insert(),
        {
            "kinds": [m.kind for m in chunk],
            "people": [m.person_id for m in chunk],
            "refs": [json.dumps(m.ref) for m in chunk],
            "topics": [m.topic for m in chunk],
            "keys": [m.dedupe_key for m in chunk],
            "not_before": [m.not_before for m in chunk],
            "now": now,
        },
    )
    return int(getattr(result, "rowcount", 0) or 0)


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
