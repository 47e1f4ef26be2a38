"""Paid licences next to their use: who holds which SKU, and which licences lie idle.

A licence is **idle** when its holder shows no activity, for 28 days or more, in the workload
it pays for: a Copilot licence without Copilot activity in the Copilot report, a Microsoft 365
suite without activity in any of its services. A SKU that no usage report covers (Visio,
Project, Power BI...) has **no usage signal**: its holders are counted, never called idle.

Figures are per (department, wave) leaf and roll up to departments, waves and the tenant like
the funnel. The group whose size protects a person here is the SKU's **holders**: "2 idle
Copilot licences" of a department with two Copilot holders names them, so a group under k
holders is hidden, with complementary suppression across every total (adoption.privacy).
Units paid for but assigned to nobody (prepaid enabled minus consumed) belong to no person
and are shown for the tenant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from adoption.scopes import TENANT, Scope, leaf, suppressed_scopes
from adoption.signals import WORKLOADS, Workload

IDLE_AFTER: Final = timedelta(days=28)
COPILOT: Final = "Microsoft_365_Copilot"
# Microsoft's own yardstick (Adoption Score, AI assistance): a habitual Copilot user is active
# on at least 12 of the last 28 days (the v2 Copilot report's active days, period D28).
HABITUAL_COPILOT_DAYS: Final = 12

_SUITE: Final = frozenset(
    {Workload.EXCHANGE, Workload.TEAMS, Workload.ONEDRIVE, Workload.SHAREPOINT, Workload.APPS}
)
# What a SKU pays for, by part number, as far as a usage report shows it. Suites count as used
# when any of their services is; Teams Premium when Teams is (no report covers its extras, but
# a holder who does not open Teams at all certainly does not use them).
PAYS_FOR: Final[Mapping[str, frozenset[Workload]]] = {
    COPILOT: frozenset({Workload.COPILOT}),
    "Microsoft_Teams_Premium": frozenset({Workload.TEAMS}),
    "Microsoft_Teams_Enterprise_New": frozenset({Workload.TEAMS}),
    "Teams_Ess": frozenset({Workload.TEAMS}),
    "SPE_E3": _SUITE,
    "SPE_E5": _SUITE,
    "SPE_F1": _SUITE,
    "SPE_E3_NOTEAMS": _SUITE - {Workload.TEAMS},
    "SPE_E5_NOTEAMS": _SUITE - {Workload.TEAMS},
    "ENTERPRISEPACK": _SUITE - {Workload.APPS},
    "ENTERPRISEPREMIUM": _SUITE - {Workload.APPS},
    "STANDARDPACK": _SUITE - {Workload.APPS},
    "SPB": _SUITE,
    "O365_BUSINESS_PREMIUM": _SUITE,
    "O365_BUSINESS_ESSENTIALS": _SUITE - {Workload.APPS},
    "O365_BUSINESS": frozenset({Workload.APPS, Workload.ONEDRIVE}),
    "OFFICESUBSCRIPTION": frozenset({Workload.APPS, Workload.ONEDRIVE}),
    "EXCHANGESTANDARD": frozenset({Workload.EXCHANGE}),
    "EXCHANGEENTERPRISE": frozenset({Workload.EXCHANGE}),
}


def pays_for(part_number: str) -> frozenset[Workload] | None:
    """The workloads a SKU's use shows in, or None: no usage report covers it."""
    return PAYS_FOR.get(part_number)


def is_idle(
    part_number: str, last_activity: Mapping[Workload, date | None], as_of: date
) -> bool | None:
    """True when no workload the SKU pays for was used in the IDLE_AFTER days up to `as_of`;
    None when no usage report covers the SKU."""
    workloads = pays_for(part_number)
    if workloads is None:
        return None
    since = as_of - IDLE_AFTER
    return not any((day := last_activity.get(w)) is not None and day > since for w in workloads)


@dataclass(frozen=True, slots=True)
class Holder:
    """One person's paid licences, as the sync knows them (never stored with a name)."""

    department: str | None
    wave: str | None
    skus: frozenset[str]
    last_activity: Mapping[Workload, date | None]
    # From the v2 Copilot report (D28): (active days, prompts submitted); None: not known.
    copilot_days: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class LicenceCounts:
    holders: int
    idle: int | None  # None: no usage report covers the SKU
    # Copilot with the v2 report only: holders active on >= 12 of 28 days, prompts submitted.
    habitual: int | None = None
    prompts: int | None = None

    @property
    def active(self) -> int | None:
        """Holders who used what the licence pays for in the last 28 days."""
        return None if self.idle is None else self.holders - self.idle


