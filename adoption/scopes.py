"""Whom a figure is about: the organisation, a department or a wave, and how they add up.

The organisation is the sum of its departments and the sum of its waves; a wave is the sum of
its departments when none of them is split over several waves. These relations are what
complementary suppression (adoption.privacy) must protect, for usage funnels and check-in
results alike, so both take them from `organisation_partitions`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from adoption.privacy import Partition

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


def organisation_partitions(leaves: Iterable[tuple[str, str]]) -> list[Partition[Scope]]:
    """Every additive relation between the tenant, its departments and its waves, given the
    (department, wave) cells that hold people."""
    wave_departments: dict[str, set[str]] = {}
    for department, wave in leaves:
        wave_departments.setdefault(wave, set()).add(department)
    departments = sorted({d for members in wave_departments.values() for d in members})
    relations = [
        Partition(TENANT, tuple(Scope("department", d) for d in departments)),
        Partition(TENANT, tuple(Scope("wave", w) for w in sorted(wave_departments))),
    ]
    split = {d for d in departments if sum(d in m for m in wave_departments.values()) > 1}
    for wave, members in sorted(wave_departments.items()):
        # A department split over waves is no part of one wave's total: it has no wave leaf.
        if not members & split:
            parts = tuple(Scope("department", d) for d in sorted(members))
            relations.append(Partition(Scope("wave", wave), parts))
    return relations
