"""Who may ask how adoption stands.

Facilitators are named in UPTAKE_FACILITATORS (object ids or UPNs) or are members of the
UPTAKE_FACILITATOR_GROUP_ID Entra group. Group membership is asked of Graph and cached with an
expiry (a removed member loses access within the TTL); a Graph failure denies (fail closed)
and is cached only briefly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import NamedTuple, Protocol

from cachetools import TLRUCache
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import people

log = logging.getLogger("uptake.bot.access")

MEMBER_TTL_SECONDS = 600.0
FAILURE_TTL_SECONDS = 30.0
MAX_CACHED_PEOPLE = 10_000


class GroupMembership(Protocol):
    async def is_member(self, person_id: str, group_id: str) -> bool: ...


class _Decision(NamedTuple):
    allowed: bool
    ttl: float


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
        # Each decision carries its own lifetime: a Graph failure is retried sooner.
        self._cache: TLRUCache[str, _Decision] = TLRUCache(
            maxsize=MAX_CACHED_PEOPLE,
            ttu=lambda _key, decision, now: now + decision.ttl,
            timer=clock,
        )

    async def allows(self, person_id: str) -> bool:
        """True when `person_id` (an Entra object id) is a facilitator."""
        pid = person_id.lower()
        if pid in self._named:
            return True
        cached = self._cache.get(pid)
        if cached is not None:
            return cached.allowed
        decision = await self._decide(pid)
        self._cache[pid] = decision
        return decision.allowed

    async def _decide(self, pid: str) -> _Decision:
        if any("@" in name for name in self._named):
            async with self._sessions() as session:
                upns = await people.person_upns(session, pid)
            if upns & self._named:
                return _Decision(True, self._ttl)
        if self._group_id and self._membership is not None:
            try:
                member = await self._membership.is_member(pid, self._group_id)
            except Exception as error:  # noqa: BLE001 - any Graph failure denies, briefly
                log.warning("access.group_check_failed error=%s", type(error).__name__)
                return _Decision(False, FAILURE_TTL_SECONDS)
            log.info("access.group_checked member=%s", member)
            return _Decision(member, self._ttl)
        return _Decision(False, self._ttl)