@dataclass(frozen=True, slots=True)
class LicenceRow:
    scope: Scope
    sku: str
    counts: LicenceCounts | None  # None: hidden (fewer than k holders, or protecting another)


# (department, wave) leaf -> SKU -> [holders, idle, habitual, prompts]
LicenceTally = dict[tuple[str, str], dict[str, list[int]]]


def tally_holders(holders: Iterable[Holder], as_of: date) -> LicenceTally:
    """Count holders and idle holders per leaf and SKU; for Copilot also the habitual
    holders and the prompts they submitted (when the holder's v2 figures are known)."""
    tally: LicenceTally = {}
    for holder in holders:
        cell = tally.setdefault(leaf(holder.department, holder.wave), {})
        for sku in holder.skus:
            row = cell.get(sku)
            if row is None:
                row = cell[sku] = [0, 0, 0, 0]
            row[0] += 1
            if is_idle(sku, holder.last_activity, as_of):
                row[1] += 1
            if sku == COPILOT and holder.copilot_days is not None:
                days, prompts = holder.copilot_days
                row[2] += days >= HABITUAL_COPILOT_DAYS
                row[3] += prompts
    return tally


def publish_licences(tally: LicenceTally, k: int, *, habit_known: bool = False) -> list[LicenceRow]:
    """Roll leaves up to departments, waves and the tenant, per SKU, hiding every group of
    fewer than `k` holders and whatever would let one be derived. `habit_known`: the v2
    Copilot report was read, so Copilot's habitual holders and prompts are published."""
    totals: dict[str, dict[Scope, list[int]]] = {}
    for (department, wave), by_sku in tally.items():
        for sku, figures in by_sku.items():
            per_scope = totals.setdefault(sku, {})
            for scope in (TENANT, Scope("wave", wave), Scope("department", department)):
                acc = per_scope.get(scope)
                if acc is None:
                    acc = per_scope[scope] = [0, 0, 0, 0]
                for i, value in enumerate(figures):
                    acc[i] += value
    rows: list[LicenceRow] = []
    for sku in sorted(totals):
        per_scope = totals[sku]
        holders_per_cell = {cell: by_sku.get(sku, [0])[0] for cell, by_sku in tally.items()}
        hidden = suppressed_scopes(holders_per_cell, k)
        covered = pays_for(sku) is not None
        habit = habit_known and sku == COPILOT
        for scope in sorted(per_scope):
            holders, idle, habitual, prompts = per_scope[scope]
            counts = (
                None
                if scope in hidden
                else LicenceCounts(
                    holders,
                    idle if covered else None,
                    habitual if habit else None,
                    prompts if habit else None,
                )
            )
            rows.append(LicenceRow(scope, sku, counts))
    return rows


def tenant_licences(
    holders: Mapping[str, int],
    copilot: tuple[int, int, int | None] | None,
    k: int,
) -> list[LicenceRow]:
    """SKU totals of the tenant only, for concealed reports (no usage can be joined to a
    person, so nothing per group): `holders` per SKU from the directory; `copilot` is the
    Copilot report's own tenant count (listed, active in 28 days, habitual or None). A SKU
    under `k` holders is hidden; idle is known for Copilot only."""
    rows: list[LicenceRow] = []
    for sku in sorted(holders):
        count = holders[sku]
        if count < k:
            rows.append(LicenceRow(TENANT, sku, None))
            continue
        idle = habitual = None
        if sku == COPILOT and copilot is not None:
            listed, active, habitual = copilot
            idle = max(0, count - min(active, listed))
        rows.append(LicenceRow(TENANT, sku, LicenceCounts(count, idle, habitual)))
    return rows


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subscribed SKU of the tenant (GET /subscribedSkus)."""

    sku_id: str
    part_number: str
    enabled: int  # prepaidUnits.enabled
    consumed: int  # consumedUnits
    service_plans: tuple[str, ...] = ()

    @property
    def unassigned(self) -> int:
        return max(0, self.enabled - self.consumed)


@dataclass(frozen=True, slots=True)
class Cost:
    """What a group's idle licences of one SKU cost a month; None where no price is known."""

    sku: str
    holders: int
    idle: int | None
    idle_monthly: Decimal | None


