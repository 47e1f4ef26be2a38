"""Pacing: Retry-After in both forms, bounded backoff, and a rate that backs off and recovers."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from adoption.pacing import (
    MAX_RETRY_AFTER_SECONDS,
    AdaptiveRate,
    backoff_seconds,
    retry_after_header,
    retry_after_seconds,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        ("1.5", 1.5),
        (" 3 ", 3.0),
        ("-4", 0.0),
        ("Tue, 01 Dec 2026 12:00:30 GMT", 30.0),
        ("Tue, 01 Dec 2026 11:59:00 GMT", 0.0),
        ("999999", MAX_RETRY_AFTER_SECONDS),
        ("inf", MAX_RETRY_AFTER_SECONDS),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


def test_retry_after_header_is_found_whatever_its_case() -> None:
    assert retry_after_header({"retry-after": "2"}) == 2.0
    assert retry_after_header({"Content-Type": "x"}) is None
    assert retry_after_header(None) is None


def test_backoff_grows_and_stays_bounded() -> None:
    rng = random.Random(1)
    assert all(0 <= backoff_seconds(1, rng) < 2 for _ in range(50))
    assert all(0 <= backoff_seconds(40, rng) <= 600 for _ in range(50))


def test_a_throttle_halves_the_rate_once_per_burst_and_it_recovers() -> None:
    rate = AdaptiveRate(ceiling=40, recovery_seconds=10)
    assert rate.current(0) == 40
    assert rate.throttled(100) == 20
    assert rate.throttled(100.5) == pytest.approx(22)  # same burst: recovering, not halved
    assert rate.current(105) == pytest.approx(40)
    assert rate.throttled(106) == 20
    for second in range(107, 120):
        rate.throttled(float(second))
    assert rate.current(120) >= rate.floor
