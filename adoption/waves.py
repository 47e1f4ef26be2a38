"""How a rollout wave is called: by its key ("1") and, when it has one, its name ("pilot")."""

from __future__ import annotations

from dataclasses import dataclass


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
