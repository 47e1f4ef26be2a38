"""Campaigns end to end on a simulated clock: weekly runs, reminders only to those who have
not answered, nothing sent twice, pause and close."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from adoption.campaigns import CampaignProblems, CampaignRequest, plan_campaign
from adoption.rows import read_people
from bot.dispatch import Turn
from cards.checkin import ANSWER_VERB
from store import campaigns, checkins
from store.tables import CampaignState, Person
from tests.integration.engine.conftest import Engine, add_people

ZONE = "Europe/Brussels"
MONDAY_10 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # 10:00 in Brussels


async def _create(engine: Engine, **request: object) -> int:
    fields = {"template": "pulse", "audience": "Verkoop", "start": "2026-12-07T10:00"}
    fields.update(request)  # type: ignore[arg-type]
    plan = plan_campaign(CampaignRequest(**fields), ZONE, engine.clock())  # type: ignore[arg-type]
    async with engine.runtime.sessions.begin() as session:
        return await campaigns.create_checked(
            session, plan, None, engine.clock(), min_group_size=3, created_by=None
        )


async def _tick(engine: Engine, at: datetime) -> None:
    engine.clock.now = at
    await engine.runtime.schedule_runner().run_due(at)
    await engine.runtime.sender.drain()


async def _answer(engine: Engine, person: str, run_id: int) -> None:
    card = await engine.runtime.router.answer_verb(
        Turn(person, "en"),
        ANSWER_VERB,
        {"run": run_id, "q_confidence": "4", "q_usefulness": "3", "q_blocker": "time"},
    )
    assert card is not None and "Thank you" in str(card)


def _sent(engine: Engine) -> Counter[tuple[str, str]]:
    """(conversation, kind of card) per activity the connector got."""
    found: Counter[tuple[str, str]] = Counter()
    for received in engine.connector.received:
        text = str(received.cards)
        kind = "reminder" if "A reminder" in text else "card"
        found[(received.conversation_id, kind)] += 1
    return found


async def test_two_weeks_with_two_reminders_send_each_message_once(engine: Engine) -> None:
    people = await add_people(engine, 10)
    engine.clock.now = MONDAY_10 - timedelta(days=1)
    await _create(engine, every="1w", remind_after="2,4", close_after_days=7)
    moments = [MONDAY_10 + timedelta(days=d, minutes=1) for d in (0, 2, 4, 7, 9, 11, 14)]

    await _tick(engine, moments[0])
    async with engine.runtime.sessions() as session:
        first_run = await checkins.latest_open_run(session, "pulse", moments[0])
    assert first_run is not None
    for person in people[:3]:
        await _answer(engine, person, first_run)
    await _tick(engine, moments[1])  # first reminder: the 7 who did not answer
    for person in people[3:5]:
        await _answer(engine, person, first_run)
    for moment in moments[2:]:
        await _tick(engine, moment)
    sent = _sent(engine)

    # Replaying the whole fortnight sends nothing more.
    for moment in moments:
        await _tick(engine, moment)
    assert _sent(engine) == sent

    # Three weekly runs (days 0, 7, 14) reach everyone once each.
    assert all(sent[(f"conv-{p}", "card")] == 3 for p in people)
    # Reminders of run 1 (days 2 and 4) only to who had not answered yet; nobody answered
    # run 2, so its two reminders (days 9 and 11) go to all.
    expected = {0: 2, 1: 2, 2: 2, 3: 3, 4: 3}
    for index, person in enumerate(people):
        assert sent[(f"conv-{person}", "reminder")] == expected.get(index, 4), index
    async with engine.runtime.sessions() as session:
        statuses = await campaigns.run_statuses(session, 1, engine.clock())
    assert [s.open for s in statuses] == [True, False, False]
    assert statuses[-1].answered == 5 and statuses[-1].sent == 10


async def test_a_paused_campaign_holds_its_reminders_and_skips_its_runs(engine: Engine) -> None:
    await add_people(engine, 4)
    engine.clock.now = MONDAY_10 - timedelta(hours=1)
    campaign_id = await _create(engine, every="1w", remind_after="2", close_after_days=7)
    await _tick(engine, MONDAY_10 + timedelta(minutes=1))
    async with engine.runtime.sessions.begin() as session:
        await campaigns.set_state(session, campaign_id, CampaignState.PAUSED, engine.clock())
    await _tick(engine, MONDAY_10 + timedelta(days=2, minutes=1))
    await _tick(engine, MONDAY_10 + timedelta(days=7, minutes=1))
    assert len(engine.connector.received) == 4  # only the first cards

    async with engine.runtime.sessions.begin() as session:
        await campaigns.set_state(session, campaign_id, CampaignState.CLOSED, engine.clock())
    await _tick(engine, MONDAY_10 + timedelta(days=7, hours=2))
    assert len(engine.connector.received) == 4  # closed: the held reminders are skipped


async def test_a_bad_request_lists_every_problem_and_creates_nothing(engine: Engine) -> None:
    engine.clock.now = MONDAY_10
    with pytest.raises(CampaignProblems) as caught:
        plan_campaign(
            CampaignRequest(
                "survey",
                "all",
                start="2026-01-01T10:00",
                every="fortnight",
                remind_after="4,2,9",
                close_after_days=8,
            ),
            ZONE,
            MONDAY_10,
        )
    codes = {(p.field, p.code) for p in caught.value.problems}
    assert codes == {
        ("template", "unknown_template"),
        ("every", "not_interval"),
        ("remind_after", "not_increasing"),
        ("remind_after", "after_close"),
        ("start", "in_the_past"),
    }

    with pytest.raises(CampaignProblems) as empty:
        await _create(engine, audience="Nowhere")
    assert [p.code for p in empty.value.problems] == ["unknown_department"]

    known = await add_people(engine, 2)
    async with engine.runtime.sessions.begin() as session:
        person = await session.get(Person, known[1])
        assert person is not None
        person.upn = "an.peeters@contoso.be"
    rows = read_people(
        "upn\nnobody@contoso.be\nnot a person\nAn.Peeters@contoso.be\nan.peeters@contoso.be\n"
    )
    plan = plan_campaign(
        CampaignRequest("pulse", "file:people.csv", start="2026-12-07T10:00"), ZONE, MONDAY_10
    )
    with pytest.raises(CampaignProblems) as listed:
        async with engine.runtime.sessions.begin() as session:
            await campaigns.create_checked(
                session, plan, rows, MONDAY_10, min_group_size=3, created_by=None
            )
    assert sorted((dict(p.params).get("line"), p.code) for p in listed.value.problems) == [
        ("2", "unknown_person"),
        ("3", "row_not_a_person"),
        ("5", "row_twice"),
    ]
    async with engine.runtime.sessions() as session:
        assert await campaigns.all_campaigns(session) == []
