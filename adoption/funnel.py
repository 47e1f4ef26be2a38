"""The adoption funnel: deployment (licensed, provisioned) versus adoption (active, habitual).

Stages, per person and per workload, as of a report date D:

- **licensed**: the person holds a licence for the workload (service plan, or the report's
  own licence column) on an enabled account. Disabled accounts are left out of the population.
- **provisioned** (installed/activated): licensed and, for client workloads (Teams, Microsoft
  365 Apps), a client seen in the device or activation report; for web-first services the
  licence on an enabled account is the provisioning. Activity also proves provisioning.
- **active**: licensed and any activity in the 28 days ending at D.
- **habitual**: active in at least 3 of the 4 seven-day weeks ending at D (weeks D-6..D,
  D-13..D-7, ...). Evidence is every activity date seen in the snapshots of those 28 days.

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

from adoption.scenarios import Scenario
from adoption.scopes import TENANT, Scope, leaf, suppressed_scopes
from adoption.signals import CLIENT_WORKLOADS, WORKLOADS, PastUsage, PersonUsage

ACTIVE_DAYS = 28
WEEKS = ACTIVE_DAYS // 7
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


def weeks_seen(days: Iterable[date | None], as_of: date) -> int:
    """Bit w set when some day falls in week w before `as_of` (week 0 = the last 7 days)."""
    mask = 0
    for day in days:
        if day is None:
            continue
        age = (as_of - day).days
        if 0 <= age < ACTIVE_DAYS:
            mask |= 1 << (age // 7)
    return mask


def stage_of(licensed: bool, provisioned: bool, weeks: int) -> Stage:
    """The funnel stage from licence, provisioning and the weeks with activity."""
    if not licensed:
        return Stage.NOT_LICENSED
    if not weeks:
        return Stage.PROVISIONED if provisioned else Stage.LICENSED
    return Stage.HABITUAL if weeks.bit_count() >= HABIT_MIN_WEEKS else Stage.ACTIVE


class _Weeks(dict[date | None, int]):
    """day -> its week bit before `as_of` (0 outside the 28 days, or for None); memoised,
    as a snapshot holds few distinct days."""

    def __init__(self, as_of: date) -> None:
        super().__init__()
        self.as_of = as_of

    def __missing__(self, day: date | None) -> int:
        bits = self[day] = weeks_seen((day,), self.as_of)
        return bits


# What a person's stages depend on: licence and provisioning masks, then per workload and
# per scenario the weeks with activity. Many people share one profile, so stages are
# computed once per profile and counted with its multiplicity.
Profile = tuple[int, int, tuple[int, ...], tuple[int, ...]]


class _Hits(dict[int, tuple[int, ...]]):
    """signal mask -> per scenario, 1 when the mask holds one of its signals, else 0;
    memoised, as people share few distinct signal masks."""

    def __init__(self, signal_masks: Sequence[int]) -> None:
        super().__init__()
        self.signal_masks = signal_masks

    def __missing__(self, signals: int) -> tuple[int, ...]:
        hits = self[signals] = tuple(1 if signals & m else 0 for m in self.signal_masks)
        return hits


def _profile(
    person: PersonUsage, history: Sequence[PastUsage], weeks: _Weeks, hits: _Hits
) -> Profile:
    workload_weeks = tuple(map(weeks.__getitem__, person.last_activity))
    scenario_weeks = hits[person.signals]  # seen now: week 0, bit 1
    if history:
        workload_weeks, scenario_weeks = _with_history(
            workload_weeks, scenario_weeks, history, weeks, hits
        )
    return person.licensed, person.provisioned, workload_weeks, scenario_weeks


def _with_history(
    workload_weeks: tuple[int, ...],
    scenario_weeks: tuple[int, ...],
    history: Sequence[PastUsage],
    weeks: _Weeks,
    hits: _Hits,
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Add the activity dates and signals of earlier snapshots to the week masks."""
    workload = list(workload_weeks)
    scenario = list(scenario_weeks)
    for past in history:
        for index, day in enumerate(past.last_activity):
            workload[index] |= weeks[day]
        past_week = weeks[past.report_date]
        for index, hit in enumerate(hits[past.signals]):
            if hit:
                scenario[index] |= past_week
    return tuple(workload), tuple(scenario)


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
    history: Sequence[PastUsage],
    as_of: date,
    scenarios: Sequence[Scenario],
) -> tuple[list[Stage], list[Stage]]:
    """Stages of one person: one per workload (order of WORKLOADS), one per scenario."""
    hits = _Hits([item.signal_mask for item in scenarios])
    stages = _profile_stages(_profile(person, history, _Weeks(as_of), hits), scenarios)
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
    history: Mapping[str, Sequence[PastUsage]],
    as_of: date,
    scenarios: Sequence[Scenario],
) -> Tally:
    """Stage counts per (department, wave) leaf; disabled accounts are not counted.

    People are first counted per (leaf, profile), a C-speed Counter over small tuples; the
    stages are then worked out once per distinct profile."""
    weeks = _Weeks(as_of)
    hits = _Hits([item.signal_mask for item in scenarios])
    profiles: Counter[tuple[tuple[str, str], Profile]] = Counter(
        (
            leaf(person.department, person.wave),
            _profile(person, history.get(person.key, ()), weeks, hits),
        )
        for person in people
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
