"""Group commits of what happened to sent messages.

A message's outcome must be durable before its sender takes the next one: a message that was
delivered but whose outcome was not written yet is sent again after a crash. So each of the
sender's workers waits for the commit that carries its outcome, and the number of messages
that can be sent twice is bounded by the number of workers. Committing each outcome on its
own would cost the database one transaction per message; `OutcomeWriter` gathers whatever
arrives within `flush_seconds` (or until `flush_at` outcomes wait) into one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import outbox, people
from store.outbox import Outcomes

log = logging.getLogger("uptake.sender")

# A commit at most this often while outcomes arrive: 50 ms groups 2-3 outcomes at 50/s and
# about 25 at 500/s (at 20 ms the commits were a quarter of the CPU at 50/s), and a worker's
# wait for it is small next to the connector's round trip.
FLUSH_SECONDS = 0.05
# A failed commit is tried again this many times, this far apart, before the outcomes are
# given up (their rows stay leased and are sent again after the lease: at least once).
WRITE_ATTEMPTS = 5
WRITE_RETRY_SECONDS = 1.0


@dataclass
class _Pending:
    outcomes: Outcomes = field(default_factory=Outcomes)
    unreachable: set[str] = field(default_factory=set)
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def empty(self) -> bool:
        return not len(self.outcomes) and not self.unreachable


class OutcomeWriter:
    """Collects outcomes and commits them together; `committed()` waits for that commit."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        *,
        flush_at: int,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._flush_at = max(1, flush_at)
        self._flush_seconds = flush_seconds
        self._pending = _Pending()
        self._arrived = asyncio.Event()
        self._full = asyncio.Event()
        self._closing = False
        self._task = asyncio.create_task(self._run())

    @property
    def outcomes(self) -> Outcomes:
        """Where to add an outcome; it is written by the next commit."""
        return self._pending.outcomes

    def unreachable(self, person_id: str) -> None:
        self._pending.unreachable.add(person_id)

    async def committed(self) -> None:
        """Until what was added so far is committed (raises if it could not be)."""
        pending = self._pending
        self._arrived.set()
        if len(pending.outcomes) >= self._flush_at:
            self._full.set()
        await asyncio.shield(pending.done)

    async def close(self) -> None:
        """Write what is left and stop."""
        self._closing = True
        self._arrived.set()
        self._full.set()
        await self._task

    async def _run(self) -> None:
        while not (self._closing and self._pending.empty):
            if not self._closing:
                await self._arrived.wait()
                # Let more outcomes join this commit, unless enough wait already.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self._flush_seconds)
            self._arrived.clear()
            self._full.clear()
            pending, self._pending = self._pending, _Pending()
            if pending.empty:
                pending.done.set_result(None)
            else:
                await self._write(pending)
        self._pending.done.set_result(None)

    async def _write(self, pending: _Pending) -> None:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                async with self._sessions.begin() as session:
                    now = self._clock()
                    await outbox.finish(session, pending.outcomes, now)
                    for person_id in pending.unreachable:
                        await people.mark_unreachable(session, person_id, now)
            except Exception as error:  # noqa: BLE001 - any failure: try again, then give up
                log.warning(
                    "outbox.write_failed attempt=%s count=%s", attempt, len(pending.outcomes)
                )
                if attempt == WRITE_ATTEMPTS:
                    pending.done.set_exception(error)
                    return
                await asyncio.sleep(WRITE_RETRY_SECONDS)
            else:
                pending.done.set_result(None)
                return
