"""Check-in templates: the shipped ones are valid; bad files get every problem named."""

from __future__ import annotations

import pytest

from adoption.checkin import (
    SHIPPED_TEMPLATES,
    AnswerProblem,
    QuestionKind,
    Template,
    TemplateError,
    parse_template,
    respondent_key,
    shipped_template,
    validate_answers,
)

MINIMAL = """
key = "mini"
version = 1
title = { nl = "T", fr = "T", en = "T" }
intro = { nl = "I", fr = "I", en = "I" }
[[questions]]
id = "score"
kind = "rating"
label = { nl = "Score?", fr = "Note ?", en = "Score?" }
[[questions]]
id = "pick"
kind = "single"
label = { nl = "Kies", fr = "Choisir", en = "Pick" }
options = [
  { id = "a", label = { nl = "A", fr = "A", en = "A" } },
  { id = "b", label = { nl = "B", fr = "B", en = "B" } },
]
[[questions]]
id = "many"
kind = "multi"
required = false
label = { nl = "Meer", fr = "Plus", en = "More" }
options = [
  { id = "x", label = { nl = "X", fr = "X", en = "X" } },
  { id = "y", label = { nl = "Y", fr = "Y", en = "Y" } },
]
[[questions]]
id = "note"
kind = "text"
required = false
max_length = 10
label = { nl = "Nota", fr = "Note", en = "Note" }
"""


@pytest.mark.parametrize("key", SHIPPED_TEMPLATES)
def test_shipped_templates_are_valid_and_trilingual(key: str) -> None:
    template = shipped_template(key)
    assert template.key == key
    for question in template.questions:
        assert all(question.label(locale) for locale in ("nl", "fr", "en"))


def test_pulse_asks_confidence_usefulness_and_biggest_blocker() -> None:
    kinds = {q.id: q.kind for q in shipped_template("pulse").questions}
    assert kinds == {
        "confidence": QuestionKind.RATING,
        "usefulness": QuestionKind.RATING,
        "blocker": QuestionKind.SINGLE,
    }


def test_baseline_uses_every_question_kind() -> None:
    kinds = {q.kind for q in shipped_template("baseline").questions}
    assert kinds == set(QuestionKind)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('kind = "rating"', 'kind = "slider"'), "questions[0].kind: 'slider' is not one of"),
        (('fr = "Note ?", ', ""), "questions[0].label.fr: missing or empty"),
        (("max_length = 10", "max_length = 0"), "questions[3].max_length: a whole number from 1"),
        (('id = "pick"', 'id = "score"'), "question ids must be unique"),
        (('key = "mini"', 'key = "Mini Survey"'), "key: must be lower-case"),
        (("version = 1", "version = 0"), "version: a whole number of at least 1"),
        (
            ('  { id = "b", label = { nl = "B", fr = "B", en = "B" } },\n', ""),
            "questions[1].options: a choice needs at least two options",
        ),
    ],
)
def test_bad_template_names_the_problem_and_its_place(
    change: tuple[str, str], expected: str
) -> None:
    text = MINIMAL.replace(*change, 1)
    assert text != MINIMAL
    with pytest.raises(TemplateError) as raised:
        parse_template(text, "mini.toml")
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems
    assert "mini.toml" in str(raised.value)


def test_not_toml_is_a_clear_error() -> None:
    with pytest.raises(TemplateError, match="not valid TOML"):
        parse_template("key = [", "broken.toml")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(TemplateError) as raised:
        parse_template('key = "x"\nversion = "one"\n', "empty.toml")
    assert len(raised.value.problems) >= 4  # version, title, intro, questions


@pytest.fixture
def mini() -> Template:
    return parse_template(MINIMAL)


def test_valid_answers_are_normalised(mini: Template) -> None:
    check = validate_answers(
        mini,
        {
            "q_score": "4",
            "q_pick": "b",
            "q_many": "y,x,y",
            "q_note": "  two   words ",
            "q_unknown": "dropped",
        },
    )
    assert check.ok
    assert dict(check.answers) == {"score": 4, "pick": "b", "many": ("y", "x"), "note": "two words"}


@pytest.mark.parametrize(
    ("values", "question", "problem"),
    [
        ({"q_score": "6"}, "score", AnswerProblem.NOT_A_RATING),
        ({"q_score": "0"}, "score", AnswerProblem.NOT_A_RATING),
        ({"q_score": True}, "score", AnswerProblem.NOT_A_RATING),
        ({"q_score": "4; DROP TABLE"}, "score", AnswerProblem.NOT_A_RATING),
        ({"q_score": ""}, "score", AnswerProblem.REQUIRED),
        ({"q_pick": "c"}, "pick", AnswerProblem.UNKNOWN_OPTION),
        ({"q_pick": ["a"]}, "pick", AnswerProblem.UNKNOWN_OPTION),
        ({"q_many": "x,zz"}, "many", AnswerProblem.UNKNOWN_OPTION),
        ({"q_note": "eleven char"}, "note", AnswerProblem.TOO_LONG),
        ({"q_note": 12}, "note", AnswerProblem.NOT_TEXT),
    ],
)
def test_invalid_answers_are_refused_per_question(
    mini: Template, values: dict[str, object], question: str, problem: AnswerProblem
) -> None:
    base: dict[str, object] = {"q_score": 3, "q_pick": "a"}
    check = validate_answers(mini, {**base, **values})
    assert not check.ok
    assert check.problems[question] is problem


def test_optional_questions_may_stay_empty(mini: Template) -> None:
    check = validate_answers(mini, {"q_score": 5, "q_pick": "a", "q_many": "", "q_note": " "})
    assert check.ok
    assert set(check.answers) == {"score", "pick"}


def test_respondent_key_is_stable_per_run_and_unlinkable_across_runs() -> None:
    secret = b"s" * 32
    key = respondent_key(secret, 1, "ABC")
    assert key == respondent_key(secret, 1, "abc")
    assert key != respondent_key(secret, 2, "abc")
    assert key != respondent_key(b"t" * 32, 1, "abc")
    assert "abc" not in key
