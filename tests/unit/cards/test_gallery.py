"""Every card the product sends, in every language, is valid for Teams (cards.gallery)."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from cards import coaching_samples
from cards.gallery import CardSample, samples
from cards.i18n import LOCALES
from cards.schema import CHART_TYPES, MAX_CARD_BYTES, card_problems, card_size

SAMPLES = samples()


def _id(sample: CardSample) -> str:
    return f"{sample.name}.{sample.locale}"


def test_gallery_has_cards() -> None:
    assert SAMPLES, "cards.gallery.samples() returned nothing to check"


def test_every_card_is_in_every_language() -> None:
    languages: dict[str, set[str]] = defaultdict(set)
    for sample in SAMPLES:
        languages[sample.name].add(sample.locale)
    incomplete = {name: sorted(found) for name, found in languages.items() if found != set(LOCALES)}
    assert incomplete == {}


def test_sample_names_are_unique_per_language() -> None:
    ids = [_id(sample) for sample in SAMPLES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_card_is_valid_for_teams(sample: CardSample) -> None:
    problems = card_problems(sample.card, locale=sample.locale)
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_card_sets_version_and_stays_small(sample: CardSample) -> None:
    assert sample.card.get("version") == "1.5"
    assert card_size(sample.card) < MAX_CARD_BYTES


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_card_texts_differ_between_languages(sample: CardSample) -> None:
    # A card identical in two languages means a string bypassed the catalogue.
    others = [
        other.card
        for other in SAMPLES
        if other.name == sample.name and other.locale != sample.locale
    ]
    text = json.dumps({k: v for k, v in sample.card.items() if k != "lang"}, sort_keys=True)
    for other in others:
        assert text != json.dumps({k: v for k, v in other.items() if k != "lang"}, sort_keys=True)


def test_charts_in_the_gallery_carry_text_fallbacks() -> None:
    # card_problems checks this per card; this pins that the walk finds nested charts at all.
    found = [
        element
        for sample in SAMPLES
        for element in _walk(sample.card)
        if element.get("type") in CHART_TYPES
    ]
    assert all(isinstance(chart.get("fallback"), dict) for chart in found)


def _walk(node: object) -> list[dict[str, object]]:
    if isinstance(node, dict):
        return [node, *(e for value in node.values() for e in _walk(value))]
    if isinstance(node, list):
        return [e for value in node for e in _walk(value)]
    return []


def _containers(node: object) -> list[list[dict[str, object]]]:
    """Every list of elements (card body, container items...) in a card."""
    found: list[list[dict[str, object]]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("body", "items") and isinstance(value, list):
                found.append([e for e in value if isinstance(e, dict)])
            found.extend(_containers(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_containers(value))
    return found


def test_no_text_is_coloured_warning() -> None:
    # Yellow text on a light theme cannot be read; a notice is a tinted container instead.
    coloured = [
        (_id(sample), element.get("text"))
        for sample in SAMPLES
        for element in _walk(sample.card)
        if element.get("type") == "TextBlock" and str(element.get("color", "")).lower() == "warning"
    ]
    assert coloured == []


def test_every_required_input_says_what_is_missing() -> None:
    silent = [
        (_id(sample), element.get("id"))
        for sample in SAMPLES
        for element in _walk(sample.card)
        if str(element.get("type", "")).startswith("Input.")
        and element.get("isRequired")
        and not element.get("errorMessage")
    ]
    assert silent == []


def test_every_chart_is_labelled_by_the_text_above_it() -> None:
    # Not every Teams client draws a chart's own title: a bold TextBlock says what it shows.
    unlabelled = []
    for sample in SAMPLES:
        for elements in _containers(sample.card):
            for before, element in zip([{}, *elements], elements, strict=False):
                if element.get("type") in CHART_TYPES and not (
                    before.get("type") == "TextBlock" and before.get("weight") == "Bolder"
                ):
                    unlabelled.append((_id(sample), element.get("type")))
    assert unlabelled == []


def test_the_series_of_a_chart_have_distinct_colours() -> None:
    clashes = []
    for sample in SAMPLES:
        for element in _walk(sample.card):
            kind = element.get("type")
            if kind in ("Chart.VerticalBar.Grouped", "Chart.Line"):
                colours = [series.get("color") for series in element["data"]]  # type: ignore[attr-defined]
            elif kind == "Chart.HorizontalBar.Stacked":
                colours = [part.get("color") for part in element["data"][0]["data"]]  # type: ignore[index]
            else:
                continue
            if None in colours or len(set(colours)) != len(colours):
                clashes.append((_id(sample), kind, colours))
    assert clashes == []


def test_the_digest_names_its_week_by_its_monday_and_says_points_as_people_do() -> None:
    text = {
        locale: json.dumps(coaching_samples.samples(locale)["digest"], ensure_ascii=False)
        for locale in LOCALES
    }
    assert "week of 7 December 2026" in text["en"] and "semaine du 7 décembre 2026" in text["fr"]
    assert "+1 point)" in text["en"] and "+1 punt)" in text["nl"] and "\u22129 points" in text["fr"]
    assert "(unchanged)" in text["en"] and "W50" not in text["en"]
