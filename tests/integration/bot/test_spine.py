"""The spine end to end: real activities over HTTP to /api/messages, a fake Bot Connector."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from adoption.audience import Audience
from adoption.checkin import shipped_template
from adoption.clock import utc_now
from store import checkins
from store.tables import Message, Person, Response
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.fakes.connector import blocked, throttled
from tests.integration.bot.conftest import RunningBot

PULSE_SOURCE_KEY = "pulse"
PULSE_TITLE_FR = shipped_template("pulse").title("fr")


async def install(bot: RunningBot, user: User) -> None:
    for activity in (act.installation(user, bot.service_url), act.bot_added(user, bot.service_url)):
        response = await bot.post(activity)
        assert response.status in (200, 202)


async def open_pulse(bot: RunningBot, *, days: int = 7) -> int:

    async with bot.runtime.sessions.begin() as session:
        opened = await checkins.open_run(
            session,
            template_key="pulse",
            audience=Audience.everyone(),
            now=utc_now(),
            open_for=timedelta(days=days),
            min_group_size=3,
        )
    return opened.run_id


async def answer(bot: RunningBot, user: User, run_id: int, **values: Any) -> dict[str, Any]:
    data = {"run": run_id, **{f"q_{k}": v for k, v in values.items()}}
    response = await bot.post(act.card_action(user, bot.service_url, "checkin.answer", data))
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


async def card_message(bot: RunningBot, run_id: int, user: User) -> Message | None:
    """The outbox row of a run's card for one person."""
    async with bot.runtime.sessions() as session:
        return await session.scalar(
            select(Message).where(Message.dedupe_key == f"checkin:{run_id}:{user.aad_object_id}")
        )


async def stored_responses(bot: RunningBot) -> list[Response]:
    async with bot.runtime.sessions() as session:
        return list((await session.scalars(select(Response))).all())


