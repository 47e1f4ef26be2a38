"""Facilitators keep the ambassadors' registry in chat: who covers which department, add
and remove. Part of the facilitator audience (registered by bot/facilitator.py).

    ambassadors [department]
    ambassador add <UPN or object id> <department>
    ambassador remove <UPN or object id> [department]

Removing one department keeps the ambassador's others. People and departments are those
the directory sync made known; names are matched forgivingly, like every question.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.clock import Clock
from adoption.language import Locale
from adoption.questions import Question, closest, fold
from adoption.scopes import Scope
from bot.dispatch import Reply, Turn
from cards import conversation as conv
from cards.i18n import t
from store import ambassadors, people, usage

_ADD: Final = frozenset({"add", "toevoegen", "voeg", "ajouter", "ajoute", "nieuw"})
_REMOVE: Final = frozenset({"remove", "verwijder", "verwijderen", "retirer", "supprimer", "weg"})


class Registry:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def command(self, turn: Turn, question: Question) -> Reply:
        words = question.argument.split()
        action = fold(words[0]) if words else ""
        if action in _ADD:
            return await self._change(turn, words[1:], add=True)
        if action in _REMOVE:
            return await self._change(turn, words[1:], add=False)
        return await self._show(turn, question.argument)

    async def _departments(self, session: AsyncSession) -> list[str]:
        keys = await usage.scope_keys(session)
        known = set(await people.known_departments(session)) | set(keys.get("department", []))
        return sorted(d for d in known if Scope("department", d).shown)

    async def _show(self, turn: Turn, argument: str) -> Reply:
        locale = turn.locale
        async with self._sessions() as session:
            departments = await self._departments(session)
            entries = await ambassadors.ambassadors(session)
        unknown = t(locale, "facilitator.unknown_person")
        if argument:
            match = closest(argument, {d: [d] for d in departments})
            if match.key is None:
                card = conv.not_found_card(
                    locale, "what_department", argument, match.suggestion, departments
                )
                return Reply(card, "not_found")
            department = match.key
            rows = [
                (e.display_name or unknown, e.departments, e.since.date())
                for e in entries
                if department in e.departments
            ]
            return Reply(conv.department_ambassadors_card(department, rows, locale), "answered")
        covered = {d for e in entries for d in e.departments}
        rows = [(e.display_name or unknown, e.departments, e.since.date()) for e in entries]
        uncovered = [d for d in departments if d not in covered]
        return Reply(conv.ambassadors_card(rows, uncovered, locale), "answered")

    async def _change(self, turn: Turn, words: list[str], *, add: bool) -> Reply:
        locale = turn.locale
        if not words or (add and len(words) < 2):
            return Reply(_usage(locale), "invalid")
        ref, named = words[0], " ".join(words[1:])
        async with self._sessions.begin() as session:
            person = await people.person_by_id_or_upn(session, ref)
            if person is None:
                return Reply(_said(locale, "ambassador.unknown_person", ref=ref[:80]), "not_found")
            department: str | None = None
            if named:
                departments = await self._departments(session)
                match = closest(named, {d: [d] for d in departments})
                if match.key is None:
                    card = conv.not_found_card(
                        locale, "what_department", named, match.suggestion, departments
                    )
                    return Reply(card, "not_found")
                department = match.key
            name = person.display_name or t(locale, "facilitator.unknown_person")
            if add and department is not None:
                await ambassadors.add_ambassador(session, person.id, [department], self._clock())
                return Reply(
                    _said(locale, "ambassador.added", name=name, department=department),
                    "answered",
                )
            if not await ambassadors.remove_ambassador(session, person.id, department):
                return Reply(_said(locale, "ambassador.not_one", name=name), "not_found")
        key = "ambassador.removed_from" if department else "ambassador.removed"
        return Reply(_said(locale, key, name=name, department=department or ""), "answered")


def _said(locale: Locale, key: str, **params: object) -> dict[str, object]:
    return conv.sentence_card(t(locale, key, **params), locale)


def _usage(locale: Locale) -> dict[str, object]:
    return conv.sentence_card(t(locale, "ambassador.usage"), locale)
