"""Every card the product sends, with sample data, in every language.

The schema tests and the renderer (docs/cards/) iterate `samples()`, so a new card builder is
checked and pictured as soon as it is added here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adoption.checkin import AnswerProblem, shipped_template
from cards import (
    campaign_samples,
    coaching_samples,
    facilitator_samples,
    licence_samples,
    privacy_samples,
)
from cards.base import Card
from cards.checkin import closed_card, notice_card, question_card, thanks_card
from cards.i18n import LOCALES, Locale
from cards.lifecycle import help_card, welcome_card


@dataclass(frozen=True)
class CardSample:
    name: str
    locale: Locale
    card: Card


def samples() -> list[CardSample]:
    pulse = shipped_template("pulse")
    baseline = shipped_template("baseline")
    closes = date(2026, 12, 4)
    result: list[CardSample] = []
    for locale in LOCALES:
        built: dict[str, Card] = {
            "welcome": welcome_card(locale, 5),
            "help": help_card(locale),
            "checkin-pulse": question_card(pulse, 1, closes, locale),
            "checkin-baseline": question_card(baseline, 2, closes, locale),
            "checkin-invalid": question_card(
                pulse,
                1,
                closes,
                locale,
                answers={"confidence": 4},
                problems={
                    "usefulness": AnswerProblem.REQUIRED,
                    "blocker": AnswerProblem.UNKNOWN_OPTION,
                },
            ),
            "checkin-thanks": thanks_card(
                baseline,
                2,
                {"share_files": "link", "tools": ("teams_chat", "onedrive"), "wish": "Plan leave"},
                locale,
            ),
            "checkin-closed": closed_card(pulse, closes, locale),
            "checkin-not-for-you": notice_card("checkin.not_for_you", locale),
        }
        built.update(facilitator_samples.samples(locale))
        built.update(campaign_samples.samples(locale))
        built.update(coaching_samples.samples(locale))
        built.update(licence_samples.samples(locale))
        built.update(privacy_samples.samples(locale))
        result.extend(CardSample(name, locale, c) for name, c in built.items())
    return result
