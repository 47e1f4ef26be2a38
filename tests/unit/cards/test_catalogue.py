"""The one string catalogue (cards/strings/*.toml): every key in nl, fr and en."""

from __future__ import annotations

import json
import string
import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from cards.i18n import LOCALES, Catalogue, CatalogueError, catalogue, format_money, t


def _raw_tables() -> dict[str, dict[str, object]]:
    folder = resources.files("cards").joinpath("strings")
    return {
        item.name.removesuffix(".toml"): tomllib.loads(item.read_text("utf-8"))
        for item in folder.iterdir()
        if item.name.endswith(".toml")
    }


def test_shipped_catalogue_loads() -> None:
    catalogue.cache_clear()
    assert catalogue().keys()


def test_every_shipped_key_has_a_non_empty_text_in_every_language() -> None:
    missing = [
        f"{area}.{key}:{locale}"
        for area, keys in _raw_tables().items()
        for key, texts in keys.items()
        for locale in LOCALES
        if not isinstance(texts, dict)
        or not all(
            str(text).strip()
            for text in (
                texts.get(locale, "").values()
                if isinstance(texts.get(locale), dict)
                else [texts.get(locale, "")]
            )
        )
    ]
    assert missing == []


def test_a_missing_language_is_refused_at_load() -> None:
    with pytest.raises(CatalogueError, match=r"demo\.hello\.fr: missing"):
        Catalogue.from_tables({"demo": {"hello": {"nl": "Hallo", "en": "Hello"}}})


def test_a_placeholder_missing_in_one_language_is_refused() -> None:
    with pytest.raises(CatalogueError, match="placeholders differ"):
        Catalogue.from_tables(
            {"demo": {"hi": {"nl": "Dag {name}", "fr": "Bonjour", "en": "Hi {name}"}}}
        )


def test_manifest_command_titles_are_distinct_within_each_language() -> None:
    # Teams sends a picked command's title as the message: two equal titles cannot be told apart.
    shipped = catalogue().keys()
    titles = sorted(k for k in shipped if k.startswith("manifest.cmd_") and k.endswith("_title"))
    manifest = json.loads((Path(__file__).parents[3] / "manifest" / "manifest.json").read_text())
    menu = manifest["bots"][0]["commandLists"][0]["commands"]
    # Every menu entry ("{{t:manifest.cmd_..._title}}") and no other; Teams allows 10.
    assert sorted(c["title"][4:-2] for c in menu) == titles
    assert len(menu) <= 10
    for locale in LOCALES:
        texts = [t(locale, key).casefold() for key in titles]
        assert len(set(texts)) == len(texts), locale


def test_manifest_error_messages_take_the_same_fields_in_every_language() -> None:
    formatter = string.Formatter()
    shipped = catalogue().keys()
    for key in sorted(k for k in shipped if k.startswith("manifest.err_")):
        fields = {
            frozenset(f for _, f, _, _ in formatter.parse(t(locale, key)) if f)
            for locale in LOCALES
        }
        assert len(fields) == 1, key


PLURAL = {
    "nl": {"one": "{count} probleem", "other": "{count} problemen"},
    "fr": {"one": "{count} problème", "other": "{count} problèmes"},
    "en": {"one": "{count} problem", "other": "{count} problems"},
}


@pytest.mark.parametrize(
    ("locale", "count", "expected"),
    [
        ("nl", 0, "0 problemen"),
        ("nl", 1, "1 probleem"),
        ("fr", 0, "0 problème"),  # French counts zero as singular
        ("fr", 1, "1 problème"),
        ("fr", 2, "2 problèmes"),
        ("en", 1, "1 problem"),
        ("en", 12, "12 problems"),
    ],
)
def test_plural_forms_follow_each_languages_rules(locale: str, count: int, expected: str) -> None:
    shipped = Catalogue.from_tables({"demo": {"problems": PLURAL}})
    assert shipped.text(locale, "demo.problems", count=count) == expected  # type: ignore[arg-type]


def test_plural_forms_need_other_and_a_count() -> None:
    with pytest.raises(CatalogueError, match=r"demo\.x\.nl: plural forms must include 'other'"):
        Catalogue.from_tables({"demo": {"x": {**PLURAL, "nl": {"one": "{count} ding"}}}})
    uncounted = {loc: {"one": "one", "other": "many"} for loc in LOCALES}
    with pytest.raises(CatalogueError, match=r"chosen by a \{count\} placeholder"):
        Catalogue.from_tables({"demo": {"x": uncounted}})


def test_french_punctuation_keeps_its_space_on_the_same_line() -> None:
    shipped = Catalogue.from_tables(
        {"demo": {"q": {"nl": "Klaar?", "fr": "Prêt ? « Oui » : d'accord ; go !", "en": "Ready?"}}}
    )
    assert (
        shipped.text("fr", "demo.q")
        == "Prêt\u00a0? «\u00a0Oui\u00a0»\u00a0: d'accord\u00a0; go\u00a0!"
    )
    assert shipped.text("nl", "demo.q") == "Klaar?"


def test_money_is_shown_to_the_unit_in_each_languages_style() -> None:
    nbsp = "\u00a0"
    assert format_money(Decimal("393.40"), "EUR", "nl") == f"€{nbsp}393"
    assert format_money(Decimal("12345.6"), "EUR", "fr") == f"12{chr(0x202F)}346{nbsp}€"
    assert format_money(Decimal("393.50"), "EUR", "en") == "€394"
