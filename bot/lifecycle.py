"""Install and removal: remember the person, welcome them exactly once, stop when they leave.

Teams sends both an `installationUpdate` and a `conversationUpdate` for one install, often at
once; the person is recorded with one upsert (store.people.record_installation) and the
welcome is claimed with an atomic conditional UPDATE, so exactly one of them sends it. After
the welcome, the router's install hooks run (a check-in that is open for the newcomer is
queued for them by bot/checkin.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.language import Locale
from bot.dispatch import Router
from cards.base import Card
from cards.i18n import negotiate
from cards.lifecycle import help_card, welcome_card
from store import outbox, people

log = logging.getLogger("uptake.bot.lifecycle")


class Lifecycle:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        min_group_size: int,
        queued: Callable[[], None],
        *,
        usage_months: int = 13,
    ) -> None:
        self._sessions = sessions
        # The welcome card says how long per-person usage is kept (UPTAKE_RETENTION_USAGE_MONTHS).
        self._usage_months = usage_months
        self._clock = clock
        self._k = min_group_size
        # Tells the outbox sender that messages are due again.
        self._queued = queued

    async def added(self, install: people.Installation, default_locale: Locale) -> Card | None:
        """Store the person and conversation; the welcome card on the first of the install's
        activities, None on the second."""
        now = self._clock()
        stored_locale, first = await self._record(install, now)
        log.info("install.recorded person=%s welcome=%s", install.person_id, first)
        if not first:
            return None
        locale = negotiate(stored_locale, default_locale)
        return welcome_card(locale, self._k, self._usage_months)

    async def _record(self, install: people.Installation, now: datetime) -> tuple[str | None, bool]:
        async with self._sessions.begin() as session:
            stored_locale = await people.record_installation(session, install, now)
            return stored_locale, await people.claim_welcome(session, install.person_id, now)

    async def revive(self, person_id: str) -> None:
        """Messages that could not reach the person before they installed go out now."""
        async with self._sessions.begin() as session:
            revived = await outbox.revive(session, person_id, self._clock())
        if revived:
            log.info("install.revived person=%s messages=%s", person_id, revived)
            self._queued()

    async def removed(self, person_id: str) -> None:
        async with self._sessions.begin() as session:
            found = await people.mark_unreachable(session, person_id, self._clock())
        log.info("uninstall.recorded person=%s known=%s", person_id, found)


def register(router: Router, lifecycle: Lifecycle) -> None:
    router.lifecycle(lifecycle.added, lifecycle.removed)
    router.on_installed(lifecycle.revive)
    router.help("everyone", help_card)
