"""When an ambassador's group stalls or drops, and what went well to celebrate.

The rule (docs/metrics.md, "Nudges"), per group and subject (a workload or a scenario),
comparing the latest snapshot with the ones about two and three weeks before it:

- **drop**: the share of people active (last 28 days) fell by at least DROP_POINTS over the
  last two weeks;
- **stall**: deployment is done (at least STALL_LICENSED of the group licensed) but the
  share using it most weeks (habitual) rose by less than STALL_POINTS over three weeks, and
  is still below ADOPTED (a habit most of the group has is no stall).

A nudge names the one subject that matters most (a drop before a stall; the biggest drop,
or the stall with the lowest habit), and a **spotlight**: the largest rise in habit over
three weeks in the group or a neighbouring group (same wave), of at least SPOTLIGHT_POINTS.
Everything is group level and already suppressed: a hidden group (under k) has no figures,
so it yields nothing, neither as a nudge nor as a spotlight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from adoption.funnel import FunnelCounts, Subject

DROP_POINTS: Final = 0.05
STALL_POINTS: Final = 0.02
STALL_LICENSED: Final = 0.7
ADOPTED: Final = 0.6
SPOTLIGHT_POINTS: Final = 0.03
# How far back "two weeks" and "three weeks" may reach for a snapshot (weekly or daily
# snapshots, with some lag).
_TOLERANCE: Final = timedelta(days=4)

Series = Sequence[tuple[date, FunnelCounts | None]]  # oldest first
NudgeKind = Literal["drop", "stall"]


@dataclass(frozen=True, slots=True)
class Movement:
    """One subject of one group between two report dates, as shares of the group."""

    group: str
    subject: Subject
    since: date
    until: date
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Nudge:
    kind: NudgeKind
    movement: Movement


def _share(counts: FunnelCounts, stage: Literal["active", "habitual"]) -> float | None:
    if counts.population <= 0:
        return None
    part = counts.active if stage == "active" else counts.habitual
    return None if part is None else part / counts.population


def _at_about(series: Series, target: date) -> tuple[date, FunnelCounts] | None:
    """The snapshot nearest to `target` (within the tolerance) with visible figures."""
    near = [
        (abs((day - target).days), day, counts)
        for day, counts in series
        if counts is not None and abs(day - target) <= _TOLERANCE
    ]
    if not near:
        return None
    _, day, counts = min(near, key=lambda item: item[0])
    return day, counts


def movement(
    group: str, subject: Subject, series: Series, weeks: int, stage: Literal["active", "habitual"]
) -> Movement | None:
    """The change of `stage` share over about `weeks` weeks up to the latest snapshot."""
    if not series:
        return None
    until, latest = series[-1]
    if latest is None:
        return None
    earlier = _at_about(series, until - timedelta(weeks=weeks))
    if earlier is None or earlier[0] >= until:
        return None
    after, before = _share(latest, stage), _share(earlier[1], stage)
    if after is None or before is None:
        return None
    return Movement(group, subject, earlier[0], until, before, after)


def detect(group: str, history: Mapping[Subject, Series]) -> Nudge | None:
    """The nudge for one group, or None when nothing stalls or drops."""
    drops: list[Movement] = []
    stalls: list[Movement] = []
    for subject, series in history.items():
        active = movement(group, subject, series, 2, "active")
        if active is not None and active.change <= -DROP_POINTS:
            drops.append(active)
            continue
        habit = movement(group, subject, series, 3, "habitual")
        latest = series[-1][1] if series else None
        if habit is None or latest is None or latest.population <= 0:
            continue
        licensed = latest.licensed / latest.population
        if licensed >= STALL_LICENSED and habit.change < STALL_POINTS and habit.after < ADOPTED:
            stalls.append(habit)
    if drops:
        return Nudge("drop", min(drops, key=lambda m: (m.change, m.subject)))
    if stalls:
        # Scenarios first: a tip is about a task, and tasks belong to scenarios.
        return Nudge(
            "stall", min(stalls, key=lambda m: (m.subject.kind != "scenario", m.after, m.subject))
        )
    return None


def spotlight(histories: Mapping[str, Mapping[Subject, Series]]) -> Movement | None:
    """The largest rise in habit over three weeks among the given groups (the ambassador's
    and their neighbours'), if at least SPOTLIGHT_POINTS."""
    best: Movement | None = None
    for group, history in histories.items():
        for subject, series in history.items():
            rise = movement(group, subject, series, 3, "habitual")
            if rise is None or rise.change < SPOTLIGHT_POINTS:
                continue
            if best is None or (rise.change, rise.group, rise.subject) > (
                best.change,
                best.group,
                best.subject,
            ):
                best = rise
    return best
