"""Privacy rights, decided without I/O: what "my data" holds and how it is exported, the
tombstone of someone forgotten, the retention cut-offs, and the audit's form of a question.

- "my data" is a `MyData` (read by store.rights, shown by cards.privacy, exported as JSON by
  `export_document`): every row that names the person, summarised.
- "forget me" deletes those rows and leaves a `tombstone`: an HMAC of the person's object id
  (and of their usage pseudonym) with a key derived from the server secret. The directory
  sync and installs look tombstones up so a forgotten person is not recreated; the table
  itself names nobody, and without the secret a list of object ids cannot be matched to it.
- Retention: per-person usage older than a horizon in months is deleted once its snapshot's
  funnels (group aggregates, already suppressed) are current; audit rows and finished
  outbox messages have horizons of their own.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from adoption.questions import normalise
from adoption.signals import WORKLOADS

TOMBSTONE_PURPOSE: Final = b"forgotten-tombstone"


def tombstone_key(secret: bytes) -> bytes:
    """The key of tombstones, derived from the server secret for this purpose alone."""
    return hmac.new(secret, TOMBSTONE_PURPOSE, hashlib.sha256).digest()


def tombstone(key: bytes, subject: str) -> str:
    """The tombstone of an object id or a usage pseudonym ("k:..."): 64 hex characters."""
    return hmac.new(key, subject.strip().lower().encode(), hashlib.sha256).hexdigest()


def forgotten_filter(key: bytes, tombstones: frozenset[str]) -> Callable[[str], bool]:
    """Whether an object id or usage key is of someone forgotten."""
    return lambda subject: tombstone(key, subject) in tombstones


# --- "my data" -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """The person row as stored (the conversation reference is summarised separately)."""

    person_id: str
    upn: str | None
    display_name: str | None
    department: str | None
    wave: str | None
    locale: str | None
    time_zone: str | None
    installed_at: datetime | None
    welcomed_at: datetime | None
    unreachable_since: datetime | None
    install_state: str | None
    install_attempted_at: datetime | None
    left_at: datetime | None


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """One outbox message to the person: what kind, where it stands, when."""

    kind: str
    state: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class UsageDay:
    """One daily usage row about the person: its report date and the workloads it shows
    activity for (a last-activity date is known)."""

    report_date: date
    workloads: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MyData:
    """Everything stored that names one person (anonymous answers name nobody: not here)."""

    person: PersonRecord | None
    conversation: dict[str, Any] | None
    ambassador_for: tuple[str, ...]
    own_wave_rule: str | None
    directory_listed: bool
    messages: tuple[MessageRecord, ...]
    usage_days: tuple[UsageDay, ...]
    checkins_sent: int
    campaign_lists: int
    tips_sent: int
    tip_verdicts: int
    audit_questions: int

    @property
    def empty(self) -> bool:
        """Nothing at all is stored about the person."""
        return (
            self.person is None
            and not self.ambassador_for
            and self.own_wave_rule is None
            and not self.directory_listed
            and not self.messages
            and not self.usage_days
            and not self.checkins_sent
            and not self.campaign_lists
            and not self.tips_sent
            and not self.tip_verdicts
        )

    def message_counts(self) -> list[tuple[str, str, int]]:
        """(kind, state, how many), by kind then state."""
        counted = Counter((m.kind, m.state) for m in self.messages)
        return [(kind, state, n) for (kind, state), n in sorted(counted.items())]

    def message_span(self) -> tuple[date, date] | None:
        """The first and last day a message to the person was queued."""
        if not self.messages:
            return None
        days = sorted(m.created_at.astimezone(UTC).date() for m in self.messages)
        return days[0], days[-1]

    def usage_workloads(self) -> tuple[str, ...]:
        """The workloads any row shows activity for, in the funnel's order."""
        seen = {w for day in self.usage_days for w in day.workloads}
        return tuple(w.value for w in WORKLOADS if w.value in seen)

    def usage_dates(self) -> list[date]:
        return sorted(day.report_date for day in self.usage_days)


def date_ranges(days: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) ranges: a year of daily rows reads as one line."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def _moment(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value is not None else None


EXPORT_FORMAT: Final = "uptake.my-data/1"


