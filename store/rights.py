"""The rows that name one person, read for "my data" and deleted for "forget me"; tombstones;
and the retention deletes.

A person is named by their object id in: person, message (the outbox), run_recipient,
campaign_member, tip_sent, tip_feedback, ambassador, wave_rule (kind "person"),
directory_user and facilitator_audit; and in usage_person by their object id or by the keyed
pseudonym of their UPN (graph.identity). Check-in answers (response) name nobody.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from adoption.rights import MessageRecord, MyData, PersonRecord, UsageDay
from adoption.signals import WORKLOADS
from store.tables import (
    FINAL_STATES,
    Ambassador,
    AuditEntry,
    CampaignMember,
    DirectoryEntry,
    Forgotten,
    Message,
    Person,
    RunRecipient,
    TipFeedback,
    TipSent,
    UsagePerson,
    UsageSnapshot,
    WaveRule,
)

_LAST = [(w.value, getattr(UsagePerson, f"{w.value}_last")) for w in WORKLOADS]


async def usage_subjects(session: AsyncSession, person_id: str) -> set[str]:
    """Lower-case UPNs known for the person (person row and directory mirror)."""
    found: set[str] = set()
    for column, key in ((Person.upn, Person.id), (DirectoryEntry.upn, DirectoryEntry.id)):
        upn = await session.scalar(select(column).where(key == person_id))
        if upn:
            found.add(upn.lower())
    return found


async def _count(session: AsyncSession, column: InstrumentedAttribute[str], value: str) -> int:
    return int(await session.scalar(select(func.count()).where(column == value)) or 0)


async def my_data(session: AsyncSession, person_id: str, usage_keys: Collection[str]) -> MyData:
    """Every row that names the person; `usage_keys` are their usage row keys (object id and
    keyed pseudonyms)."""
    person = await session.get(Person, person_id)
    record = None
    if person is not None:
        record = PersonRecord(
            person.id,
            person.upn,
            person.display_name,
            person.department,
            person.wave,
            person.locale,
            person.time_zone,
            person.installed_at,
            person.welcomed_at,
            person.unreachable_since,
            person.install_state,
            person.install_attempted_at,
            person.left_at,
        )
    ambassador = await session.get(Ambassador, person_id)
    wave_rule = await session.scalar(
        select(WaveRule.wave).where(WaveRule.kind == "person", WaveRule.subject == person_id)
    )
    listed = await session.get(DirectoryEntry, person_id) is not None
    messages = await session.execute(
        select(Message.kind, Message.state, Message.created_at, Message.sent_at).where(
            Message.person_id == person_id
        )
    )
    usage_rows = await session.execute(
        select(UsageSnapshot.report_date, *(column for _, column in _LAST))
        .join(UsageSnapshot, UsageSnapshot.id == UsagePerson.snapshot_id)
        .where(UsagePerson.person_key.in_(sorted(usage_keys)))
    )
    days = tuple(
        UsageDay(
            row[0],
            tuple(name for (name, _), last in zip(_LAST, row[1:], strict=True) if last is not None),
        )
        for row in usage_rows
    )

    return MyData(
        person=record,
        conversation=dict(person.conversation) if person and person.conversation else None,
        ambassador_for=tuple(ambassador.departments) if ambassador else (),
        own_wave_rule=wave_rule,
        directory_listed=listed,
        messages=tuple(MessageRecord(*row) for row in messages),
        usage_days=days,
        checkins_sent=await _count(session, RunRecipient.person_id, person_id),
        campaign_lists=await _count(session, CampaignMember.person_id, person_id),
        tips_sent=await _count(session, TipSent.person_id, person_id),
        tip_verdicts=await _count(session, TipFeedback.person_id, person_id),
        audit_questions=await _count(session, AuditEntry.person_id, person_id),
    )


@dataclass(frozen=True, slots=True)
class Forgetting:
    """How many rows "forget me" deleted, by table (for the log; never the person)."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


