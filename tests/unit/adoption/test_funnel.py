"""The funnel: stages per person, the habit rule, scenarios, and published aggregates."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from adoption.funnel import (
    Stage,
    Subject,
    person_stages,
    publish,
    stage_of,
    tally_people,
)
from adoption.history import (
    EMPTY,
    Evidence,
    PersonHistory,
    lane_weeks,
    signal_lane,
    week_flags,
    workload_lane,
)
from adoption.scenarios import CatalogueError, Scenario, catalogue, parse_catalogue, scenario
from adoption.scopes import TENANT, Scope
from adoption.signals import SIGNALS, WORKLOADS, PersonUsage, Signal, Workload

D = date(2026, 11, 16)
TEAMS = WORKLOADS.index(Workload.TEAMS)
Earlier = tuple[int, PersonUsage]  # (days before D, what that snapshot showed)


def person(key: str = "p", department: str = "HR", **kw: object) -> PersonUsage:
    p = PersonUsage(key=key, department=department, wave="1")
    p.license(Workload.TEAMS)
    p.provision(Workload.TEAMS)
    for name, value in kw.items():
        setattr(p, name, value)
    return p


def past(days_ago: int, teams_day: date | None, signals: int = 0) -> Earlier:
    p = person()
    p.last_activity[TEAMS] = teams_day
    p.signals = signals
    return days_ago, p


def history_of(now: PersonUsage, earlier: Sequence[Earlier] = (), as_of: date = D) -> PersonHistory:
    """`now`'s evidence as of `as_of` after the earlier snapshots, each carried to the next
    as a sync does."""
    previous: PersonHistory | None = None
    previous_day: date | None = None
    for days_ago, seen in sorted(earlier, key=lambda e: -e[0]):
        day = as_of - timedelta(days=days_ago)
        gap = (day - previous_day).days if previous_day else 0
        previous, previous_day = Evidence(day).derive(seen, previous, gap), day
    gap = (as_of - previous_day).days if previous_day else 0
    return Evidence(as_of).derive(now, previous, gap)


def stages_of(
    now: PersonUsage, earlier: Sequence[Earlier] = (), scenarios: Sequence[Scenario] = ()
) -> tuple[list[Stage], list[Stage]]:
    return person_stages(now, history_of(now, earlier), D, scenarios)


def teams_weeks(history: PersonHistory) -> int:
    return lane_weeks(week_flags(history.days), [workload_lane(TEAMS)])


def test_weeks_are_counted_back_from_the_report_date() -> None:
    earlier = [
        past(7, D - timedelta(days=7)),
        past(27, D - timedelta(days=27)),
        past(28, D - timedelta(days=28)),
    ]
    now = person()
    now.active_on(Workload.TEAMS, D)
    assert teams_weeks(history_of(now, earlier)) == 0b1011


def test_evidence_carried_forward_is_what_reading_every_snapshot_gives() -> None:
    """Daily, weekly and irregular series: carrying one snapshot's evidence to the next
    equals the union over every snapshot of the 28 days (the rule as it reads)."""
    rng = random.Random(8)
    meet = scenario("meet_in_teams")
    meet_lanes = [signal_lane(SIGNALS.index(s)) for s in meet.signals]
    for _ in range(200):
        offsets = sorted(rng.sample(range(1, 60), rng.randrange(0, 12)), reverse=True)
        earlier: list[Earlier] = []
        for days_ago in offsets:
            lag = rng.randrange(0, 7)
            day = D - timedelta(days=days_ago + lag) if rng.random() < 0.7 else None
            signals = meet.signal_mask if rng.random() < 0.5 else 0
            earlier.append(past(days_ago, day, signals))
        now = person()
        history = history_of(now, earlier)
        expected_activity = expected_signals = 0
        for days_ago, seen in earlier:
            day = seen.last_activity[TEAMS]
            if day is not None and (D - day).days < 28:
                expected_activity |= 1 << ((D - day).days // 7)
            if seen.signals and days_ago < 28:
                expected_signals |= 1 << (days_ago // 7)
        assert teams_weeks(history) == expected_activity
        assert lane_weeks(week_flags(history.days), meet_lanes) == expected_signals


def test_unlicensed_is_never_further_than_not_licensed() -> None:
    assert stage_of(False, True, 0b1111) is Stage.NOT_LICENSED


def test_active_in_three_of_four_weeks_is_habitual() -> None:
    p = person()
    p.active_on(Workload.TEAMS, D - timedelta(days=1))
    history = [past(7, D - timedelta(days=8)), past(21, D - timedelta(days=22))]
    stages, _ = stages_of(p, history)
    assert stages[TEAMS] is Stage.HABITUAL


def test_active_in_two_weeks_is_active_not_habitual() -> None:
    p = person()
    p.active_on(Workload.TEAMS, D - timedelta(days=1))
    stages, _ = stages_of(p, [past(7, D - timedelta(days=8))])
    assert stages[TEAMS] is Stage.ACTIVE


def test_activity_older_than_28_days_is_not_active() -> None:
    p = person()
    p.active_on(Workload.TEAMS, D - timedelta(days=40))
    stages, _ = stages_of(p)
    assert stages[TEAMS] is Stage.PROVISIONED


def test_teams_without_a_client_is_licensed_only() -> None:
    p = PersonUsage(key="x")
    p.license(Workload.TEAMS)
    stages, _ = stages_of(p)
    assert stages[TEAMS] is Stage.LICENSED


def quiet(**kw: object) -> PersonUsage:
    """Licensed for Teams, no client seen and no activity in this snapshot."""
    p = PersonUsage(key="q", department="HR", wave="1")
    p.license(Workload.TEAMS)
    for name, value in kw.items():
        setattr(p, name, value)
    return p


def test_a_client_seen_five_weeks_ago_keeps_the_person_provisioned_but_not_active() -> None:
    then = quiet()
    then.provision(Workload.TEAMS)
    then.active_on(Workload.TEAMS, D - timedelta(days=36))
    later = quiet()  # the snapshot in between saw nothing
    stages, _ = stages_of(quiet(), [(35, then), (14, later)])
    assert stages[TEAMS] is Stage.PROVISIONED


def test_a_client_unseen_for_half_a_year_no_longer_counts_as_installed() -> None:
    then = quiet()
    then.provision(Workload.TEAMS)
    stages, _ = stages_of(quiet(), [(180, then), (90, quiet())])
    assert stages[TEAMS] is Stage.LICENSED


def test_scenario_counts_its_signals_per_week() -> None:
    meet = scenario("meet_in_teams")
    p = person()
    p.saw(Signal.TEAMS_MEETING)
    bit = meet.signal_mask
    history = [past(7, None, bit), past(14, None, bit)]
    _, stages = stages_of(p, history, [meet])
    assert stages == [Stage.HABITUAL]
    _, stages = stages_of(person(), history[:1], [meet])
    assert stages == [Stage.ACTIVE]


def test_published_counts_add_up_and_small_departments_are_hidden() -> None:
    people = [person(f"a{i}", "Big") for i in range(12)]
    people += [person(f"b{i}", "Mid") for i in range(6)]
    people += [person(f"c{i}", "Tiny") for i in range(2)]
    for p in people[:9]:
        p.active_on(Workload.TEAMS, D)
    rows = publish(tally_people(people, [history_of(p) for p in people], D, catalogue()), k=5)
    teams = {r.scope: r.counts for r in rows if r.subject == Subject("workload", "teams")}
    tenant = teams[TENANT]
    assert tenant is not None
    assert tenant.population == 20
    assert tenant.active == 9
    assert teams[Scope("department", "Tiny")] is None
    # Tiny alone hidden would be tenant minus the others: the next smallest goes too.
    assert teams[Scope("department", "Mid")] is None
    assert teams[Scope("department", "Big")] is not None


def test_disabled_accounts_are_not_in_the_population() -> None:
    people = [person(f"a{i}") for i in range(6)] + [person("gone", enabled=False)]
    rows = publish(tally_people(people, [EMPTY] * len(people), D, ()), k=5)
    [tenant] = [r for r in rows if r.scope == TENANT and r.subject.key == "teams"]
    assert tenant.counts is not None
    assert tenant.counts.population == 6


def test_catalogue_is_localised_in_three_languages() -> None:
    items = catalogue()
    assert {"meet_in_teams", "chat_instead_of_mail", "coauthor_instead_of_attachments",
            "share_from_onedrive", "use_copilot"} <= {s.key for s in items}  # fmt: skip
    for item in items:
        assert len({item.title("nl"), item.title("fr"), item.title("en")}) == 3
        assert item.title("de") == item.title("en")


def test_catalogue_with_unknown_signal_is_refused() -> None:
    bad = {"scenarios": [{"key": "x", "requires": ["teams"], "signals": ["teams.telepathy"],
                          "title": {}, "description": {}}]}  # fmt: skip
    with pytest.raises(CatalogueError, match="'x'"):
        parse_catalogue(bad)
