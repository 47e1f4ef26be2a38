"""The activity fields the SDK trips on are checked first; what Teams sends passes."""

from __future__ import annotations

from typing import Any

import pytest

from bot.inbound import Refused, activity_from
from tests.fakes import activities as act
from tests.fakes.activities import User

ALICE = User("0b7c3e2a-1111-4c4c-9a9a-000000000001")


@pytest.mark.parametrize(
    "service_url",
    [
        "https://smba.trafficmanager.net/emea/",
        "https://smba.trafficmanager.net/amer/",
        "https://smba.infra.gcc.teams.microsoft.com/",
        "https://smba.trafficmanager.net/teams/",
        "http://localhost:56150",
        "http://[::1]:3978/",
        "HTTPS://SMBA.TRAFFICMANAGER.NET/emea/",
    ],
)
def test_service_urls_teams_and_the_playground_send_pass(service_url: str) -> None:
    activity = activity_from(act.message(ALICE, service_url, "help"))
    assert activity.service_url == service_url


def test_teams_activities_pass_unchanged() -> None:
    for body in (
        act.installation(ALICE, "https://smba.trafficmanager.net/emea/"),
        act.bot_added(ALICE, "https://smba.trafficmanager.net/emea/"),
        act.card_action(ALICE, "https://smba.trafficmanager.net/emea/", "v", {"run": 1}),
        act.card_submit(ALICE, "https://smba.trafficmanager.net/emea/", {"verb": "v"}, "1:1ab"),
    ):
        assert activity_from(body).type == body["type"]


def test_a_bot_recipient_role_passes() -> None:
    body: dict[str, Any] = act.message(ALICE, "https://smba.trafficmanager.net/emea/", "hi")
    body["recipient"]["role"] = "bot"
    recipient = activity_from(body).recipient
    assert recipient is not None
    assert recipient.role == "bot"


def test_the_first_problem_is_named_without_the_value() -> None:
    body: dict[str, Any] = act.message(ALICE, "https://user:hunter2@example.test/", "hi")
    with pytest.raises(Refused) as refused:
        activity_from(body)
    assert "serviceUrl" in refused.value.message
    assert "hunter2" not in str(refused.value.body())


def test_pydantic_details_carry_fields_not_values() -> None:
    body: dict[str, Any] = act.message(ALICE, "https://smba.trafficmanager.net/emea/", "hi")
    body["locale"] = {"secret": "alice@contoso.example"}
    with pytest.raises(Refused) as refused:
        activity_from(body)
    assert refused.value.details == [
        {"field": "locale", "problem": "Input should be a valid string"}
    ]
    assert "contoso" not in str(refused.value.body())
