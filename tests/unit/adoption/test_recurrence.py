"""Recurrences keep their local wall time across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adoption.recurrence import Recurrence, RecurrenceError, parse_every, parse_start

BRUSSELS = "Europe/Brussels"


def test_every_two_weeks_on_monday_stays_at_ten_local_across_both_changes() -> None:
    # Monday 16 March 2026 10:00 (CET); clocks go forward on Sunday 29 March, back on 25 October.
    rule = Recurrence(datetime(2026, 3, 16, 10, 0), BRUSSELS, every_days=14)
    first, second = rule.occurrence(0), rule.occurrence(1)
    assert first == datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # UTC+1
    assert second == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # UTC+2 after the change
    autumn = rule.first_at_or_after(datetime(2026, 10, 20, tzinfo=UTC))
    assert autumn == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # back to UTC+1
    assert autumn.astimezone(rule.tz).hour == 10


def test_a_wall_time_in_the_spring_gap_fires_right_after_it() -> None:
    rule = Recurrence(datetime(2026, 3, 29, 2, 30), BRUSSELS)
    assert rule.occurrence(0).astimezone(rule.tz).replace(tzinfo=None) == datetime(
        2026, 3, 29, 3, 30
    )


def test_a_wall_time_that_exists_twice_fires_once_at_its_first_instance() -> None:
    rule = Recurrence(datetime(2026, 10, 25, 2, 30), BRUSSELS, every_days=1)
    day = rule.between(datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 10, 25, 23, tzinfo=UTC))
    assert day == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]


def test_between_lists_each_occurrence_once_and_in_order() -> None:
    rule = Recurrence(datetime(2026, 12, 7, 10, 0), BRUSSELS, every_days=7)
    weeks = rule.between(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
    assert [w.day for w in weeks] == [7, 14, 21, 28]
    assert rule.after(weeks[0]) == weeks[1]
    assert rule.first_at_or_after(weeks[1]) == weeks[1]


def test_a_one_off_has_no_next_occurrence() -> None:
    rule = Recurrence(datetime(2026, 12, 7, 10, 0), BRUSSELS)
    assert rule.after(rule.occurrence(0)) is None
    assert rule.first_at_or_after(rule.occurrence(0) + timedelta(days=1)) is None


@pytest.mark.parametrize(("text", "days"), [("1w", 7), ("2 weeks", 14), ("week", 7), ("3d", 3)])
def test_intervals_read_as_days(text: str, days: int) -> None:
    assert parse_every(text) == days


@pytest.mark.parametrize("text", ["", "fortnight", "0w", "999w", "-1d"])
def test_unreadable_intervals_are_refused(text: str) -> None:
    with pytest.raises(RecurrenceError):
        parse_every(text)


def test_a_start_without_offset_is_local_and_with_one_is_that_instant() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert parse_start("2026-12-07T10:00", BRUSSELS, now) == datetime(2026, 12, 7, 10, 0)
    assert parse_start("2026-12-07T10:00+00:00", BRUSSELS, now) == datetime(2026, 12, 7, 11, 0)
    assert parse_start("now", BRUSSELS, now) == datetime(2026, 12, 1, 13, 0)
    with pytest.raises(RecurrenceError):
        parse_start("next monday", BRUSSELS, now)


def test_rules_survive_json() -> None:
    rule = Recurrence(datetime(2026, 12, 7, 10, 0), BRUSSELS, every_days=14)
    assert Recurrence.from_json(rule.to_json()) == rule
    with pytest.raises(RecurrenceError):
        Recurrence.from_json({"start": "soon"})
