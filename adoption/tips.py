"""The ambassadors' tips: one short, task-based tip a week, linked to a scenario and a signal.

A tip says what to *do* in everyday work ("share the file so colleagues edit the same copy
instead of mailing versions"), never which button to press. Each has a title, a body (the
task) and a `share` text the ambassador can paste to their team, all in nl, fr and en, and
names the scenario it serves and the usage signals it moves (each one of that scenario's).

The shipped tips live in `adoption/data/tips.toml`; facilitators add their own in a file of
the same format. `parse_tips` refuses a file with every problem at once, each with its place
(`tips[3].title.fr`), the line of its `[[tips]]` entry when known, a code and parameters, so
the CLI and cards say it in the reader's language (cards/strings/tips.toml,
`problem_<code>`). A file with any problem is used for nothing.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Final

from adoption.checkin import Localised
from adoption.language import LOCALES
from adoption.scenarios import Scenario, catalogue
from adoption.signals import Signal

FORMAT_VERSION: Final = 1
KEY_MAX: Final = 48
# Card space, and the attention of someone reading a weekly message: a title is one line, the
# body a few sentences, the share text short enough for a chat message people actually read.
TITLE_MAX: Final = 80
BODY_MAX: Final = 400
SHARE_MAX: Final = 280
MAX_TIPS: Final = 500

_KEY: Final = re.compile(r"^[a-z][a-z0-9_]*$")
# No links at all: a tip is a task to try, and a link to an outside host in a message that
# ambassadors forward is how phishing looks. Bare host names (aka.ms/...) count as links too.
_LINK: Final = re.compile(
    r"(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|\bmailto:|\]\(|"
    r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|be|eu|nl|fr|io|ms|ly|co|uk)\b)"
)
_TIPS_HEADER: Final = re.compile(r"^\s*\[\[\s*tips\s*\]\]\s*(?:#.*)?$")
_TOML_AT: Final = re.compile(r"at line (\d+), column (\d+)")

_TOP_FIELDS: Final = frozenset({"version", "tips"})
_REQUIRED: Final = ("key", "scenario", "signals", "title", "body", "share")
_FIELDS: Final = frozenset({*_REQUIRED, "audience"})


class AudienceHint(StrEnum):
    """Who a tip suits best, so the weekly choice can prefer it for them; absent: everyone."""

    OFFICE = "office"
    FRONTLINE = "frontline"  # production, logistics, field work: a phone more than a desk
    MANAGERS = "managers"  # people who run team meetings and set the team's habits


class TipCode(StrEnum):
    """What can be wrong in a tips file; each has `tips.problem_<code>` in the catalogue."""

    NOT_TOML = "not_toml"
    UNKNOWN_FIELD = "unknown_field"
    UNSUPPORTED_VERSION = "unsupported_version"
    NO_TIPS = "no_tips"
    TOO_MANY = "too_many"
    NOT_A_TABLE = "not_a_table"
    MISSING = "missing"
    BAD_KEY = "bad_key"
    DUPLICATE_KEY = "duplicate_key"
    SHIPPED_KEY = "shipped_key"
    UNKNOWN_SCENARIO = "unknown_scenario"
    NOT_SIGNALS = "not_signals"
    NO_SIGNALS = "no_signals"
    UNKNOWN_SIGNAL = "unknown_signal"
    REPEATED_SIGNAL = "repeated_signal"
    SIGNAL_NOT_IN_SCENARIO = "signal_not_in_scenario"
    UNKNOWN_AUDIENCE = "unknown_audience"
    NOT_LOCALISED = "not_localised"
    UNKNOWN_LANGUAGE = "unknown_language"
    NOT_TEXT = "not_text"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    ONE_LINE = "one_line"
    LINK = "link"
    SAME_TEXT = "same_text"


@dataclass(frozen=True, slots=True)
class Tip:
    """One tip: a task in everyday work, in nl, fr and en, with what it serves and moves."""

    key: str
    scenario: str
    signals: tuple[Signal, ...]
    title: Localised
    body: Localised
    share: Localised
    audience_hint: AudienceHint | None = None


@dataclass(frozen=True, slots=True)
class TipProblem:
    """One thing wrong in a tips file.

    `place` is a path into the file (`tips[3].title.fr`; empty: the file as a whole), `line`
    the line of that `[[tips]]` entry or of a syntax error (0: not known), `code` a catalogue
    key (cards/strings/tips.toml, `problem_<code>`) and `params` fill its placeholders.
    """

    place: str
    code: TipCode
    params: tuple[tuple[str, str], ...] = ()
    line: int = 0

    @classmethod
    def of(cls, place: str, code: TipCode, at: int = 0, **params: object) -> TipProblem:
        """A problem at `place` (on line `at`, 0: unknown) with its catalogue parameters."""
        return cls(place, code, tuple((k, str(v)) for k, v in params.items()), at)


class TipsError(ValueError):
    """A tips file is invalid; `problems` lists every one with its place."""

    def __init__(self, source: str, problems: list[TipProblem]) -> None:
        self.source = source
        self.problems = problems
        lines = [
            f"{p.place or '(file)'}: {p.code.value}"
            + (f" (line {p.line})" if p.line else "")
            + "".join(f" {k}={v!r}" for k, v in p.params)
            for p in problems
        ]
        super().__init__(f"{source}: invalid tips file:\n  " + "\n  ".join(lines))


def _entry_lines(text: str, entries: int) -> list[int]:
    """The line of each `[[tips]]` header, when the file is written that way (it usually is:
    the shipped file and its documentation are). An inline `tips = [...]` gets no lines
    rather than wrong ones."""
    lines = [n for n, row in enumerate(text.splitlines(), start=1) if _TIPS_HEADER.match(row)]
    return lines if len(lines) == entries else [0] * entries


class _Reader:
    """Collects the problems of one entry; the entry's line goes on each of them."""

    def __init__(self, problems: list[TipProblem], line: int) -> None:
        self.problems = problems
        self.line = line

    def problem(self, place: str, code: TipCode, **params: object) -> None:
        self.problems.append(TipProblem.of(place, code, self.line, **params))

    def text(self, raw: object, where: str, limit: int, *, one_line: bool = False) -> Localised:
        if raw is None:
            self.problem(where, TipCode.MISSING)
            return Localised("", "", "")
        if not isinstance(raw, Mapping):
            self.problem(where, TipCode.NOT_LOCALISED)
            return Localised("", "", "")
        for extra in sorted(set(raw) - set(LOCALES)):
            self.problem(f"{where}.{extra}", TipCode.UNKNOWN_LANGUAGE, language=extra)
        texts: dict[str, str] = {}
        for locale in LOCALES:
            texts[locale] = self._one_text(raw.get(locale), f"{where}.{locale}", limit, one_line)
        filled = [loc for loc in LOCALES if texts[loc]]
        # The same words in two languages is a copy-paste, and a French reader would get Dutch.
        for i, first in enumerate(filled):
            for second in filled[i + 1 :]:
                if texts[first].casefold() == texts[second].casefold():
                    self.problem(where, TipCode.SAME_TEXT, first=first, second=second)
        return Localised(**texts)

    def _one_text(self, value: object, place: str, limit: int, one_line: bool) -> str:
        if value is None:
            self.problem(place, TipCode.MISSING)
            return ""
        if not isinstance(value, str):
            self.problem(place, TipCode.NOT_TEXT)
            return ""
        text = value.strip()
        if not text:
            self.problem(place, TipCode.EMPTY)
            return ""
        if len(text) > limit:
            self.problem(place, TipCode.TOO_LONG, length=len(text), most=limit)
        if one_line and "\n" in text:
            self.problem(place, TipCode.ONE_LINE)
        if _LINK.search(text):
            self.problem(place, TipCode.LINK)
        return text


