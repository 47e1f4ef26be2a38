"""How fast the sender may start sends: globally, and per conversation.

Teams counts sends in sliding windows (per bot per conversation 7 in 1 s, 8 in 2 s, 60 in
30 s; about 50 per second per app per tenant) and answers 429 beyond. A token bucket with a
burst allowance would overshoot such a window right after any pause (its bucket refills), so
`GlobalPace` spaces sends evenly at the rate and also never lets more than the rate start in
any 1 s window, and `ChatPace` keeps the exact per-conversation windows. Both take the time as
an argument: they are plain arithmetic, tested without a clock. `Gate` makes concurrent
senders wait their turn under a `GlobalPace`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Final

# Teams' per bot per conversation limits, as (sends, seconds).
CONVERSATION_LIMITS: Final = ((7, 1.0), (8, 2.0), (60, 30.0))
# How late a send may start and still keep its place: the event loop wakes late under load
# (on a busy 2-core machine the process waits 10-30 ms for a CPU), and without catch-up every
# late wake-up is rate lost for good. Measured at 500/s on such a machine: 5 ms gave 0.87-0.94
# of the ceiling, 20 ms 0.94-0.97. The catch-up is a burst of at most ten sends at 500/s, and
# the 1 s cap below holds whatever it allows.
CATCH_UP_SECONDS: Final = 0.02
# The share of the rate kept in hand: the service's clock sees our sends shifted by network
# jitter, so sending at exactly its limit would be over it in some windows.
MARGIN: Final = 0.03


class GlobalPace:
    """Send starts spaced evenly at the current rate (the adaptive rate, at most `ceiling`),
    and never more than the ceiling in any `window`, whatever the spacing allowed."""

    def __init__(self, ceiling: float, window: float = 1.0) -> None:
        self._window = window
        self._limit = max(1, int(ceiling * (1 - MARGIN) * window))
        self._ceiling = ceiling
        self._starts: deque[float] = deque()
        self._next = float("-inf")  # the theoretical start of the next send
        self._interval = 0.0
        self.set_rate(ceiling)

    def set_rate(self, rate: float) -> None:
        self._interval = 1.0 / (min(rate, self._ceiling) * (1 - MARGIN))

    def delay(self, now: float) -> float:
        """Seconds until the next send may start (0: now). Call `started` when it does."""
        spacing = self._next - CATCH_UP_SECONDS - now
        starts = self._starts
        while starts and starts[0] <= now - self._window:
            starts.popleft()
        full = 0.0
        if len(starts) >= self._limit:
            full = starts[len(starts) - self._limit] + self._window - now
        return max(0.0, spacing, full)

    def started(self, now: float) -> None:
        self._next = max(self._next, now) + self._interval
        self._starts.append(now)


class ChatPace:
    """The recent sends to one conversation, against Teams' per-conversation windows."""

    __slots__ = ("_sends",)

    def __init__(self) -> None:
        self._sends: deque[float] = deque(maxlen=max(n for n, _ in CONVERSATION_LIMITS))

    def delay(self, now: float) -> float:
        """Seconds until one more send to this conversation fits every window (0: now)."""
        wait = 0.0
        for count, seconds in CONVERSATION_LIMITS:
            if len(self._sends) >= count:
                oldest = self._sends[-count]  # the count-th most recent send
                wait = max(wait, oldest + seconds - now)
        return wait

    def started(self, at: float) -> None:
        """Count a send starting `at` (a moment not before the last one counted: a send
        planned for later is counted when it is planned, so concurrent senders see it)."""
        self._sends.append(max(at, self._sends[-1]) if self._sends else at)


class Gate:
    """Lets waiting senders through one at a time, as `GlobalPace` allows, first come first
    served. One timer for all of them: a waiter is woken only when it may go."""

    def __init__(self, pace: GlobalPace, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._pace = pace
        self._monotonic = monotonic
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    async def wait(self) -> None:
        """Until this send may start; the pace counts it as started when this returns."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self._release()
        await future

    def _release(self) -> None:
        if self._timer is not None:
            return
        waiters = self._waiters
        while waiters:
            if waiters[0].done():  # its waiter was cancelled
                waiters.popleft()
                continue
            now = self._monotonic()
            delay = self._pace.delay(now)
            if delay > 0:
                self._timer = asyncio.get_running_loop().call_later(delay, self._fire)
                return
            self._pace.started(now)
            waiters.popleft().set_result(None)

    def _fire(self) -> None:
        self._timer = None
        self._release()
