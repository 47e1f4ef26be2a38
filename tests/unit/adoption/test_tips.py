"""The ambassadors' tips: the shipped catalogue is complete and sound; bad files get every
problem named with its place; a facilitator's tips never take a shipped key."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from adoption.language import LOCALES
from adoption.scenarios import catalogue as scenario_catalogue
from adoption.scenarios import scenario
from adoption.signals import Signal
from adoption.tips import (
    BODY_MAX,
    SHARE_MAX,
    TITLE_MAX,
    AudienceHint,
    Tip,
    TipCode,
    TipProblem,
    TipsError,
    merge,
    parse_extra_tips,
    parse_tips,
    shipped_tips,
)
from cards.i18n import catalogue as string_catalogue
from cards.i18n import t

FIELDS = ("title", "body", "share")

GOOD = """\
version = 1

[[tips]]
key = "agenda_in_chat"
scenario = "meet_in_teams"
signals = ["teams.meeting"]
audience = "managers"
[tips.title]
nl = "Spreek de agenda af in de chat"
fr = "Convenez de l'ordre du jour dans le chat"
en = "Agree on the agenda in the chat"
[tips.body]
nl = "Zet de agenda in de vergaderchat, zodat iedereen punten kan toevoegen."
fr = "Placez l'ordre du jour dans le chat de la réunion pour que chacun puisse ajouter des points."
en = "Put the agenda in the meeting chat so everyone can add items."
[tips.share]
nl = "Vanaf nu staat onze agenda in de vergaderchat."
fr = "Désormais, notre ordre du jour est dans le chat de la réunion."
en = "From now on our agenda is in the meeting chat."

[[tips]]
key = "one_copy"
scenario = "coauthor_instead_of_attachments"
signals = ["sharepoint.edit", "sharepoint.share_internal"]
[tips.title]
nl = "Werk in één exemplaar"
fr = "Travaillez dans un seul exemplaire"
en = "Work in one copy"
[tips.body]
nl = "Deel het bestand zodat collega's hetzelfde exemplaar bewerken."
fr = "Partagez le fichier pour que vos collègues modifient le même exemplaire."
en = "Share the file so colleagues edit the same copy."
[tips.share]
nl = "We werken voortaan samen in één bestand."
fr = "Désormais, nous travaillons ensemble dans un seul fichier."
en = "From now on we work together in one file."
"""


def _tip_text(key: str, title: str = "Een titel") -> str:
    return f"""
[[tips]]
key = "{key}"
scenario = "work_on_the_go"
signals = ["teams.mobile"]
title = {{ nl = "{title}", fr = "Un titre", en = "A title" }}
body = {{ nl = "Een taak.", fr = "Une tâche.", en = "A task." }}
share = {{ nl = "Probeer het.", fr = "Essayons.", en = "Let's try it." }}
"""


def _problems(text: str) -> set[tuple[str, str]]:
    with pytest.raises(TipsError) as raised:
        parse_tips(text, "extra.toml")
    return {(p.place, p.code) for p in raised.value.problems}


# --- the parser ---------------------------------------------------------------------------


def test_a_good_file_parses_into_tips_with_their_texts_and_signals() -> None:
    first, second = parse_tips(GOOD, "good.toml")
    assert first.key == "agenda_in_chat"
    assert first.scenario == "meet_in_teams"
    assert first.signals == (Signal.TEAMS_MEETING,)
    assert first.audience_hint is AudienceHint.MANAGERS
    assert first.title("fr") == "Convenez de l'ordre du jour dans le chat"
    assert second.signals == (Signal.SHAREPOINT_EDIT, Signal.SHAREPOINT_SHARE_INTERNAL)
    assert second.audience_hint is None


BROKEN = """\
colour = "blue"

[[tips]]
key = "Agenda In Chat"
scenario = "meet_in_teams"
signals = ["teams.meeting", "teams.chat"]
title = { nl = "Agenda", en = "Agenda in the chat" }
body = { nl = "Agenda in de chat.", fr = "L'ordre du jour au chat.", en = "The agenda in chat." }
share = { nl = "Zie https://example.com", fr = "Voyons ensemble.", en = "Let's look together." }