def texts(card: dict[str, Any]) -> str:
    """Every string in a card, for asserting on what a person reads."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.append(node)

    walk(card)
    return "\n".join(found)


async def test_install_welcomes_exactly_once_and_stores_the_person(
    bot: RunningBot, alice: User
) -> None:
    await install(bot, alice)

    sent = bot.connector.sent_to(alice.conversation_id)
    assert len(sent) == 1
    assert "Welkom bij uptake" in texts(sent[0].cards[0])
    async with bot.runtime.sessions() as session:
        person = await session.get(Person, alice.aad_object_id)
    assert person is not None
    assert person.conversation is not None
    assert person.conversation["conversation"]["id"] == alice.conversation_id
    assert person.tenant_id == act.TENANT
    assert person.unreachable_since is None


async def test_reinstall_after_removal_welcomes_again(bot: RunningBot, bruno: User) -> None:
    await install(bot, bruno)
    await bot.post(act.installation(bruno, bot.service_url, "remove"))
    async with bot.runtime.sessions() as session:
        person = await session.get(Person, bruno.aad_object_id)
    assert person is not None and person.unreachable_since is not None

    await install(bot, bruno)

    welcomes = bot.connector.sent_to(bruno.conversation_id)
    assert len(welcomes) == 2
    assert "Bienvenue dans uptake" in texts(welcomes[1].cards[0])


async def test_sent_checkin_card_arrives_for_every_reachable_person(
    bot: RunningBot, alice: User, bruno: User
) -> None:
    await install(bot, alice)
    await install(bot, bruno)
    await bot.post(act.bot_removed(bruno, bot.service_url))

    run_id = await open_pulse(bot)
    report = await bot.runtime.sender.drain()

    assert report.sent == 1
    cards = bot.connector.sent_to(alice.conversation_id)[-1].cards
    assert len(cards) == 1
    assert cards[0]["actions"][0]["data"] == {"run": run_id}
    assert cards[0]["actions"][0]["verb"] == "checkin.answer"
    assert len(bot.connector.sent_to(bruno.conversation_id)) == 1  # only the welcome


async def test_answer_is_stored_without_person_id_and_card_is_replaced(
    bot: RunningBot, alice: User
) -> None:
    await install(bot, alice)
    run_id = await open_pulse(bot)
    await bot.runtime.sender.drain()

    body = await answer(bot, alice, run_id, confidence=4, usefulness="5", blocker="time")

    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    shown = texts(body["value"])
    assert "Bedankt!" in shown and "4 / 5" in shown and "Geen tijd om het te leren" in shown
    rows = await stored_responses(bot)
    assert len(rows) == 1
    assert rows[0].answers == {"confidence": 4, "usefulness": 5, "blocker": "time"}
    assert alice.aad_object_id not in repr(rows[0].__dict__)
    assert alice.aad_object_id not in rows[0].respondent_key


async def test_answer_twice_counts_once_and_the_second_replaces_the_first(
    bot: RunningBot, alice: User
) -> None:
    await install(bot, alice)
    run_id = await open_pulse(bot)
    await bot.runtime.sender.drain()

    await answer(bot, alice, run_id, confidence=2, usefulness=2, blocker="habits")
    await answer(bot, alice, run_id, confidence=2, usefulness=2, blocker="habits")
    await answer(bot, alice, run_id, confidence=5, usefulness=4, blocker="nothing")

    rows = await stored_responses(bot)
    assert len(rows) == 1
    assert rows[0].answers["blocker"] == "nothing"


async def test_invalid_answer_gets_a_clear_card_and_nothing_is_stored(
    bot: RunningBot, alice: User
) -> None:
    await install(bot, alice)
    run_id = await open_pulse(bot)
    await bot.runtime.sender.drain()

    body = await answer(bot, alice, run_id, confidence=9, usefulness="", blocker="bribes")

    shown = texts(body["value"])
    assert "Kies een score van 1 tot 5." in shown
    assert "Deze vraag is verplicht." in shown
    assert "Kies een van de voorgestelde antwoorden." in shown
    assert await stored_responses(bot) == []


async def test_someone_who_installs_while_a_run_is_open_is_sent_it_and_can_answer(
    bot: RunningBot, alice: User, bruno: User
) -> None:
    await install(bot, alice)
    run_id = await open_pulse(bot)
    await install(bot, bruno)  # installed after the run opened: queued as a late joiner
    await bot.runtime.sender.drain()

    sent = bot.connector.sent_to(bruno.conversation_id)
    assert len(sent) == 2  # the welcome, then the check-in
    assert PULSE_TITLE_FR in texts(sent[1].cards[0])
    body = await answer(bot, bruno, run_id, confidence=3, usefulness=3, blocker="time")
    assert "Merci" in texts(body["value"])
    assert len(await stored_responses(bot)) == 1


async def test_person_outside_the_audience_cannot_answer(
    bot: RunningBot, alice: User, bruno: User
) -> None:
    await install(bot, alice)
    await install(bot, bruno)
    async with bot.runtime.sessions.begin() as session:
        (await session.get(Person, alice.aad_object_id)).department = "HR"  # type: ignore[union-attr]
        (await session.get(Person, bruno.aad_object_id)).department = "IT"  # type: ignore[union-attr]
        opened = await checkins.open_run(
            session,
            template_key="pulse",
            audience=Audience("department", "HR"),
            now=utc_now(),
            open_for=timedelta(days=7),
            min_group_size=3,
        )

    body = await answer(bot, bruno, opened.run_id, confidence=3, usefulness=3, blocker="time")

    assert "ne vous était pas destiné" in texts(body["value"])
    assert await stored_responses(bot) == []


async def test_closed_run_refuses_answers(bot: RunningBot, alice: User) -> None:
    await install(bot, alice)
    run_id = await open_pulse(bot)
    async with bot.runtime.sessions.begin() as session:
        closed = await checkins.close_due_runs(session, utc_now() + timedelta(days=8))
    assert closed == 1

    body = await answer(bot, alice, run_id, confidence=3, usefulness=3, blocker="time")

    assert "Deze check-in is gesloten" in texts(body["value"])
    assert await stored_responses(bot) == []


async def test_edit_shows_the_form_prefilled_with_own_answers(bot: RunningBot, alice: User) -> None:
    await install(bot, alice)
    run_id = await open_pulse(bot)
    await bot.runtime.sender.drain()
    await answer(bot, alice, run_id, confidence=3, usefulness=4, blocker="training")

    response = await bot.post(
        act.card_action(alice, bot.service_url, "checkin.edit", {"run": run_id})
    )
    card = (await response.json())["value"]

    inputs = {e["id"]: e for e in card["body"] if e.get("id")}
    assert inputs["q_confidence"]["value"] == 3
    assert inputs["q_blocker"]["value"] == "training"


async def test_submit_fallback_stores_and_updates_the_answered_card(
    bot: RunningBot, alice: User
) -> None:
    await install(bot, alice)
    run_id = await open_pulse(bot)
    await bot.runtime.sender.drain()
    card_id = bot.connector.sent_to(alice.conversation_id)[-1]

    data = {
        "verb": "checkin.answer",
        "run": run_id,
        "q_confidence": "4",
        "q_usefulness": "4",
        "q_blocker": "time",
    }
    response = await bot.post(act.card_submit(alice, bot.service_url, data, reply_to="activity-2"))

    assert response.status == 202
    assert len(await stored_responses(bot)) == 1
    update = bot.connector.sent_to(alice.conversation_id)[-1]
    assert update.method == "PUT" and update.activity_id == "activity-2"
    assert "Bedankt!" in texts(update.cards[0])
    assert card_id.method == "POST"


async def test_unknown_verb_and_unknown_invoke_get_a_clear_non_5xx_answer(
    bot: RunningBot, alice: User
) -> None:
    verb = await bot.post(act.card_action(alice, bot.service_url, "nonsense.verb", {}))
    other = act.card_action(alice, bot.service_url, "x", {})
    other["name"] = "composeExtension/query"
    unknown = await bot.post(other)

    assert verb.status == 200
    assert (await verb.json())["type"] == "application/vnd.microsoft.activity.message"
    assert unknown.status == 200
    assert "composeExtension/query" in (await unknown.json())["value"]


async def test_malformed_activities_get_400_and_nothing_is_stored(
    bot: RunningBot, alice: User
) -> None:
    no_conversation = act.message(alice, bot.service_url, "hi")
    del no_conversation["conversation"]
    wrong_types = act.message(alice, bot.service_url, "hi")
    wrong_types["membersAdded"] = "everyone"
    bad_value = act.card_action(alice, bot.service_url, "checkin.answer", {})
    bad_value["value"] = {"action": "not-an-object"}

    for payload in (no_conversation, wrong_types, [1, 2, 3]):
        assert (await bot.post(payload)).status == 400
    not_json = await bot.http.post(
        bot.server.make_url("/api/messages"),
        data=b"{oops",
        headers={"Content-Type": "application/json"},
    )
    assert not_json.status == 400
    assert (await bot.post(bad_value)).status == 400
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 0


async def test_a_failing_turn_apologises_with_a_correlation_id_and_no_exception_text(
    bot: RunningBot, alice: User
) -> None:
    await install(bot, alice)
    run_id = await open_pulse(bot)
    async with bot.runtime.sessions.begin() as session:
        run = await checkins.get_run(session, run_id)
        assert run is not None
        run.template_source = "key = [broken"

    body = await answer(bot, alice, run_id, confidence=3, usefulness=3, blocker="time")

    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "Sorry, er ging iets mis" in body["value"]
    assert "TOML" not in body["value"] and "broken" not in body["value"]


async def test_blocked_person_becomes_unreachable_and_is_not_retried(
    bot: RunningBot, alice: User
) -> None:
    await install(bot, alice)
    bot.connector.fail_always(alice.conversation_id, blocked())
    run_id = await open_pulse(bot)

    report = await bot.runtime.sender.drain()

    assert report.outcomes["unreachable"] == 1
    delivery = await card_message(bot, run_id, alice)
    async with bot.runtime.sessions() as session:
        person = await session.get(Person, alice.aad_object_id)
    assert delivery is not None and delivery.state == "unreachable"
    assert person is not None and person.unreachable_since is not None


async def test_throttled_send_waits_for_retry_after_then_succeeds(
    bot: RunningBot, alice: User
) -> None:
    await install(bot, alice)
    bot.connector.fail_next(alice.conversation_id, throttled(2))
    run_id = await open_pulse(bot)

    first = await bot.runtime.sender.drain()
    waiting = await card_message(bot, run_id, alice)
    assert waiting is not None and waiting.state == "pending"
    wait = (waiting.next_attempt_at - utc_now()).total_seconds()
    async with bot.runtime.sessions.begin() as session:
        row = await session.get(Message, waiting.id)
        assert row is not None
        row.next_attempt_at = utc_now()  # due again, as after the 2 s
    second = await bot.runtime.sender.drain()

    assert first.outcomes == {"retry": 1}
    assert 1 < wait <= 2
    assert second.sent == 1
    delivery = await card_message(bot, run_id, alice)
    # A throttle is not the message's failure: its attempt is given back.
    assert delivery is not None and delivery.state == "sent" and delivery.attempts == 1


async def test_health_and_readiness(bot: RunningBot) -> None:
    health = await bot.http.get(bot.server.make_url("/healthz"))
    ready = await bot.http.get(bot.server.make_url("/readyz"))

    assert health.status == 200
    assert ready.status == 200
    assert (await ready.json())["checks"] == {"database": True}


async def test_text_message_gets_help_in_the_persons_language(bot: RunningBot, bruno: User) -> None:
    await bot.post(act.message(bruno, bot.service_url, "bonjour"))

    replies = bot.connector.sent_to(bruno.conversation_id)
    assert len(replies) == 1
    assert "Que puis-je faire pour vous\u00a0?" in texts(replies[0].cards[0])


def test_pulse_template_ships() -> None:
    assert shipped_template(PULSE_SOURCE_KEY).key == "pulse"
