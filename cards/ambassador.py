"""Ambassadors' cards: the weekly tip (with a text to share and two buttons), the nudge when
their group stalls (what moved, a tip that fits, and a spotlight on what goes well).

Every figure here is a group's share, already suppressed; no card ever names a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from adoption.language import Locale
from adoption.nudges import Movement, Nudge
from adoption.scenarios import catalogue
from adoption.tips import Tip
from cards.base import Card, Element, card, execute, heading, paragraph, subheading
from cards.facilitator import subject_title
from cards.i18n import format_share, t

SHARED_VERB = "tip.shared"
USELESS_VERB = "tip.useless"


@dataclass(frozen=True, slots=True)
class TipText:
    """One tip in the reader's language."""

    key: str
    title: str
    body: str
    share: str
    scenario: str


def _tip_elements(tip: TipText, locale: Locale) -> list[Element]:
    return [
        {
            "type": "TextBlock",
            "text": tip.title,
            "size": "Medium",
            "weight": "Bolder",
            "wrap": True,
        },
        paragraph(tip.body),
        {
            "type": "Container",
            "style": "emphasis",
            "items": [
                subheading(t(locale, "ambassador.share_title")),
                paragraph(tip.share),
            ],
        },
        paragraph(t(locale, "ambassador.tip_scenario", scenario=tip.scenario), subtle=True),
    ]


def tip_text(tip: Tip, locale: Locale) -> TipText:
    scenario = next((s for s in catalogue() if s.key == tip.scenario), None)
    return TipText(
        tip.key,
        tip.title(locale),
        tip.body(locale),
        tip.share(locale),
        scenario.title(locale) if scenario is not None else tip.scenario,
    )


def _verdict_buttons(tip: TipText, week: str, locale: Locale) -> list[Element]:
    data = {"tip": tip.key, "week": week}
    return [
        execute(t(locale, "ambassador.shared_button"), SHARED_VERB, data, style="positive"),
        execute(t(locale, "ambassador.useless_button"), USELESS_VERB, data),
    ]


def tip_card(tip: TipText, week: str, locale: Locale, verdict: str | None = None) -> Card:
    """The week's tip; after a button, the same tip with the thanks instead of the buttons."""
    body: list[Element] = [heading(t(locale, "ambassador.tip_title")), *_tip_elements(tip, locale)]
    if verdict is not None:
        body.append(paragraph(t(locale, f"ambassador.thanks_{verdict}"), subtle=True))
        return card(body, locale)
    return card(body, locale, _verdict_buttons(tip, week, locale))


def movement_text(move: Movement, locale: Locale, key: str) -> str:
    return t(
        locale,
        key,
        group=move.group,
        subject=subject_title(move.subject, locale),
        before=format_share(move.before, locale),
        after=format_share(move.after, locale),
    )


def nudge_card(
    nudge: Nudge,
    tip: TipText | None,
    week: str,
    locale: Locale,
    spotlight: Movement | None,
) -> Card:
    """What moved in the group (group level only), a tip that fits, and a win to celebrate."""
    body: list[Element] = [
        heading(t(locale, "ambassador.nudge_title", group=nudge.movement.group)),
        paragraph(movement_text(nudge.movement, locale, f"ambassador.nudge_{nudge.kind}")),
    ]
    if spotlight is not None:
        body.append(
            {
                "type": "Container",
                "style": "good",
                "items": [
                    subheading(t(locale, "ambassador.spotlight_title")),
                    paragraph(movement_text(spotlight, locale, "ambassador.spotlight_body")),
                ],
            }
        )
    actions: list[Element] = []
    if tip is not None:
        body.append(subheading(t(locale, "ambassador.nudge_tip")))
        body.extend(_tip_elements(tip, locale))
        actions = _verdict_buttons(tip, week, locale)
    return card(body, locale, actions)
