"""A runtime on a clock the test moves, people with conversations on the fake connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store.tables import Person
from tests.fakes.connector import FakeConnector
from tests.integration.bot.conftest import SECRET
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings

START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday 09:00 in Brussels
FACILITATOR = "fien@contoso.be"  # gets the weekly digest once the bot knows her


class SimClock:
    """Stands still until the test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Engine:
    runtime: Runtime
    clock: SimClock
    connector: FakeConnector


def reference(person_id: str, connector: FakeConnector) -> dict[str, object]:
    return {
        "conversation": {"id": f"conv-{person_id}"},
        "serviceUrl": connector.url,
        "channelId": "msteams",
        "bot": {"id": "28:bot"},
        "user": {"id": person_id},
        "locale": "en-GB",
    }


async def add_people(
    engine: Engine, count: int, department: str = "Verkoop", prefix: str = "p"
) -> list[str]:
    ids = [f"{prefix}{i:05d}" for i in range(count)]
    async with engine.runtime.sessions.begin() as session:
        session.add_all(
            Person(
                id=pid,
                department=department,
                locale="en-GB",
                conversation=reference(pid, engine.connector),
            )
            for pid in ids
        )
    return ids


@pytest.fixture
async def engine(
    database_url: str, tmp_path: Path, connector: FakeConnector, clean_environ: None
) -> AsyncIterator[Engine]:
    clock = SimClock()
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret=SECRET,  # type: ignore[arg-type]
        min_group_size=3,
        send_rate_per_second=200,
        facilitators=(FACILITATOR,),
        # The daily usage sync falls due in simulated weeks: from an empty export folder.
        reports_dir=tmp_path,
    )
    runtime = await Runtime.start(settings, BotCredentials({}), migrate=True, clock=clock)
    yield Engine(runtime, clock, connector)
    await runtime.close()
