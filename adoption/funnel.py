"""The adoption funnel: deployment (licensed, provisioned) versus adoption (active, habitual).

Stages, per person and per workload, as of a report date D:

- **licensed**: the person holds a licence for the workload (service plan, or the report's
  own licence column) on an enabled account. Disabled accounts are left out of the population.
- **provisioned** (installed/activated): licensed and, for client workloads (Teams, Microsoft
  365 Apps), a client seen in the device or activation report of this snapshot or of one in
  the 180 days before (an installed client does not vanish in a quiet week); for web-first
  services the licence on an enabled account is the provisioning. Activity also proves
  provisioning.
- **active**: licensed and any activity in the 28 days ending at D.
- **habitual**: active in at least 3 of the 4 seven-day weeks ending at D (weeks D-6..D,
  D-13..D-7, ...). Evidence is every activity date seen in the snapshots of those 28 days,
  carried from snapshot to snapshot (adoption.history).

A scenario counts in the same way: licensed/provisioned for *all* workloads it requires,
active when *any* of its signals was seen in a snapshot of the 28 days (a signal is dated by
the snapshot's report date, since its counts cover the report period ending there), habitual
when signals were seen in at least 3 of the 4 weeks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Literal

from adoption.history import (
    WINDOW,
    Evidence,
    PersonHistory,
    lane_weeks,
    signal_lane,
    week_flags,
    workload_lane,
)
from adoption.scenarios import Scenario
from adoption.scopes import TENANT, Scope, leaf, suppressed_scopes
from adoption.signals import CLIENT_WORKLOADS, SIGNALS, WORKLOADS, PersonUsage

ACTIVE_DAYS = WINDOW
HABIT_MIN_WEEKS = 3


class Stage(IntEnum):
    """A person's furthest stage for one workload or scenario; each implies the previous."""

    NOT_LICENSED = 0
    LICENSED = 1
    PROVISIONED = 2
    ACTIVE = 3
    HABITUAL = 4


SubjectKind = Literal["workload", "scenario"]


@dataclass(frozen=True, slots=True, order=True)
class Subject:
    """What a funnel is about: a workload (`teams`) or a scenario (`meet_in_teams`)."""

    kind: SubjectKind
    key: str


@dataclass(frozen=True, slots=True)
class FunnelCounts:
    """People per stage (cumulative: `active` includes the habitual). `habitual` is None
    when it cannot be known (concealed reports give no per-person history)."""

    population: int
    licensed: int
    provisioned: int
    active: int
    habitual: int | None


@dataclass(frozen=True, slots=True)
class FunnelRow:
    """One published funnel; `counts` is None when the group is suppressed (below k)."""

    scope: Scope
    subject: Subject
    counts: FunnelCounts | None


def stage_of(licensed: bool, provisioned: bool, weeks: int) -> Stage:
    """The funnel stage from licence, provisioning and the weeks with activity."""
    if not licensed:
        return Stage.NOT_LICENSED
    if not weeks:
        return Stage.PROVISIONED if provisioned else Stage.LICENSED
    return Stage.HABITUAL if weeks.bit_count() >= HABIT_MIN_WEEKS else Stage.ACTIVE


# What a person's stages depend on: licence and provisioning masks, then per workload and
# per scenario the weeks with activity. Many people share one profile, so stages are
# computed once per profile and counted with its multiplicity.
Profile = tuple[int, int, tuple[int, ...], tuple[int, ...]]


