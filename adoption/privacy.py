"""Minimum group size with complementary suppression.

A group smaller than k is hidden (primary suppression). That alone is not enough: when a
total is shown, a single hidden part equals the total minus the visible parts. So for every
published total and the parts that add up to it, at least two parts are hidden, together
holding at least k people; otherwise the next smallest visible part is hidden too, and when
no part is left to hide, the total itself is hidden (which part to hide is chosen so that
the least is hidden, see suppressed_groups). Hiding one
part can expose another total (a department is a part of its wave and of the tenant), so the
rule runs to a fixed point over every partition.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

G = TypeVar("G", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Partition(Generic[G]):
    """`total` (plus the groups in `more`, when several published groups add up to the same
    people: waves 1 and 2 together) equals the sum of `parts` (e.g. a wave and its departments)."""

    total: G
    parts: tuple[G, ...]
    more: tuple[G, ...] = ()


def suppressed_groups(
    sizes: Mapping[G, int], partitions: Iterable[Partition[G]], k: int
) -> frozenset[G]:
    """The groups to hide so that no group under `k` people can be read or derived.

    `sizes` holds every published group's size; `partitions` every additive relation between
    them. Empty groups are never published, so they neither count as hidden nor protect.

    Which complement to hide is a choice, and a greedy one can cascade: hiding the smallest
    visible part of one relation (a department of 8) may force its neighbour in another (the
    17 beside it in their wave) and so on, where hiding a wave would have settled it. Each
    result below is safe on its own; of three orders of preference (smallest first, the part
    of fewest relations first, largest first) the one that hides least is kept.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    relations = list(partitions)
    uses: dict[G, int] = {}
    for relation in relations:
        for part in relation.parts:
            uses[part] = uses.get(part, 0) + 1
    orders: tuple[Callable[[G], tuple[int, int, str]], ...] = (
        lambda g: (sizes[g], 0, repr(g)),
        lambda g: (uses.get(g, 0), sizes[g], repr(g)),
        lambda g: (-sizes[g], 0, repr(g)),
    )
    results = [_close(sizes, relations, k, order) for order in orders]
    return min(results, key=lambda hidden: (len(hidden), sum(sizes.get(g, 0) for g in hidden)))


def _close(
    sizes: Mapping[G, int],
    relations: Sequence[Partition[G]],
    k: int,
    order: Callable[[G], tuple[int, int, str]],
) -> frozenset[G]:
    """Primary suppression, then complements in `order` of preference to a fixed point."""
    hidden = {group for group, size in sizes.items() if 0 < size < k}
    changed = True
    while changed:
        changed = False
        for relation in relations:
            totals = (relation.total, *relation.more)
            if any(total in hidden for total in totals):
                # A hidden total gives nothing away through this relation.
                continue
            parts = [p for p in relation.parts if sizes.get(p, 0) > 0]
            hidden_parts = [p for p in parts if p in hidden]
            if not hidden_parts:
                continue
            visible = sorted((p for p in parts if p not in hidden), key=order)
            while visible and (len(hidden_parts) < 2 or sum(sizes[p] for p in hidden_parts) < k):
                complement = visible.pop(0)
                hidden.add(complement)
                hidden_parts.append(complement)
                changed = True
            if len(hidden_parts) < 2 or sum(sizes[p] for p in hidden_parts) < k:
                # No part left to hide (e.g. a wave with one department): the total itself
                # would give the hidden part away, so it goes too (the smallest, of several).
                hidden.add(min(totals, key=lambda t: (sizes.get(t, 0), repr(t))))
                changed = True
    return frozenset(hidden)
