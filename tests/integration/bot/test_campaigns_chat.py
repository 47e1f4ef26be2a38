"""Facilitators plan campaigns in chat: the list, the form, its problems, pause and close;
nobody else may."""

from __future__ import annotations

from typing import Any

from tests.fakes import activities as act
from tests.integration.bot.conftest import RunningBot
from tests.integration.bot.test_facilitator import CARLA, EMPLOYEE, ask, fbot
from tests.integration.bot.test_spine import texts

__all__ = ["fbot"]  # the fixture, shared with the facilitator tests


async def _press(bot: RunningBot, verb: str, data: dict[str, Any], user: Any = CARLA) -> str:
    response = await bot.post(act.card_action(user, bot.service_url, verb, data))
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return texts(body["value"]) if isinstance(body["value"], dict) else str(body["value"])


GOOD = {
    "template": "pulse",
    "audience": "HR",
    "start_day": "2031-03-03",
    "start_time": "10:00",
    "every": "2w",
    "remind_after": "2,4",
    "close_after": "7",
}


async def test_a_facilitator_creates_a_campaign_from_the_form(fbot: RunningBot) -> None:
    listed = await ask(fbot, CARLA, "campaign")
    assert "There are no campaigns yet." in listed and "campaign.new" in listed
    form = await _press(fbot, "campaign.new", {})
    assert "New check-in campaign" in form and "Remind those who have not answered" in form

    created = await _press(fbot, "campaign.create", GOOD)

    assert "Campaign created" in created
    assert "every 2 weeks on Monday at 10:00, from 3 March 2031" in created
    listed = await ask(fbot, CARLA, "campaigns")
    assert "Campaign 1: Pulse check" in listed and "department HR" in listed
    assert "campaign.pause" in listed


async def test_a_bad_form_comes_back_with_every_problem_and_its_values(fbot: RunningBot) -> None:
    bad = {**GOOD, "audience": "Nowhere", "start_day": "2020-01-01", "remind_after": "9"}
    answer = await _press(fbot, "campaign.create", bad)
    assert "New check-in campaign" in answer
    assert "Start: 2020-01-01T10:00 is in the past" in answer
    assert "a reminder comes after day 0 and before closing (day 7): 9" in answer
    assert "2020-01-01" in answer  # the value is kept
    assert "There are no campaigns yet." in await ask(fbot, CARLA, "campaign")


async def test_pause_and_close_from_the_list(fbot: RunningBot) -> None:
    await _press(fbot, "campaign.create", GOOD)
    paused = await _press(fbot, "campaign.pause", {"campaign": 1})
    assert "paused" in paused and "campaign.resume" in paused
    closed = await ask(fbot, CARLA, "campaign close 1")
    assert "closed" in closed and "campaign.pause" not in closed
    status = await ask(fbot, CARLA, "campaign status 1")
    assert "No run sent yet." in status


async def test_an_employee_can_neither_list_nor_press(fbot: RunningBot) -> None:
    assert "Dit is voor facilitators" in await ask(fbot, EMPLOYEE, "campaign")
    refused = await _press(fbot, "campaign.create", GOOD, user=EMPLOYEE)
    assert "Dit is voor facilitators" in refused
    assert "There are no campaigns yet." in await ask(fbot, CARLA, "campaign")
