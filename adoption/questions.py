"""What a person asks the bot in chat, parsed forgivingly (nl, fr, en).

Teams sends a picked menu command's *title* as the message text ("statut", "check-in",
"mijn ambassadeur"), and people type with capitals, accents, typos and trailing punctuation.
`parse` turns such a text into a `Question` (what was asked, with its raw argument) or an
`Unknown` carrying the closest known command. Names in arguments (departments, waves,
scenarios, workloads) are resolved later against what exists, with `closest`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Command(StrEnum):
    STATUS = "status"
    SCENARIO = "scenario"
    CHECKIN = "checkin"
    TREND = "trend"
    AMBASSADORS = "ambassadors"
    WAVES = "waves"
    CAMPAIGN = "campaign"
    TIPS = "tips"
    LICENCES = "licences"
    COPILOT = "copilot"
    HELP = "help"
    MY_AMBASSADOR = "my_ambassador"
    MY_DATA = "my_data"
    FORGET_ME = "forget_me"
    # A forgotten person asks to be known again.
    START = "start"
    AUDIT = "audit"


# First words per command, already normalised (see `normalise`); the menu titles of
# cards/strings/manifest.toml are among them ("statut", "scenario", "tendance", "golven"...).
_WORDS: Final[Mapping[Command, tuple[str, ...]]] = {
    Command.STATUS: ("status", "statut", "stand", "etat", "situation"),
    Command.SCENARIO: ("scenario", "scenarios", "scenarios"),
    Command.CHECKIN: ("checkin", "checkins", "survey", "enquete", "peiling", "sondage"),
    Command.TREND: ("trend", "trends", "tendance", "tendances", "evolutie", "evolution"),
    Command.AMBASSADORS: ("ambassadors", "ambassadeurs", "champions"),
    Command.WAVES: ("waves", "golven", "vagues", "wave", "golf", "vague"),
    Command.CAMPAIGN: ("campaign", "campaigns", "campagne", "campagnes"),
    Command.TIPS: ("tips", "conseils", "astuces"),
    Command.LICENCES: ("licences", "licenses", "licence", "license", "licenties", "licentie"),
    Command.COPILOT: ("copilot",),
    Command.HELP: ("help", "aide", "hulp", "menu", "commands", "commandes", "?"),
    Command.AUDIT: ("audit", "auditlog", "logboek", "journal"),
}
# Whole phrases, checked before single words ("mon ambassadeur" is not "ambassadeurs").
_PHRASES: Final[Mapping[str, Command]] = {
    **{
        phrase: Command.MY_AMBASSADOR
        for phrase in (
            "my ambassador",
            "who is my ambassador",
            "whos my ambassador",
            "who can help me",
            "who helps me",
            "mijn ambassadeur",
            "wie is mijn ambassadeur",
            "wie helpt mij",
            "wie kan mij helpen",
            "mon ambassadeur",
            "qui est mon ambassadeur",
            "mon ambassadrice",
            "qui peut m aider",
            "qui m aide",
            "ambassador",
            "ambassadeur",
        )
    },
    # Privacy rights: what is stored about me, forget me, and coming back afterwards.
    **{
        phrase: Command.MY_DATA
        for phrase in (
            "my data",
            "show my data",
            "my personal data",
            "what do you store about me",
            "what do you know about me",
            "mijn gegevens",
            "mijn data",
            "toon mijn gegevens",
            "wat bewaar je over mij",
            "wat weet je over mij",
            "mes donnees",
            "mes informations",
            "mes donnees personnelles",
            "que savez vous de moi",
            "que conservez vous sur moi",
        )
    },
    **{
        phrase: Command.FORGET_ME
        for phrase in (
            "forget me",
            "delete my data",
            "erase my data",
            "vergeet mij",
            "vergeet me",
            "verwijder mijn gegevens",
            "wis mijn gegevens",
            "oubliez moi",
            "oublie moi",
            "supprimez mes donnees",
            "supprimer mes donnees",
            "effacez mes donnees",
        )
    },
    **{
        phrase: Command.START
        for phrase in ("start", "start again", "begin", "opnieuw beginnen", "commencer", "demarrer")
    },
    # How people ask how things stand, without knowing the command word.
    **{
        phrase: Command.STATUS
        for phrase in (
            "how are we doing",
            "how is it going",
            "how is adoption going",
            "how does adoption stand",
            "hoe staat het ervoor",
            "hoe staat het",
            "hoe gaat het met de adoptie",
            "hoe staat de adoptie ervoor",
            "ou en sommes nous",
            "ou en est on",
            "ou en est l adoption",
            "comment ca se passe",
        )
    },
}
# Words that lead into a scope after a phrase: "how are we doing in Verkoop".
_SCOPE_LEADS: Final = frozenset(
    {"in", "at", "for", "bij", "voor", "dans", "a", "en", "pour", "chez"}
)
_VOCABULARY: Final[dict[str, Command]] = {
    word: command for command, words in _WORDS.items() for word in words
}
_TYPO_CUTOFF: Final = 0.75
_SUGGEST_CUTOFF: Final = 0.5
MAX_TEXT: Final = 300

PERIODS: Final[tuple[int, ...]] = (7, 28, 90, 180)
DEFAULT_PERIOD: Final = 28
_PERIOD = re.compile(r"^(\d{1,4})\s*(d|j|days?|dagen|jours?|dag)?$")


@dataclass(frozen=True, slots=True)
class Question:
    """A recognised command and the rest of the text (normalised spacing, original case)."""

    command: Command
    argument: str = ""

    @property
    def canonical(self) -> str:
        """The question as the audit log keeps it: command word plus argument."""
        return f"{self.command.value} {self.argument}".strip()[:200]


@dataclass(frozen=True, slots=True)
class Unknown:
    """Nothing recognised; `suggestion` is the closest command, if any is close."""

    suggestion: Command | None


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a text: 'Scénario' -> 'scenario'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalise(text: str) -> str:
    """Folded, Teams mention tags removed, punctuation turned into spaces, spaces collapsed."""
    text = re.sub(r"<at>.*?</at>", " ", text[:MAX_TEXT], flags=re.IGNORECASE)
    folded = fold(text).replace("check-in", "checkin").replace("check in", "checkin")
    return " ".join(re.sub(r"[^\w\s?-]", " ", folded).replace("?", " ? ").split()).strip()


def _original_rest(text: str, words_used: int) -> str:
    """The argument with its original case and accents, for display and name matching."""
    cleaned = re.sub(r"<at>.*?</at>", " ", text[:MAX_TEXT], flags=re.IGNORECASE)
    cleaned = re.sub(r"(?i)check[- ]in", "checkin", cleaned)
    words = cleaned.replace("?", " ").split()
    return " ".join(words[words_used:]).strip(" .!,;:")


def _rest_after(text: str, phrase_words: int) -> str:
    """The original words after a phrase of `phrase_words` normalised words ("sommes-nous"
    is one word typed and two words of the phrase)."""
    cleaned = re.sub(r"<at>.*?</at>", " ", text[:MAX_TEXT], flags=re.IGNORECASE)
    words = cleaned.replace("?", " ").split()
    used = 0
    for index, word in enumerate(words):
        if used >= phrase_words:
            return " ".join(words[index:]).strip(" .!,;:")
        used += len(normalise(word).replace("-", " ").split())
    return ""


def parse(text: str | None) -> Question | Unknown:
    """Recognise a command in any of our languages, forgiving case, accents and small typos."""
    normal = normalise(text or "")
    if not normal or normal == "?":
        return Question(Command.HELP)
    bare = normal.replace(" ? ", " ").replace("?", "").replace("-", " ").strip()
    if bare in _PHRASES:
        return Question(_PHRASES[bare])
    for phrase, said in _PHRASES.items():
        if " " in phrase and bare.startswith(phrase + " "):
            rest = _rest_after(text or "", len(phrase.split()))
            words = rest.split()
            if words and fold(words[0]) in _SCOPE_LEADS:
                rest = " ".join(words[1:])
            return Question(said, rest if said is Command.STATUS else "")
    words = bare.split()
    if not words:
        return Question(Command.HELP)
    first = words[0]
    command: Command | None = _VOCABULARY.get(first)
    if command is None and len(first) >= 4:
        close = difflib.get_close_matches(first, list(_VOCABULARY), n=1, cutoff=_TYPO_CUTOFF)
        command = _VOCABULARY[close[0]] if close else None
    if command is None:
        return Unknown(suggest(first))
    return Question(command, _original_rest(text or "", 1))


def suggest(word: str) -> Command | None:
    """The command whose word is closest to `word`, when it is close enough to offer."""
    close = difflib.get_close_matches(word, list(_VOCABULARY), n=1, cutoff=_SUGGEST_CUTOFF)
    return _VOCABULARY[close[0]] if close else None


def parse_period(word: str) -> int | None:
    """'90d', '90j', '90 dagen', '90' -> 90; None when it is no period at all.

    A number of days that is not one of PERIODS is returned as is, so the caller can say
    which periods exist instead of silently picking another one.
    """
    match = _PERIOD.match(fold(word).strip())
    return int(match.group(1)) if match else None


def split_period(argument: str) -> tuple[str, int | None]:
    """Split a trailing period off an argument: 'Teams 90d' -> ('Teams', 90)."""
    words = argument.split()
    if len(words) >= 2 and parse_period(" ".join(words[-2:])) is not None and words[-2].isdigit():
        return " ".join(words[:-2]), parse_period(" ".join(words[-2:]))
    if words and parse_period(words[-1]) is not None:
        return " ".join(words[:-1]), parse_period(words[-1])
    return argument, None


def split_run(argument: str) -> tuple[str, int | None]:
    """Split a trailing run number off an argument: 'pulse 3' -> ('pulse', 3); '#3' works too."""
    words = argument.split()
    if words and words[-1].lstrip("#").isdigit() and len(words[-1].lstrip("#")) <= 9:
        return " ".join(words[:-1]), int(words[-1].lstrip("#"))
    return argument, None


@dataclass(frozen=True, slots=True)
class Match:
    """The result of resolving a name: the key found, or the closest one to suggest."""

    key: str | None
    suggestion: str | None = None


def closest(name: str, aliases: Mapping[str, Iterable[str]]) -> Match:
    """Resolve `name` against keys with their aliases (titles in each language...).

    Exact (folded) equality wins; then an alias that starts with the name or the name that
    starts with an alias's first word (at least 4 letters: 'co-authoring' finds
    'co-author...'); then a close spelling. Otherwise the closest key is offered.
    """
    wanted = _key_form(name)
    if not wanted:
        return Match(None)
    forms: list[tuple[str, str]] = []
    for key, names in aliases.items():
        forms.append((_key_form(key), key))
        forms.extend((_key_form(alias), key) for alias in names)
    for form, key in forms:
        if form == wanted:
            return Match(key)
    for form, key in forms:
        first = form.split(" ", 1)[0]
        if len(wanted) >= 4 and (
            form.startswith(wanted) or (len(first) >= 4 and wanted.startswith(first))
        ):
            return Match(key)
    scored = sorted(
        ((difflib.SequenceMatcher(None, wanted, form).ratio(), key) for form, key in forms),
        reverse=True,
    )
    if scored and scored[0][0] >= 0.8:
        return Match(scored[0][1])
    if scored and scored[0][0] >= 0.5:
        return Match(None, scored[0][1])
    return Match(None)


def _key_form(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", fold(text).replace("-", "")).replace("_", " ").split())
