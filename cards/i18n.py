"""One catalogue for every user-visible string, in nl, fr and en.

Strings live in `cards/strings/<area>.toml`, one table per key with one entry per language:

    [welcome_title]
    nl = "Welkom bij uptake"
    fr = "Bienvenue dans uptake"
    en = "Welcome to uptake"

A text that counts something gives its plural forms instead, chosen by the `count`
parameter with each language's CLDR rules (Babel): French says "1 problème" but also "0
problème", Dutch and English say "0 problems":

    [not_valid]
    nl = { one = "{count} probleem", other = "{count} problemen" }

A key is addressed as `<area>.<key>` (`lifecycle.welcome_title`). Splitting by area keeps each
file small; the loader merges them into one catalogue and refuses a key that lacks a language,
so a missing translation fails at start and in the tests, never in front of a user. Dates and
numbers are formatted here with Babel, on the server, because Teams cards have no DATE().
"""

from __future__ import annotations

import copy
import re
import string
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Final

from babel import Locale as BabelLocale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_datetime as _babel_format_datetime
from babel.numbers import NumberPattern, format_decimal

# Re-exported: card builders take the language from here with their strings.
from adoption.language import LOCALES as LOCALES
from adoption.language import Locale as Locale

# Belgian conventions for nl and fr (a Flemish organisation); British English for en.
_BABEL: Final[Mapping[Locale, BabelLocale]] = {
    "nl": BabelLocale.parse("nl_BE"),
    "fr": BabelLocale.parse("fr_BE"),
    "en": BabelLocale.parse("en_GB"),
}


class CatalogueError(ValueError):
    """The shipped catalogue is incomplete or malformed."""


def negotiate(requested: str | None, default: Locale) -> Locale:
    """Map a Teams/BCP-47 locale ('nl-BE', 'fr-FR', 'en-US') to one of ours."""
    if requested:
        prefix = requested.replace("_", "-").split("-", 1)[0].lower()
        for locale in LOCALES:
            if prefix == locale:
                return locale
    return default


# French puts a space before : ; ? ! and inside « »; a non-breaking one, so that a card that
# wraps never starts a line with the colon. The strings are written with plain spaces.
_FRENCH_SPACE = re.compile(r" ([:;?!»])|(«) ")


def _french_spacing(text: str) -> str:
    return _FRENCH_SPACE.sub(lambda m: f"\u00a0{m[1]}" if m[1] else f"{m[2]}\u00a0", text)


# A language's text: one template, or its CLDR plural forms ("one", "other", ...).
Text = str | Mapping[str, str]
_PLURAL_FORMS: Final = frozenset({"zero", "one", "two", "few", "many", "other"})


def _templates(text: Text) -> list[str]:
    return [text] if isinstance(text, str) else list(text.values())


def _text_problem(text: object) -> str | None:
    """Why `text` is neither a template nor a table of plural forms, or None."""
    if isinstance(text, str):
        return None
    if not isinstance(text, Mapping):
        return "missing"
    if "other" not in text or not set(text) <= _PLURAL_FORMS:
        return f"plural forms must include 'other' and be among {sorted(_PLURAL_FORMS)}"
    if not all(isinstance(v, str) for v in text.values()):
        return "plural forms must be strings"
    return None


