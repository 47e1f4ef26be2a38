"""The demo organisation of `uptake serve --demo`, as the Playground user meets it and over a
simulated month: the tips, nudges and digests its design promises."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from store import tips as tips_store
from store.tables import Ambassador, Message
from tests.fakes.activities import User, bot_added
from tests.fakes.connector import FakeConnector, Received
from tests.integration.bot.conftest import SECRET
from tests.integration.engine.conftest import SimClock
from uptake.demo import (
    PLAYGROUND_USER_CHAMPIONS,
    PLAYGROUND_USER_ID,
    demo_settings,
    prepare_demo,
)
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings

PLAYGROUND_USER = User(PLAYGROUND_USER_ID, "Playground user", "en-US")
# Monday 7 December 2026, 00:00 in Brussels: the simulated month is ISO weeks 50 to 53.
MONDAY_MIDNIGHT = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
TUESDAY_TEN = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # working hours: nothing waits
WEEKS = ("2026-W50", "2026-W51", "2026-W52", "2026-W53")


@dataclass
class Demo:
    runtime: Runtime
    clock: SimClock
    connector: FakeConnector
    server: TestServer

    async def prepare(self, at: datetime) -> None:
        """`serve --demo` starting at `at`: seeded, or renewed when its reports are stale."""
        self.clock.now = at
        await prepare_demo(self.runtime)

    async def install(self) -> None:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                self.server.make_url("/api/messages"),
                json=bot_added(PLAYGROUND_USER, self.connector.url),
            ) as response,
        ):
            assert response.status in (200, 201, 202)
        await self.runtime.sender.drain()

    def seen(self) -> list[Received]:
        return self.connector.sent_to(PLAYGROUND_USER.conversation_id)


def _kind(received: Received) -> str:
    text = str(received.cards)
    for marker, kind in (  # the digest names the pulse check: it goes first
        ("Your weekly digest", "digest"),
        ("Welcome to uptake", "welcome"),
        ("Pulse check", "pulse"),
        ("Tip of the week", "tip"),
        ("A nudge for", "nudge"),
    ):
        if marker in text:
            return kind
    return "other"


@pytest.fixture
async def demo(tmp_path: Path, clean_environ: None) -> AsyncIterator[Demo]:
    connector = FakeConnector()
    await connector.start()
    clock = SimClock(MONDAY_MIDNIGHT)
    settings = demo_settings(Settings(data_dir=tmp_path, secret=SECRET))  # type: ignore[arg-type]
    runtime = await Runtime.start(settings, BotCredentials({}), migrate=True, clock=clock)
    server = TestServer(runtime.web_app(), host="127.0.0.1", port=0)
    await server.start_server()
    yield Demo(runtime, clock, connector, server)
    await server.close()
    await runtime.close()
    await connector.close()


async def test_the_playground_user_sees_a_tip_a_nudge_and_a_digest_when_installing(
    demo: Demo,
) -> None:
    await demo.prepare(TUESDAY_TEN)
    await demo.install()

    kinds = [_kind(received) for received in demo.seen()]
    assert kinds[:2] == ["welcome", "pulse"]
    assert sorted(kinds[2:]) == ["digest", "nudge", "tip"]
    nudge = next(r for r in demo.seen() if _kind(r) == "nudge")
    assert f"A nudge for {PLAYGROUND_USER_CHAMPIONS}" in str(nudge.cards)

    # A restart of the demo the same week queues nothing again.
    await demo.prepare(TUESDAY_TEN + timedelta(hours=3))
    await demo.runtime.sender.drain()
    assert len(demo.seen()) == len(kinds)


async def test_a_simulated_month_brings_each_ambassador_four_tips_and_the_facilitator_four_digests(
    demo: Demo,
) -> None:
    await demo.prepare(MONDAY_MIDNIGHT)
    await demo.install()
    runner = demo.runtime.schedule_runner()
    await demo.runtime.ensure_schedules()
    arrived: list[tuple[datetime, str]] = []
    for hour in range(28 * 24):
        demo.clock.now = MONDAY_MIDNIGHT + timedelta(hours=hour)
        if hour and hour % (7 * 24) == 0:
            # A weekly restart, as `serve --demo` renews reports grown a week old.
            await demo.prepare(demo.clock.now)
        await runner.run_due(demo.clock.now)
        before = len(demo.seen())
        await demo.runtime.sender.drain()
        arrived.extend((demo.clock.now, _kind(r)) for r in demo.seen()[before:])

    async with demo.runtime.sessions() as session:
        champions = (await session.scalars(select(Ambassador))).all()
        counted = await session.execute(select(Message.topic, func.count()).group_by(Message.topic))
        by_topic = {topic: count for topic, count in counted}
        nudged = set(
            (
                await session.scalars(
                    select(Message.person_id).where(Message.kind == "nudge").distinct()
                )
            ).all()
        )
        playground_tips = await tips_store.sent_keys(session, PLAYGROUND_USER_ID)

    # Eight ambassadors (one per department but Productie, IT's covers Directie, and the
    # Playground user for Logistiek): one tip each per week.
    assert len(champions) == 8
    assert [by_topic.get(f"tips:{week}") for week in WEEKS] == [8, 8, 8, 8]
    # Logistiek's habit stands still: its two ambassadors are nudged once a week, no one else.
    assert [by_topic.get(f"nudges:{week}") for week in WEEKS] == [2, 2, 2, 2]
    assert {c.person_id for c in champions if PLAYGROUND_USER_CHAMPIONS in c.departments} == nudged
    # The one facilitator the bot knows (the Playground user) gets the digest.
    assert [by_topic.get(f"digest:{week}") for week in WEEKS] == [1, 1, 1, 1]

    # What the Playground user saw: a tip, a nudge and a digest each week, never a tip twice.
    # The first week's came at install (midnight). Then digests at 08:00, tips at 09:00, and
    # nudges at 09:00 too: Saturday's sync finds the stall and the nudge waits for the working
    # week it then belongs to. The demo's pulse lasts two weeks: the third week opens one.
    seen = Counter(kind for _, kind in arrived)
    assert seen == {"tip": 3, "nudge": 3, "digest": 3, "pulse": 1}
    assert len(playground_tips) == 4 and len(set(playground_tips)) == 4
    for kind, hour, weeks in (
        ("digest", 8, (1, 2, 3)),
        ("tip", 9, (1, 2, 3)),
        ("nudge", 9, (1, 2, 3)),
    ):
        mondays = {at for at, seen in arrived if seen == kind}
        assert mondays == {MONDAY_MIDNIGHT + timedelta(days=7 * w, hours=hour) for w in weeks}


async def test_the_demo_shows_idle_copilot_cost_per_department_at_example_prices(
    demo: Demo,
) -> None:
    from tests.fakes import activities as act
    from tests.integration.bot.test_spine import texts

    await demo.prepare(TUESDAY_TEN)
    await demo.install()
    answers: dict[str, str] = {}
    async with aiohttp.ClientSession() as http:
        for text in ("licences", "licences Logistiek", "copilot Logistiek", "copilot"):
            before = len(demo.seen())
            async with http.post(
                demo.server.make_url("/api/messages"),
                json=act.message(PLAYGROUND_USER, demo.connector.url, text),
            ) as response:
                assert response.status in (200, 202)
            answers[text] = texts(demo.seen()[before].cards[0])
    logistiek = answers["licences Logistiek"]
    assert "idle Copilot licences in Logistiek, €" in logistiek
    assert "a month" in logistiek
    assert "example prices" in logistiek
    assert "Idle licences, a month" in answers["copilot Logistiek"]
    assert "A habit (12 of the 28 days)" in answers["copilot"]
    # The organisation's card says where the idle Copilot licences are, per department.
    assert "Idle Copilot licences per department" in answers["copilot"]
    assert "Logistiek" in answers["copilot"]
    assert "of 17 idle · €" in answers["copilot"]
    assert "Paid for, assigned to nobody" in answers["licences"]
