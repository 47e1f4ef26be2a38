"""Minimum group size with complementary suppression.

A group smaller than k is hidden (primary suppression). That alone is not enough: when a
total is shown, a single hidden part equals the total minus the visible parts. So for every
published total and the parts that add up to it, at least two parts are hidden, together
holding at least k people; otherwise the next smallest visible part is hidden too, and when
no part is left to hide, the total itself is hidden. Hiding one
part can expose another total (a department is a part of its wave and of the tenant), so the
rule runs to a fixed point over every partition.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
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
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    relations = list(partitions)
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
            visible = sorted(
                (p for p in parts if p not in hidden), key=lambda p: (sizes[p], repr(p))
            )
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
