"""Connector statuses become meanings in one place; the sender decides from the type."""

from __future__ import annotations

import random

import aiohttp
import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from adoption.pacing import MAX_BACKOFF_SECONDS, backoff_seconds
from bot.connector import (
    PermanentFailure,
    RecipientGone,
    Throttled,
    TransientFailure,
    classify,
)


def _error(status: int, body: str = "", **headers: str) -> aiohttp.ClientResponseError:
    info = aiohttp.RequestInfo(URL("http://127.0.0.1/v3"), "POST", CIMultiDictProxy(CIMultiDict()))
    return aiohttp.ClientResponseError(
        info, (), status=status, message=body, headers=CIMultiDictProxy(CIMultiDict(headers))
    )


def test_throttling_carries_retry_after() -> None:
    failure = classify(_error(429, **{"Retry-After": "7"}))
    assert isinstance(failure, Throttled)
    assert failure.retry_after == 7.0


def test_throttling_without_a_usable_retry_after_falls_back_to_backoff() -> None:
    failure = classify(_error(429, **{"Retry-After": "soon"}))
    assert isinstance(failure, Throttled)
    assert failure.retry_after is None


def test_blocked_bot_means_the_recipient_is_gone() -> None:
    body = '{"error": {"code": "MessageWritesBlocked", "message": "blocked"}}'
    assert isinstance(classify(_error(403, body)), RecipientGone)


def test_a_forbidden_without_the_sub_code_is_not_a_goodbye() -> None:
    assert isinstance(classify(_error(403, '{"error": {"code": "Forbidden"}}')), PermanentFailure)


@pytest.mark.parametrize("status", [412, 500, 502, 503, 504])
def test_microsofts_retryable_statuses_are_transient(status: int) -> None:
    assert isinstance(classify(_error(status)), TransientFailure)


@pytest.mark.parametrize("status", [400, 401, 404, 413])
def test_other_failures_are_permanent(status: int) -> None:
    assert isinstance(classify(_error(status)), PermanentFailure)


def test_backoff_grows_and_stays_bounded() -> None:
    rng = random.Random(1)
    early = max(backoff_seconds(1, rng) for _ in range(200))
    late = max(backoff_seconds(9, rng) for _ in range(200))
    assert early <= 2.0 < late
    assert all(0 <= backoff_seconds(30, rng) <= MAX_BACKOFF_SECONDS for _ in range(200))
