"""Ambassadors (champions): who an employee can ask for help.

Registers "who is my ambassador?" for everyone. Ambassadors' own tips and nudges land here
too (a later issue).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.contacts import Contact
from adoption.questions import Command, Question
from bot.dispatch import Reply, Router, Turn
from cards import conversation as conv
from store import ambassadors, people

log = logging.getLogger("uptake.bot.ambassador")


class Ambassadors:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], facilitators: Sequence[str]
    ) -> None:
        self._sessions = sessions
        # Object ids or UPNs of the facilitators: whom to contact when a department has no
        # ambassador yet.
        self._facilitators = [f.strip().lower() for f in facilitators if f.strip()]

    async def mine(self, turn: Turn, _question: Question) -> Reply:
        """The ambassadors of the person's own department, or the facilitators."""
        department: str | None = None
        async with self._sessions() as session:
            if turn.person_id is not None:
                department = await people.person_department(session, turn.person_id)
            found = await ambassadors.of_department(session, department) if department else []
            fallback = [] if found else await self._fallback(session)
        log.info("ambassador.asked found=%s", bool(found))
        return Reply(
            conv.my_ambassador_card(department, found, turn.locale, fallback),
            "answered" if found else "none",
        )

    async def _fallback(self, session: AsyncSession) -> list[Contact]:
        ids = await people.ids_by_ref(session, self._facilitators)
        return await ambassadors.contacts(session, sorted(set(ids.values())))


def register(router: Router, ambassadors_: Ambassadors) -> None:
    router.command(Command.MY_AMBASSADOR, "everyone", ambassadors_.mine)
