"""No group under k can be read from any published view, directly or by subtraction.

Random organisations (departments, waves, people per (department, wave) cell, answers, usage,
licences) go through every function that publishes group figures: the usage funnels behind
the status, scenario, waves, trend and digest cards (`adoption.funnel.publish`, and
`tenant_only` for concealed reports), check-in results behind the results card, the status
card's sentiment and the thank-you card (`adoption.results.summarise`), and the licence and
Copilot cards (`adoption.licences.publish_licences`). Every other card and the digest only
read these published rows (a hidden row has no figures).

What a reader learns from one view is the size of each visible group, and every figure of a
group adds up over its people. So a set of people is exposed when its membership vector (over
the (department, wave) cells) is a linear combination of the visible groups' vectors: e.g.
a wave minus its visible departments, or the tenant minus the other waves. The test computes
that span exactly (fractions) and fails on any exposed set of 1 to k-1 people.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from fractions import Fraction
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from adoption.checkin import shipped_template
from adoption.funnel import publish, tally_people, tenant_only
from adoption.history import derive_all
from adoption.licences import COPILOT, Holder, publish_licences, tally_holders
from adoption.results import Answered, summarise
from adoption.scenarios import catalogue
from adoption.scopes import TENANT, Scope, leaf, suppressed_scopes
from adoption.signals import SIGNALS, WORKLOADS, PersonUsage, Workload

AS_OF = date(2026, 11, 30)
Cell = tuple[str, str]
# Raw (department, wave) as a person record holds them; None is "not known".
RAW_DEPARTMENTS = [None, "Sales", "Finance", "HR", "Legal"]
RAW_WAVES = [None, "1", "2", "3"]

organisations = st.dictionaries(
    st.tuples(st.sampled_from(RAW_DEPARTMENTS), st.sampled_from(RAW_WAVES)),
    st.integers(0, 30),
    max_size=7,
)
minimum_sizes = st.integers(3, 8)
seeds = st.integers(0, 2**32 - 1)


def members(scope: Scope, cells: Iterable[Cell]) -> frozenset[Cell]:
    if scope == TENANT:
        return frozenset(cells)
    index = 0 if scope.kind == "department" else 1
    return frozenset(c for c in cells if c[index] == scope.key)


def _reduce(vector: list[Fraction], basis: list[tuple[int, list[Fraction]]]) -> list[Fraction]:
    vector = list(vector)
    for pivot, row in basis:
        if vector[pivot]:
            factor = vector[pivot]
            vector = [v - factor * r for v, r in zip(vector, row, strict=True)]
    return vector


def exposed_sets(
    visible: Mapping[Scope, int], cell_sizes: Mapping[Cell, int], k: int
) -> list[tuple[frozenset[Cell], int]]:
    """Every set of 1..k-1 people whose figures follow from the visible groups' figures."""
    cells = sorted(c for c, n in cell_sizes.items() if n > 0)
    basis: list[tuple[int, list[Fraction]]] = []
    for scope in visible:
        inside = members(scope, cells)
        row = _reduce([Fraction(int(c in inside)) for c in cells], basis)
        pivot = next((i for i, v in enumerate(row) if v), None)
        if pivot is None:
            continue
        row = [v / row[pivot] for v in row]
        basis = [(p, _reduce(r, [(pivot, row)])) for p, r in basis]
        basis.append((pivot, row))
    found: list[tuple[frozenset[Cell], int]] = []
    for size in range(1, len(cells) + 1):
        for chosen in combinations(cells, size):
            people = sum(cell_sizes[c] for c in chosen)
            if not 0 < people < k:
                continue
            vector = [Fraction(int(c in chosen)) for c in cells]
            if not any(_reduce(vector, basis)):
                found.append((frozenset(chosen), people))
    return found


def remainders(
    visible: Mapping[Scope, int], cell_sizes: Mapping[Cell, int]
) -> list[tuple[str, frozenset[Cell], int]]:
    """What one subtraction leaves: a visible group minus its visible departments (or waves),
    minus any one of them, and the tenant minus visible waves and the visible departments
    outside them ("everyone minus wave 1 minus Sales")."""
    cells = [c for c, n in cell_sizes.items() if n > 0]
    groups = {scope: members(scope, cells) for scope in visible}
    found: list[tuple[str, frozenset[Cell], int]] = []

    def left(label: str, whole: frozenset[Cell], taken: Iterable[frozenset[Cell]]) -> None:
        rest = whole.difference(*taken)
        found.append((label, rest, sum(cell_sizes[c] for c in rest)))

    for parent, inside in groups.items():
        for kind in ("department", "wave"):
            children = [g for s, g in groups.items() if s.kind == kind and s != parent]
            children = [g for g in children if g < inside]
            left(f"{parent} minus its {kind}s", inside, children)
            for child in children:
                left(f"{parent} minus one {kind}", inside, [child])
    if TENANT in groups:
        waves = [g for s, g in groups.items() if s.kind == "wave"]
        for size in range(1, len(waves) + 1):
            for chosen in combinations(waves, size):
                covered = frozenset().union(*chosen)
                outside = [
                    g for s, g in groups.items() if s.kind == "department" and not g & covered
                ]
                left("tenant minus waves and departments", groups[TENANT], [*chosen, *outside])
    return found


