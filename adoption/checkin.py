"""Check-in templates and answers: the pure rules of a pulse check-in.

A template is a small TOML file (see `adoption/templates/pulse.toml`) with questions of four
kinds: a rating from 1 to 5, a single choice, a multiple choice, and a short text with a length
limit. Every text in it carries nl, fr and en. `parse_template` turns the file into a
`Template` or raises `TemplateError` listing every problem with its place in the file.

`validate_answers` checks what a card sent back against the template the run was opened with.
It never trusts the client: unknown fields are dropped, values out of range, unknown options and
over-long text are refused with a reason per question.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import Final

from adoption.language import LOCALES, Locale

RATING_MIN: Final = 1
RATING_MAX: Final = 5
TEXT_LIMIT_MAX: Final = 1000
_ID_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class QuestionKind(StrEnum):
    RATING = "rating"
    SINGLE = "single"
    MULTI = "multi"
    TEXT = "text"


@dataclass(frozen=True)
class Localised:
    """A text in each of our languages."""

    nl: str
    fr: str
    en: str

    def __call__(self, locale: Locale) -> str:
        return str(getattr(self, locale))


@dataclass(frozen=True)
class Option:
    id: str
    label: Localised


@dataclass(frozen=True)
class Question:
    id: str
    kind: QuestionKind
    label: Localised
    required: bool = True
    options: tuple[Option, ...] = ()
    max_length: int = 0

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Template:
    key: str
    version: int
    title: Localised
    intro: Localised
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


class TemplateError(ValueError):
    """A template file is invalid; `problems` lists each one with its place."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: invalid check-in template:\n  " + "\n  ".join(problems))


def _localised(value: object, where: str, problems: list[str]) -> Localised:
    if not isinstance(value, Mapping):
        problems.append(f"{where}: expected a table with nl, fr and en")
        return Localised("", "", "")
    texts: dict[str, str] = {}
    for locale in LOCALES:
        text = value.get(locale)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}.{locale}: missing or empty")
            texts[locale] = ""
        else:
            texts[locale] = text.strip()
    extra = sorted(set(value) - set(LOCALES))
    if extra:
        problems.append(f"{where}: unknown language(s) {', '.join(map(str, extra))}")
    return Localised(**texts)


