"""When something recurs: a start in local wall time, an interval in days, a time zone.

"Every 2 weeks on Monday 10:00 Europe/Brussels" is a local start (a Monday, 10:00) and an
interval of 14 days, counted on the wall clock: the occurrence after the last Sunday of March
is still at 10:00 local, one hour earlier in UTC. A wall time that does not exist (02:30 on
the night clocks go forward) is taken as the instant right after the gap; one that exists
twice (02:30 on the night they go back) as its first instance. Everything here is pure and
works on aware UTC datetimes at its edges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EVERY: Final = re.compile(r"^\s*(\d{1,3})?\s*(d|day|days|w|week|weeks)\s*$", re.IGNORECASE)
MAX_INTERVAL_DAYS: Final = 366


class RecurrenceError(ValueError):
    """A schedule that cannot be understood; the message says why."""


def parse_every(text: str) -> int:
    """'2w', '2 weeks', 'week', '3d' -> a number of days (at least 1)."""
    match = _EVERY.match(text)
    if match is None:
        raise RecurrenceError(f"{text!r} is no interval: use e.g. 1w, 2w, 7d")
    count = int(match.group(1) or 1)
    days = count * (7 if match.group(2).lower().startswith("w") else 1)
    if not 1 <= days <= MAX_INTERVAL_DAYS:
        raise RecurrenceError(f"{text!r}: an interval of 1 to {MAX_INTERVAL_DAYS} days")
    return days


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RecurrenceError(f"unknown time zone {name!r} (use an IANA name)") from exc


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall time in `tz` as an aware UTC instant. With fold=0 a repeated wall time is
    its first instance, and one inside a gap is read with the offset before the gap, which
    lands right after it (02:30 on the spring night becomes 03:30)."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Recurrence:
    """`start` is a naive wall time in `zone_name`; `every_days` None means once."""

    start: datetime
    zone_name: str
    every_days: int | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None:
            raise RecurrenceError("a recurrence starts at a wall time, without a time zone")
        zone(self.zone_name)
        if self.every_days is not None and not 1 <= self.every_days <= MAX_INTERVAL_DAYS:
            raise RecurrenceError(f"an interval of 1 to {MAX_INTERVAL_DAYS} days")

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.zone_name)

    def occurrence(self, index: int) -> datetime:
        """The `index`-th occurrence (0 = the start), in UTC."""
        step = timedelta(days=(self.every_days or 0) * index)
        return to_utc(self.start + step, self.tz)

    def first_at_or_after(self, moment: datetime) -> datetime | None:
        """The first occurrence at or after `moment` (aware); None when a one-off is past."""
        first = self.occurrence(0)
        if moment <= first:
            return first
        if self.every_days is None:
            return None
        # Wall-clock days since the start, then step until not before `moment`.
        local = moment.astimezone(self.tz).replace(tzinfo=None)
        index = max(0, (local - self.start).days // self.every_days)
        while self.occurrence(index) < moment:
            index += 1
        return self.occurrence(index)

    def after(self, moment: datetime) -> datetime | None:
        """The first occurrence strictly after `moment`."""
        return self.first_at_or_after(moment + timedelta(microseconds=1))

    def between(self, start: datetime, end: datetime) -> list[datetime]:
        """Occurrences at or after `start` and at or before `end`, in order."""
        found: list[datetime] = []
        current = self.first_at_or_after(start)
        while current is not None and current <= end:
            found.append(current)
            current = self.after(current)
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(timespec="minutes"),
            "zone": self.zone_name,
            "every_days": self.every_days,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Recurrence:
        try:
            start = datetime.fromisoformat(str(data["start"]))
            every = data.get("every_days")
            return cls(start, str(data["zone"]), int(every) if every is not None else None)
        except (KeyError, TypeError, ValueError) as exc:
            raise RecurrenceError(f"unreadable schedule rule {data!r}") from exc


def parse_start(text: str, zone_name: str, now: datetime) -> datetime:
    """'now', or an ISO-8601 date-time: without an offset it is a wall time in `zone_name`,
    with one it is that instant. Returns the naive wall time in `zone_name`."""
    tz = zone(zone_name)
    if text.strip().lower() == "now":
        return now.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise RecurrenceError(f"{text!r} is no ISO-8601 date-time (e.g. 2026-12-07T10:00)") from exc
    if moment.tzinfo is not None:
        return moment.astimezone(tz).replace(tzinfo=None)
    return moment
