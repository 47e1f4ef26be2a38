"""Weekly moments in a person's own time: "their Monday 09:00", the week a message belongs to.

A weekly message (an ambassador's tip, a facilitator's digest) belongs to an ISO week of the
recipient's calendar and is due on a configured weekday and hour of that week, on their
wall clock: 09:00 stays 09:00 on both sides of a daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from adoption.recurrence import to_utc, zone

WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A weekly message still goes out this late after its moment (an ambassador added on a
# Monday afternoon gets that week's tip); later, the week is over for it.
LATE_LIMIT: Final = timedelta(days=1)


def iso_week(day: date) -> str:
    """'2026-W50'."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class WeeklyMoment:
    """A weekday (0 = Monday) and a wall-clock time."""

    weekday: int
    at: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday 0 (Monday) to 6 (Sunday)")

    @classmethod
    def parse(cls, weekday: str, hour: int, minute: int = 0) -> WeeklyMoment:
        name = weekday.strip().lower()
        if name not in WEEKDAYS:
            raise ValueError(f"unknown weekday {weekday!r}: one of {', '.join(WEEKDAYS)}")
        return cls(WEEKDAYS.index(name), time(hour, minute))

    def in_week_of(self, day: date, zone_name: str) -> datetime:
        """This moment in the ISO week of `day`, as a UTC instant."""
        monday = day - timedelta(days=day.weekday())
        local = datetime.combine(monday + timedelta(days=self.weekday), self.at)
        return to_utc(local, zone(zone_name))

    def next_due(self, now: datetime, zone_name: str) -> tuple[str, datetime]:
        """The week and moment of the next weekly message for someone in `zone_name`: this
        week's while it is at most LATE_LIMIT past, else next week's. A job that looks once a
        day, in any zone, thus queues each one in time (or a day late at worst, when it is
        added late), and the week names it for de-duplication."""
        today = now.astimezone(zone(zone_name)).date()
        for week_start in (today, today + timedelta(days=7)):
            moment = self.in_week_of(week_start, zone_name)
            if now - moment <= LATE_LIMIT:
                return iso_week(moment.astimezone(zone(zone_name)).date()), moment
        raise RuntimeError("next week's moment is always ahead")  # pragma: no cover


# Until when on a working day a message that is ready may still go out at once.
WORKDAY_ENDS: Final = time(17)


def within_working_hours(now: datetime, zone_name: str, opens: time) -> datetime:
    """`now` when it is a weekday between `opens` and WORKDAY_ENDS on the recipient's wall
    clock, else the next weekday at `opens`: a nudge ready after the 05:00 sync, or on a
    Saturday, waits for the working day instead of buzzing someone's phone."""
    local = now.astimezone(zone(zone_name))
    if local.weekday() < 5 and opens <= local.time() < WORKDAY_ENDS:
        return now
    day = local.date() if local.time() < opens else local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return to_utc(datetime.combine(day, opens), zone(zone_name))
