"""The envelope every card shares: version 1.5, `lang`, full width in Teams."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from cards.i18n import Locale

Card = dict[str, Any]
Element = dict[str, Any]

SCHEMA: Final = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION: Final = "1.5"  # the highest version Teams renders in bot messages
CARD_CONTENT_TYPE: Final = "application/vnd.microsoft.card.adaptive"


def card(body: Sequence[Element], locale: Locale, actions: Sequence[Element] = ()) -> Card:
    result: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "lang": locale,
        "msteams": {"width": "Full"},
        "body": list(body),
    }
    if actions:
        result["actions"] = list(actions)
    return result


def heading(text: str) -> Element:
    return {
        "type": "TextBlock",
        "text": text,
        "size": "Large",
        "weight": "Bolder",
        "wrap": True,
        "style": "heading",
    }


def paragraph(text: str, *, subtle: bool = False, color: str | None = None) -> Element:
    block: Element = {"type": "TextBlock", "text": text, "wrap": True}
    if subtle:
        block["isSubtle"] = True
    if color:
        block["color"] = color
    return block


def subheading(text: str) -> Element:
    """A bold label above a chart: chart titles are not drawn by every Teams client."""
    return {
        "type": "TextBlock",
        "text": text,
        "weight": "Bolder",
        "wrap": True,
        "spacing": "Medium",
    }


def callout(text: str, style: str = "warning") -> Element:
    """A sentence that must be noticed: dark text on a tinted container (coloured text alone,
    yellow especially, is unreadable on a light theme)."""
    return {
        "type": "Container",
        "style": style,
        "items": [{"type": "TextBlock", "text": text, "wrap": True}],
    }


def facts(pairs: Sequence[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs]}


def execute(title: str, verb: str, data: dict[str, Any], *, style: str | None = None) -> Element:
    """An Action.Execute (Universal Actions) that falls back to Action.Submit on old clients.

    The fallback carries the verb inside `data`, where the message route looks for it.
    """
    action: Element = {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "data": data,
        "fallback": {"type": "Action.Submit", "title": title, "data": {"verb": verb, **data}},
    }
    if style:
        action["style"] = style
    return action
