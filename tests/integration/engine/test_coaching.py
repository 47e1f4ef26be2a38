"""Ambassadors' tips and nudges, facilitators' digest: queued on schedule, sent once at the
right local time, moot ones skipped, never a group under k."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from adoption.funnel import Subject, publish, subjects
from adoption.questions import Command, Question
from adoption.scenarios import catalogue
from bot.dispatch import Turn
from cards.ambassador import SHARED_VERB, USELESS_VERB
from store import ambassadors, usage
from store import tips as tips_store
from store.tables import Message, Person
from tests.integration.engine.conftest import FACILITATOR, Engine, add_people

# Monday 7 December 2026, 09:00 in Brussels is 08:00 UTC.
MONDAY_NINE = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


async def _make_ambassador(engine: Engine, person: str, department: str = "Verkoop") -> None:
    async with engine.runtime.sessions.begin() as session:
        await ambassadors.add_ambassador(session, person, [department], engine.clock())


async def _week(engine: Engine, start: datetime, days: int = 7) -> None:
    """Each hour of `days` days: the worker's tick (schedules) and the sender."""
    runner = engine.runtime.schedule_runner()
    await engine.runtime.ensure_schedules()
    for hour in range(days * 24):
        at = start + timedelta(hours=hour)
        engine.clock.now = at
        await runner.run_due(at)
        await engine.runtime.sender.drain()


def _tips_received(engine: Engine) -> list[tuple[str, str]]:
    found = []
    for received in engine.connector.received:
        text = str(received.cards)
        if "Tip of the week" in text:
            found.append((received.conversation_id, received.body.get("timestamp", "")))
    return found


async def test_each_ambassador_gets_one_tip_at_their_monday_nine(engine: Engine) -> None:
    people = await add_people(engine, 3)
    await _make_ambassador(engine, people[0])
    async with engine.runtime.sessions.begin() as session:
        london = await session.get(Person, people[1])
        assert london is not None
        london.time_zone = "Europe/London"
    await _make_ambassador(engine, people[1], "HR")

    sent_at: dict[str, datetime] = {}
    runner = engine.runtime.schedule_runner()
    await engine.runtime.ensure_schedules()
    for hour in range(7 * 24):
        at = MONDAY_NINE - timedelta(hours=12) + timedelta(hours=hour)
        engine.clock.now = at
        await runner.run_due(at)
        before = len(engine.connector.received)
        await engine.runtime.sender.drain()
        for received in engine.connector.received[before:]:
            if "Tip of the week" in str(received.cards):
                sent_at[received.conversation_id] = at

    assert sent_at == {
        f"conv-{people[0]}": MONDAY_NINE,  # 09:00 in Brussels
        f"conv-{people[1]}": MONDAY_NINE + timedelta(hours=1),  # 09:00 in London
    }
    assert len(_tips_received(engine)) == 2  # one each, not one per daily look


async def test_the_tip_after_each_clock_change_is_still_at_nine_local(engine: Engine) -> None:
    (person,) = await add_people(engine, 1)
    await _make_ambassador(engine, person)
    # Sunday 29 March 2026 clocks go forward; Monday 30 March 09:00 CEST is 07:00 UTC.
    spring = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    engine.clock.now = spring - timedelta(days=1)
    await _week(engine, spring - timedelta(hours=8), days=1)
    sent = await _tips_sent_at(engine)
    # Sunday 25 October clocks go back; Monday 26 October 09:00 CET is 08:00 UTC.
    autumn = datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    await _week(engine, autumn - timedelta(hours=8), days=1)
    # Read after each week: by October the nightly retention has deleted March's message.
    sent += await _tips_sent_at(engine)
    assert sorted(set(sent)) == [spring, autumn]


async def _tips_sent_at(engine: Engine) -> list[datetime]:
    async with engine.runtime.sessions() as session:
        rows = (await session.scalars(select(Message).where(Message.kind == "tip"))).all()
    return [m.sent_at for m in rows if m.sent_at]


