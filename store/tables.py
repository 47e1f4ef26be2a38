"""Every table, in one place: people, check-ins and their outbox, usage, ambassadors, audit.

Repositories (store/people.py, store/checkins.py, store/usage.py...) read and write them,
grouped by the data they touch, not by who reads it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator

from store.base import Base


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps in UTC, timezone-aware in Python on every backend.

    SQLite keeps no offset, so values are normalised to naive UTC on the way in and marked
    UTC on the way out; PostgreSQL stores `timestamptz`. A naive datetime is a bug: refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class PlainBytes(TypeDecorator[bytes]):
    """Binary values handed to the driver as they are (sqlite3 and asyncpg both take
    `bytes`): LargeBinary wraps every value, which a 100,000-row insert of distinct values
    pays for row by row."""

    impl = LargeBinary
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


class Person(Base):
    """Someone in the tenant; reachable once the app is installed in their personal scope."""

    __tablename__ = "person"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Entra object id
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    upn: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(256))
    department: Mapped[str | None] = mapped_column(String(128), index=True)
    # The rollout wave (pilot, key users, everyone...) the person belongs to, when known.
    wave: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    # The IANA zone Teams reported (activity.localTimezone), for "their local Monday 09:00".
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # The Bot Framework conversation reference captured at install, as JSON.
    conversation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    installed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    welcomed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    unreachable_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # When uptake installed itself for the person through Graph: "installed" or "failed",
    # with a short reason code (never the remote's text).
    install_state: Mapped[str | None] = mapped_column(String(16))
    install_error: Mapped[str | None] = mapped_column(String(64))
    install_attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # When the directory stopped listing the person as an enabled account (store/people.py).
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Wave(Base):
    """A rollout wave (pilot, key figures, everyone): its key, an optional name, its order."""

    __tablename__ = "wave"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(Integer)


class WaveRule(Base):
    """A wave assignment: of one person (`kind` "person", `subject` their id) or of a whole
    department (`kind` "department"). A person's own rule wins over their department's."""

    __tablename__ = "wave_rule"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(String(128), primary_key=True)
    wave: Mapped[str] = mapped_column(String(64))


class RunState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CheckinRun(Base):
    """One occurrence of a check-in: a template sent to an audience, open until it closes."""

    __tablename__ = "checkin_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    template_key: Mapped[str] = mapped_column(String(64))
    # The template as sent, so answers are checked against exactly the questions people saw.
    template_source: Mapped[str] = mapped_column(Text)
    # "all", "department:<name>" or "wave:<name>" (see adoption.audience).
    audience: Mapped[str] = mapped_column(String(160))
    state: Mapped[str] = mapped_column(String(16), default=RunState.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    min_group_size: Mapped[int] = mapped_column(Integer)
    # The campaign this run is an occurrence of (None: opened by hand). No foreign key: see
    # migration 0006; campaigns are closed, never deleted.
    campaign_id: Mapped[int | None] = mapped_column(Integer, index=True)


class MessageState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    # The renderer decided it is moot (the person answered, the run closed, the ambassador left).
    SKIPPED = "skipped"


FINAL_STATES = frozenset(
    {MessageState.SENT, MessageState.FAILED, MessageState.UNREACHABLE, MessageState.SKIPPED}
)


class Message(Base):
    """The outbox: every proactive message, of every kind, one row each.

    `kind` picks the renderer its feature registered; `ref` says what to render (a run, a
    tip...), rendered at send time in the recipient's language. `dedupe_key` is unique, so
    enqueueing the same message twice sends it once. `not_before` is the earliest send time;
    `next_attempt_at` moves with retries. While SENDING, `lease_until` is when another sender
    may take the row over.
    """

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    ref: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the message belongs to, for status and counts ("run:12" for a run's check-ins and
    # reminders): the feature's grouping, opaque to the sender.
    topic: Mapped[str | None] = mapped_column(String(64), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), default=MessageState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    activity_id: Mapped[str | None] = mapped_column(String(256))
    last_error: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_message_due", "state", "next_attempt_at"),)


class RunRecipient(Base):
    """Who a check-in run was sent to: only they may answer it."""

    __tablename__ = "run_recipient"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_run.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Schedule(Base):
    """Something that recurs (a campaign, the daily usage sync, weekly tips), durably.

    `rule` is an adoption.recurrence.Recurrence as JSON (local start, interval, zone);
    `next_due` is the next occurrence in UTC. Each occurrence is materialised once in
    `occurrence` (unique per schedule and time), so a restart or a second worker never fires
    it twice.
    """

    __tablename__ = "schedule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    next_due: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Occurrence(Base):
    """One firing of a schedule: fired (its job ran and committed) or missed (downtime
    longer than the catch-up window)."""

    __tablename__ = "occurrence"

    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedule.id", ondelete="CASCADE"), primary_key=True
    )
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))
    fired_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CampaignState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"


class Campaign(Base):
    """A check-in template sent to an audience on a schedule, with reminders to those who
    have not answered, each occurrence closing after `close_after_days`."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    template_key: Mapped[str] = mapped_column(String(64))
    # "all", "department:<name>", "wave:<key>" or "list" (the people in campaign_member).
    audience: Mapped[str] = mapped_column(String(160))
    remind_after_days: Mapped[list[int]] = mapped_column(JSON)
    close_after_days: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=CampaignState.ACTIVE)
    min_group_size: Mapped[int] = mapped_column(Integer)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(String(64))


