"""Teams sends an installationUpdate and a conversationUpdate for one install, often at the
same moment: both turns succeed, and the person is welcomed once."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.integration.bot.conftest import RunningBot


async def test_both_activities_of_a_first_install_at_once_welcome_once(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    people = [User(f"0b7c3e2a-9999-4c4c-9a9a-{n:012d}") for n in range(10)]

    with caplog.at_level("INFO"):
        for user in people:
            answers = await asyncio.gather(
                bot.post(act.installation(user, bot.service_url)),
                bot.post(act.bot_added(user, bot.service_url)),
            )
            assert [a.status for a in answers] == [202, 202]

    assert not [r.getMessage() for r in caplog.records if r.getMessage().startswith("turn.")]
    for user in people:
        sent = bot.connector.sent_to(user.conversation_id)
        assert [len(s.cards) for s in sent] == [1]  # the welcome, and no apology