def _identifier(value: object, where: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not value or not set(value) <= _ID_CHARS:
        problems.append(f"{where}: must be lower-case letters, digits or '_'")
        return ""
    return value


def _question(raw: object, where: str, problems: list[str]) -> Question | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: expected a table")
        return None
    qid = _identifier(raw.get("id"), f"{where}.id", problems)
    kind_raw = raw.get("kind")
    try:
        kind = QuestionKind(str(kind_raw))
    except ValueError:
        kinds = ", ".join(k.value for k in QuestionKind)
        problems.append(f"{where}.kind: {kind_raw!r} is not one of {kinds}")
        return None
    label = _localised(raw.get("label"), f"{where}.label", problems)
    required = raw.get("required", True)
    if not isinstance(required, bool):
        problems.append(f"{where}.required: must be true or false")
        required = True
    options: list[Option] = []
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            problems.append(f"{where}.options: a choice needs at least two options")
            raw_options = []
        for index, raw_option in enumerate(raw_options):
            place = f"{where}.options[{index}]"
            if not isinstance(raw_option, Mapping):
                problems.append(f"{place}: expected a table")
                continue
            oid = _identifier(raw_option.get("id"), f"{place}.id", problems)
            options.append(
                Option(oid, _localised(raw_option.get("label"), f"{place}.label", problems))
            )
        ids = [o.id for o in options]
        if len(ids) != len(set(ids)):
            problems.append(f"{where}.options: option ids must be unique")
    elif "options" in raw:
        problems.append(f"{where}.options: only single and multi questions have options")
    max_length = 0
    if kind is QuestionKind.TEXT:
        limit = raw.get("max_length")
        if (
            not isinstance(limit, int)
            or isinstance(limit, bool)
            or not 1 <= limit <= TEXT_LIMIT_MAX
        ):
            problems.append(f"{where}.max_length: a whole number from 1 to {TEXT_LIMIT_MAX}")
        else:
            max_length = limit
    elif "max_length" in raw:
        problems.append(f"{where}.max_length: only text questions have a length limit")
    return Question(qid, kind, label, required, tuple(options), max_length)


def parse_template(text: str, source: str = "<template>") -> Template:
    """Parse and validate a template file's text; raise `TemplateError` with every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(source, [f"not valid TOML: {exc}"]) from exc
    problems: list[str] = []
    key = _identifier(raw.get("key"), "key", problems)
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("version: a whole number of at least 1")
        version = 1
    title = _localised(raw.get("title"), "title", problems)
    intro = _localised(raw.get("intro"), "intro", problems)
    raw_questions = raw.get("questions")
    questions: list[Question] = []
    if not isinstance(raw_questions, list) or not raw_questions:
        problems.append("questions: at least one [[questions]] entry is needed")
    else:
        for index, raw_question in enumerate(raw_questions):
            question = _question(raw_question, f"questions[{index}]", problems)
            if question is not None:
                questions.append(question)
    ids = [q.id for q in questions]
    if len(ids) != len(set(ids)):
        problems.append("questions: question ids must be unique")
    if problems:
        raise TemplateError(source, problems)
    return Template(key, version, title, intro, tuple(questions))


SHIPPED_TEMPLATES: Final = ("baseline", "pulse")


def shipped_template_source(key: str) -> str:
    """The text of a shipped template (a run keeps the text it was opened with)."""
    if key not in SHIPPED_TEMPLATES:
        raise KeyError(f"no shipped template {key!r}; known: {', '.join(SHIPPED_TEMPLATES)}")
    return resources.files("adoption").joinpath("templates", f"{key}.toml").read_text("utf-8")


def shipped_template(key: str) -> Template:
    """One of the templates that ship with uptake (`baseline`, `pulse`)."""
    return parse_template(shipped_template_source(key), f"adoption/templates/{key}.toml")


# --- answers -------------------------------------------------------------------------------

AnswerValue = int | str | tuple[str, ...]


class AnswerProblem(StrEnum):
    REQUIRED = "required"
    NOT_A_RATING = "not_a_rating"
    UNKNOWN_OPTION = "unknown_option"
    TOO_LONG = "too_long"
    NOT_TEXT = "not_text"


@dataclass(frozen=True)
class AnswerCheck:
    """The outcome of checking a card's values: clean answers, or problems per question."""

    answers: Mapping[str, AnswerValue] = field(default_factory=dict)
    problems: Mapping[str, AnswerProblem] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def field_id(question: Question) -> str:
    """The input id a card uses for a question (prefixed so card data cannot collide)."""
    return f"q_{question.id}"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_one(question: Question, value: object) -> AnswerValue | AnswerProblem | None:
    if _blank(value):
        return AnswerProblem.REQUIRED if question.required else None
    if question.kind is QuestionKind.RATING:
        # Cards send numbers as strings ("4") or numbers (Input.Rating): accept both, nothing else.
        # ASCII digits only: "٣" or "²" are digits to str.isdigit but no rating a card sends.
        if isinstance(value, bool) or not isinstance(value, int | str):
            return AnswerProblem.NOT_A_RATING
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 2):
            return AnswerProblem.NOT_A_RATING
        if not RATING_MIN <= int(text) <= RATING_MAX:
            return AnswerProblem.NOT_A_RATING
        return int(text)
    if question.kind is QuestionKind.TEXT:
        if not isinstance(value, str):
            return AnswerProblem.NOT_TEXT
        cleaned = " ".join(value.split())
        return AnswerProblem.TOO_LONG if len(cleaned) > question.max_length else cleaned
    if not isinstance(value, str):
        return AnswerProblem.UNKNOWN_OPTION
    if question.kind is QuestionKind.SINGLE:
        return value if question.option(value) else AnswerProblem.UNKNOWN_OPTION
    # Multi choice arrives as "a,b,c" (Input.ChoiceSet isMultiSelect).
    chosen = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if not chosen:
        return AnswerProblem.REQUIRED if question.required else None
    if any(question.option(option_id) is None for option_id in chosen):
        return AnswerProblem.UNKNOWN_OPTION
    return chosen


def validate_answers(template: Template, data: Mapping[str, object]) -> AnswerCheck:
    """Check card input values against the template; unknown fields are ignored."""
    answers: dict[str, AnswerValue] = {}
    problems: dict[str, AnswerProblem] = {}
    for question in template.questions:
        outcome = _check_one(question, data.get(field_id(question)))
        if isinstance(outcome, AnswerProblem):
            problems[question.id] = outcome
        elif outcome is not None:
            answers[question.id] = outcome
    return AnswerCheck(answers, problems)


def answers_to_json(answers: Mapping[str, AnswerValue]) -> dict[str, int | str | list[str]]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}


def answers_from_json(raw: Mapping[str, object]) -> dict[str, AnswerValue]:
    result: dict[str, AnswerValue] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            result[key] = tuple(str(v) for v in value)
        elif isinstance(value, int | str):
            result[key] = value
    return result


# Run ids are database integers; anything longer than this is no run id we ever sent.
_RUN_ID_DIGITS: Final = 9


def parse_run_id(raw: object) -> int | None:
    """The run id a card sent back (a number, or digits as text), or None for anything else."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw < 10**_RUN_ID_DIGITS else None
    if isinstance(raw, str):
        text = raw.strip()
        if text.isascii() and text.isdigit() and len(text) <= _RUN_ID_DIGITS and int(text) > 0:
            return int(text)
    return None


def respondent_key(secret: bytes, run_id: int, person_id: str) -> str:
    """A key that de-duplicates one person's answers in one run without storing who they are.

    HMAC with a server secret: without the secret the key cannot be linked back to a person,
    and it differs per run, so answers of different runs cannot be joined either.
    """
    message = f"{run_id}:{person_id.lower()}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
