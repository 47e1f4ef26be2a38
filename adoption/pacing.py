"""How long to wait before asking a remote service again: Retry-After and backoff.

Bot Connector and Microsoft Graph both answer 429 (and some 503s) with `Retry-After`, as a
number of seconds or as an HTTP date; Microsoft asks clients to honour it, and otherwise to
back off exponentially with jitter. These are the one parser and the one backoff rule every
client of uptake uses.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

MAX_BACKOFF_SECONDS: Final = 600.0
# A Retry-After longer than this is treated as this: a day-long pause is a service fault, not
# a pacing hint, and the retry budget decides what happens next.
MAX_RETRY_AFTER_SECONDS: Final = 3600.0


def retry_after_seconds(value: object, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value ('120', '1.5' or an HTTP date); None when the
    value is missing or unreadable. Never negative, never above MAX_RETRY_AFTER_SECONDS."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(MAX_RETRY_AFTER_SECONDS, max(0.0, seconds))


def retry_after_header(
    headers: Mapping[str, object] | None, now: datetime | None = None
) -> float | None:
    """The Retry-After of a header mapping, whatever the case of its name."""
    if not headers:
        return None
    for name, value in headers.items():
        if str(name).lower() == "retry-after":
            return retry_after_seconds(value, now)
    return None


def backoff_seconds(attempt: int, rng: random.Random) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, 2**attempt)) seconds."""
    return rng.uniform(0, min(MAX_BACKOFF_SECONDS, 2.0 ** min(max(attempt, 0), 12)))


@dataclass
class AdaptiveRate:
    """The send rate: the configured ceiling, lowered on throttling, recovering gradually.

    A 429 means the service's limit is lower than ours right now: the rate is multiplied by
    `decrease` (at most once per `settle_seconds`, since a burst of 429s answers one
    overshoot), then climbs back linearly to the ceiling over `recovery_seconds`. Other
    sends continue meanwhile: only the throttled message waits out its Retry-After.
    """

    ceiling: float
    floor: float = 1.0
    decrease: float = 0.5
    recovery_seconds: float = 30.0
    settle_seconds: float = 1.0
    _rate: float = field(init=False)
    _since: float = field(init=False, default=0.0)
    _last_cut: float = field(init=False, default=float("-inf"))

    def __post_init__(self) -> None:
        if not 0 < self.floor <= self.ceiling:
            raise ValueError("0 < floor <= ceiling")
        self._rate = self.ceiling

    def current(self, now: float) -> float:
        climb = (now - self._since) * self.ceiling / self.recovery_seconds
        return min(self.ceiling, self._rate + max(0.0, climb))

    def throttled(self, now: float) -> float:
        """Lower the rate after a 429 at `now`; returns the new rate."""
        if now - self._last_cut >= self.settle_seconds:
            self._rate = max(self.floor, self.current(now) * self.decrease)
            self._since = now
            self._last_cut = now
        return self.current(now)
