"""Cards of the bot's lifecycle: the welcome on install, and help."""

from __future__ import annotations

from cards.base import Card, card, heading, paragraph
from cards.i18n import Locale, t


def welcome_card(locale: Locale, min_group_size: int, usage_months: int = 13) -> Card:
    """What the bot does and what it stores, said once, at install (the privacy statement:
    README "Privacy" says the same)."""
    return card(
        [
            heading(t(locale, "lifecycle.welcome_title")),
            paragraph(t(locale, "lifecycle.welcome_intro")),
            paragraph(f"**{t(locale, 'lifecycle.welcome_what_title')}**"),
            paragraph(t(locale, "lifecycle.welcome_what")),
            paragraph(f"**{t(locale, 'lifecycle.welcome_stored_title')}**"),
            paragraph(t(locale, "lifecycle.welcome_stored", k=min_group_size, months=usage_months)),
            paragraph(t(locale, "lifecycle.welcome_rights")),
            paragraph(t(locale, "lifecycle.welcome_language"), subtle=True),
        ],
        locale,
    )


def help_card(locale: Locale) -> Card:
    return card(
        [
            heading(t(locale, "lifecycle.help_title")),
            paragraph(t(locale, "lifecycle.help_employee")),
            paragraph(t(locale, "ambassador.help_hint")),
            paragraph(t(locale, "privacy.help_rights")),
        ],
        locale,
    )
