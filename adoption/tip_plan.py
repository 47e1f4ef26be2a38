"""Which tip an ambassador gets this week.

No tip twice until every tip that fits has been sent; the scenarios their group has adopted
(habit at or above adoption.nudges.ADOPTED) are skipped; among the rest, the scenario where
the group lags most comes first. When the group's figures are hidden (under k) or not known
yet, the catalogue's own order decides. When every fitting tip was sent, the cycle starts
again with the one sent longest ago.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

from adoption.funnel import Subject
from adoption.nudges import ADOPTED, Series


class TipLike(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def scenario(self) -> str: ...


T = TypeVar("T", bound=TipLike)


def choose_tip(
    tips: Sequence[T],
    sent: Sequence[str],
    habit_by_scenario: Mapping[str, float | None],
    prefer_scenario: str | None = None,
) -> T | None:
    """The tip to send next. `sent`: the keys sent to this ambassador, oldest first.
    `prefer_scenario` (a nudge's scenario) goes first when it has a fitting tip."""
    fitting = [
        tip for tip in tips if (habit_by_scenario.get(tip.scenario) or 0.0) < ADOPTED
    ] or list(tips)
    if not fitting:
        return None
    order = {tip.key: index for index, tip in enumerate(tips)}
    already = set(sent)
    fresh = [tip for tip in fitting if tip.key not in already]
    if not fresh:
        last_sent = {key: index for index, key in enumerate(sent)}
        return min(fitting, key=lambda tip: (last_sent.get(tip.key, -1), order[tip.key]))

    def lag(tip: T) -> tuple[int, float, int]:
        preferred = 0 if tip.scenario == prefer_scenario else 1
        share = habit_by_scenario.get(tip.scenario)
        return (preferred, share if share is not None else 2.0, order[tip.key])

    return min(fresh, key=lag)


def habit_by_scenario(history: Mapping[Subject, Series]) -> dict[str, float | None]:
    """Per scenario key, the group's habitual share at its latest report date (None when the
    group is hidden or habit is unknown)."""
    found: dict[str, float | None] = {}
    for subject, series in history.items():
        if subject.kind != "scenario" or not series:
            continue
        counts = series[-1][1]
        found[subject.key] = (
            counts.habitual / counts.population
            if counts is not None and counts.habitual is not None and counts.population > 0
            else None
        )
    return found