def _signals(
    raw: object, where: str, scenario: Scenario | None, reader: _Reader
) -> tuple[Signal, ...]:
    if raw is None:
        reader.problem(where, TipCode.MISSING)
        return ()
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        reader.problem(where, TipCode.NOT_SIGNALS)
        return ()
    if not raw:
        reader.problem(where, TipCode.NO_SIGNALS)
        return ()
    signals: list[Signal] = []
    for index, name in enumerate(raw):
        place = f"{where}[{index}]"
        try:
            signal = Signal(name)
        except ValueError:
            reader.problem(place, TipCode.UNKNOWN_SIGNAL, signal=name[:40])
            continue
        if signal in signals:
            reader.problem(place, TipCode.REPEATED_SIGNAL, signal=signal.value)
            continue
        # A scenario's signals are what the funnel counts for it; a tip that claims to move
        # another would be chosen for a lag it cannot close.
        if scenario is not None and signal not in scenario.signals:
            reader.problem(
                place,
                TipCode.SIGNAL_NOT_IN_SCENARIO,
                signal=signal.value,
                scenario=scenario.key,
                allowed=", ".join(s.value for s in scenario.signals),
            )
            continue
        signals.append(signal)
    return tuple(signals)


def _tip(
    raw: object,
    where: str,
    scenarios: Mapping[str, Scenario],
    reader: _Reader,
) -> Tip | None:
    if not isinstance(raw, Mapping):
        reader.problem(where, TipCode.NOT_A_TABLE)
        return None
    for name in sorted(set(raw) - _FIELDS, key=str):
        reader.problem(f"{where}.{name}", TipCode.UNKNOWN_FIELD, field=str(name)[:40])
    key = raw.get("key")
    if key is None:
        reader.problem(f"{where}.key", TipCode.MISSING)
        key = ""
    elif not isinstance(key, str) or not _KEY.match(key) or len(key) > KEY_MAX:
        reader.problem(f"{where}.key", TipCode.BAD_KEY, most=KEY_MAX)
        key = ""
    scenario: Scenario | None = None
    scenario_key = raw.get("scenario")
    if scenario_key is None:
        reader.problem(f"{where}.scenario", TipCode.MISSING)
    elif not isinstance(scenario_key, str) or scenario_key not in scenarios:
        reader.problem(
            f"{where}.scenario",
            TipCode.UNKNOWN_SCENARIO,
            scenario=str(scenario_key)[:40],
            known=", ".join(scenarios),
        )
    else:
        scenario = scenarios[scenario_key]
    signals = _signals(raw.get("signals"), f"{where}.signals", scenario, reader)
    hint: AudienceHint | None = None
    if "audience" in raw:
        try:
            hint = AudienceHint(raw["audience"])
        except ValueError:
            reader.problem(
                f"{where}.audience",
                TipCode.UNKNOWN_AUDIENCE,
                audience=str(raw["audience"])[:40],
                known=", ".join(h.value for h in AudienceHint),
            )
    # A title is a heading on the card: one line.
    title = reader.text(raw.get("title"), f"{where}.title", TITLE_MAX, one_line=True)
    body = reader.text(raw.get("body"), f"{where}.body", BODY_MAX)
    share = reader.text(raw.get("share"), f"{where}.share", SHARE_MAX)
    if scenario is None or not key:
        return None
    return Tip(key, scenario.key, signals, title, body, share, hint)


