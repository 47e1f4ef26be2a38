"""Accepted activities with odd values: the turn copes, stores what fits, logs no traceback."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.tables import Person
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.integration.bot.conftest import RunningBot


async def test_an_install_with_values_no_client_sends_still_stores_the_person(
    bot: RunningBot, alice: User
) -> None:
    activity = act.installation(alice, bot.service_url)
    activity["locale"] = "\U0001f600" * 20  # PostgreSQL refused the whole install for this
    activity["from"]["name"] = "A" * 1000
    activity["conversation"]["tenantId"] = "t" * 65

    response = await bot.post(activity)

    assert response.status == 202
    async with bot.runtime.sessions() as session:
        person = (await session.scalars(select(Person))).one()
    assert person.id == alice.aad_object_id
    assert person.locale is None
    assert person.display_name == "A" * 256
    assert person.tenant_id == act.TENANT  # from channelData, which fits
    assert bot.connector.sent_to(alice.conversation_id)[0].cards  # the welcome


async def test_a_sender_id_too_long_for_a_directory_id_is_no_person(
    bot: RunningBot, alice: User
) -> None:
    activity = act.installation(alice, bot.service_url)
    activity["from"]["aadObjectId"] = "a" * 65

    response = await bot.post(activity)

    assert response.status == 202
    async with bot.runtime.sessions() as session:
        assert (await session.scalars(select(Person))).all() == []


async def test_a_service_url_that_does_not_answer_is_a_warning_not_a_traceback(
    bot: RunningBot, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    activity = act.message(alice, "http://127.0.0.1:1/", "help")

    with caplog.at_level("INFO"):
        response = await bot.post(activity)

    assert response.status == 202
    assert not [r for r in caplog.records if r.exc_info or r.stack_info]
    failed = [r for r in caplog.records if r.getMessage().startswith("turn.failed")]
    assert [r.levelname for r in failed] == ["WARNING"]
    assert "ClientConnectorError" in failed[0].getMessage()
