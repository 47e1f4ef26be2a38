"""What one snapshot hands to the next: the evidence the habit and provisioning rules need.

The habit rule looks at 28 days of activity, and an installed client stays installed after a
quiet week. Rather than reading every earlier snapshot of those 28 days (up to 27 with daily
syncs), each snapshot stores, per person, the evidence seen so far as of its own report date
D, and the next snapshot needs only the latest earlier one:

- `days`: one 28-bit lane per workload (order of WORKLOADS), then one per signal (order of
  SIGNALS), packed into one int. Bit d of a lane is the day D-d. A workload lane marks the
  days some snapshot's last-activity date fell on; a signal lane marks the report dates whose
  snapshot showed the signal (a D7 report's counts are dated by its report date).
- `clients`: per client workload (Teams, Microsoft 365 Apps), the latest report date whose
  snapshot saw a client (device report, activation); kept for PROVISIONED_DAYS.

Carrying evidence `gap` days forward moves every lane up `gap` bits and drops what falls out
of the 28 days: one AND and one shift of the packed int. The result is exactly what reading
all the earlier snapshots of the window would give, because a snapshot's activity dates are
never later than its report date.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import NamedTuple

from adoption.signals import CLIENT_WORKLOADS, SIGNALS, WORKLOADS, PersonUsage

WINDOW = 28  # days of evidence: the rolling 28 days of the active and habitual stages
WEEKS = WINDOW // 7
# An installed client counts as installed for this long after it was last seen: Microsoft's
# longest report period (D180). A revised snapshot can change no evidence further out.
PROVISIONED_DAYS = 180
REACH = max(WINDOW, PROVISIONED_DAYS)

LANES = len(WORKLOADS) + len(SIGNALS)
_LANE = (1 << WINDOW) - 1
# _KEEP[gap]: the bits of every lane that survive a move `gap` days forward.
_KEEP = tuple(
    sum(((1 << (WINDOW - gap)) - 1) << (WINDOW * lane) for lane in range(LANES))
    for gap in range(WINDOW)
)
CLIENTS = tuple(i for i, w in enumerate(WORKLOADS) if w in CLIENT_WORKLOADS)
_CLIENT_MASK = sum(1 << i for i in CLIENTS)
NONE_SEEN: tuple[date | None, ...] = (None,) * len(CLIENTS)


class PersonHistory(NamedTuple):
    """One person's evidence as of a snapshot's report date (see the module docstring)."""

    days: int = 0
    clients: tuple[date | None, ...] = NONE_SEEN


EMPTY = PersonHistory()


def carried(days: int, gap: int) -> int:
    """Packed `days` of a snapshot `gap` days older, as seen from the newer one."""
    if gap >= WINDOW:
        return 0
    return (days & _KEEP[gap]) << gap


def workload_lane(index: int) -> int:
    """Bit offset of WORKLOADS[index]'s lane in `days`."""
    return WINDOW * index


def signal_lane(index: int) -> int:
    """Bit offset of SIGNALS[index]'s lane in `days`."""
    return WINDOW * (len(WORKLOADS) + index)


# Bit 0 of every seven-day week of every lane.
_WEEK_STARTS = sum(1 << (7 * week) for week in range(LANES * WEEKS))


def week_flags(days: int) -> int:
    """Packed `days` folded to one bit per lane and week (at the week's first bit): set when
    the week has a day. ORing the six one-bit shifts carries any day of a week down to its
    first bit, and never one of the next week's: in a handful of operations on one int,
    where testing 4 weeks of 30 lanes one by one would take a hundred."""
    folded = days | days >> 1 | days >> 2 | days >> 3 | days >> 4 | days >> 5 | days >> 6
    return folded & _WEEK_STARTS


def lane_weeks(flags: int, lanes: Sequence[int]) -> int:
    """Bit w set when one of `lanes` (bit offsets) has a day in week w (week 0 = the seven
    days ending at D), from `week_flags`."""
    weeks = 0
    for week in range(WEEKS):
        for lane in lanes:
            if flags >> (lane + 7 * week) & 1:
                weeks |= 1 << week
                break
    return weeks


