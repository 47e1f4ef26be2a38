"""A silent key host costs each token check a few seconds at most, never a queue: concurrent
checks share one fetch, a failure is remembered briefly, and a cached key never waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.openid_keys import FETCH_TIMEOUT_SECONDS, UNKNOWN_KEY_REFRESH_SECONDS, OpenIdKeys
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.fakes.connector import FakeConnector
from tests.fakes.openid import FakeOpenId
from tests.integration.bot.test_auth import SecuredBot, secured

TIMEOUT = 0.5  # the product default is FETCH_TIMEOUT_SECONDS; tests need not wait that long
SILENT = 24 * 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}"


@pytest.fixture
async def openid() -> AsyncIterator[FakeOpenId]:
    fake = FakeOpenId()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bot(
    database_url: str,
    tmp_path: Path,
    connector: FakeConnector,
    openid: FakeOpenId,
    clock: Clock,
    clean_environ: None,
) -> AsyncIterator[SecuredBot]:
    runtime, bot = await secured(
        database_url,
        tmp_path,
        connector,
        openid,
        keys=lambda url: OpenIdKeys(url, timeout=TIMEOUT, clock=clock),
    )
    yield bot
    await bot.http.close()
    await bot.server.close()
    await runtime.close()


async def answer(bot: SecuredBot, user: User, token: str) -> tuple[int, float]:
    activity = act.card_action(user, bot.service_url, "checkin.answer", {"run": 1})
    began = time.perf_counter()
    response = await bot.post_with(activity, f"Bearer {token}")
    return response.status, time.perf_counter() - began


def test_the_product_bound_is_seconds_not_the_sdks_thirty() -> None:
    assert FETCH_TIMEOUT_SECONDS <= 5


async def test_concurrent_checks_share_one_fetch(bot: SecuredBot, alice: User) -> None:
    bot.openid.delay = 0.1  # both requests together stay under TIMEOUT

    results = await asyncio.gather(*(answer(bot, alice, bot.token()) for _ in range(8)))

    assert [status for status, _ in results] == [200] * 8
    assert bot.openid.hits == {"metadata": 1, "keys": 1}


async def test_a_silent_key_host_gives_503_within_the_bound_for_all_at_once(
    bot: SecuredBot, alice: User
) -> None:
    bot.openid.delay = SILENT
    forged = [bot.token(kid=f"key-forged-{n}") for n in range(4)]

    began = time.perf_counter()
    results = await asyncio.gather(*(answer(bot, alice, token) for token in forged))
    elapsed = time.perf_counter() - began

    assert [status for status, _ in results] == [503] * 4
    # One shared deadline, not four in a row (the SDK took 30, 60, 90, 120 s).
    assert elapsed < 2 * TIMEOUT
    assert bot.openid.hits["metadata"] == 1
    assert bot.connector.received == []


async def test_after_a_failed_fetch_checks_fail_fast_without_a_new_fetch(
    bot: SecuredBot, alice: User, clock: Clock
) -> None:
    bot.openid.delay = SILENT
    assert (await answer(bot, alice, bot.token()))[0] == 503

    status, elapsed = await answer(bot, alice, bot.token())

    assert status == 503
    assert elapsed < TIMEOUT / 2
    assert bot.openid.hits["metadata"] == 1

    clock.now += 11  # the failure is remembered for a few seconds, then fetching resumes
    bot.openid.delay = 0
    assert (await answer(bot, alice, bot.token()))[0] == 200
    assert bot.openid.hits["metadata"] == 2


async def test_tokens_refused_on_their_face_cost_no_fetch(bot: SecuredBot, alice: User) -> None:
    bot.openid.delay = SILENT
    faces = [
        bot.token(kid=None, signed_by="key-1"),
        bot.openid.unsigned_token("x", bot.service_url),
        bot.openid.hmac_token("x", bot.service_url),
    ]

    results = await asyncio.gather(*(answer(bot, alice, token) for token in faces))

    assert [status for status, _ in results] == [401] * 3
    assert bot.openid.hits == {}


async def test_a_cached_key_never_waits_for_a_refresh(
    bot: SecuredBot, alice: User, clock: Clock
) -> None:
    assert (await answer(bot, alice, bot.token()))[0] == 200
    clock.now += UNKNOWN_KEY_REFRESH_SECONDS + 1
    bot.openid.delay = SILENT

    # An unknown key earns a refresh (keys roll over); it waits on the silent host...
    unknown = asyncio.create_task(answer(bot, alice, bot.token(kid="key-rolled-over")))
    await asyncio.sleep(0.05)
    # ...while a token signed with a key in the cache is answered at once.
    status, elapsed = await answer(bot, alice, bot.token())

    assert status == 200
    assert elapsed < TIMEOUT / 2
    assert not unknown.done()
    # The refresh failed, the keys we had are kept: the unknown key is simply unknown.
    assert (await unknown)[0] == 401
    assert (await answer(bot, alice, bot.token()))[0] == 200


async def test_keys_are_refreshed_daily_and_kept_when_the_refresh_fails(
    bot: SecuredBot, alice: User, clock: Clock
) -> None:
    assert (await answer(bot, alice, bot.token()))[0] == 200
    clock.now += 24 * 3600 + 1
    bot.openid.delay = SILENT

    status, _ = await answer(bot, alice, bot.token())

    assert status == 200  # stale but good keys beat no keys
    assert bot.openid.hits["metadata"] == 2


async def test_a_check_given_up_does_not_cancel_the_fetch_others_wait_on(
    openid: FakeOpenId,
) -> None:
    openid.delay = 0.1
    keys = OpenIdKeys(openid.metadata_url, timeout=TIMEOUT)
    given_up = asyncio.create_task(keys.issuer_and_key("key-1"))
    waiting = asyncio.create_task(keys.issuer_and_key("key-1"))
    await asyncio.sleep(0.05)

    given_up.cancel()
    issuer, key = await waiting

    assert issuer == openid.issuer
    assert key is not None
    assert key.endorsements == frozenset({"msteams"})
    assert openid.hits == {"metadata": 1, "keys": 1}
    await keys.close()
