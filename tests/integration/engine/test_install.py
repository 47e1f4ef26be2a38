"""People who never opened the bot are reached: the app is installed for them through Graph,
the 1:1 chat found, its reference kept, and the message delivered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from adoption.audience import Audience
from store import checkins
from store.tables import Person
from tests.fakes.connector import FakeConnector
from tests.fakes.graph import TOKEN
from tests.fakes.graph_installs import FakeInstalls
from tests.integration.bot.conftest import SECRET
from tests.integration.engine.conftest import Engine, SimClock
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings

CATALOG = "a1b2c3d4-0000-4000-8000-00000000c47a"


@pytest.fixture
async def installs() -> AsyncIterator[FakeInstalls]:
    fake = FakeInstalls(CATALOG)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def reaching(
    database_url: str,
    tmp_path: Path,
    connector: FakeConnector,
    installs: FakeInstalls,
    clean_environ: None,
) -> AsyncIterator[Engine]:
    clock = SimClock()
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret=SECRET,  # type: ignore[arg-type]
        min_group_size=3,
        graph_base_url=installs.base_url,
        graph_token=SecretStr(TOKEN),
        teams_catalog_app_id=CATALOG,
        bot_service_url=connector.url,
    )
    runtime = await Runtime.start(settings, BotCredentials({}), migrate=True, clock=clock)
    yield Engine(runtime, clock, connector)
    await runtime.close()


async def _run_for_everyone(engine: Engine, *ids: str) -> None:
    async with engine.runtime.sessions.begin() as session:
        session.add_all(Person(id=pid, department="HR", locale="fr-BE") for pid in ids)
        await session.flush()
        await checkins.open_run(
            session,
            template_key="pulse",
            audience=Audience.everyone(),
            now=engine.clock(),
            open_for=timedelta(days=7),
            min_group_size=3,
        )


async def test_someone_who_never_opened_the_bot_is_installed_for_and_reached(
    reaching: Engine, installs: FakeInstalls
) -> None:
    installs.installed.add("already")  # installed before, by the Teams admin: 409
    await _run_for_everyone(reaching, "fresh", "already")

    report = await reaching.runtime.sender.drain()

    assert report.sent == 2
    assert {r.conversation_id for r in reaching.connector.received} == {
        "19:fresh_bot@unq.gbl.spaces",
        "19:already_bot@unq.gbl.spaces",
    }
    async with reaching.runtime.sessions() as session:
        fresh = await session.get(Person, "fresh")
    assert fresh is not None and fresh.install_state == "installed"
    assert fresh.conversation is not None
    assert fresh.conversation["serviceUrl"] == reaching.connector.url


async def test_a_refused_install_is_recorded_and_not_retried_the_same_day(
    reaching: Engine, installs: FakeInstalls
) -> None:
    installs.forbidden.add("locked")
    await _run_for_everyone(reaching, "locked")

    report = await reaching.runtime.sender.drain()
    async with reaching.runtime.sessions() as session:
        locked = await session.get(Person, "locked")

    assert report.outcomes == {"unreachable": 1}
    assert locked is not None and locked.install_state == "failed"
    assert locked.install_error == "http_403"
    assert reaching.connector.received == []
    installs_before = installs.calls["install"]
    assert reaching.runtime.installer is not None
    assert await reaching.runtime.installer("locked") is None
    assert installs.calls["install"] == installs_before


async def test_graph_busy_is_retried_not_given_up(reaching: Engine, installs: FakeInstalls) -> None:
    installs.busy.add("patient")
    await _run_for_everyone(reaching, "patient")

    first = await reaching.runtime.sender.drain()
    installs.busy.clear()
    reaching.clock.advance(minutes=15)
    second = await reaching.runtime.sender.drain()

    assert first.outcomes == {"retry": 1}
    assert second.sent == 1