def idle_costs(
    rows: Sequence[LicenceRow], scope: Scope, price: Mapping[str, Decimal]
) -> list[Cost]:
    """The visible SKUs of one scope, costliest idle first."""
    found = [
        Cost(
            r.sku,
            r.counts.holders,
            r.counts.idle,
            price[r.sku] * r.counts.idle if r.counts.idle is not None and r.sku in price else None,
        )
        for r in rows
        if r.scope == scope and r.counts is not None
    ]
    return sorted(found, key=lambda c: (-(c.idle_monthly or Decimal(0)), -(c.idle or 0), c.sku))


# Product names as the admin center shows them; an unknown SKU keeps its part number.
SKU_NAMES: Final[Mapping[str, str]] = {
    COPILOT: "Microsoft 365 Copilot",
    "Microsoft_Teams_Premium": "Teams Premium",
    "Microsoft_Teams_Enterprise_New": "Microsoft Teams Enterprise",
    "Teams_Ess": "Microsoft Teams Essentials",
    "SPE_E3": "Microsoft 365 E3",
    "SPE_E5": "Microsoft 365 E5",
    "SPE_F1": "Microsoft 365 F3",
    "SPE_E3_NOTEAMS": "Microsoft 365 E3 (no Teams)",
    "SPE_E5_NOTEAMS": "Microsoft 365 E5 (no Teams)",
    "ENTERPRISEPACK": "Office 365 E3",
    "ENTERPRISEPREMIUM": "Office 365 E5",
    "STANDARDPACK": "Office 365 E1",
    "SPB": "Microsoft 365 Business Premium",
    "O365_BUSINESS_PREMIUM": "Microsoft 365 Business Standard",
    "O365_BUSINESS_ESSENTIALS": "Microsoft 365 Business Basic",
    "O365_BUSINESS": "Microsoft 365 Apps for business",
    "OFFICESUBSCRIPTION": "Microsoft 365 Apps for enterprise",
    "EXCHANGESTANDARD": "Exchange Online (Plan 1)",
    "EXCHANGEENTERPRISE": "Exchange Online (Plan 2)",
    "VISIOCLIENT": "Visio Plan 2",
    "PROJECTPREMIUM": "Project Plan 5",
    "PROJECTPROFESSIONAL": "Project Plan 3",
    "POWER_BI_PRO": "Power BI Pro",
}


def sku_name(part_number: str) -> str:
    return SKU_NAMES.get(part_number, part_number)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What a facilitator could do about the largest waste in a group, never about whom:
    `kind` "copilot" (offer the idle Copilot licences to people waiting, or coach), "suite"
    (check whether the accounts still need the licence) or "unassigned" (units paid for and
    assigned to nobody: assign them or buy fewer at renewal)."""

    kind: str
    sku: str
    count: int
    monthly: Decimal | None


def suggest(
    costs: Sequence[Cost], unassigned: Sequence[tuple[Subscription, Decimal | None]]
) -> Suggestion | None:
    """The costliest idle SKU of the group (or, for the tenant, paid units nobody holds when
    they cost more); None when nothing is idle."""
    candidates: list[Suggestion] = [
        Suggestion("copilot" if c.sku == COPILOT else "suite", c.sku, c.idle, c.idle_monthly)
        for c in costs
        if c.idle
    ]
    candidates.extend(
        Suggestion("unassigned", s.part_number, s.unassigned, cost)
        for s, cost in unassigned
        if s.unassigned
    )
    if not candidates:
        return None
    return max(candidates, key=lambda s: (s.monthly or Decimal(0), s.count, s.kind == "copilot"))


@dataclass(frozen=True, slots=True)
class GroupLicences:
    """What a licences card shows of one scope, decided from stored (suppressed) rows."""

    costs: tuple[Cost, ...]
    hidden_skus: int
    unassigned: tuple[tuple[Subscription, Decimal | None], ...]
    suggestion: Suggestion | None


def group_licences(
    rows: Sequence[LicenceRow],
    scope: Scope,
    price: Mapping[str, Decimal],
    subscriptions: Sequence[Subscription] | None,
) -> GroupLicences:
    """Costs of the visible SKUs of `scope`, how many SKUs are hidden there, and, for the
    tenant, units paid for and assigned to nobody with their cost; plus the suggestion."""
    costs = idle_costs(rows, scope, price)
    hidden = sum(1 for r in rows if r.scope == scope and r.counts is None)
    unassigned: tuple[tuple[Subscription, Decimal | None], ...] = ()
    if scope == TENANT and subscriptions:
        unassigned = tuple(
            (s, price[s.part_number] * s.unassigned if s.part_number in price else None)
            for s in subscriptions
            if s.unassigned
        )
    return GroupLicences(tuple(costs), hidden, unassigned, suggest(costs, unassigned))


@dataclass(frozen=True, slots=True)
class CopilotFigures:
    """Copilot in one scope: None holders when hidden (fewer than k holders)."""

    holders: int | None
    active: int
    habitual: int | None
    prompts_per_active: float | None
    idle_monthly: Decimal | None
    cost: Cost | None


def copilot_figures(
    rows: Sequence[LicenceRow], scope: Scope, price: Mapping[str, Decimal]
) -> CopilotFigures:
    """Holders, active (Copilot used in the last 28 days), habitual (>= 12 of 28 days, v2
    report only), prompts per active holder, and the monthly cost of the idle ones."""
    row = next((r for r in rows if r.scope == scope and r.sku == COPILOT), None)
    if row is None:
        return CopilotFigures(0, 0, None, None, None, None)
    counts = row.counts
    if counts is None:
        return CopilotFigures(None, 0, None, None, None, None)
    idle = counts.idle or 0
    active = counts.holders - idle
    monthly = price[COPILOT] * idle if COPILOT in price else None
    per_active = counts.prompts / active if counts.prompts is not None and active else None
    cost = Cost(COPILOT, counts.holders, counts.idle, monthly)
    return CopilotFigures(counts.holders, active, counts.habitual, per_active, monthly, cost)


@dataclass(frozen=True, slots=True)
class DepartmentIdle:
    """One department's idle Copilot licences (a published, suppressed row)."""

    department: str
    holders: int
    idle: int
    monthly: Decimal | None


