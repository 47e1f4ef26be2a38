"""Rollout waves: how one is called (its key "1" and, when it has one, its name "pilot"),
and who is in which (the rules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class WaveName:
    key: str
    name: str | None = None
    position: int = 0

    def label(self, word: str) -> str:
        """'wave 1 (pilot)', 'wave 1', or 'wave pilot' when the key is the name; `word` is
        the localised word for a wave."""
        if self.name and self.name != self.key:
            return f"{word} {self.key} ({self.name})"
        return f"{word} {self.key}"

    @property
    def aliases(self) -> list[str]:
        """What a facilitator may type for this wave (the caller adds the localised word)."""
        return [self.key] + ([self.name] if self.name else [])


@dataclass(frozen=True, slots=True)
class WaveRules:
    """Who is in which wave: a person's own rule wins over their department's."""

    departments: Mapping[str, str] = field(default_factory=dict)
    people: Mapping[str, str] = field(default_factory=dict)

    def wave_of(self, person_id: str | None, department: str | None) -> str | None:
        if person_id is not None and person_id in self.people:
            return self.people[person_id]
        return self.departments.get(department) if department else None

    def __bool__(self) -> bool:
        return bool(self.departments or self.people)
