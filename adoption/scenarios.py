"""Business scenarios: the shipped, localised catalogue and the signals that count for each.

A scenario ("co-author instead of attachments") is what the programme promotes; the catalogue
says which workloads a person needs for it and which report signals show it happening.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from adoption.language import LOCALES
from adoption.signals import Signal, Workload, signal_bit, workload_bit


class CatalogueError(ValueError):
    """The scenario catalogue is malformed (a shipped file or one supplied by configuration)."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A business scenario with its localised texts and the masks the funnel tests."""

    key: str
    requires: tuple[Workload, ...]
    signals: tuple[Signal, ...]
    titles: Mapping[str, str]
    descriptions: Mapping[str, str]

    @property
    def requires_mask(self) -> int:
        mask = 0
        for workload in self.requires:
            mask |= workload_bit(workload)
        return mask

    @property
    def signal_mask(self) -> int:
        mask = 0
        for signal in self.signals:
            mask |= signal_bit(signal)
        return mask

    def title(self, locale: str) -> str:
        """The title in `locale`, falling back to English for an unknown locale."""
        return self.titles.get(locale, self.titles["en"])

    def description(self, locale: str) -> str:
        """The description in `locale`, falling back to English for an unknown locale."""
        return self.descriptions.get(locale, self.descriptions["en"])


def _texts(raw: Any, key: str, what: str) -> dict[str, str]:
    if not isinstance(raw, dict) or any(
        not isinstance(raw.get(loc), str) or not raw[loc] for loc in LOCALES
    ):
        raise CatalogueError(f"scenario {key!r}: {what} needs non-empty nl, fr and en texts")
    return {loc: str(raw[loc]) for loc in LOCALES}


def parse_catalogue(document: Any) -> tuple[Scenario, ...]:
    """Validate a catalogue document (the JSON shape of data/scenarios.json)."""
    if not isinstance(document, dict) or not isinstance(document.get("scenarios"), list):
        raise CatalogueError("catalogue must be an object with a 'scenarios' list")
    scenarios: list[Scenario] = []
    seen: set[str] = set()
    for entry in document["scenarios"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise CatalogueError("every scenario needs a string 'key'")
        key = entry["key"]
        if key in seen:
            raise CatalogueError(f"scenario {key!r} appears twice")
        seen.add(key)
        try:
            requires = tuple(Workload(w) for w in entry.get("requires", []))
            signals = tuple(Signal(s) for s in entry.get("signals", []))
        except ValueError as exc:
            raise CatalogueError(f"scenario {key!r}: {exc}") from exc
        if not requires or not signals:
            raise CatalogueError(f"scenario {key!r}: needs 'requires' and 'signals'")
        scenarios.append(
            Scenario(
                key=key,
                requires=requires,
                signals=signals,
                titles=_texts(entry.get("title"), key, "title"),
                descriptions=_texts(entry.get("description"), key, "description"),
            )
        )
    return tuple(scenarios)


@cache
def catalogue() -> tuple[Scenario, ...]:
    """The shipped scenario catalogue (read once from the package data)."""
    text = resources.files("adoption").joinpath("data/scenarios.json").read_text("utf-8")
    return parse_catalogue(json.loads(text))


def scenario(key: str, scenarios: Sequence[Scenario] | None = None) -> Scenario:
    """The scenario named `key`; KeyError names the known keys."""
    for item in scenarios if scenarios is not None else catalogue():
        if item.key == key:
            return item
    raise KeyError(f"unknown scenario {key!r}")
