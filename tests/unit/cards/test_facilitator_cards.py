"""Facilitator cards read well: the status card leads with the gap, parts add up."""

from __future__ import annotations

from datetime import date

from adoption.funnel import FunnelCounts, Subject
from adoption.gaps import largest_gap
from adoption.scopes import TENANT
from adoption.views import FunnelLine, StatusView
from cards.facilitator import status_card, whole_percents

TEAMS = Subject("workload", "teams")
ONEDRIVE = Subject("workload", "onedrive")


def _view(*lines: tuple[Subject, FunnelCounts]) -> StatusView:
    return StatusView(
        report_date=date(2026, 11, 29),
        scope=TENANT,
        tenant_level_only=False,
        concealed_reason=None,
        hidden=False,
        workloads=tuple(FunnelLine(s, c) for s, c in lines),
        scenarios=(),
        origin="graph",
    )


def test_whole_percents_always_add_up_to_a_hundred() -> None:
    for parts in ([1, 1, 1], [2, 3, 5, 7, 11], [0, 0, 9], [240, 1, 0, 3]):
        assert sum(whole_percents(parts)) == 100
    assert whole_percents([0, 0]) == [0, 0]


def test_the_largest_gap_is_named_first_in_the_status_card() -> None:
    teams = FunnelCounts(100, 97, 90, 60, 27)  # habit loses 33 of 100
    onedrive = FunnelCounts(100, 100, 100, 95, 90)
    gap = largest_gap([(TEAMS, teams), (ONEDRIVE, onedrive)])
    assert gap is not None and gap.subject == TEAMS and gap.kind == "habit"

    card = status_card(_view((TEAMS, teams), (ONEDRIVE, onedrive)), "en", 5)
    lead = card["body"][2]
    assert (
        lead["text"] == "Teams: 97% licensed, 27% use it most weeks: the gap is habit, not access."
    )


def test_no_gap_is_named_when_every_step_keeps_almost_everyone() -> None:
    assert largest_gap([(TEAMS, FunnelCounts(100, 100, 99, 98, 96))]) is None


def test_missing_licences_are_a_decision_not_a_gap() -> None:
    copilot = Subject("workload", "copilot")
    gap = largest_gap([(copilot, FunnelCounts(100, 10, 10, 9, 8))])
    assert gap is None