def export_document(data: MyData, generated_at: datetime) -> dict[str, Any]:
    """The JSON document of "my data": the same facts as the card, every row listed."""
    person = data.person
    return {
        "format": EXPORT_FORMAT,
        "generated_at": _moment(generated_at),
        "person": None
        if person is None
        else {
            "object_id": person.person_id,
            "user_principal_name": person.upn,
            "display_name": person.display_name,
            "department": person.department,
            "wave": person.wave,
            "locale": person.locale,
            "time_zone": person.time_zone,
            "installed_at": _moment(person.installed_at),
            "welcomed_at": _moment(person.welcomed_at),
            "unreachable_since": _moment(person.unreachable_since),
            "installed_through_graph": person.install_state,
            "install_attempted_at": _moment(person.install_attempted_at),
            "left_organisation_at": _moment(person.left_at),
        },
        "teams_conversation_reference": data.conversation,
        "ambassador_for_departments": list(data.ambassador_for),
        "own_wave_assignment": data.own_wave_rule,
        "listed_in_directory_mirror": data.directory_listed,
        "messages": [
            {
                "kind": m.kind,
                "state": m.state,
                "queued_at": _moment(m.created_at),
                "sent_at": _moment(m.sent_at),
            }
            for m in sorted(data.messages, key=lambda m: m.created_at)
        ],
        "checkins_sent_to_you": data.checkins_sent,
        "campaign_lists_you_are_on": data.campaign_lists,
        "tips_sent": data.tips_sent,
        "tip_verdicts_given": data.tip_verdicts,
        "questions_asked_as_facilitator": data.audit_questions,
        "usage": {
            "daily_rows": len(data.usage_days),
            "workloads": list(data.usage_workloads()),
            "days": [
                {
                    "report_date": day.report_date.isoformat(),
                    "active_workloads": list(day.workloads),
                }
                for day in sorted(data.usage_days, key=lambda d: d.report_date)
            ],
        },
        "checkin_answers": (
            "stored without your id, under a per-run key only the server can compute: "
            "they cannot be listed or deleted per person"
        ),
    }


# --- retention ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long rows naming a person are kept (settings UPTAKE_RETENTION_*)."""

    usage_months: int = 13
    audit_months: int = 13
    message_days: int = 90


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Rows older than these go: usage snapshots of an earlier report date, audit rows
    asked and finished outbox messages last changed before the moment."""

    usage_before: date
    audit_before: datetime
    messages_before: datetime


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier, clamped to the month's end (31 March - 1 = 28 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def cutoffs(now: datetime, policy: RetentionPolicy) -> Cutoffs:
    """The cut-offs of a retention run at `now` (aware)."""
    today = now.astimezone(UTC).date()
    audit_day = months_before(today, policy.audit_months)
    return Cutoffs(
        usage_before=months_before(today, policy.usage_months),
        audit_before=datetime.combine(audit_day, time(), UTC),
        messages_before=now - timedelta(days=policy.message_days),
    )


# --- the audit's form of a question ------------------------------------------------------------

# Outcomes whose argument named something that exists (a department, a scenario, a run...):
# the argument is then a name, not whatever was typed.
_RESOLVED: Final = frozenset({"answered", "hidden", "no_data", "none"})
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
PERSON_PLACEHOLDER: Final = "<person>"
_DROPPED: Final = "…"
_MAX_WORDS: Final = 6
_MAX_CHARS: Final = 80


def audit_form(question: str, outcome: str) -> str:
    """What the audit keeps of a question ("status Verkoop", "ambassadors add <person> it"):
    the command and its argument folded, people (UPNs, object ids) replaced by a
    placeholder, at most six words; an argument that resolved to nothing (it may be any
    text) is kept as "…". Applied when the row is written and again when it is shown."""
    command, _, argument = question.strip().partition(" ")
    words = [
        PERSON_PLACEHOLDER if "@" in word or _GUID.match(word) else word
        for word in argument.split()
    ]
    folded = [w if w in (PERSON_PLACEHOLDER, _DROPPED) else normalise(w) for w in words]
    kept = [w for w in folded if w]
    if kept and outcome not in _RESOLVED:
        return f"{normalise(command)[:40]} {_DROPPED}"
    return f"{normalise(command)[:40]} {' '.join(kept[:_MAX_WORDS])}".strip()[:_MAX_CHARS]