async def test_a_restart_between_queueing_and_sending_neither_loses_nor_doubles_a_tip(
    engine: Engine,
) -> None:
    (person,) = await add_people(engine, 1)
    await _make_ambassador(engine, person)
    engine.clock.now = MONDAY_NINE - timedelta(hours=7)
    await engine.runtime.ensure_schedules()
    await engine.runtime.schedule_runner().run_due()  # queued for 09:00
    # "Restart": a fresh runner and sender state; the queue is in the database.
    await engine.runtime.sender.take_over()
    await _week(engine, MONDAY_NINE - timedelta(hours=6), days=2)
    assert len(_tips_received(engine)) == 1


async def test_an_ambassador_removed_before_their_monday_gets_no_tip(engine: Engine) -> None:
    (person,) = await add_people(engine, 1)
    await _make_ambassador(engine, person)
    engine.clock.now = MONDAY_NINE - timedelta(hours=7)
    await engine.runtime.ensure_schedules()
    await engine.runtime.schedule_runner().run_due()
    async with engine.runtime.sessions.begin() as session:
        await ambassadors.remove_ambassador(session, person)
    await _week(engine, MONDAY_NINE - timedelta(hours=6), days=1)
    assert _tips_received(engine) == []
    async with engine.runtime.sessions() as session:
        tip = await session.scalar(select(Message).where(Message.kind == "tip"))
    assert tip is not None and tip.state == "skipped" and tip.last_error == "not_an_ambassador"


async def test_shared_it_is_counted_per_tip_and_no_tip_repeats(engine: Engine) -> None:
    (person,) = await add_people(engine, 1)
    await _make_ambassador(engine, person)
    await _week(engine, MONDAY_NINE - timedelta(hours=1), days=15)
    async with engine.runtime.sessions() as session:
        keys = await tips_store.sent_keys(session, person)
    assert len(keys) == 3 and len(set(keys)) == 3  # weeks 50, 51, 52: three different tips
    card = await engine.runtime.router.answer_verb(
        Turn(person, "en"), SHARED_VERB, {"tip": keys[0], "week": "2026-W50"}
    )
    assert card is not None and "Thanks for sharing it" in str(card)
    async with engine.runtime.sessions() as session:
        scores = {s.tip_key: s for s in await tips_store.scores(session)}
    assert scores[keys[0]].shared == 1 and scores[keys[1]].shared == 0


def _tally(habit: int, active: int, size: int) -> dict[tuple[str, str], dict[Subject, list[int]]]:
    """Verkoop stalls (habit flat), IT grows; Directie and Juridisch are under k (and
    protect each other, so the two large departments stay visible)."""
    rows: dict[tuple[str, str], dict[Subject, list[int]]] = {}
    for department, wave, people, extra in (
        ("Verkoop", "1", size, 0),
        ("IT", "1", size, habit),
        ("Directie", "1", 2, 0),
        ("Juridisch", "1", 2, 0),
    ):
        rows[(department, wave)] = {
            s: [people, people, people, min(people, active), min(people, 20 + extra)]
            for s in subjects(catalogue())
        }
    return rows


async def _snapshots(engine: Engine, end: date) -> None:
    async with engine.runtime.sessions.begin() as session:
        for weeks_back, habit in ((3, 0), (2, 5), (1, 10), (0, 15)):
            day = end - timedelta(weeks=weeks_back)
            await usage.save_snapshot(
                session,
                report_date=day,
                origin="graph",
                population=104,
                concealed_reason=None,
                digest=f"d-{day}",
                people=[],
                funnels=publish(_tally(habit, 60, 50), 3),
            )


