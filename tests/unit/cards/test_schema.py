"""The Teams card schema: official 1.5 plus Teams extras, and the checks a schema cannot make."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft6Validator

from cards.schema import (
    CHART_TYPES,
    MAX_CARD_BYTES,
    CardSchemaError,
    card_problems,
    check_card,
    official_schema,
)

Card = dict[str, Any]


def _with(card: Card, *elements: dict[str, Any]) -> Card:
    result = copy.deepcopy(card)
    result["body"].extend(elements)
    return result


def test_minimal_card_is_valid(minimal_card: Card) -> None:
    assert card_problems(minimal_card, locale="en") == []


def test_official_schema_alone_rejects_teams_extras(minimal_card: Card, donut: Card) -> None:
    # Why the extension exists: without it every Teams card would fail validation.
    official = Draft6Validator(official_schema())
    assert not official.is_valid(minimal_card)  # root `msteams`
    bare = {k: v for k, v in minimal_card.items() if k != "msteams"}
    assert official.is_valid(bare)
    assert not official.is_valid(_with(bare, donut))


@pytest.mark.parametrize("chart_type", sorted(CHART_TYPES - {"Chart.Gauge"}))
def test_every_teams_chart_with_fallback_is_valid(
    minimal_card: Card, donut: Card, chart_type: str
) -> None:
    data: dict[str, list[dict[str, Any]]] = {
        "Chart.Donut": donut["data"],
        "Chart.Pie": donut["data"],
        "Chart.VerticalBar": [{"x": "W1", "y": 3}],
        "Chart.HorizontalBar": [{"x": "Sales", "y": 0.4}],
        "Chart.VerticalBar.Grouped": [{"legend": "Teams", "values": [{"x": "W1", "y": 3}]}],
        "Chart.Line": [{"legend": "Active", "values": [{"x": "2026-11-01", "y": 12}]}],
        "Chart.HorizontalBar.Stacked": [
            {"title": "Teams", "data": [{"legend": "used", "value": 60, "color": "good"}]}
        ],
    }
    chart = {"type": chart_type, "data": data[chart_type], "fallback": donut["fallback"]}
    assert card_problems(_with(minimal_card, chart)) == []


def test_gauge_is_valid(minimal_card: Card, donut: Card) -> None:
    gauge = {
        "type": "Chart.Gauge",
        "value": 64,
        "min": 0,
        "max": 100,
        "segments": [{"from": 0, "to": 50, "color": "attention"}, {"from": 50, "to": 100}],
        "valueFormat": "Percentage",
        "fallback": donut["fallback"],
    }
    assert card_problems(_with(minimal_card, gauge)) == []


def test_chart_without_fallback_is_refused(minimal_card: Card, donut: Card) -> None:
    del donut["fallback"]
    problems = card_problems(_with(minimal_card, donut))
    assert [p.path for p in problems] == ["$.body[1]"]
    assert "fallback" in problems[0].message


def test_chart_dropped_on_old_clients_is_refused(minimal_card: Card, donut: Card) -> None:
    # "drop" is valid Adaptive Cards, but then older clients show nothing at all.
    donut["fallback"] = "drop"
    assert any("fallback" in p.message for p in card_problems(_with(minimal_card, donut)))


def test_chart_fallback_inside_a_container_is_checked_too(minimal_card: Card, donut: Card) -> None:
    del donut["fallback"]
    container = {"type": "Container", "items": [donut]}
    problems = card_problems(_with(minimal_card, container))
    assert [p.path for p in problems] == ["$.body[1].items[0]"]


def test_chart_data_of_the_wrong_shape_is_refused(minimal_card: Card, donut: Card) -> None:
    donut["data"] = [{"legend": "Active", "value": "forty-two"}]
    problems = card_problems(_with(minimal_card, donut))
    assert problems
    assert problems[0].path == "$.body[1].data[0].value"


def test_unknown_element_is_refused(minimal_card: Card) -> None:
    assert card_problems(_with(minimal_card, {"type": "Chart.Bubble", "data": []}))


def test_misspelt_property_of_a_standard_element_is_refused(minimal_card: Card) -> None:
    minimal_card["body"][0]["wrapp"] = True
    assert card_problems(minimal_card)


def test_rating_input_is_valid_and_needs_an_id(minimal_card: Card) -> None:
    rating = {"type": "Input.Rating", "id": "confidence", "label": "How sure?", "max": 5}
    assert card_problems(_with(minimal_card, rating)) == []
    del rating["id"]
    assert card_problems(_with(minimal_card, rating))


def test_unknown_msteams_width_is_refused(minimal_card: Card) -> None:
    minimal_card["msteams"] = {"width": "Wide"}
    assert [p.path for p in card_problems(minimal_card)] == ["$.msteams.width"]


@pytest.mark.parametrize("version", [None, "1.6", "2.0", 1.5])
def test_card_needs_a_version_teams_renders(minimal_card: Card, version: object) -> None:
    if version is None:
        del minimal_card["version"]
    else:
        minimal_card["version"] = version
    assert any(p.path == "$.version" for p in card_problems(minimal_card))


def test_card_over_the_size_budget_is_refused(minimal_card: Card) -> None:
    minimal_card["body"][0]["text"] = "x" * MAX_CARD_BYTES
    assert any("byte budget" in p.message for p in card_problems(minimal_card))


def test_card_in_another_language_than_asked_is_refused(minimal_card: Card) -> None:
    assert [p.path for p in card_problems(minimal_card, locale="fr")] == ["$.lang"]


def test_check_card_lists_every_problem(minimal_card: Card, donut: Card) -> None:
    del donut["fallback"]
    card = _with(minimal_card, donut)
    del card["version"]
    with pytest.raises(CardSchemaError) as raised:
        check_card(card)
    assert len(raised.value.problems) == 2


def test_an_undocumented_chart_colour_is_refused(minimal_card: Card, donut: Card) -> None:
    chart = {
        "type": "Chart.HorizontalBar",
        "data": [{"x": "Sales", "y": 4, "color": "yellowish"}],
        "fallback": donut["fallback"],
    }
    assert card_problems(_with(minimal_card, chart)) != []