class Catalogue:
    """Immutable mapping of `area.key` to its text per language."""

    def __init__(self, entries: Mapping[str, Mapping[Locale, Text]]) -> None:
        self._entries = dict(entries)

    @classmethod
    def from_tables(cls, tables: Mapping[str, Mapping[str, object]]) -> Catalogue:
        """Build from `{area: {key: {lang: text}}}`, checking every key has every language."""
        entries: dict[str, dict[Locale, Text]] = {}
        problems: list[str] = []
        formatter = string.Formatter()
        for area, keys in tables.items():
            for key, texts in keys.items():
                name = f"{area}.{key}"
                if not isinstance(texts, Mapping):
                    problems.append(f"{name}: expected a table of languages")
                    continue
                unknown = sorted(set(texts) - set(LOCALES))
                if unknown:
                    problems.append(f"{name}: unknown language(s) {', '.join(unknown)}")
                bad = {loc: _text_problem(texts.get(loc)) for loc in LOCALES}
                if any(bad.values()):
                    problems.extend(f"{name}.{loc}: {why}" for loc, why in bad.items() if why)
                    continue
                fields = {
                    loc: {
                        f
                        for template in _templates(texts[loc])
                        for _, f, _, _ in formatter.parse(template)
                        if f
                    }
                    for loc in LOCALES
                }
                if len({frozenset(f) for f in fields.values()}) != 1:
                    problems.append(f"{name}: placeholders differ between languages {fields}")
                if any(not isinstance(texts[loc], str) for loc in LOCALES) and not all(
                    "count" in f for f in fields.values()
                ):
                    problems.append(f"{name}: plural forms are chosen by a {{count}} placeholder")
                entries[name] = {loc: texts[loc] for loc in LOCALES}
                french = texts["fr"]
                entries[name]["fr"] = (
                    _french_spacing(french)
                    if isinstance(french, str)
                    else {form: _french_spacing(text) for form, text in french.items()}
                )
        if problems:
            raise CatalogueError("catalogue problems:\n  " + "\n  ".join(problems))
        return cls(entries)

    def keys(self) -> frozenset[str]:
        return frozenset(self._entries)

    def text(self, locale: Locale, key: str, /, **params: object) -> str:
        try:
            text = self._entries[key][locale]
        except KeyError as exc:
            raise KeyError(f"no string {key!r} in the catalogue") from exc
        if not isinstance(text, str):
            count = params["count"]
            form = _BABEL[locale].plural_form(count if isinstance(count, int | float) else 0)
            text = text.get(form, text["other"])
        return text.format(**params) if params else text


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue (loaded once, on first use)."""
    tables: dict[str, Mapping[str, object]] = {}
    folder = resources.files("cards").joinpath("strings")
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if item.name.endswith(".toml"):
            try:
                tables[item.name.removesuffix(".toml")] = tomllib.loads(item.read_text("utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise CatalogueError(f"cards/strings/{item.name}: {exc}") from exc
    return Catalogue.from_tables(tables)


def t(locale: Locale, key: str, /, **params: object) -> str:
    """The text of `key` in `locale`, with `{placeholders}` filled."""
    return catalogue().text(locale, key, **params)


def format_day(value: date, locale: Locale) -> str:
    return _babel_format_date(value, format="long", locale=_BABEL[locale])


def format_weekday(value: date, locale: Locale) -> str:
    """'maandag', 'lundi', 'Monday'."""
    return _babel_format_date(value, format="EEEE", locale=_BABEL[locale])


def format_short_day(value: date, locale: Locale) -> str:
    """'23 nov.', '23 Nov': for chart axes, where a long date does not fit."""
    return _babel_format_date(value, format="d MMM", locale=_BABEL[locale])


def format_moment(value: datetime, locale: Locale) -> str:
    return _babel_format_datetime(value, format="medium", locale=_BABEL[locale])


def format_number(value: float, locale: Locale) -> str:
    return format_decimal(value, locale=_BABEL[locale])


# Parsed once: babel's format_percent re-reads the locale's pattern on every call, and cards
# format dozens of shares each.
_PERCENT: Final[Mapping[Locale, NumberPattern]] = {
    loc: babel.percent_formats[None] for loc, babel in _BABEL.items()
}


def format_share(value: float, locale: Locale) -> str:
    """A fraction (0.42) as a percentage in the locale's style ('42 %' in nl_BE/fr_BE)."""
    return str(_PERCENT[locale].apply(value, _BABEL[locale]))


def _whole_currency(babel: BabelLocale) -> NumberPattern:
    pattern: NumberPattern = copy.copy(babel.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return pattern


# Monthly costs are shown to the euro: '€ 393' (nl_BE), '393 €' (fr_BE), '€393' (en_GB).
_MONEY: Final[Mapping[Locale, NumberPattern]] = {
    loc: _whole_currency(babel) for loc, babel in _BABEL.items()
}


def format_money(value: Decimal, currency: str, locale: Locale) -> str:
    """An amount rounded to whole units, in the locale's currency style."""
    return str(
        _MONEY[locale].apply(value, _BABEL[locale], currency=currency, currency_digits=False)
    )
