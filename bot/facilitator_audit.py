"""The `audit` question: who asked the bot what, recently. Part of the facilitator audience
(registered by bot/facilitator.py; the router gates and audits it like every other).

The audit keeps questions normalised (adoption.rights.audit_form: the command and the names
it resolved, people as a placeholder, never free text); rows written before that rule are
normalised again when shown.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.clock import Clock
from adoption.questions import Question
from adoption.rights import audit_form
from bot.dispatch import Reply, Turn
from cards.i18n import Locale, t
from cards.privacy import AuditLine, audit_card
from store import ambassadors, audit

SHOWN: Final = 20
COUNTED_DAYS: Final = 30
FORGOTTEN_PREFIX: Final = "forgotten:"  # bot.privacy.FORGOTTEN_ALIAS


class AuditLog:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, *, months: int
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._months = months

    async def show(self, turn: Turn, _question: Question) -> Reply:
        since = self._clock() - timedelta(days=COUNTED_DAYS)
        async with self._sessions() as session:
            entries = await audit.recent(session, SHOWN)
            per_person = await audit.counts_since(session, since)
            ids = sorted({e.person_id for e in entries} | {p for p, _ in per_person})
            contacts = await ambassadors.contacts(session, ids)
        names = {c.person_id: c.name or c.upn for c in contacts}

        def who(person_id: str) -> str:
            return _label(person_id, names.get(person_id), turn.locale)

        lines = [
            AuditLine(e.asked_at, who(e.person_id), audit_form(e.question, e.outcome), e.outcome)
            for e in entries
        ]
        counts = [(who(p), n) for p, n in per_person]
        card = audit_card(lines, counts, turn.locale, days=COUNTED_DAYS, months=self._months)
        return Reply(card, "answered")


def _label(person_id: str, name: str | None, locale: Locale) -> str:
    if name:
        return name
    if person_id.startswith(FORGOTTEN_PREFIX):
        return t(locale, "privacy.audit_someone_forgotten")
    return t(locale, "privacy.audit_someone_unknown")
