"""Idle licences, their cost, and the minimum group size counted in holders (hand counts)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from adoption.licences import (
    COPILOT,
    DepartmentIdle,
    Holder,
    LicenceCounts,
    LicenceRow,
    copilot_idle_by_department,
    idle_costs,
    is_idle,
    publish_licences,
    tally_holders,
)
from adoption.prices import read_prices
from adoption.scopes import TENANT, Scope
from adoption.signals import Workload

AS_OF = date(2026, 11, 29)
RECENT = AS_OF - timedelta(days=3)
LONG_AGO = AS_OF - timedelta(days=40)


def _holder(department: str, wave: str, *skus: str, copilot: date | None = None,
            teams: date | None = None) -> Holder:  # fmt: skip
    return Holder(
        department, wave, frozenset(skus), {Workload.COPILOT: copilot, Workload.TEAMS: teams}
    )


def test_a_copilot_licence_without_copilot_activity_for_28_days_is_idle() -> None:
    assert is_idle(COPILOT, {Workload.COPILOT: None}, AS_OF) is True
    assert is_idle(COPILOT, {Workload.COPILOT: AS_OF - timedelta(days=28)}, AS_OF) is True
    assert is_idle(COPILOT, {Workload.COPILOT: AS_OF - timedelta(days=27)}, AS_OF) is False
    # Teams use does not make a Copilot licence used.
    assert is_idle(COPILOT, {Workload.COPILOT: None, Workload.TEAMS: RECENT}, AS_OF) is True


def test_a_suite_is_used_when_any_of_its_services_is_and_visio_has_no_signal() -> None:
    assert is_idle("SPE_E3", {Workload.TEAMS: None, Workload.EXCHANGE: RECENT}, AS_OF) is False
    assert is_idle("SPE_E3", {Workload.EXCHANGE: LONG_AGO}, AS_OF) is True
    assert is_idle("VISIOCLIENT", {Workload.APPS: None}, AS_OF) is None


def test_hand_counted_idle_holders_per_department_wave_and_tenant() -> None:
    people = [
        # Logistiek (wave 3): 6 Copilot holders, 4 of them idle.
        *[_holder("Logistiek", "3", COPILOT, copilot=RECENT) for _ in range(2)],
        *[_holder("Logistiek", "3", COPILOT, copilot=LONG_AGO) for _ in range(3)],
        _holder("Logistiek", "3", COPILOT),
        # IT (wave 1): 5 holders, 1 idle; and 7 Visio users no report covers.
        *[_holder("IT", "1", COPILOT, "VISIOCLIENT", copilot=RECENT) for _ in range(4)],
        _holder("IT", "1", COPILOT, "VISIOCLIENT"),
        *[_holder("IT", "1", "VISIOCLIENT") for _ in range(2)],
    ]
    rows = publish_licences(tally_holders(people, AS_OF), k=5)
    found = {(r.scope, r.sku): r.counts for r in rows}

    assert found[(Scope("department", "Logistiek"), COPILOT)] == LicenceCounts(6, 4)
    assert found[(Scope("department", "IT"), COPILOT)] == LicenceCounts(5, 1)
    assert found[(Scope("wave", "3"), COPILOT)] == LicenceCounts(6, 4)
    assert found[(TENANT, COPILOT)] == LicenceCounts(11, 5)
    assert found[(Scope("department", "IT"), "VISIOCLIENT")] == LicenceCounts(7, None)


def test_a_group_under_k_holders_is_hidden_with_its_complement() -> None:
    people = [
        *[_holder("Logistiek", "3", COPILOT) for _ in range(2)],  # 2 holders: would name them
        *[_holder("Productie", "3", COPILOT, copilot=RECENT) for _ in range(6)],
        *[_holder("Verkoop", "1", COPILOT, copilot=RECENT) for _ in range(9)],
    ]
    rows = publish_licences(tally_holders(people, AS_OF), k=5)
    found = {(r.scope, r.sku): r.counts for r in rows}

    assert found[(Scope("department", "Logistiek"), COPILOT)] is None
    # Wave 3 minus Productie would give Logistiek: Productie is hidden too.
    assert found[(Scope("department", "Productie"), COPILOT)] is None
    assert found[(Scope("department", "Verkoop"), COPILOT)] == LicenceCounts(9, 0)
    assert found[(TENANT, COPILOT)] == LicenceCounts(17, 2)
    # ... and the tenant minus the visible departments is both hidden ones together (8 >= k).


def test_idle_cost_is_price_times_idle_costliest_first() -> None:
    prices = read_prices("sku,monthly_price,currency\nMicrosoft_365_Copilot,28.10,EUR\n")
    assert prices.prices is not None
    people = [
        *[_holder("Logistiek", "3", COPILOT, "SPE_E3", teams=RECENT) for _ in range(14)],
        *[_holder("Logistiek", "3", "SPE_E3", teams=RECENT) for _ in range(3)],
    ]
    rows = publish_licences(tally_holders(people, AS_OF), k=5)

    (copilot, suite) = idle_costs(rows, Scope("department", "Logistiek"), prices.prices.monthly)

    assert (copilot.sku, copilot.holders, copilot.idle) == (COPILOT, 14, 14)
    assert copilot.idle_monthly == Decimal("393.40")
    assert (suite.sku, suite.idle, suite.idle_monthly) == ("SPE_E3", 0, None)  # no price given


def test_idle_cost_leads_the_headline_only_when_it_is_the_largest_gap() -> None:
    from decimal import Decimal

    from adoption.funnel import Subject
    from adoption.gaps import Gap, IdleCost, idle_cost_leads

    teams_start = Gap(Subject("workload", "teams"), "start", 0.9, 0.9, 0.6)  # loses 30 points
    idle = IdleCost(COPILOT, 14, 0.35, Decimal("393.40"), "EUR")
    assert idle_cost_leads(teams_start, idle)
    assert not idle_cost_leads(teams_start, IdleCost(COPILOT, 4, 0.10, Decimal(112), "EUR"))
    assert idle_cost_leads(None, idle)
    # A rounding error of a group, or licences that cost nothing, lead nothing.
    assert not idle_cost_leads(None, IdleCost(COPILOT, 1, 0.01, Decimal(28), "EUR"))
    assert not idle_cost_leads(None, IdleCost(COPILOT, 14, 0.35, Decimal(0), "EUR"))


def test_the_status_headline_names_the_idle_cost_when_it_leads() -> None:
    from decimal import Decimal

    from adoption.gaps import IdleCost
    from cards.facilitator import headline

    element = headline(None, "en", IdleCost(COPILOT, 14, 0.35, Decimal("393.40"), "EUR"))
    assert element is not None
    assert element["text"] == (
        "Microsoft 365 Copilot: 14 licences lie idle, €393 a month (35% of the group): "
        "the largest gap is paid licences nobody uses."
    )


def test_the_fast_tally_counts_exactly_like_the_plain_one() -> None:
    import random
    from datetime import timedelta

    from adoption.licences import PAYS_FOR, tally_by_index
    from adoption.signals import WORKLOADS

    rng = random.Random(12)
    skus = [*PAYS_FOR, "VISIOCLIENT", "POWER_BI_PRO"]
    holders = []
    for _ in range(2000):
        last = [
            None if rng.random() < 0.3 else AS_OF - timedelta(days=rng.randrange(60))
            for _ in WORKLOADS
        ]
        held = frozenset(rng.sample(skus, rng.randrange(1, 4)))
        days = (rng.randrange(29), rng.randrange(200)) if rng.random() < 0.8 else None
        holders.append(
            Holder(
                rng.choice(["A", "B", None]),
                rng.choice(["1", None]),
                held,
                dict(zip(WORKLOADS, last, strict=True)),
                days,
            )
        )
    fast = tally_by_index(
        (
            (
                h.department,
                h.wave,
                " ".join(sorted(h.skus)),
                [h.last_activity[w] for w in WORKLOADS],
                h.copilot_days,
            )
            for h in holders
        ),
        AS_OF,
    )
    assert fast == tally_holders(holders, AS_OF)


def test_idle_copilot_per_department_lists_shown_departments_with_idle_ones_most_first() -> None:
    rows = [
        LicenceRow(TENANT, COPILOT, LicenceCounts(30, 20)),
        LicenceRow(Scope("department", "Logistiek"), COPILOT, LicenceCounts(17, 15)),
        LicenceRow(Scope("department", "IT"), COPILOT, LicenceCounts(11, 2)),
        LicenceRow(Scope("department", "HR"), COPILOT, None),  # hidden: never listed
        LicenceRow(Scope("department", "Verkoop"), COPILOT, LicenceCounts(6, 0)),
        LicenceRow(Scope("wave", "3"), COPILOT, LicenceCounts(17, 15)),
        LicenceRow(Scope("department", "IT"), "SPE_E3", LicenceCounts(20, 3)),
    ]
    found = copilot_idle_by_department(rows, {COPILOT: Decimal("28.10")})
    assert found == [
        DepartmentIdle("Logistiek", 17, 15, Decimal("421.50")),
        DepartmentIdle("IT", 11, 2, Decimal("56.20")),
    ]
    assert [d.monthly for d in copilot_idle_by_department(rows, {})] == [None, None]