async def test_a_stalling_group_gets_one_nudge_with_a_spotlight_on_its_neighbour(
    engine: Engine,
) -> None:
    people = await add_people(engine, 2)
    async with engine.runtime.sessions.begin() as session:
        for pid, department in zip(people, ("Verkoop", "Directie"), strict=True):
            person = await session.get(Person, pid)
            assert person is not None
            person.department, person.wave = department, "1"
        it = Person(id="it-colleague", department="IT", wave="1")
        session.add(it)
    await _make_ambassador(engine, people[0], "Verkoop")
    await _make_ambassador(engine, people[1], "Directie")
    engine.clock.now = MONDAY_NINE
    await _snapshots(engine, MONDAY_NINE.date() - timedelta(days=2))

    queued = await engine.runtime.coaching.queue_nudges()
    again = await engine.runtime.coaching.queue_nudges()
    await engine.runtime.sender.drain()

    assert (queued, again) == (1, 0)  # Directie is under k: no figures, no nudge
    (nudge,) = [r for r in engine.connector.received if "A nudge for" in str(r.cards)]
    text = str(nudge.cards)
    assert nudge.conversation_id == f"conv-{people[0]}"
    assert "A nudge for Verkoop" in text and "the habit is not yet" in text
    assert "Something to celebrate" in text and "” in IT: " in text
    assert "Directie" not in text


async def test_the_facilitator_gets_one_digest_on_monday_with_k_applied(engine: Engine) -> None:
    people = await add_people(engine, 2)
    async with engine.runtime.sessions.begin() as session:
        facilitator = await session.get(Person, people[1])
        assert facilitator is not None
        facilitator.upn, facilitator.department = FACILITATOR, "IT"
    await _make_ambassador(engine, people[0], "Verkoop")
    await _snapshots(engine, MONDAY_NINE.date() - timedelta(days=2))

    await _week(engine, MONDAY_NINE - timedelta(hours=12), days=2)

    digests = [r for r in engine.connector.received if "Your weekly digest" in str(r.cards)]
    assert [d.conversation_id for d in digests] == [f"conv-{people[1]}"]
    (card,) = digests[0].cards
    text = str(card)
    assert "Your weekly digest, week of 7 December 2026" in text
    (chart,) = [e for e in card["body"] if str(e.get("type", "")).startswith("Chart.")]
    assert {bar["x"] for bar in chart["data"]} == {"Verkoop", "IT"}  # Directie, Juridisch < k
    assert "2 departments not shown: fewer than 3 people" in text
    assert "Tips received" in text
    # Naming a department without figures tells nothing about its people: the small ones
    # need an ambassador too.
    assert "Departments without an ambassador: Directie, IT, Juridisch" in text


async def test_facilitators_see_the_most_and_least_useful_tips(engine: Engine) -> None:
    (person,) = await add_people(engine, 1)
    await _make_ambassador(engine, person)
    await _week(engine, MONDAY_NINE - timedelta(hours=1), days=8)
    async with engine.runtime.sessions() as session:
        first, second = await tips_store.sent_keys(session, person)
    await engine.runtime.router.answer_verb(
        Turn(person, "en"), SHARED_VERB, {"tip": first, "week": "2026-W50"}
    )
    await engine.runtime.router.answer_verb(
        Turn(person, "en"), USELESS_VERB, {"tip": second, "week": "2026-W51"}
    )
    by_key = {tip.key: tip for tip in engine.runtime.coaching.tips}

    reply = await engine.runtime.digest.tips(Turn(person, "en"), Question(Command.TIPS))

    text = str(reply.card)
    most, least = text.index("Shared most"), text.index("Found not useful most")
    assert most < text.index(by_key[first].title("en")) < least
    assert text.rindex(by_key[second].title("en")) > least


async def test_a_nudge_ready_before_the_working_day_waits_for_nine(engine: Engine) -> None:
    (person,) = await add_people(engine, 1)
    await _make_ambassador(engine, person, "Verkoop")
    engine.clock.now = MONDAY_NINE - timedelta(hours=3, minutes=43)  # after the 05:17 sync
    await _snapshots(engine, MONDAY_NINE.date() - timedelta(days=2))

    assert await engine.runtime.coaching.queue_nudges() == 1
    await engine.runtime.sender.drain()
    assert engine.connector.received == []
    engine.clock.now = MONDAY_NINE
    await engine.runtime.sender.drain()
    assert ["A nudge for Verkoop" in str(r.cards) for r in engine.connector.received] == [True]
