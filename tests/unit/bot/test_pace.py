"""Send pacing: evenly spaced, never over the limit in any window, per chat as Teams counts."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time

import pytest

from bot.pace import CATCH_UP_SECONDS, MARGIN, ChatPace, Gate, GlobalPace


def _run(pace: GlobalPace, until: float, step: float = 0.0001) -> list[float]:
    """Start a send whenever the pace allows, as a sender with an endless queue would."""
    starts: list[float] = []
    now = 0.0
    while now < until:
        if pace.delay(now) == 0:
            pace.started(now)
            starts.append(now)
        now += step
    return starts


def _most_in_any_window(starts: list[float], window: float) -> int:
    most, first = 0, 0
    for last, at in enumerate(starts):
        while starts[first] <= at - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_sends_are_spaced_evenly_at_the_rate() -> None:
    starts = _run(GlobalPace(50), until=10.0, step=0.001)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    interval = 1 / (50 * (1 - MARGIN))
    assert statistics.median(gaps) == pytest.approx(interval, abs=0.001)
    assert min(gaps) >= interval - CATCH_UP_SECONDS - 0.001  # never earlier than the catch-up
    assert 0.98 * (1 - MARGIN) * 50 * 10 <= len(starts) <= (1 - MARGIN) * 50 * 10


def test_no_window_ever_holds_more_than_the_limit() -> None:
    for rate in (7, 50, 500):
        starts = _run(GlobalPace(rate), until=5.0)
        assert _most_in_any_window(starts, 1.0) <= rate * (1 - MARGIN) + 1e-9, rate


def test_a_pause_is_not_made_up_with_a_burst() -> None:
    pace = GlobalPace(500)
    for i in range(100):
        pace.started(i / 500)
    # Idle for a second, then an endless queue: the first 10 ms hold the catch-up's few
    # sends and the regular ones, not the 50 a bucket refilled for 0.1 s would allow.
    starts = _run_from(pace, 1.2, 1.21)
    assert len(starts) <= CATCH_UP_SECONDS * 500 + 0.01 * 500 + 2


def _run_from(pace: GlobalPace, start: float, until: float) -> list[float]:
    starts: list[float] = []
    now = start
    while now < until:
        if pace.delay(now) == 0:
            pace.started(now)
            starts.append(now)
        now += 0.0001
    return starts


def test_a_lower_rate_spaces_sends_further_apart() -> None:
    pace = GlobalPace(500)
    pace.set_rate(100)
    starts = _run(pace, until=2.0)
    assert 190 <= len(starts) <= 200


def test_the_rate_never_goes_above_the_ceiling() -> None:
    pace = GlobalPace(50)
    pace.set_rate(5000)
    assert len(_run(pace, until=2.0)) <= 100


def test_a_chat_gets_at_most_seven_a_second_eight_in_two_sixty_in_thirty() -> None:
    chat = ChatPace()
    starts: list[float] = []
    now = 0.0
    while now < 60:
        if chat.delay(now) == 0:
            chat.started(now)
            starts.append(now)
        now += 0.01
    assert _most_in_any_window(starts, 1.0) <= 7
    assert _most_in_any_window(starts, 2.0) <= 8
    assert _most_in_any_window(starts, 30.0) <= 60
    assert len(starts) >= 110  # and it does use what the windows allow


def test_a_new_chat_may_send_at_once() -> None:
    assert ChatPace().delay(123.0) == 0


async def test_the_gate_lets_concurrent_senders_through_at_the_rate() -> None:
    gate = Gate(GlobalPace(200))
    passed: list[float] = []

    async def sender() -> None:
        await gate.wait()
        passed.append(time.monotonic())

    began = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(60)))
    took = time.monotonic() - began
    assert len(passed) == 60
    assert 0.25 <= took < 2.0  # 60 sends at 200/s are ~0.3 s, not all at once (loaded CI: slack)


async def test_a_cancelled_waiter_does_not_block_the_gate() -> None:
    gate = Gate(GlobalPace(20))
    await gate.wait()
    stuck = asyncio.create_task(gate.wait())
    await asyncio.sleep(0)
    stuck.cancel()
    async with asyncio.timeout(1.0):
        await gate.wait()


def test_sends_planned_for_later_count_for_those_who_ask_meanwhile() -> None:
    chat = ChatPace()
    for _ in range(7):
        chat.started(0.0)
    wait = chat.delay(0.1)
    assert wait == pytest.approx(0.9)
    chat.started(0.1 + wait)  # the eighth, planned for t=1.0
    # A ninth asking at the same moment must not plan for t=1.0 too: 8 in 2 s is the limit.
    assert chat.delay(0.1) == pytest.approx(1.9)