def assert_nothing_under_k(
    view: str, visible: Mapping[Scope, int], cell_sizes: Mapping[Cell, int], k: int
) -> None:
    cells = [c for c, n in cell_sizes.items() if n > 0]
    for scope, shown in visible.items():
        assert shown == sum(cell_sizes[c] for c in members(scope, cells)), (view, scope)
        assert shown >= k, f"{view}: {scope} shows {shown} people, k={k}"
    for label, rest, people in remainders(visible, cell_sizes):
        assert people == 0 or people >= k, f"{view}: {label} leaves {people}: {sorted(rest)}"
    # And the exact check: no set of fewer than k people lies in the span of what is shown.
    assert_nothing_derivable(view, visible, cell_sizes, k)


def assert_nothing_derivable(
    view: str, visible: Mapping[Scope, int], cell_sizes: Mapping[Cell, int], k: int
) -> None:
    exposed = exposed_sets(visible, cell_sizes, k)
    assert not exposed, f"{view}: derivable by subtraction from {sorted(visible)}: {exposed}"


def _leaf_sizes(organisation: Mapping[tuple[str | None, str | None], int]) -> dict[Cell, int]:
    return {leaf(d, w): n for (d, w), n in organisation.items() if n > 0}


def _people(
    organisation: Mapping[tuple[str | None, str | None], int], rng: random.Random
) -> list[PersonUsage]:
    people: list[PersonUsage] = []
    for (department, wave), n in organisation.items():
        for i in range(n + rng.randint(0, 2)):
            # The extra ones are disabled accounts: never in a population.
            person = PersonUsage(f"{department}-{wave}-{i}", department, wave, enabled=i < n)
            for workload in WORKLOADS:
                if rng.random() < 0.8:
                    person.license(workload)
                if rng.random() < 0.6:
                    person.provision(workload)
                if rng.random() < 0.5:
                    person.active_on(workload, AS_OF - timedelta(days=rng.randint(0, 40)))
            for signal in SIGNALS:
                if rng.random() < 0.2:
                    person.saw(signal)
            people.append(person)
    return people


@settings(max_examples=300, deadline=None)
@given(organisations, minimum_sizes, seeds)
def test_no_usage_funnel_exposes_a_group_under_k(
    organisation: dict[tuple[str | None, str | None], int], k: int, seed: int
) -> None:
    rng = random.Random(seed)
    people = _people(organisation, rng)
    tally = tally_people(people, derive_all(people, {}, 0, AS_OF), AS_OF, catalogue())
    rows = publish(tally, k)
    by_subject: dict[object, dict[Scope, int]] = {}
    for row in rows:
        if row.counts is not None and row.scope.shown:
            by_subject.setdefault(row.subject, {})[row.scope] = row.counts.population
    # One suppression for every subject of a group: the same groups are visible everywhere.
    assert len({tuple(sorted(v.items())) for v in by_subject.values()}) <= 1
    for subject, visible in by_subject.items():
        assert_nothing_under_k(f"funnel {subject}", visible, _leaf_sizes(organisation), k)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 40), minimum_sizes)
def test_concealed_reports_show_the_tenant_only_from_k(population: int, k: int) -> None:
    rows = tenant_only({w.value: [population, population, 0] for w in WORKLOADS}, population, k)
    for row in rows:
        assert row.scope == TENANT
        assert (row.counts is not None) == (population >= k)


PULSE = shipped_template("pulse")
BLOCKERS = [o.id for q in PULSE.questions if q.id == "blocker" for o in q.options]


@settings(max_examples=300, deadline=None)
@given(organisations, minimum_sizes, seeds)
def test_no_checkin_result_exposes_a_group_under_k(
    organisation: dict[tuple[str | None, str | None], int], k: int, seed: int
) -> None:
    rng = random.Random(seed)
    answers = [
        Answered(
            department,
            {
                "confidence": rng.randint(1, 5),
                "usefulness": rng.randint(1, 5),
                "blocker": rng.choice(BLOCKERS),
            },
            wave,
        )
        for (department, wave), n in organisation.items()
        for _ in range(n)
    ]
    results = summarise(PULSE, answers, k)
    visible: dict[Scope, int] = {}
    if results.overall is not None:
        visible[TENANT] = results.overall.respondents
    for scope, group in results.groups.items():
        assert scope.shown, scope
        visible[scope] = group.respondents
        for question in group.questions:
            # Free texts only for the whole run: a department's few texts are recognisable.
            assert not question.texts
    assert_nothing_under_k("check-in results", visible, _leaf_sizes(organisation), k)


