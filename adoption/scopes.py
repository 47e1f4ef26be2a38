"""Whom a figure is about: the organisation, a department or a wave, and how they add up.

The organisation is the sum of its departments and the sum of its waves; a wave is the sum of
its departments, where a department split over several waves (key users in the pilot, the rest
later) counts with its (department, wave) cell only. Such a cell is never published, but it is
a wave minus the wave's other departments, so it is a group to protect like any other; so is
what remains of the organisation after some waves and departments (`organisation_partitions`).
These relations are what complementary suppression (adoption.privacy) must protect, for usage
funnels, check-in results and licences alike, so all take them from `suppressed_scopes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from adoption.privacy import Partition, suppressed_groups

ScopeKind = Literal["tenant", "wave", "department"]
# Stand-ins for a person whose department or wave is not known: counted in every total, never
# shown as a group of their own.
UNKNOWN_DEPARTMENT: Final = "(unknown)"
NO_WAVE: Final = "(none)"


@dataclass(frozen=True, slots=True, order=True)
class Scope:
    """Whom a funnel is about: the tenant, one wave or one department."""

    kind: ScopeKind
    key: str

    @property
    def shown(self) -> bool:
        """False for the stand-in groups of people without a known department or wave."""
        return not (
            (self.kind == "department" and self.key == UNKNOWN_DEPARTMENT)
            or (self.kind == "wave" and self.key == NO_WAVE)
        )


TENANT: Final = Scope("tenant", "")


def leaf(department: str | None, wave: str | None) -> tuple[str, str]:
    """The (department, wave) cell a person counts in, with the stand-ins for unknowns."""
    return (department or UNKNOWN_DEPARTMENT, wave or NO_WAVE)


# The people of one department in one wave: counted, never published on its own.
Cell = tuple[str, str]
# A group as the cells it holds (sorted, so that suppression picks the same complements in
# every process): a wave that is exactly one department, or the stand-in wave of one, is one
# group under two names, hidden under both or neither.
Members = tuple[Cell, ...]


def _members(cells: Iterable[Cell]) -> Members:
    return tuple(sorted(set(cells)))


def organisation_partitions(cells: Iterable[Cell]) -> list[Partition[Members]]:
    """Every additive relation between the groups a reader can combine, given the (department,
    wave) cells that hold people.

    The organisation is the sum of its departments, and of its waves; a wave the sum of its
    departments' parts in it; a department the sum of its cells. A reader may also mix the two
    kinds, and a property test (tests/unit/adoption/test_min_group_size_everywhere.py) found
    the ways: the organisation minus some waves minus the departments outside them ("everyone
    minus wave 1 minus Sales"), and some waves together minus their departments ("waves 1 and
    2 minus Finance"), and a department plus a wave minus the organisation when the two cover
    everyone (their intersection). So for every set of waves there are more relations: the
    organisation is those waves plus each department's people outside them, those waves
    together are each department's people inside them, and each department is its people
    inside plus outside them. Waves are few (a rollout has a handful), so this stays small.
    """
    filled = _members(cells)
    waves = sorted({w for _, w in filled})
    departments = sorted({d for d, _ in filled})
    by_wave = {w: _members(c for c in filled if c[1] == w) for w in waves}
    by_department = {d: _members(c for c in filled if c[0] == d) for d in departments}
    relations: list[Partition[Members]] = []
    for chosen in range(1 << len(waves)):
        picked = [w for i, w in enumerate(waves) if chosen >> i & 1]
        outside = [_members(c for c in by_department[d] if c[1] not in picked) for d in departments]
        parts = [by_wave[w] for w in picked] + [m for m in outside if m]
        relations.append(Partition(filled, tuple(parts)))
        if picked:
            inside = [_members(c for c in by_department[d] if c[1] in picked) for d in departments]
            first, *others = (by_wave[w] for w in picked)
            relations.append(Partition(first, tuple(m for m in inside if m), tuple(others)))
            # Each department is its people inside those waves and outside them: a department
            # and a wave that together cover everyone give away their intersection
            # ("Finance + wave 2 - everyone") unless that split is protected too.
            for department_inside, department_outside, department in zip(
                inside, outside, departments, strict=True
            ):
                if department_inside and department_outside:
                    relations.append(
                        Partition(
                            by_department[department], (department_inside, department_outside)
                        )
                    )
    for department_cells in by_department.values():
        relations.append(Partition(department_cells, tuple((c,) for c in department_cells)))
    # A relation whose one part is its total says nothing.
    return [r for r in relations if r.more or r.parts != (r.total,)]


def suppressed_scopes(cells: Mapping[Cell, int], k: int) -> frozenset[Scope]:
    """The tenant, waves and departments to hide so that no group under `k` people can be
    read or derived (adoption.privacy); `cells` holds the people per (department, wave)."""
    filled = {cell: number for cell, number in cells.items() if number > 0}
    scopes: dict[Scope, Members] = {TENANT: _members(filled)}
    for kind, index in (("department", 0), ("wave", 1)):
        for key in {cell[index] for cell in filled}:
            scope = Scope(kind, key)  # type: ignore[arg-type]
            scopes[scope] = _members(c for c in filled if c[index] == key)
    relations = organisation_partitions(filled)
    sizes: dict[Members, int] = {}
    for relation in relations:
        for group in (relation.total, *relation.parts):
            sizes[group] = sum(filled[c] for c in group)
    for group in scopes.values():
        sizes[group] = sum(filled[c] for c in group)
    hidden = suppressed_groups(sizes, relations, k)
    return frozenset(scope for scope, group in scopes.items() if group in hidden)
