"""Who may ask how adoption stands, and the audit of every question asked.

Facilitators are named in UPTAKE_FACILITATORS (object ids or UPNs) or are members of the
UPTAKE_FACILITATOR_GROUP_ID Entra group. Group membership is asked of Graph and cached with an
expiry (a removed member loses access within the TTL); a Graph failure denies (fail closed)
and is cached only briefly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import facilitation
from store.facilitation import AuditRecord

log = logging.getLogger("uptake.bot.access")

MEMBER_TTL_SECONDS = 600.0
FAILURE_TTL_SECONDS = 30.0


class GroupMembership(Protocol):
    async def is_member(self, person_id: str, group_id: str) -> bool: ...


class FacilitatorAccess:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        facilitators: frozenset[str],
        group_id: str | None = None,
        membership: GroupMembership | None = None,
        *,
        ttl: float = MEMBER_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._named = frozenset(f.strip().lower() for f in facilitators if f.strip())
        self._group_id = group_id
        self._membership = membership
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, bool]] = {}

    async def allows(self, person_id: str) -> bool:
        """True when `person_id` (an Entra object id) is a facilitator."""
        pid = person_id.lower()
        if pid in self._named:
            return True
        cached = self._cache.get(pid)
        now = self._clock()
        if cached is not None and cached[0] > now:
            return cached[1]
        allowed, ttl = await self._decide(pid)
        self._cache[pid] = (now + ttl, allowed)
        return allowed

    async def _decide(self, pid: str) -> tuple[bool, float]:
        if any("@" in name for name in self._named):
            async with self._sessions() as session:
                upns = await facilitation.person_upns(session, pid)
            if upns & self._named:
                return True, self._ttl
        if self._group_id and self._membership is not None:
            try:
                member = await self._membership.is_member(pid, self._group_id)
            except Exception as error:  # noqa: BLE001 - any Graph failure denies, briefly
                log.warning("access.group_check_failed error=%s", type(error).__name__)
                return False, FAILURE_TTL_SECONDS
            log.info("access.group_checked member=%s", member)
            return member, self._ttl
        return False, self._ttl


class AuditLog:
    """Audit rows are queued by the turn and written in batches by one task, so asking a
    question costs no database write on the turn's path; `close` writes what is queued."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._queue: asyncio.Queue[AuditRecord | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def record(self, entry: AuditRecord) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="audit-writer")
        self._idle.clear()
        self._queue.put_nowait(entry)

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            batch = [first]
            while not self._queue.empty() and len(batch) < 500:
                batch.append(self._queue.get_nowait())
            records = [r for r in batch if r is not None]
            try:
                async with self._sessions.begin() as session:
                    await facilitation.write_audit(session, records)
            except Exception as error:  # noqa: BLE001 - keep auditing later questions
                log.error("audit.write_failed size=%s error=%s", len(records), type(error).__name__)
            if self._queue.empty():
                self._idle.set()
            if None in batch:
                return

    async def flush(self) -> None:
        """Wait until everything recorded so far is written."""
        await self._idle.wait()

    async def close(self) -> None:
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task
            self._task = None
