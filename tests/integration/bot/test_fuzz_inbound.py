"""Ten thousand generated activities, invokes and card payloads against one running bot.

On SQLite, and a quarter as many on PostgreSQL, whose column sizes SQLite does not enforce
(the run that found a 17-character locale failing an install there).

Over real HTTP to the aiohttp test server, in batches: Hypothesis draws a batch of probes
(tests/integration/bot/hostile.py); the hostile ones are sent first, concurrently, and must
each get a 4xx while the database and the fake connector stay exactly as they were; then the
plausible ones, which may get any answer below 500. Across the whole run nothing is logged
with a traceback or at ERROR, and afterwards the bot still answers.

One event loop and one app for the whole run: building a bot per example would cost more
than the examples.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from adoption.audience import Audience
from adoption.clock import utc_now
from store import checkins
from store.base import Base
from tests.conftest import fresh_database
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.fakes.connector import FakeConnector
from tests.integration.bot.conftest import RunningBot, start_bot
from tests.integration.bot.hostile import Probe, probes
from uptake.settings import BotCredentials

BATCH_SIZE = 20
SQLITE_BATCHES = 500  # 10,000 probes
POSTGRES_BATCHES = 125  # 2,500 probes

log = logging.getLogger("tests.fuzz")
PG = pytest.mark.postgres
PEOPLE = [
    User("0b7c3e2a-1111-4c4c-9a9a-000000000001", "Alice Peeters", "nl-BE"),
    User("0b7c3e2a-2222-4c4c-9a9a-000000000002", "Bruno Lambert", "fr-BE"),
    User("0b7c3e2a-3333-4c4c-9a9a-000000000003", "Chloe Martin", "en-GB"),
]


class Trouble(logging.Handler):
    """Keeps every record with a traceback, and our own and the web server's errors.

    (The SDK logs a connector's 404 at ERROR, without a traceback: that is the channel's
    answer to a serviceUrl that points nowhere, which plausible probes do on purpose.)
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        ours = record.name.startswith(("uptake", "aiohttp"))
        if record.exc_info or record.stack_info or (ours and record.levelno >= logging.ERROR):
            self.records.append(record)


@pytest.fixture
def trouble() -> Iterator[Trouble]:
    handler = Trouble()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


@asynccontextmanager
async def running_bot(backend: str, tmp_path: Path) -> AsyncIterator[tuple[RunningBot, int]]:
    async with fresh_database(backend, tmp_path) as url, bot_on(url, tmp_path) as running:
        yield running


@asynccontextmanager
async def bot_on(url: str, tmp_path: Path) -> AsyncIterator[tuple[RunningBot, int]]:
    connector = FakeConnector()
    await connector.start()
    runtime, server = await start_bot(url, tmp_path, connector, BotCredentials({}))
    try:
        async with aiohttp.ClientSession() as http:
            bot = RunningBot(runtime, server, http, connector)
            for user in PEOPLE:  # installed, then asked: answers to this run are stored
                await bot.post(act.installation(user, connector.url))
            async with runtime.sessions.begin() as session:
                opened = await checkins.open_run(
                    session,
                    template_key="pulse",
                    audience=Audience.everyone(),
                    now=utc_now(),
                    open_for=timedelta(days=7),
                    min_group_size=3,
                )
            yield bot, opened.run_id
    finally:
        await server.close()
        await runtime.close()
        await connector.close()


async def fingerprint(bot: RunningBot) -> tuple[int, str]:
    """Everything stored and sent: the connector's count and a digest of every table's rows."""
    await bot.runtime.answers.flush()
    await bot.runtime.audit.flush()
    digest = hashlib.sha256()
    async with bot.runtime.sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            digest.update(repr(sorted(map(repr, rows))).encode())
    return len(bot.connector.received), digest.hexdigest()


async def send(bot: RunningBot, probe: Probe) -> int:
    response = await bot.http.post(
        bot.server.make_url("/api/messages"),
        data=probe.body,
        headers={"Content-Type": probe.content_type},
    )
    await response.read()
    return response.status


@pytest.mark.parametrize(
    ("backend", "batches"),
    [("sqlite", SQLITE_BATCHES), pytest.param("postgresql", POSTGRES_BATCHES, marks=PG)],
)
def test_generated_hostile_input_never_gets_a_5xx_a_traceback_or_a_stored_change(
    backend: str,
    batches: int,
    tmp_path: Path,
    trouble: Trouble,
    clean_environ: None,
    request: pytest.FixtureRequest,
) -> None:
    if backend == "postgresql" and not request.getfixturevalue("postgres_available"):
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (required when CI=true)")
    loop = asyncio.new_event_loop()
    context = running_bot(backend, tmp_path)
    bot, run_id = loop.run_until_complete(context.__aenter__())
    tally: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    began = time.perf_counter()
    try:

        @settings(
            max_examples=batches,
            deadline=None,
            database=None,
            # One app for all examples is the point; big bodies (413s) are drawn on purpose.
            suppress_health_check=[
                HealthCheck.function_scoped_fixture,
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.large_base_example,
            ],
        )
        @given(
            st.lists(probes(bot.connector.url, run_id), min_size=BATCH_SIZE, max_size=BATCH_SIZE)
        )
        def batch(items: list[Probe]) -> None:
            loop.run_until_complete(check(items))

        async def check(items: list[Probe]) -> None:
            trouble.records.clear()  # each example answers for its own records (shrinking)
            hostile = [p for p in items if p.hostile]
            plausible = [p for p in items if not p.hostile]
            before = await fingerprint(bot)
            refused = await asyncio.gather(*(send(bot, p) for p in hostile))
            assert await fingerprint(bot) == before, "a refused probe changed something"
            for probe, status in zip(hostile, refused, strict=True):
                assert 400 <= status < 500, (status, probe)
            answered = await asyncio.gather(*(send(bot, p) for p in plausible))
            for probe, status in zip(plausible, answered, strict=True):
                assert status < 500, (status, probe)
            tally.update(p.hostile or "plausible" for p in items)
            statuses.update(refused + answered)
            assert not trouble.records, [r.getMessage() for r in trouble.records]

        batch()
        elapsed = time.perf_counter() - began

        # Still alive, and still right: a plain question gets its card.
        alive = loop.run_until_complete(bot.post(act.message(PEOPLE[0], bot.connector.url, "help")))
        assert alive.status == 202
        assert bot.connector.sent_to(PEOPLE[0].conversation_id)[-1].cards
    finally:
        loop.run_until_complete(context.__aexit__(None, None, None))
        loop.close()

    log.info(
        "fuzz.summary backend=%s probes=%s seconds=%.1f statuses=%s classes=%s",
        backend,
        sum(tally.values()),
        elapsed,
        dict(sorted(statuses.items())),
        dict(sorted(tally.items())),
    )
    assert sum(tally.values()) >= batches * BATCH_SIZE
    assert not [s for s in statuses if s >= 500]