class _DayBits(dict[date | None, int]):
    """activity date -> its bit in one workload's lane as of `as_of` (0 outside the window)."""

    def __init__(self, as_of: date, lane: int) -> None:
        super().__init__()
        self.as_of = as_of
        self.lane = lane

    def __missing__(self, day: date | None) -> int:
        bits = 0
        if day is not None:
            age = (self.as_of - day).days
            if 0 <= age < WINDOW:
                bits = 1 << (self.lane + age)
        self[day] = bits
        return bits


class _SignalBits(dict[int, int]):
    """signal mask -> bit 0 (the report date) of each of its signals' lanes."""

    def __missing__(self, signals: int) -> int:
        bits = 0
        for index in range(len(SIGNALS)):
            if signals >> index & 1:
                bits |= 1 << signal_lane(index)
        self[signals] = bits
        return bits


class _Clients(dict[tuple[int, tuple[date | None, ...]], tuple[date | None, ...]]):
    """(client bits seen now, client dates carried) -> client dates as of `as_of`; few
    distinct pairs occur (a handful of dates), so each is worked out once."""

    def __init__(self, as_of: date, since: date) -> None:
        super().__init__()
        self.as_of = as_of
        self.since = since

    def __missing__(self, key: tuple[int, tuple[date | None, ...]]) -> tuple[date | None, ...]:
        provisioned, earlier = key
        clients = tuple(
            self.as_of
            if provisioned >> index & 1
            # Dropped once out of reach, so a revision cannot matter beyond REACH.
            else seen
            if seen is not None and seen >= self.since
            else None
            for index, seen in zip(CLIENTS, earlier, strict=True)
        )
        self[key] = clients
        return clients


class Evidence:
    """Derives people's evidence as of `as_of` from this snapshot and the previous history.

    Memoised per distinct activity date and signal mask: a snapshot holds few of each, and
    100,000 people go through here on every sync."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        # The earliest report date whose client sighting still counts as of `as_of`.
        self.seen_since = as_of - timedelta(days=PROVISIONED_DAYS - 1)
        self._days = [_DayBits(as_of, workload_lane(i)) for i in range(len(WORKLOADS))]
        self._signals = _SignalBits()
        self._clients = _Clients(as_of, self.seen_since)

    def observed(self, person: PersonUsage) -> int:
        """The packed days this snapshot alone shows for `person`."""
        days = self._signals[person.signals]
        for bits, day in zip(self._days, person.last_activity, strict=True):
            days |= bits[day]
        return days

    def derive(
        self, person: PersonUsage, previous: PersonHistory | None, gap: int
    ) -> PersonHistory:
        """`person`'s evidence as of `as_of`: `previous` (of a snapshot `gap` days older, or
        None) carried forward, plus what this snapshot shows."""
        days = self.observed(person)
        if previous is None:
            return PersonHistory(days, self._clients[person.provisioned & _CLIENT_MASK, NONE_SEEN])
        if gap < WINDOW:
            days |= (previous.days & _KEEP[gap]) << gap
        return PersonHistory(
            days, self._clients[person.provisioned & _CLIENT_MASK, previous.clients]
        )

    def provisioned(self, person: PersonUsage, history: PersonHistory) -> int:
        """The workload mask of clients provisioned as of `as_of`: seen now, or within
        PROVISIONED_DAYS before (an installed client does not vanish in a quiet week)."""
        mask = person.provisioned
        for index, seen in zip(CLIENTS, history.clients, strict=True):
            if seen is not None and seen >= self.seen_since:
                mask |= 1 << index
        return mask


def derive_all(
    people: Sequence[PersonUsage],
    previous: dict[str, PersonHistory],
    gap: int,
    as_of: date,
) -> list[PersonHistory]:
    """Evidence of every person of a snapshot (same order), from the latest earlier
    snapshot's histories by person key (`gap` days older; empty when there is none)."""
    evidence = Evidence(as_of)
    get = previous.get
    return [evidence.derive(person, get(person.key), gap) for person in people]


def encode_days(days: int) -> bytes | None:
    """The stored form of packed days: little-endian bytes, None for no evidence."""
    return days.to_bytes((days.bit_length() + 7) // 8, "little") if days else None


def decode_days(stored: bytes | None) -> int:
    """Packed days from their stored form."""
    return int.from_bytes(stored, "little") if stored else 0