async def forget(
    session: AsyncSession,
    person_id: str,
    usage_keys: Collection[str],
    person_token: str,
    tombstones: Sequence[str],
    audit_alias: str,
    today: date,
) -> Forgetting:
    """Delete every row naming the person, keep `tombstones` (their tokens), and re-key
    their facilitator audit rows to `audit_alias` (who asked stays countable, not who it
    was). Children first: the outcome does not depend on the backend's cascades."""
    counts: dict[str, int] = {}
    for name, model, column in (
        ("messages", Message, Message.person_id),
        ("run_recipients", RunRecipient, RunRecipient.person_id),
        ("campaign_members", CampaignMember, CampaignMember.person_id),
        ("tips_sent", TipSent, TipSent.person_id),
        ("tip_feedback", TipFeedback, TipFeedback.person_id),
        ("ambassador", Ambassador, Ambassador.person_id),
        ("directory", DirectoryEntry, DirectoryEntry.id),
    ):
        result = await session.execute(delete(model).where(column == person_id))
        counts[name] = _rows(result)
    result = await session.execute(
        delete(WaveRule).where(WaveRule.kind == "person", WaveRule.subject == person_id)
    )
    counts["wave_rule"] = _rows(result)
    result = await session.execute(
        delete(UsagePerson).where(UsagePerson.person_key.in_(sorted(usage_keys)))
    )
    counts["usage_rows"] = _rows(result)
    result = await session.execute(delete(Person).where(Person.id == person_id))
    counts["person"] = _rows(result)
    result = await session.execute(
        update(AuditEntry).where(AuditEntry.person_id == person_id).values(person_id=audit_alias)
    )
    counts["audit_rekeyed"] = _rows(result)
    wanted = {person_token, *tombstones}
    known = set(await session.scalars(select(Forgotten.token).where(Forgotten.token.in_(wanted))))
    for token in sorted(wanted - known):
        session.add(Forgotten(token=token, person_token=person_token, forgotten_on=today))
    await session.flush()
    return Forgetting(counts)


def _rows(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def is_forgotten(session: AsyncSession, token: str) -> bool:
    return await session.get(Forgotten, token) is not None


async def lift(session: AsyncSession, person_token: str) -> int:
    """The person asked to be known again: their tombstones (and their pseudonyms') go."""
    result = await session.execute(delete(Forgotten).where(Forgotten.person_token == person_token))
    return _rows(result)


async def tombstones(session: AsyncSession) -> frozenset[str]:
    """Every tombstone (small: one or two per forgotten person)."""
    return frozenset(await session.scalars(select(Forgotten.token)))


# --- retention -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Purged:
    snapshots_folded: int
    usage_rows: int
    audit_rows: int
    messages: int


async def purge(
    session: AsyncSession,
    *,
    usage_before: date,
    audit_before: datetime,
    messages_before: datetime,
    today: date,
) -> Purged:
    """Delete per-person usage of snapshots reported before `usage_before` whose funnels are
    current (a stale one is derived again by the next sync first, then folded the day
    after), audit rows asked before `audit_before`, and outbox messages in a final state
    last changed before `messages_before`. The snapshots' funnels stay."""
    folded = list(
        await session.scalars(
            select(UsageSnapshot.id).where(
                UsageSnapshot.report_date < usage_before,
                UsageSnapshot.stale.is_(False),
                UsageSnapshot.people_folded_on.is_(None),
            )
        )
    )
    rows = 0
    for start in range(0, len(folded), 500):
        chunk = folded[start : start + 500]
        rows += _rows(
            await session.execute(delete(UsagePerson).where(UsagePerson.snapshot_id.in_(chunk)))
        )
        await session.execute(
            update(UsageSnapshot).where(UsageSnapshot.id.in_(chunk)).values(people_folded_on=today)
        )
    audit = _rows(
        await session.execute(delete(AuditEntry).where(AuditEntry.asked_at < audit_before))
    )
    messages = _rows(
        await session.execute(
            delete(Message).where(
                Message.state.in_([str(s) for s in FINAL_STATES]),
                Message.updated_at < messages_before,
            )
        )
    )
    return Purged(len(folded), rows, audit, messages)
