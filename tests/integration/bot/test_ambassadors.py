"""Ambassadors: the registry facilitators keep in chat, and the contact point everyone asks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from store import ambassadors
from store.tables import Person
from tests.fakes import activities as act
from tests.integration.bot.conftest import RunningBot
from tests.integration.bot.test_facilitator import CARLA, EMPLOYEE, ask, fbot

__all__ = ["fbot"]


async def _card(bot: RunningBot, user: Any, text: str) -> dict[str, Any]:
    await bot.post(act.message(user, bot.service_url, text))
    card: dict[str, Any] = bot.connector.sent_to(user.conversation_id)[-1].cards[0]
    return card


async def test_a_facilitator_adds_and_removes_one_department_keeping_the_others(
    fbot: RunningBot,
) -> None:
    async with fbot.runtime.sessions.begin() as session:
        session.add(
            Person(id="p-lotte", upn="lotte@contoso.be", display_name="Lotte Maes", department="IT")
        )
    assert "Lotte Maes is now an ambassador for IT" in await ask(
        fbot, CARLA, "ambassador add lotte@contoso.be IT"
    )
    await ask(fbot, CARLA, "ambassador add lotte@contoso.be hr")  # forgiving: HR
    assert "IT" in await ask(fbot, CARLA, "ambassadors IT")
    removed = await ask(fbot, CARLA, "ambassador remove lotte@contoso.be IT")
    assert "no longer an ambassador for IT; the other departments stay" in removed
    async with fbot.runtime.sessions() as session:
        left = [a for a in await ambassadors.ambassadors(session) if a.person_id == "p-lotte"]
    assert [a.departments for a in left] == [("HR",)]
    assert "I know nobody as “ghost@contoso.be”" in await ask(
        fbot, CARLA, "ambassador add ghost@contoso.be IT"
    )


async def test_an_employee_cannot_change_the_registry(fbot: RunningBot) -> None:
    answer = await ask(fbot, EMPLOYEE, "ambassador add carla@contoso.com HR")
    assert "Dit is voor facilitators" in answer
    async with fbot.runtime.sessions() as session:
        assert {a.person_id for a in await ambassadors.ambassadors(session)} == {"amb-1"}


async def test_the_contact_card_mentions_the_ambassador_and_opens_a_chat(
    fbot: RunningBot,
) -> None:
    async with fbot.runtime.sessions.begin() as session:
        hanne = await session.get(Person, "amb-1")
        assert hanne is not None
        hanne.upn = "hanne@contoso.be"
    card = await _card(fbot, EMPLOYEE, "wie helpt mij?")
    entities = card["msteams"]["entities"]
    assert entities == [
        {
            "type": "mention",
            "text": "<at>Hanne Ambassadeur</at>",
            "mentioned": {"id": "amb-1", "name": "Hanne Ambassadeur"},
        }
    ]
    (action,) = card["actions"]
    assert action["type"] == "Action.OpenUrl"
    assert action["url"] == "https://teams.microsoft.com/l/chat/0/0?users=hanne%40contoso.be"


async def test_without_an_ambassador_the_facilitators_are_the_contact(fbot: RunningBot) -> None:
    async with fbot.runtime.sessions.begin() as session:
        person = await session.get(Person, EMPLOYEE.aad_object_id)
        assert person is not None
        person.department = "Logistiek"
    card = await _card(fbot, EMPLOYEE, "wie is mijn ambassadeur")
    text = str(card)
    assert "nog geen ambassadeur" in text
    # Carla is a facilitator by UPN (carla@contoso.com) and known to the bot.
    assert "<at>carla@contoso.com</at>" in text or "Carla" in text
    assert any(a["url"].endswith("carla%40contoso.com") for a in card["actions"])


async def test_an_ambassador_who_left_is_nobodys_contact_and_leaves_a_gap(
    fbot: RunningBot,
) -> None:
    async with fbot.runtime.sessions.begin() as session:
        hanne = await session.get(Person, "amb-1")
        assert hanne is not None
        # The directory no longer lists her as an enabled account (store.people).
        hanne.left_at = datetime(2026, 11, 30, tzinfo=UTC)
    card = await _card(fbot, EMPLOYEE, "wie helpt mij?")
    assert "Hanne" not in str(card)
    assert "nog geen ambassadeur" in str(card)
    async with fbot.runtime.sessions() as session:
        assert await ambassadors.ambassadors(session) == []
