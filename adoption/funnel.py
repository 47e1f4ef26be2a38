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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Literal

from adoption.scenarios import Scenario
from adoption.signals import CLIENT_WORKLOADS, WORKLOADS, PastUsage, PersonUsage, workload_bit

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
ScopeKind = Literal["tenant", "wave", "department"]


@dataclass(frozen=True, slots=True, order=True)
class Subject:
    """What a funnel is about: a workload (`teams`) or a scenario (`meet_in_teams`)."""

    kind: SubjectKind
    key: str


@dataclass(frozen=True, slots=True, order=True)
class Scope:
    """Whom a funnel is about: the tenant, one wave or one department."""

    kind: ScopeKind
    key: str


TENANT = Scope("tenant", "")


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


def person_stages(
    person: PersonUsage,
    history: Sequence[PastUsage],
    as_of: date,
    scenarios: Sequence[Scenario],
) -> tuple[list[Stage], list[Stage]]:
    """Stages of one person: one per workload (order of WORKLOADS), one per scenario."""
    workload_stages: list[Stage] = []
    for index, workload in enumerate(WORKLOADS):
        bit = workload_bit(workload)
        days = [person.last_activity[index], *(past.last_activity[index] for past in history)]
        weeks = weeks_seen(days, as_of)
        needs_client = workload in CLIENT_WORKLOADS
        provisioned = bool(person.provisioned & bit) or not needs_client
        workload_stages.append(stage_of(bool(person.licensed & bit), provisioned, weeks))
    scenario_stages: list[Stage] = []
    for item in scenarios:
        required = item.requires_mask
        licensed = person.licensed & required == required
        provisioned = all(
            workload_stages[WORKLOADS.index(w)] >= Stage.PROVISIONED for w in item.requires
        )
        days = [as_of] if person.signals & item.signal_mask else []
        days += [p.report_date for p in history if p.signals & item.signal_mask]
        scenario_stages.append(stage_of(licensed, provisioned, weeks_seen(days, as_of)))
    return workload_stages, scenario_stages


# counts per stage threshold: [population, licensed, provisioned, active, habitual]
Tally = dict[tuple[str, str], dict[Subject, list[int]]]


def subjects(scenarios: Sequence[Scenario]) -> list[Subject]:
    """Every subject a funnel is computed for, workloads first."""
    return [Subject("workload", w.value) for w in WORKLOADS] + [
        Subject("scenario", s.key) for s in scenarios
    ]


UNKNOWN_DEPARTMENT = "(unknown)"
NO_WAVE = "(none)"


def tally_people(
    people: Iterable[PersonUsage],
    history: Mapping[str, Sequence[PastUsage]],
    as_of: date,
    scenarios: Sequence[Scenario],
) -> Tally:
    """Stage counts per (department, wave) leaf; disabled accounts are not counted."""
    names = subjects(scenarios)
    tally: Tally = {}
    for person in people:
        if not person.enabled:
            continue
        leaf = (person.department or UNKNOWN_DEPARTMENT, person.wave or NO_WAVE)
        counts = tally.get(leaf)
        if counts is None:
            counts = tally[leaf] = {name: [0, 0, 0, 0, 0] for name in names}
        workload_stages, scenario_stages = person_stages(
            person, history.get(person.key, ()), as_of, scenarios
        )
        for name, stage in zip(names, workload_stages + scenario_stages, strict=True):
            row = counts[name]
            for threshold in range(stage + 1):
                row[threshold] += 1
    return tally


def _counts(row: list[int], with_habit: bool = True) -> FunnelCounts:
    return FunnelCounts(row[0], row[1], row[2], row[3], row[4] if with_habit else None)


def publish(tally: Tally, k: int) -> list[FunnelRow]:
    """Roll leaves up to departments, waves and the tenant, then apply the minimum group
    size `k` with complementary suppression across every total (see adoption.privacy)."""
    from adoption.privacy import Partition, suppressed_groups

    totals: dict[Scope, dict[Subject, list[int]]] = {}
    wave_departments: dict[str, set[str]] = {}
    for (department, wave), counts in tally.items():
        wave_departments.setdefault(wave, set()).add(department)
        for scope in (TENANT, Scope("wave", wave), Scope("department", department)):
            target = totals.setdefault(scope, {})
            for name, row in counts.items():
                acc = target.setdefault(name, [0, 0, 0, 0, 0])
                for i, value in enumerate(row):
                    acc[i] += value
    sizes = {scope: next(iter(rows.values()))[0] for scope, rows in totals.items()}
    departments = tuple(s for s in totals if s.kind == "department")
    waves = tuple(s for s in totals if s.kind == "wave")
    relations = [Partition(TENANT, departments), Partition(TENANT, waves)]
    spans_waves = {d for d in departments if sum(d.key in v for v in wave_departments.values()) > 1}
    for wave, members in wave_departments.items():
        # A department split over waves is no part of one wave's total: it has no wave leaf.
        if not any(Scope("department", d) in spans_waves for d in members):
            parts = tuple(Scope("department", d) for d in sorted(members))
            relations.append(Partition(Scope("wave", wave), parts))
    hidden = suppressed_groups(sizes, relations, k)
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
