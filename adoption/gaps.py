"""The largest gap between deployment and adoption in a scope: what a status card leads with.

Each workload's funnel loses people at three steps: from a licence to an installed client
(`install`), from installed to using it in the last 28 days (`start`), and from using it to
using it most weeks (`habit`). The gap worth naming is the step that loses the most people
as a share of the group, across all workloads: "Teams: 97 % licensed, 27 % use it most weeks:
the gap is habit, not access". Not having a licence is a decision, not a gap, so it is
never named. Habit is unknown for concealed reports, so then only the first two steps count.
Paid licences that lie idle are a gap too, counted in money: when more of the group holds an
idle licence than any funnel step loses, the headline is their monthly cost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from adoption.funnel import FunnelCounts, Subject

GapKind = Literal["install", "start", "habit"]
# A step that loses fewer than this share of the group is no gap worth a headline.
MIN_GAP = 0.05


@dataclass(frozen=True, slots=True)
class Gap:
    """Where a workload loses the most people: from `before` (a share) to `after`."""

    subject: Subject
    kind: GapKind
    licensed: float
    before: float
    after: float

    @property
    def size(self) -> float:
        return self.before - self.after


def _steps(counts: FunnelCounts) -> list[tuple[GapKind, int, int]]:
    steps: list[tuple[GapKind, int, int]] = [
        ("install", counts.licensed, counts.provisioned),
        ("start", counts.provisioned, counts.active),
    ]
    if counts.habitual is not None:
        steps.append(("habit", counts.active, counts.habitual))
    return steps


def largest_gap(lines: Iterable[tuple[Subject, FunnelCounts]]) -> Gap | None:
    """The step that loses the largest share of the group, or None when no step loses at
    least MIN_GAP (or nothing is known). Ties go to the earlier workload and step."""
    best: Gap | None = None
    for subject, counts in lines:
        if counts.population <= 0:
            continue
        whole = counts.population
        for kind, before, after in _steps(counts):
            gap = Gap(subject, kind, counts.licensed / whole, before / whole, after / whole)
            if gap.size >= MIN_GAP and (best is None or gap.size > best.size):
                best = gap
    return best


@dataclass(frozen=True, slots=True)
class IdleCost:
    """Paid licences of one SKU lying idle in a group: how many, their share of the group
    and what they cost a month."""

    sku: str
    idle: int
    share: float  # idle holders / the group's population
    monthly: Decimal
    currency: str


def idle_cost_leads(gap: Gap | None, idle: IdleCost | None) -> bool:
    """Whether the headline should be the idle licences' cost: when the share of the group
    holding an idle paid licence is a gap worth naming (MIN_GAP) and larger than the largest
    step lost in any workload's funnel."""
    if idle is None or idle.monthly <= 0 or idle.share < MIN_GAP:
        return False
    return gap is None or idle.share > gap.size
