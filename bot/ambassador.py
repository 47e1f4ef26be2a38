"""Ambassadors (champions): who an employee can ask for help.

Registers "who is my ambassador?" for everyone. Ambassadors' own tips and nudges land here
too (a later issue).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.questions import Command, Question
from bot.dispatch import Reply, Router, Turn
from cards import conversation as conv
from store import ambassadors, people

log = logging.getLogger("uptake.bot.ambassador")


class Ambassadors:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def mine(self, turn: Turn, _question: Question) -> Reply:
        """The ambassadors of the person's own department."""
        if turn.person_id is None:
            return Reply(conv.my_ambassador_card(None, [], turn.locale), "unknown_person")
        async with self._sessions() as session:
            department = await people.person_department(session, turn.person_id)
            entries = await ambassadors.ambassadors(session) if department else []
        names = [e.display_name for e in entries if department in e.departments and e.display_name]
        log.info("ambassador.asked found=%s", bool(names))
        return Reply(
            conv.my_ambassador_card(department, names, turn.locale),
            "answered" if names else "none",
        )


def register(router: Router, ambassadors_: Ambassadors) -> None:
    router.command(Command.MY_AMBASSADOR, "everyone", ambassadors_.mine)
