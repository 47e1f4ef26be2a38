"""Tables of the spine: people, check-in runs, the outbox of deliveries, anonymous responses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Dialect, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
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


class Person(Base):
    """Someone in the tenant; reachable once the app is installed in their personal scope."""

    __tablename__ = "person"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Entra object id
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    upn: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(256))
    department: Mapped[str | None] = mapped_column(String(128), index=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    # The Bot Framework conversation reference captured at install, as JSON.
    conversation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    installed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    welcomed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    unreachable_since: Mapped[datetime | None] = mapped_column(UtcDateTime())


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
    audience: Mapped[str] = mapped_column(String(160))
    state: Mapped[str] = mapped_column(String(16), default=RunState.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    min_group_size: Mapped[int] = mapped_column(Integer)


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


class Delivery(Base):
    """The outbox: one row per run and person, so a send is idempotent and resumable."""

    __tablename__ = "delivery"

    run_id: Mapped[int] = mapped_column(ForeignKey("checkin_run.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # While SENDING: the time after which another sender may take the row over (crash recovery).
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    activity_id: Mapped[str | None] = mapped_column(String(256))
    last_error: Mapped[str | None] = mapped_column(String(256))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_delivery_due", "state", "next_attempt_at"),)


class Response(Base):
    """An anonymous answer: no person id, only a per-run HMAC key for de-duplication."""

    __tablename__ = "response"

    run_id: Mapped[int] = mapped_column(ForeignKey("checkin_run.id"), primary_key=True)
    respondent_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Kept so results can be broken down by department once the group reaches k answers.
    department: Mapped[str | None] = mapped_column(String(128))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Day only: an exact time could be matched against Teams logs to find who answered.
    submitted_on: Mapped[date] = mapped_column(Date)
