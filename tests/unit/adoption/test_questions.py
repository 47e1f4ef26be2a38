"""The question parser: every menu title in every language, typos, accents, arguments."""

from __future__ import annotations

import pytest

from adoption.language import LOCALES
from adoption.questions import (
    Command,
    Question,
    Unknown,
    closest,
    parse,
    split_period,
    split_run,
)
from cards.i18n import t

TITLES = {
    "cmd_status_title": Command.STATUS,
    "cmd_scenario_title": Command.SCENARIO,
    "cmd_checkin_title": Command.CHECKIN,
    "cmd_trend_title": Command.TREND,
    "cmd_ambassadors_title": Command.AMBASSADORS,
    "cmd_waves_title": Command.WAVES,
    "cmd_campaign_title": Command.CAMPAIGN,
    "cmd_my_ambassador_title": Command.MY_AMBASSADOR,
    "cmd_my_data_title": Command.MY_DATA,
    "cmd_help_title": Command.HELP,
}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_manifest_command_title_is_understood(locale: str) -> None:
    for key, command in TITLES.items():
        title = t(locale, f"manifest.{key}")  # type: ignore[arg-type]
        assert parse(title) == Question(command), (locale, title)


@pytest.mark.parametrize(
    ("text", "command", "argument"),
    [
        ("STATUT  Finances ", Command.STATUS, "Finances"),
        ("Scénario co-authoring", Command.SCENARIO, "co-authoring"),
        ("check in baseline 3", Command.CHECKIN, "baseline 3"),
        ("staus", Command.STATUS, ""),
        ("tendnace Teams 90j", Command.TREND, "Teams 90j"),
        ("<at>uptake</at> waves", Command.WAVES, ""),
        ("Qui est mon ambassadeur ?", Command.MY_AMBASSADOR, ""),
        ("", Command.HELP, ""),
    ],
)
def test_forgiving_of_case_accents_spacing_and_small_typos(
    text: str, command: Command, argument: str
) -> None:
    assert parse(text) == Question(command, argument)


def test_unknown_question_offers_the_closest_command() -> None:
    assert parse("statistieken") == Unknown(Command.STATUS)
    assert parse("xyzzy") == Unknown(None)


def test_period_and_run_are_split_off() -> None:
    assert split_period("Teams 90d") == ("Teams", 90)
    assert split_period("Teams 90 jours") == ("Teams", 90)
    assert split_period("Copilot") == ("Copilot", None)
    assert split_period("Teams 45d") == ("Teams", 45)
    assert split_run("pulse #4") == ("pulse", 4)


def test_names_resolve_by_title_prefix_or_spelling_else_suggest() -> None:
    aliases = {"Financiën": ["Financiën"], "Verkoop": ["Verkoop"]}
    assert closest("financien", aliases).key == "Financiën"
    assert closest("Finances", aliases).key == "Financiën"
    found = closest("Verkp", aliases)
    assert found.key == "Verkoop" or found.suggestion == "Verkoop"
    assert closest("Logistiek", aliases).key is None


@pytest.mark.parametrize(
    ("text", "argument"),
    [
        ("hoe staat het ervoor?", ""),
        ("Hoe staat het ervoor in Verkoop?", "Verkoop"),
        ("how are we doing?", ""),
        ("How are we doing in wave 1?", "wave 1"),
        ("où en sommes-nous ?", ""),
        ("Où en sommes-nous dans Logistiek ?", "Logistiek"),
        ("hoe gaat het met de adoptie?", ""),
    ],
)
def test_plain_questions_ask_for_status(text: str, argument: str) -> None:
    assert parse(text) == Question(Command.STATUS, argument)


@pytest.mark.parametrize(
    "text",
    ["wie is mijn ambassadeur", "Wie is mijn ambassadeur?", "wie helpt mij?", "who can help me"],
)
def test_asking_for_ones_ambassador_keeps_working(text: str) -> None:
    assert parse(text) == Question(Command.MY_AMBASSADOR)


def test_a_phrase_typed_with_hyphens_leaves_the_scope_intact() -> None:
    assert parse("où en est-on pour Juridische Zaken ?") == Question(
        Command.STATUS, "Juridische Zaken"
    )