def copilot_idle_by_department(
    rows: Sequence[LicenceRow], price: Mapping[str, Decimal]
) -> list[DepartmentIdle]:
    """Where the idle Copilot licences are: every department shown (k applied, as every row)
    that holds idle ones, most idle first."""
    found = [
        DepartmentIdle(
            r.scope.key,
            r.counts.holders,
            r.counts.idle,
            price[COPILOT] * r.counts.idle if COPILOT in price else None,
        )
        for r in rows
        if r.sku == COPILOT
        and r.scope.kind == "department"
        and r.scope.shown
        and r.counts is not None
        and r.counts.idle
    ]
    return sorted(found, key=lambda d: (-d.idle, d.department))


def idle_skus(
    skus: Iterable[str], last_activity: Mapping[Workload, date | None], as_of: date
) -> list[str]:
    """The SKUs of one holder that lie idle as of `as_of` (SKUs without a usage signal are
    never idle), sorted."""
    return sorted(sku for sku in skus if is_idle(sku, last_activity, as_of))


def tally_by_index(
    holders: Iterable[
        tuple[str | None, str | None, str, Sequence[date | None], tuple[int, int] | None]
    ],
    as_of: date,
) -> LicenceTally:
    """`tally_holders` for the sync's 100,000 rows: (department, wave, space-separated SKU
    part numbers, last activity per adoption.signals.WORKLOADS, Copilot v2 days) per holder.
    The same counts, without a mapping per person: what each distinct SKU list pays for is
    resolved once, and a date compares against the cut-off directly."""
    since = as_of - IDLE_AFTER
    plans: dict[str, list[tuple[str, tuple[int, ...] | None]]] = {}
    tally: LicenceTally = {}
    for department, wave, joined, last, copilot in holders:
        plan = plans.get(joined)
        if plan is None:
            plan = plans[joined] = [
                (
                    sku,
                    None
                    if (paid := pays_for(sku)) is None
                    else tuple(WORKLOADS.index(w) for w in paid),
                )
                for sku in joined.split()
            ]
        cell = tally.get(key := leaf(department, wave))
        if cell is None:
            cell = tally[key] = {}
        for sku, indices in plan:
            row = cell.get(sku)
            if row is None:
                row = cell[sku] = [0, 0, 0, 0]
            row[0] += 1
            if indices is not None and not any(
                (day := last[i]) is not None and day > since for i in indices
            ):
                row[1] += 1
            if copilot is not None and sku == COPILOT:
                row[2] += copilot[0] >= HABITUAL_COPILOT_DAYS
                row[3] += copilot[1]
    return tally