SKUS = [COPILOT, "SPE_E3", "VISIOCLIENT"]


@settings(max_examples=200, deadline=None)
@given(organisations, minimum_sizes, seeds)
def test_no_licence_figure_exposes_a_group_under_k(
    organisation: dict[tuple[str | None, str | None], int], k: int, seed: int
) -> None:
    rng = random.Random(seed)
    holders: list[Holder] = []
    per_sku: dict[str, dict[Cell, int]] = {sku: {} for sku in SKUS}
    for (department, wave), n in organisation.items():
        for _ in range(n):
            skus = frozenset(s for s in SKUS if rng.random() < 0.6)
            for sku in skus:
                cell = leaf(department, wave)
                per_sku[sku][cell] = per_sku[sku].get(cell, 0) + 1
            last = {w: AS_OF - timedelta(days=rng.randint(0, 60)) for w in Workload}
            holders.append(Holder(department, wave, skus, last))
    visible: dict[str, dict[Scope, int]] = {}
    for row in publish_licences(tally_holders(holders, AS_OF), k):
        if row.counts is not None and row.scope.shown:
            visible.setdefault(row.sku, {})[row.scope] = row.counts.holders
    for sku, groups in visible.items():
        assert_nothing_under_k(f"licences {sku}", groups, per_sku[sku], k)


def test_the_checker_finds_a_wave_minus_its_visible_department() -> None:
    """The check itself can fail: wave 1 (12) minus Sales (10) leaves 2 people of HR."""
    cells = {("Sales", "1"): 10, ("HR", "1"): 2, ("HR", "2"): 8}
    visible = {
        TENANT: 20,
        Scope("wave", "1"): 12,
        Scope("wave", "2"): 8,
        Scope("department", "Sales"): 10,
    }
    exposed = exposed_sets(visible, cells, 5)
    assert (frozenset({("HR", "1")}), 2) in exposed


def test_a_department_split_over_waves_cannot_be_read_in_a_wave() -> None:
    """Two HR key users in the pilot wave, the rest of HR later: wave 1 minus Sales is them."""
    organisation = {("Sales", "1"): 10, ("HR", "1"): 2, ("HR", "2"): 8}
    answers = [
        Answered(d, {"confidence": 3}, w) for (d, w), n in organisation.items() for _ in range(n)
    ]
    results = summarise(PULSE, answers, 5)
    visible = {s: g.respondents for s, g in results.groups.items()}
    if results.overall is not None:
        visible[TENANT] = results.overall.respondents
    assert_nothing_under_k("check-in results", visible, organisation, 5)


def test_an_intersection_of_a_department_and_a_wave_cannot_be_derived() -> None:
    organisation: dict[tuple[str | None, str | None], int] = {
        (None, "2"): 1,
        ("Sales", "2"): 2,
        ("Finance", None): 1,
        ("Finance", "1"): 2,
        ("Finance", "2"): 1,
    }
    answers = [
        Answered(d, {"confidence": 3}, w) for (d, w), n in organisation.items() for _ in range(n)
    ]
    results = summarise(PULSE, answers, 3)
    visible = {s: g.respondents for s, g in results.groups.items()}
    if results.overall is not None:
        visible[TENANT] = results.overall.respondents
    assert_nothing_under_k("check-in results", visible, _leaf_sizes(organisation), 3)
    assert_nothing_derivable("check-in results", visible, _leaf_sizes(organisation), 3)


def test_a_complement_is_chosen_so_that_hiding_does_not_cascade() -> None:
    """The demo's Copilot holders: hiding Productie (8) as HR's complement forced Logistiek (17)
    out beside it in wave 3; hiding wave 1 instead settles it, and both stay visible."""
    cells = {
        ("Financiën", "1"): 1,
        ("HR", "2"): 1,
        ("IT", "1"): 11,
        ("Logistiek", "3"): 17,
        ("Productie", "3"): 8,
        ("Verkoop", "1"): 4,
    }
    hidden = suppressed_scopes(cells, 5)
    assert Scope("department", "Logistiek") not in hidden
    assert Scope("department", "Productie") not in hidden
    scopes = [TENANT]
    scopes += [Scope("department", d) for d in {d for d, _ in cells}]
    scopes += [Scope("wave", w) for w in {w for _, w in cells}]
    visible = {s: sum(cells[c] for c in members(s, list(cells))) for s in scopes if s not in hidden}
    assert_nothing_under_k("licences", visible, cells, 5)
