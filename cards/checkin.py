"""Check-in cards: the questions, the thank-you with the person's own answers, the refusals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from adoption.checkin import (
    RATING_MAX,
    RATING_MIN,
    AnswerProblem,
    AnswerValue,
    Question,
    QuestionKind,
    Template,
    field_id,
)
from cards.base import Card, Element, card, execute, facts, heading, paragraph
from cards.i18n import Locale, format_day, t

ANSWER_VERB = "checkin.answer"
EDIT_VERB = "checkin.edit"


def _required(element: Element, question: Question, locale: Locale) -> Element:
    """Mark a required input, with the message a client shows when Send is pressed empty."""
    element["isRequired"] = question.required
    if question.required:
        element["errorMessage"] = t(locale, "checkin.problem_required")
    return element


def _rating_input(
    question: Question, label: str, value: AnswerValue | None, locale: Locale
) -> Element:
    choices = [{"title": str(n), "value": str(n)} for n in range(RATING_MIN, RATING_MAX + 1)]
    fallback = _required(
        {
            "type": "Input.ChoiceSet",
            "id": field_id(question),
            "label": label,
            "style": "expanded",
            "choices": choices,
        },
        question,
        locale,
    )
    rating = _required(
        {
            "type": "Input.Rating",
            "id": field_id(question),
            "label": label,
            "max": RATING_MAX,
            # Clients without Input.Rating (older Teams, generic renderers) show the choices.
            "fallback": fallback,
        },
        question,
        locale,
    )
    if value is not None:
        rating["value"] = value
        fallback["value"] = str(value)
    return rating


def _input(question: Question, locale: Locale, value: AnswerValue | None) -> Element:
    label = question.label(locale)
    if not question.required:
        label = f"{label} {t(locale, 'checkin.optional')}"
    if question.kind is QuestionKind.RATING:
        return _rating_input(question, label, value, locale)
    if question.kind is QuestionKind.TEXT:
        element: Element = _required(
            {
                "type": "Input.Text",
                "id": field_id(question),
                "label": label,
                "isMultiline": question.max_length > 120,
                "maxLength": question.max_length,
                "placeholder": t(locale, "checkin.max_characters", limit=question.max_length),
            },
            question,
            locale,
        )
        if isinstance(value, str):
            element["value"] = value
        return element
    element = _required(
        {
            "type": "Input.ChoiceSet",
            "id": field_id(question),
            "label": label,
            "style": "expanded",
            "isMultiSelect": question.kind is QuestionKind.MULTI,
            "choices": [{"title": o.label(locale), "value": o.id} for o in question.options],
        },
        question,
        locale,
    )
    if isinstance(value, tuple):
        element["value"] = ",".join(value)
    elif isinstance(value, str):
        element["value"] = value
    return element


def question_card(
    template: Template,
    run_id: int,
    closes_on: date,
    locale: Locale,
    *,
    answers: Mapping[str, AnswerValue] | None = None,
    problems: Mapping[str, AnswerProblem] | None = None,
) -> Card:
    """The check-in form; with `problems`, shown again with a reason under each bad answer."""
    answers = answers or {}
    problems = problems or {}
    body: list[Element] = [heading(template.title(locale)), paragraph(template.intro(locale))]
    if problems:
        body.append(paragraph(t(locale, "checkin.fix_problems"), color="Attention"))
    for question in template.questions:
        body.append(_input(question, locale, answers.get(question.id)))
        if question.kind is QuestionKind.RATING:
            body.append(paragraph(t(locale, "checkin.rating_scale"), subtle=True))
        problem = problems.get(question.id)
        if problem is not None:
            body.append(paragraph(t(locale, f"checkin.problem_{problem.value}"), color="Attention"))
    body.append(
        paragraph(t(locale, "checkin.closes_on", day=format_day(closes_on, locale)), subtle=True)
    )
    action = execute(t(locale, "checkin.send"), ANSWER_VERB, {"run": run_id}, style="positive")
    return card(body, locale, [action])


def reminder_card(template: Template, run_id: int, closes_on: date, locale: Locale) -> Card:
    """The same form, with one friendly line on top: it is still open, and still short."""
    form = question_card(template, run_id, closes_on, locale)
    reminder = paragraph(
        t(locale, "checkin.reminder", day=format_day(closes_on, locale)), subtle=True
    )
    return {**form, "body": [form["body"][0], reminder, *form["body"][1:]]}


def _shown(question: Question, value: AnswerValue | None, locale: Locale) -> str:
    if value is None:
        return t(locale, "checkin.no_answer")
    if question.kind is QuestionKind.RATING:
        return f"{value} / {RATING_MAX}"
    if question.kind is QuestionKind.TEXT:
        return str(value)
    chosen = value if isinstance(value, tuple) else (str(value),)
    labels = [o.label(locale) for option_id in chosen if (o := question.option(option_id))]
    return ", ".join(labels) or t(locale, "checkin.no_answer")


def thanks_card(
    template: Template, run_id: int, answers: Mapping[str, AnswerValue], locale: Locale
) -> Card:
    """Replaces the form once answered: thanks, and the person's own answers (only theirs)."""
    body = [
        heading(t(locale, "checkin.thanks_title")),
        paragraph(t(locale, "checkin.thanks_body")),
        paragraph(f"**{t(locale, 'checkin.your_answers')}**"),
        facts(
            [(q.label(locale), _shown(q, answers.get(q.id), locale)) for q in template.questions]
        ),
    ]
    return card(body, locale, [execute(t(locale, "checkin.change"), EDIT_VERB, {"run": run_id})])


def closed_card(template: Template, closed_on: date, locale: Locale) -> Card:
    return card(
        [
            heading(t(locale, "checkin.closed_title")),
            paragraph(template.title(locale), subtle=True),
            paragraph(t(locale, "checkin.closed_body", day=format_day(closed_on, locale))),
        ],
        locale,
    )


def notice_card(key: str, locale: Locale) -> Card:
    """A one-paragraph card for refusals (`checkin.not_for_you`, `checkin.unknown_run`)."""
    return card([paragraph(t(locale, key))], locale)