class CampaignMember(Base):
    """The people of a campaign whose audience is a list (a CSV of UPNs or object ids)."""

    __tablename__ = "campaign_member"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )


class Response(Base):
    """An anonymous answer: no person id, only a per-run HMAC key for de-duplication."""

    __tablename__ = "response"

    run_id: Mapped[int] = mapped_column(ForeignKey("checkin_run.id"), primary_key=True)
    respondent_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Kept so results can be broken down by department once the group reaches k answers.
    department: Mapped[str | None] = mapped_column(String(128))
    # Likewise the wave: a group attribute, so a wave's results can be shown from k answers.
    wave: Mapped[str | None] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Day only: an exact time could be matched against Teams logs to find who answered.
    submitted_on: Mapped[date] = mapped_column(Date)


class UsageSnapshot(Base):
    __tablename__ = "usage_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_date: Mapped[date] = mapped_column(Date, unique=True)
    origin: Mapped[str] = mapped_column(String(16))
    concealed_reason: Mapped[str | None] = mapped_column(String(32))
    population: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The evidence and funnels must be derived again: an earlier date was revised or added,
    # or the snapshot was stored before evidence was carried (migration 0005).
    stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the retention job deleted this snapshot's per-person rows (its funnels, group
    # aggregates, stay): never derived again from people it no longer has (migration 0009).
    people_folded_on: Mapped[date | None] = mapped_column(Date)


class UsagePerson(Base):
    __tablename__ = "usage_person"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("usage_snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    person_key: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    department: Mapped[str | None] = mapped_column(String(200))
    wave: Mapped[str | None] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean)
    licensed: Mapped[int] = mapped_column(Integer)
    provisioned: Mapped[int] = mapped_column(Integer)
    signals: Mapped[int] = mapped_column(BigInteger)
    teams_last: Mapped[date | None] = mapped_column(Date)
    exchange_last: Mapped[date | None] = mapped_column(Date)
    onedrive_last: Mapped[date | None] = mapped_column(Date)
    sharepoint_last: Mapped[date | None] = mapped_column(Date)
    engage_last: Mapped[date | None] = mapped_column(Date)
    apps_last: Mapped[date | None] = mapped_column(Date)
    copilot_last: Mapped[date | None] = mapped_column(Date)
    # Evidence carried as of this report date (adoption.history): packed activity and signal
    # days of the 28-day window, and when a client was last seen.
    evidence: Mapped[bytes | None] = mapped_column(PlainBytes())
    teams_client_seen: Mapped[date | None] = mapped_column(Date)
    apps_client_seen: Mapped[date | None] = mapped_column(Date)


