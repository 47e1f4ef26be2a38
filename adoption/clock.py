"""Time as a dependency: every component takes a `Clock`, the composition root gives the real
one, tests and `uptake jobs run-due --at` give their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The system clock, timezone-aware in UTC."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock standing at `moment` (simulations: `--at`)."""
    if moment.tzinfo is None:
        raise ValueError("a clock tells aware time")

    def now() -> datetime:
        return moment

    return now