[[tips]]
key = "no_scenario"
scenario = "paint_the_walls"
signals = ["teams.fax"]
title = { nl = "Titel", fr = "Titre", en = "Title" }
body = { nl = "Tekst.", fr = "Texte.", en = "Tekst." }
share = { nl = "Delen.", fr = "Partager.", en = "Share." }
owner = "someone"

[[tips]]
key = "twice"
scenario = "use_copilot"
signals = ["copilot.any"]
title = { nl = "Dubbel", fr = "Double", en = "Twice", de = "Zweimal" }
body = { nl = "Eerst.", fr = "", en = "First." }
share = { nl = "Een.", fr = "Un.", en = "One." }

[[tips]]
key = "twice"
scenario = "use_copilot"
signals = []
title = { nl = "Opnieuw", fr = "Encore", en = "Again" }
body = { nl = "Tweede.", fr = "Deuxième.", en = "Second." }
"""


def test_a_broken_file_reports_every_problem_with_its_place() -> None:
    long_title = "x" * (TITLE_MAX + 1)
    broken = BROKEN.replace('en = "Again"', f'en = "{long_title}"')
    assert _problems(broken) == {
        ("colour", "unknown_field"),
        ("tips[0].key", "bad_key"),
        ("tips[0].signals[1]", "signal_not_in_scenario"),
        ("tips[0].title.fr", "missing"),
        ("tips[0].share.nl", "link"),
        ("tips[1].scenario", "unknown_scenario"),
        ("tips[1].signals[0]", "unknown_signal"),
        ("tips[1].body", "same_text"),
        ("tips[1].owner", "unknown_field"),
        ("tips[2].title.de", "unknown_language"),
        ("tips[2].body.fr", "empty"),
        ("tips[3].key", "duplicate_key"),
        ("tips[3].signals", "no_signals"),
        ("tips[3].title.en", "too_long"),
        ("tips[3].share", "missing"),
    }


def test_a_problem_carries_the_line_of_its_entry_and_what_the_message_needs() -> None:
    with pytest.raises(TipsError) as raised:
        parse_tips(BROKEN, "extra.toml")
    by_place = {p.place: p for p in raised.value.problems}
    assert by_place["tips[0].key"].line == 3
    assert by_place["tips[3].key"].line == 28
    assert dict(by_place["tips[3].key"].params) == {"key": "twice", "first": "tips[2]"}
    assert dict(by_place["tips[0].signals[1]"].params) == {
        "signal": "teams.chat",
        "scenario": "meet_in_teams",
        "allowed": "teams.meeting, teams.call",
    }
    assert by_place["colour"].line == 0
    assert "extra.toml" in str(raised.value)


def test_every_problem_code_has_a_message_in_every_language_with_its_params() -> None:
    with pytest.raises(TipsError) as raised:
        parse_tips(BROKEN, "extra.toml")
    codes = {p.code for p in raised.value.problems}
    assert len(codes) >= 10
    for problem in raised.value.problems:
        for locale in LOCALES:
            # KeyError here: a placeholder the domain does not fill, or a missing message.
            assert t(locale, f"tips.problem_{problem.code}", **dict(problem.params))


def test_the_catalogue_has_a_message_for_every_code() -> None:
    keys = string_catalogue().keys()
    assert {code.value for code in TipCode if f"tips.problem_{code}" not in keys} == set()


def test_not_toml_names_the_line_and_column() -> None:
    with pytest.raises(TipsError) as raised:
        parse_tips('[[tips]]\nkey = "a"\ntitle = {nl = "x"\n', "bad.toml")
    (problem,) = raised.value.problems
    assert (problem.place, problem.code, problem.line) == ("", "not_toml", 3)
    assert dict(problem.params)["line"] == "3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {("tips", "no_tips")}),
        ('version = 2\ntips = "none"', {("version", "unsupported_version"), ("tips", "no_tips")}),
        ("tips = [1]", {("tips[0]", "not_a_table")}),
        (
            '[[tips]]\nkey = 7\nscenario = "use_copilot"\nsignals = "copilot.any"\n'
            'title = "Copilot"\nbody = { nl = 1, fr = "Une tâche.", en = "A task." }\n'
            'audience = "everyone"\n',
            {
                ("tips[0].key", "bad_key"),
                ("tips[0].signals", "not_signals"),
                ("tips[0].title", "not_localised"),
                ("tips[0].body.nl", "not_text"),
                ("tips[0].share", "missing"),
                ("tips[0].audience", "unknown_audience"),
            },
        ),
        (
            '[[tips]]\nscenario = "work_on_the_go"\nsignals = ["teams.mobile", "teams.mobile"]\n'
            'title = { nl = "Twee\\nregels", fr = "Un titre", en = "A title" }\n'
            'body = { nl = "Kijk op www.contoso.be.", fr = "Voir [ici](x).", en = "aka.ms/tip" }\n'
            'share = { nl = "Een.", fr = "Un.", en = "One." }\n',
            {
                ("tips[0].key", "missing"),
                ("tips[0].signals[1]", "repeated_signal"),
                ("tips[0].title.nl", "one_line"),
                ("tips[0].body.nl", "link"),
                ("tips[0].body.fr", "link"),
                ("tips[0].body.en", "link"),
            },
        ),
    ],
)
def test_each_kind_of_mistake_is_named(text: str, expected: set[tuple[str, str]]) -> None:
    assert _problems(text) == expected


@pytest.mark.parametrize(
    ("field", "limit"), [("title", TITLE_MAX), ("body", BODY_MAX), ("share", SHARE_MAX)]
)
def test_texts_have_length_limits(field: str, limit: int) -> None:
    tips = parse_tips(GOOD)
    text = getattr(tips[0], field)("en")
    fits = GOOD.replace(f'en = "{text}"', f'en = "{"y" * limit}"', 1)
    assert parse_tips(fits)  # exactly at the limit is allowed
    too_long = GOOD.replace(f'en = "{text}"', f'en = "{"y" * (limit + 1)}"', 1)
    assert _problems(too_long) == {(f"tips[0].{field}.en", "too_long")}


def test_texts_are_trimmed() -> None:
    tip = parse_tips(_tip_text("trimmed", title="  Ruimte rond  "))[0]
    assert tip.title("nl") == "Ruimte rond"


# --- merging with the shipped tips ----------------------------------------------------------


def test_merge_adds_extra_tips_after_the_shipped_ones() -> None:
    shipped = parse_tips(GOOD)
    merged = merge(shipped, parse_tips(_tip_text("our_own_tip")))
    assert [tip.key for tip in merged] == ["agenda_in_chat", "one_copy", "our_own_tip"]


def test_merge_refuses_an_extra_tip_that_reuses_a_shipped_key() -> None:
    extra = parse_tips(_tip_text("fine_one") + _tip_text("one_copy", title="Eigen versie"))
    with pytest.raises(TipsError) as raised:
        merge(parse_tips(GOOD), extra, source="ours.toml")
    assert raised.value.problems == [
        TipProblem.of("tips[1].key", TipCode.SHIPPED_KEY, key="one_copy")
    ]
    assert "ours.toml" in str(raised.value)


def test_merge_refuses_two_extra_tips_with_one_key() -> None:
    one = parse_tips(_tip_text("same_key"))
    with pytest.raises(TipsError) as raised:
        merge(parse_tips(GOOD), one + one)
    assert [(p.place, p.code) for p in raised.value.problems] == [("tips[1].key", "duplicate_key")]


def test_reserved_keys_are_reported_with_the_other_problems_of_a_file() -> None:
    text = _tip_text("one_copy") + _tip_text("Bad Key")
    with pytest.raises(TipsError) as raised:
        parse_tips(text, "ours.toml", reserved={"agenda_in_chat", "one_copy"})
    assert {(p.place, p.code, p.line) for p in raised.value.problems} == {
        ("tips[0].key", "shipped_key", 2),
        ("tips[1].key", "bad_key", 10),
    }


def test_a_facilitator_file_reports_a_reused_shipped_key_with_its_other_problems() -> None:
    taken = shipped_tips()[0].key
    text = _tip_text(taken) + _tip_text("Bad Key")
    with pytest.raises(TipsError) as raised:
        parse_extra_tips(text, "ours.toml")
    assert {(p.place, p.code, p.line) for p in raised.value.problems} == {
        ("tips[0].key", "shipped_key", 2),
        ("tips[1].key", "bad_key", 10),
    }


def test_a_good_facilitator_file_comes_after_the_shipped_tips() -> None:
    merged = parse_extra_tips(_tip_text("ours"), "ours.toml")
    assert merged[:-1] == shipped_tips()
    assert merged[-1].key == "ours"


# --- the shipped catalogue ------------------------------------------------------------------


def _texts(tip: Tip) -> list[tuple[str, str, str]]:
    return [(field, loc, getattr(tip, field)(loc)) for field in FIELDS for loc in LOCALES]


def test_the_shipped_catalogue_parses_and_is_read_once() -> None:
    assert len(shipped_tips()) >= 30
    assert shipped_tips() is shipped_tips()


def test_every_scenario_has_at_least_four_tips() -> None:
    per_scenario = Counter(tip.scenario for tip in shipped_tips())
    short = {s.key: per_scenario[s.key] for s in scenario_catalogue() if per_scenario[s.key] < 4}
    assert short == {}


def test_the_scenarios_most_groups_need_have_the_most_tips() -> None:
    per_scenario = Counter(tip.scenario for tip in shipped_tips())
    core = ("coauthor_instead_of_attachments", "chat_instead_of_mail", "meet_in_teams")
    others = [s.key for s in scenario_catalogue() if s.key not in core]
    assert min(per_scenario[k] for k in core) > max(per_scenario[k] for k in others)


def test_shipped_keys_are_unique() -> None:
    keys = [tip.key for tip in shipped_tips()]
    assert [k for k, n in Counter(keys).items() if n > 1] == []


def test_every_signal_of_a_tip_counts_for_its_scenario() -> None:
    wrong = [
        (tip.key, signal)
        for tip in shipped_tips()
        for signal in tip.signals
        if signal not in scenario(tip.scenario).signals
    ]
    assert wrong == []
    assert all(tip.signals for tip in shipped_tips())


def test_every_text_is_in_three_languages_and_differs_between_them() -> None:
    for tip in shipped_tips():
        for field in FIELDS:
            texts = {loc: getattr(tip, field)(loc) for loc in LOCALES}
            assert all(texts.values()), (tip.key, field)
            assert len({text.casefold() for text in texts.values()}) == 3, (tip.key, field)


def test_bodies_are_one_to_three_sentences_and_shares_one_or_two() -> None:
    most = {"title": 1, "body": 3, "share": 2}
    long = [
        (tip.key, field, loc)
        for tip in shipped_tips()
        for field, loc, text in _texts(tip)
        if len(re.findall(r"[.!?](?:\s|$)", text)) > most[field]
    ]
    assert long == []


def test_no_shipped_tip_carries_a_link() -> None:
    # Independent of the parser's own rule: a regression there must not let one through.
    links = [
        (tip.key, field, loc)
        for tip in shipped_tips()
        for field, loc, text in _texts(tip)
        if re.search(r"://|\bwww\.|\]\(|\.(com|be|ms)\b", text)
    ]
    assert links == []


# Words of a button tour: tips are tasks ("share the file"), not where to click.
_BUTTON_TOUR = re.compile(
    r"(?i)\b(click\w*|klik\w*|cliqu\w*|button\w*|knop\w*|bouton\w*|menu\w*|icon\w*|"
    r"icoon\w*|icône\w*|ribbon|lint|toolbar|werkbalk|barre d'outils|drop-?down)\b"
)


def test_no_shipped_tip_is_a_button_tour() -> None:
    tours = [
        (tip.key, field, loc, found[0])
        for tip in shipped_tips()
        for field, loc, text in _texts(tip)
        if (found := _BUTTON_TOUR.search(text))
    ]
    assert tours == []


def test_product_names_are_written_as_microsoft_writes_them() -> None:
    wrong = re.compile(
        r"\b(Onedrive|One Drive|Sharepoint|Share Point|CoPilot|Co-pilot|MS Teams|Viva engage)\b"
    )
    misspelt = [
        (tip.key, field, loc, found[0])
        for tip in shipped_tips()
        for field, loc, text in _texts(tip)
        if (found := wrong.search(text))
    ]
    assert misspelt == []


def test_titles_start_with_a_capital_and_end_without_a_full_stop() -> None:
    odd = [
        (tip.key, loc)
        for tip in shipped_tips()
        for loc in LOCALES
        if not tip.title(loc)[0].isupper() or tip.title(loc).endswith(".")
    ]
    assert odd == []
