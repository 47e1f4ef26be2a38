"""The funnel: stages per person, the habit rule, scenarios, and published aggregates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from adoption.funnel import (
    Stage,
    Subject,
    person_stages,
    publish,
    stage_of,
    tally_people,
    weeks_seen,
)
from adoption.scenarios import CatalogueError, catalogue, parse_catalogue, scenario
from adoption.scopes import TENANT, Scope
from adoption.signals import WORKLOADS, PastUsage, PersonUsage, Signal, Workload

D = date(2026, 11, 16)
TEAMS = WORKLOADS.index(Workload.TEAMS)


def person(key: str = "p", department: str = "HR", **kw: object) -> PersonUsage:
    p = PersonUsage(key=key, department=department, wave="1")
    p.license(Workload.TEAMS)
    p.provision(Workload.TEAMS)
    for name, value in kw.items():
        setattr(p, name, value)
    return p


def past(days_ago: int, teams_day: date | None, signals: int = 0) -> PastUsage:
    last: list[date | None] = [None] * len(WORKLOADS)
    last[TEAMS] = teams_day
    return PastUsage(D - timedelta(days=days_ago), tuple(last), signals)


def test_weeks_are_counted_back_from_the_report_date() -> None:
    days = [D, D - timedelta(days=7), D - timedelta(days=27), D - timedelta(days=28)]
    assert weeks_seen(days, D) == 0b1011


def test_unlicensed_is_never_further_than_not_licensed() -> None:
    assert stage_of(False, True, 0b1111) is Stage.NOT_LICENSED


def test_active_in_three_of_four_weeks_is_habitual() -> None:
    p = person()
    p.active_on(Workload.TEAMS, D - timedelta(days=1))
    history = [past(7, D - timedelta(days=8)), past(21, D - timedelta(days=22))]
    stages, _ = person_stages(p, history, D, ())
    assert stages[TEAMS] is Stage.HABITUAL


def test_active_in_two_weeks_is_active_not_habitual() -> None:
    p = person()
    p.active_on(Workload.TEAMS, D - timedelta(days=1))
    stages, _ = person_stages(p, [past(7, D - timedelta(days=8))], D, ())
    assert stages[TEAMS] is Stage.ACTIVE


def test_activity_older_than_28_days_is_not_active() -> None:
    p = person()
    p.active_on(Workload.TEAMS, D - timedelta(days=40))
    stages, _ = person_stages(p, [], D, ())
    assert stages[TEAMS] is Stage.PROVISIONED


def test_teams_without_a_client_is_licensed_only() -> None:
    p = PersonUsage(key="x")
    p.license(Workload.TEAMS)
    stages, _ = person_stages(p, [], D, ())
    assert stages[TEAMS] is Stage.LICENSED


def test_scenario_counts_its_signals_per_week() -> None:
    meet = scenario("meet_in_teams")
    p = person()
    p.saw(Signal.TEAMS_MEETING)
    bit = meet.signal_mask
    history = [past(7, None, bit), past(14, None, bit)]
    _, stages = person_stages(p, history, D, [meet])
    assert stages == [Stage.HABITUAL]
    _, stages = person_stages(person(), history[:1], D, [meet])
    assert stages == [Stage.ACTIVE]


def test_published_counts_add_up_and_small_departments_are_hidden() -> None:
    people = [person(f"a{i}", "Big") for i in range(12)]
    people += [person(f"b{i}", "Mid") for i in range(6)]
    people += [person(f"c{i}", "Tiny") for i in range(2)]
    for p in people[:9]:
        p.active_on(Workload.TEAMS, D)
    rows = publish(tally_people(people, {}, D, catalogue()), k=5)
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
    rows = publish(tally_people(people, {}, D, ()), k=5)
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