class UsageFunnel(Base):
    __tablename__ = "usage_funnel"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("usage_snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    scope_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    hidden: Mapped[bool] = mapped_column(Boolean)
    population: Mapped[int | None] = mapped_column(Integer)
    licensed: Mapped[int | None] = mapped_column(Integer)
    provisioned: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[int | None] = mapped_column(Integer)
    habitual: Mapped[int | None] = mapped_column(Integer)


class GraphSyncState(Base):
    """Small key/value state of the Graph sync (the users delta link)."""

    __tablename__ = "graph_sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DirectoryEntry(Base):
    """The mirror of Entra users that a delta read is applied to."""

    __tablename__ = "directory_user"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    upn: Mapped[str] = mapped_column(String(320), index=True)
    display_name: Mapped[str | None] = mapped_column(String(256))
    department: Mapped[str | None] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean)
    licensed: Mapped[int] = mapped_column(Integer)
    # Assigned SKU part numbers, sorted, space-separated: part of the mirrored row, so a
    # sync writes a person's licences only when they change.
    skus: Mapped[str] = mapped_column(Text, default="", server_default="")


class AuditEntry(Base):
    """One question asked of the bot: who (object id), when, what (normalised), the outcome."""

    __tablename__ = "facilitator_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    person_id: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_facilitator_audit_asked_at", "asked_at"),)


class Forgotten(Base):
    """A tombstone of someone who said "forget me": an HMAC of their object id or usage
    pseudonym keyed from the server secret (adoption.rights.tombstone), never the id, so the
    directory sync and installs do not recreate them and the table names nobody."""

    __tablename__ = "forgotten"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The tombstone of the person's object id: lifting it lifts their pseudonyms' too.
    person_token: Mapped[str] = mapped_column(String(64), index=True)
    forgotten_on: Mapped[date] = mapped_column(Date)


class Ambassador(Base):
    """A person who champions the programme for one or more departments."""

    __tablename__ = "ambassador"

    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    departments: Mapped[list[str]] = mapped_column(JSON)
    since: Mapped[datetime] = mapped_column(UtcDateTime())


class TipSent(Base):
    """The tip an ambassador got in an ISO week (one per week)."""

    __tablename__ = "tip_sent"

    person_id: Mapped[str] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    tip_key: Mapped[str] = mapped_column(String(64))
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TipFeedback(Base):
    """What an ambassador said of a week's tip: "shared" or "not_useful" (the last word)."""

    __tablename__ = "tip_feedback"

    person_id: Mapped[str] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    tip_key: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CustomTips(Base):
    """The facilitators' own tips file as last imported (one row), in the shipped format."""

    __tablename__ = "custom_tips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LicenceSync(Base):
    """What one snapshot knows of licences: which Copilot report it read ("v2": active days
    and prompts; "v1": last activity only; None: no Copilot report) and whether the tenant's
    subscribed SKUs (prepaid and consumed units) were read with it."""

    __tablename__ = "licence_sync"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("usage_snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    copilot_version: Mapped[str | None] = mapped_column(String(4))
    subscriptions_known: Mapped[bool] = mapped_column(Boolean)


class LicenceSubscription(Base):
    """A subscribed SKU of the tenant as of a snapshot (GET /subscribedSkus)."""

    __tablename__ = "licence_subscription"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("usage_snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    part_number: Mapped[str] = mapped_column(String(100), primary_key=True)
    sku_id: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[int] = mapped_column(Integer)
    consumed: Mapped[int] = mapped_column(Integer)
    service_plans: Mapped[list[str]] = mapped_column(JSON)


class LicenceFigure(Base):
    """Holders and idle holders of one SKU in one scope, stored already suppressed (k in
    holders, adoption.licences); `habitual` and `prompts` for Copilot from the v2 report."""

    __tablename__ = "licence_figure"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("usage_snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    scope_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    sku: Mapped[str] = mapped_column(String(100), primary_key=True)
    hidden: Mapped[bool] = mapped_column(Boolean)
    holders: Mapped[int | None] = mapped_column(Integer)
    idle: Mapped[int | None] = mapped_column(Integer)
    habitual: Mapped[int | None] = mapped_column(Integer)
    prompts: Mapped[int | None] = mapped_column(Integer)
