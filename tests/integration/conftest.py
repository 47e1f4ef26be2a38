"""Fixtures the integration tests share: the fake Bot Connector on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.connector import FakeConnector


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.close()