class _Weeks(dict[int, tuple[tuple[int, ...], tuple[int, ...]]]):
    """week flags of a person's evidence -> (weeks per workload, weeks per scenario);
    memoised: people's evidence differs by the day, but few patterns of weeks occur."""

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        super().__init__()
        self.workloads = [(workload_lane(i),) for i in range(len(WORKLOADS))]
        self.scenarios = [
            tuple(signal_lane(SIGNALS.index(signal)) for signal in item.signals)
            for item in scenarios
        ]

    def __missing__(self, flags: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        weeks = self[flags] = (
            tuple(lane_weeks(flags, lanes) for lanes in self.workloads),
            tuple(lane_weeks(flags, lanes) for lanes in self.scenarios),
        )
        return weeks


def _profile(
    person: PersonUsage, history: PersonHistory, evidence: Evidence, weeks: _Weeks
) -> Profile:
    workload_weeks, scenario_weeks = weeks[week_flags(history.days)]
    return person.licensed, evidence.provisioned(person, history), workload_weeks, scenario_weeks


_NEEDS_CLIENT = tuple(w in CLIENT_WORKLOADS for w in WORKLOADS)


def _profile_stages(profile: Profile, scenarios: Sequence[Scenario]) -> list[Stage]:
    """Stages per workload (order of WORKLOADS), then per scenario."""
    licensed, provisioned, workload_weeks, scenario_weeks = profile
    stages: list[Stage] = []
    for index, weeks in enumerate(workload_weeks):
        bit = 1 << index
        ready = bool(provisioned & bit) or not _NEEDS_CLIENT[index]
        stages.append(stage_of(bool(licensed & bit), ready, weeks))
    for item, weeks in zip(scenarios, scenario_weeks, strict=True):
        required = item.requires_mask
        ready = all(stages[WORKLOADS.index(w)] >= Stage.PROVISIONED for w in item.requires)
        stages.append(stage_of(licensed & required == required, ready, weeks))
    return stages


def person_stages(
    person: PersonUsage,
    history: PersonHistory,
    as_of: date,
    scenarios: Sequence[Scenario],
) -> tuple[list[Stage], list[Stage]]:
    """Stages of one person as of `as_of`, from their evidence up to then (`history`, see
    adoption.history): one per workload (order of WORKLOADS), one per scenario."""
    profile = _profile(person, history, Evidence(as_of), _Weeks(scenarios))
    stages = _profile_stages(profile, scenarios)
    return stages[: len(WORKLOADS)], stages[len(WORKLOADS) :]


# counts per stage threshold: [population, licensed, provisioned, active, habitual]
Tally = dict[tuple[str, str], dict[Subject, list[int]]]


def subjects(scenarios: Sequence[Scenario]) -> list[Subject]:
    """Every subject a funnel is computed for, workloads first."""
    return [Subject("workload", w.value) for w in WORKLOADS] + [
        Subject("scenario", s.key) for s in scenarios
    ]


def tally_people(
    people: Iterable[PersonUsage],
    histories: Iterable[PersonHistory],
    as_of: date,
    scenarios: Sequence[Scenario],
) -> Tally:
    """Stage counts per (department, wave) leaf; disabled accounts are not counted.
    `histories` holds each person's evidence as of `as_of`, in the order of `people`.

    People are first counted per (leaf, profile), a C-speed Counter over small tuples; the
    stages are then worked out once per distinct profile."""
    evidence = Evidence(as_of)
    weeks = _Weeks(scenarios)
    profiles: Counter[tuple[tuple[str, str], Profile]] = Counter(
        (leaf(person.department, person.wave), _profile(person, history, evidence, weeks))
        for person, history in zip(people, histories, strict=True)
        if person.enabled
    )
    names = subjects(scenarios)
    stages_of: dict[Profile, list[Stage]] = {}
    tally: Tally = {}
    for (cell, profile), number in profiles.items():
        counts = tally.get(cell)
        if counts is None:
            counts = tally[cell] = {name: [0, 0, 0, 0, 0] for name in names}
        stages = stages_of.get(profile)
        if stages is None:
            stages = stages_of[profile] = _profile_stages(profile, scenarios)
        for name, stage in zip(names, stages, strict=True):
            row = counts[name]
            for threshold in range(stage + 1):
                row[threshold] += number
    return tally


def _counts(row: list[int], with_habit: bool = True) -> FunnelCounts:
    return FunnelCounts(row[0], row[1], row[2], row[3], row[4] if with_habit else None)


def publish(tally: Tally, k: int) -> list[FunnelRow]:
    """Roll leaves up to departments, waves and the tenant, then apply the minimum group
    size `k` with complementary suppression across every total (see adoption.privacy)."""
    totals: dict[Scope, dict[Subject, list[int]]] = {}
    for (department, wave), counts in tally.items():
        for scope in (TENANT, Scope("wave", wave), Scope("department", department)):
            target = totals.setdefault(scope, {})
            for name, row in counts.items():
                acc = target.setdefault(name, [0, 0, 0, 0, 0])
                for i, value in enumerate(row):
                    acc[i] += value
    people = {cell: next(iter(counts.values()))[0] for cell, counts in tally.items()}
    hidden = suppressed_scopes(people, k)
    rows: list[FunnelRow] = []
    for scope in sorted(totals):
        for name in sorted(totals[scope]):
            figures = None if scope in hidden else _counts(totals[scope][name])
            rows.append(FunnelRow(scope, name, figures))
    return rows


def tenant_only(per_workload: Mapping[str, list[int]], population: int, k: int) -> list[FunnelRow]:
    """Tenant-level workload funnels when names are concealed: no joins across reports, so
    no departments, waves, scenarios or habit. `per_workload` holds [licensed, provisioned,
    active] per workload value, each counted from that workload's own report."""
    rows: list[FunnelRow] = []
    for workload in WORKLOADS:
        counts = per_workload.get(workload.value)
        if counts is None:
            continue
        licensed, provisioned, active = counts
        visible = population >= k
        figures = FunnelCounts(population, licensed, provisioned, active, None)
        rows.append(
            FunnelRow(TENANT, Subject("workload", workload.value), figures if visible else None)
        )
    return rows
