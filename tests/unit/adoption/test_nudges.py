"""Nudges, spotlights and weekly tips: the rules in docs/metrics.md, on made-up groups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from adoption.funnel import FunnelCounts, Subject
from adoption.nudges import detect, spotlight
from adoption.tip_plan import choose_tip
from adoption.weekly import WeeklyMoment, iso_week, within_working_hours

TEAMS = Subject("workload", "teams")
COAUTHOR = Subject("scenario", "coauthor_instead_of_attachments")
D = date(2026, 11, 30)


def _series(*points: tuple[int, int, int]) -> list[tuple[date, FunnelCounts | None]]:
    """(licensed, active, habitual) of 100 people, one per week ending at D."""
    start = D - timedelta(weeks=len(points) - 1)
    return [
        (start + timedelta(weeks=i), FunnelCounts(100, lic, lic, act, hab))
        for i, (lic, act, hab) in enumerate(points)
    ]


def test_a_drop_in_active_use_is_a_nudge() -> None:
    nudge = detect("HR", {TEAMS: _series((95, 70, 30), (95, 68, 30), (95, 60, 29))})
    assert nudge is not None and nudge.kind == "drop"
    assert round(nudge.movement.change, 2) == -0.10


def test_a_deployed_group_whose_habit_stands_still_is_stalling() -> None:
    flat = _series((95, 60, 30), (95, 61, 30), (95, 60, 31), (95, 62, 31))
    nudge = detect("HR", {COAUTHOR: flat})
    assert nudge is not None and nudge.kind == "stall"


def test_no_nudge_while_licences_are_still_rolling_out_or_habit_grows() -> None:
    rolling_out = _series((40, 30, 10), (45, 31, 10), (50, 32, 10), (55, 33, 10))
    growing = _series((95, 60, 20), (95, 64, 24), (95, 68, 28), (95, 72, 32))
    adopted = _series((95, 90, 70), (95, 90, 70), (95, 90, 70), (95, 90, 70))
    assert (
        detect("HR", {TEAMS: rolling_out, COAUTHOR: growing, Subject("workload", "x"): adopted})
        is None
    )


def test_a_hidden_group_yields_nothing() -> None:
    hidden: list[tuple[date, FunnelCounts | None]] = [
        (D - timedelta(weeks=w), None) for w in (3, 2, 1, 0)
    ]
    assert detect("Directie", {TEAMS: hidden}) is None
    assert spotlight({"Directie": {TEAMS: hidden}}) is None


def test_the_spotlight_is_the_largest_rise_in_habit_among_neighbours() -> None:
    small = _series((95, 60, 20), (95, 60, 21), (95, 60, 22), (95, 60, 24))
    big = _series((95, 60, 20), (95, 64, 26), (95, 68, 30), (95, 72, 35))
    found = spotlight({"HR": {TEAMS: small}, "IT": {COAUTHOR: big}})
    assert found is not None and found.group == "IT" and found.subject == COAUTHOR
    assert round(found.change, 2) == 0.15


@dataclass(frozen=True)
class _Tip:
    key: str
    scenario: str


TIPS = [_Tip("a1", "a"), _Tip("a2", "a"), _Tip("b1", "b"), _Tip("c1", "c")]


def test_tips_go_to_where_the_group_lags_and_skip_what_it_adopted() -> None:
    habit = {"a": 0.7, "b": 0.1, "c": 0.3}
    first = choose_tip(TIPS, [], habit)
    assert first is not None and first.key == "b1"
    second = choose_tip(TIPS, ["b1"], habit)
    assert second is not None and second.key == "c1"


def test_no_tip_repeats_until_every_fitting_tip_was_sent() -> None:
    sent: list[str] = []
    for _ in range(4):
        tip = choose_tip(TIPS, sent, {})
        assert tip is not None
        sent.append(tip.key)
    assert sorted(sent) == ["a1", "a2", "b1", "c1"]
    again = choose_tip(TIPS, sent, {})
    assert again is not None and again.key == sent[0]  # the one sent longest ago


def test_a_nudges_scenario_goes_first() -> None:
    tip = choose_tip(TIPS, [], {"b": 0.1}, prefer_scenario="c")
    assert tip is not None and tip.key == "c1"


def test_monday_nine_is_local_on_both_sides_of_the_autumn_change() -> None:
    moment = WeeklyMoment.parse("monday", 9)
    before = moment.in_week_of(date(2026, 10, 21), "Europe/Brussels")  # week before the change
    after = moment.in_week_of(date(2026, 10, 28), "Europe/Brussels")
    assert before == datetime(2026, 10, 19, 7, 0, tzinfo=UTC)  # CEST, UTC+2
    assert after == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # CET, UTC+1
    assert iso_week(date(2026, 10, 26)) == "2026-W44"


def test_a_weekly_message_is_this_weeks_until_a_day_late_then_next_weeks() -> None:
    moment = WeeklyMoment(0, time(9, 0))
    monday_nine = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    brussels = "Europe/Brussels"
    assert moment.next_due(monday_nine - timedelta(hours=3), brussels) == ("2026-W50", monday_nine)
    # Sunday evening: tomorrow's, not last week's.
    assert moment.next_due(monday_nine - timedelta(hours=12), brussels)[0] == "2026-W50"
    assert moment.next_due(monday_nine + timedelta(hours=20), brussels)[0] == "2026-W50"
    assert moment.next_due(monday_nine + timedelta(days=2), brussels) == (
        "2026-W51",
        monday_nine + timedelta(days=7),
    )


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 12, 7, 5, 17), datetime(2026, 12, 7, 9, 0)),  # Monday, after the sync
        (datetime(2026, 12, 8, 11, 0), datetime(2026, 12, 8, 11, 0)),  # Tuesday morning: now
        (datetime(2026, 12, 11, 17, 30), datetime(2026, 12, 14, 9, 0)),  # Friday evening
        (datetime(2026, 12, 12, 10, 0), datetime(2026, 12, 14, 9, 0)),  # Saturday
        (datetime(2026, 3, 28, 12, 0), datetime(2026, 3, 30, 9, 0)),  # over the spring change
    ],
)
def test_a_nudge_ready_outside_working_hours_waits_for_the_next_working_morning(
    local: datetime, expected: datetime
) -> None:
    brussels = ZoneInfo("Europe/Brussels")
    moment = within_working_hours(local.replace(tzinfo=brussels), "Europe/Brussels", time(9))
    assert moment == expected.replace(tzinfo=brussels)