def parse_tips(
    text: str,
    source: str = "<tips>",
    *,
    scenarios: Sequence[Scenario] | None = None,
    reserved: Collection[str] = (),
) -> tuple[Tip, ...]:
    """Parse and validate a tips file's text; raise `TipsError` with every problem.

    `scenarios` defaults to the shipped catalogue. `reserved` are keys already taken (the
    shipped tips, when reading a facilitator's file): reusing one is a problem reported with
    the others, so one round of fixing is enough.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.search(str(exc))
        line, column = (int(found[1]), int(found[2])) if found else (text.count("\n") + 1, 0)
        problem = TipProblem.of("", TipCode.NOT_TOML, line, line=line, column=column)
        raise TipsError(source, [problem]) from exc
    known = {s.key: s for s in (scenarios if scenarios is not None else catalogue())}
    problems: list[TipProblem] = []
    for name in sorted(set(raw) - _TOP_FIELDS):
        problems.append(TipProblem.of(name, TipCode.UNKNOWN_FIELD, field=name[:40]))
    version = raw.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION or isinstance(version, bool):
        problems.append(
            TipProblem.of("version", TipCode.UNSUPPORTED_VERSION, supported=FORMAT_VERSION)
        )
    entries = raw.get("tips")
    tips: list[Tip] = []
    if not isinstance(entries, list) or not entries:
        problems.append(TipProblem.of("tips", TipCode.NO_TIPS))
        entries = []
    elif len(entries) > MAX_TIPS:
        problems.append(TipProblem.of("tips", TipCode.TOO_MANY, most=MAX_TIPS))
        entries = []
    first_place: dict[str, str] = {}
    lines = _entry_lines(text, len(entries))
    for index, (entry, line) in enumerate(zip(entries, lines, strict=True)):
        where = f"tips[{index}]"
        reader = _Reader(problems, line)
        tip = _tip(entry, where, known, reader)
        if tip is None:
            continue
        if tip.key in reserved:
            reader.problem(f"{where}.key", TipCode.SHIPPED_KEY, key=tip.key)
        elif tip.key in first_place:
            reader.problem(
                f"{where}.key", TipCode.DUPLICATE_KEY, key=tip.key, first=first_place[tip.key]
            )
        else:
            first_place[tip.key] = where
        tips.append(tip)
    if problems:
        raise TipsError(source, problems)
    return tuple(tips)


SHIPPED_SOURCE: Final = "adoption/data/tips.toml"


@cache
def shipped_tips() -> tuple[Tip, ...]:
    """The tips that ship with uptake (read and validated once)."""
    text = resources.files("adoption").joinpath("data", "tips.toml").read_text("utf-8")
    return parse_tips(text, SHIPPED_SOURCE)


def merge(
    shipped: Sequence[Tip], extra: Sequence[Tip], *, source: str = "<extra tips>"
) -> tuple[Tip, ...]:
    """The shipped tips followed by a facilitator's; raise `TipsError` when an extra tip
    reuses a shipped key (or another extra tip's), since the weekly choice and the counts of
    "shared it" / "not useful" are kept per key."""
    taken = {tip.key for tip in shipped}
    problems: list[TipProblem] = []
    first_place: dict[str, str] = {}
    for index, tip in enumerate(extra):
        place = f"tips[{index}].key"
        if tip.key in taken:
            problems.append(TipProblem.of(place, TipCode.SHIPPED_KEY, key=tip.key))
        elif tip.key in first_place:
            problems.append(
                TipProblem.of(place, TipCode.DUPLICATE_KEY, key=tip.key, first=first_place[tip.key])
            )
        else:
            first_place[tip.key] = f"tips[{index}]"
    if problems:
        raise TipsError(source, problems)
    return (*shipped, *extra)


def parse_extra_tips(text: str, source: str) -> tuple[Tip, ...]:
    """A facilitator's tips file merged after the shipped tips; every problem at once,
    reused shipped keys included."""
    shipped = shipped_tips()
    extra = parse_tips(text, source, reserved={tip.key for tip in shipped})
    return merge(shipped, extra, source=source)
