"""Cards of the conversation around questions: help, refusal, not understood, check-in results,
ambassadors (for facilitators) and "who is my ambassador?" (for everyone)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from urllib.parse import quote

from adoption.checkin import QuestionKind, Template
from adoption.contacts import Contact
from adoption.language import Locale
from adoption.questions import Command
from adoption.results import RunResults
from cards.base import Card, Element, callout, card, facts, heading, paragraph, subheading
from cards.facilitator import NO_FIGURE
from cards.i18n import format_day, format_number, format_share, t

_HELP_LINES = (
    ("cmd_status", "help_status"),
    ("cmd_scenario", "help_scenario"),
    ("cmd_checkin", "help_checkin"),
    ("cmd_trend", "help_trend"),
    ("cmd_ambassadors", "help_ambassadors"),
    ("cmd_waves", "help_waves"),
    ("cmd_campaign", "help_campaign"),
    ("cmd_tips", "help_tips"),
    ("cmd_licences", "help_licences"),
    ("cmd_copilot", "help_copilot"),
)
# The word shown for a suggested command: the menu title in the reader's language.
_COMMAND_TITLE = {
    Command.STATUS: "manifest.cmd_status_title",
    Command.SCENARIO: "manifest.cmd_scenario_title",
    Command.CHECKIN: "manifest.cmd_checkin_title",
    Command.TREND: "manifest.cmd_trend_title",
    Command.AMBASSADORS: "manifest.cmd_ambassadors_title",
    Command.WAVES: "manifest.cmd_waves_title",
    Command.CAMPAIGN: "manifest.cmd_campaign_title",
    Command.TIPS: "facilitator.cmd_tips",
    Command.LICENCES: "facilitator.cmd_licences_word",
    Command.COPILOT: "facilitator.cmd_copilot_word",
    Command.HELP: "manifest.cmd_help_title",
    Command.MY_AMBASSADOR: "manifest.cmd_my_ambassador_title",
    Command.MY_DATA: "privacy.cmd_my_data",
    Command.FORGET_ME: "privacy.cmd_forget_me",
    Command.START: "privacy.cmd_start",
    Command.AUDIT: "privacy.cmd_audit",
}


def command_word(command: Command, locale: Locale) -> str:
    return t(locale, _COMMAND_TITLE[command])


def facilitator_help_card(locale: Locale, k: int) -> Card:
    return card(
        [
            heading(t(locale, "facilitator.help_title")),
            paragraph(t(locale, "facilitator.help_intro", k=k)),
            facts(
                [
                    (f"`{t(locale, f'facilitator.{cmd}')}`", t(locale, f"facilitator.{text}"))
                    for cmd, text in _HELP_LINES
                ]
            ),
            paragraph(t(locale, "facilitator.help_examples"), subtle=True),
            paragraph(t(locale, "ambassador.help_hint"), subtle=True),
        ],
        locale,
    )


def refused_card(audience: str, locale: Locale) -> Card:
    """A command of another audience: said plainly, no figure, and what the person can do."""
    return card(
        [
            heading(t(locale, f"{audience}.refused_title")),
            paragraph(t(locale, f"{audience}.refused_body")),
        ],
        locale,
    )


def unknown_card(suggestion: Command | None, locale: Locale) -> Card:
    body: list[Element] = [heading(t(locale, "facilitator.unknown_title"))]
    if suggestion is not None:
        body.append(
            paragraph(
                t(locale, "facilitator.unknown_suggest", command=command_word(suggestion, locale))
            )
        )
    body.append(paragraph(t(locale, "facilitator.unknown_help")))
    return card(body, locale)


def not_found_card(
    locale: Locale, what_key: str, name: str, suggestion: str | None, known: Sequence[str] = ()
) -> Card:
    what = t(locale, f"facilitator.{what_key}")
    body: list[Element] = [
        heading(t(locale, "facilitator.unknown_title")),
        paragraph(t(locale, "facilitator.unknown_name", what=what, name=name[:80])),
    ]
    if suggestion:
        body.append(paragraph(t(locale, "facilitator.did_you_mean", name=suggestion)))
    elif known:
        body.append(
            paragraph(
                t(locale, "facilitator.known_names", names=", ".join(known[:20])), subtle=True
            )
        )
    return card(body, locale)


def missing_argument_card(locale: Locale, what_key: str, example: str) -> Card:
    what = t(locale, f"facilitator.{what_key}")
    return card(
        [
            heading(t(locale, "facilitator.unknown_title")),
            paragraph(t(locale, "facilitator.missing_argument", what=what, example=example)),
        ],
        locale,
    )


def checkin_results_card(
    template: Template,
    run_id: int,
    opened: date,
    closes: date,
    results: RunResults,
    locale: Locale,
) -> Card:
    """A run's results: ratings as averages, choices as bars, texts scrubbed; never below k."""
    body: list[Element] = [
        heading(t(locale, "facilitator.checkin_title", title=template.title(locale), run=run_id)),
        paragraph(
            t(
                locale,
                "facilitator.checkin_period",
                opened=format_day(opened, locale),
                closes=format_day(closes, locale),
            ),
            subtle=True,
        ),
    ]
    overall = results.overall
    if overall is None:
        body.append(paragraph(t(locale, "facilitator.checkin_too_few", k=results.k)))
        return card(body, locale)
    count = format_number(overall.respondents, locale)
    body.append(paragraph(f"**{t(locale, 'facilitator.checkin_respondents', count=count)}**"))
    for question in template.questions:
        found = overall.question(question.id)
        if found is None:
            continue
        label = question.label(locale)
        if question.kind is QuestionKind.RATING and found.average is not None:
            value = format_number(round(found.average, 1), locale)
            body.append(facts([(label, t(locale, "facilitator.checkin_average", value=value))]))
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTI) and found.counts:
            total = max(found.answered, 1)
            lines = [
                (option.label(locale) if option else oid, n)
                for oid, n in found.counts
                for option in [question.option(oid)]
            ]
            body.append(subheading(label))
            body.append(
                {
                    "type": "Chart.HorizontalBar",
                    "data": [{"x": name, "y": round(100 * n / total)} for name, n in lines],
                    # Long option labels leave no room for an axis: bars carry their values.
                    "displayMode": "AbsoluteNoAxis",
                    "color": "categoricalBlue",
                    "fallback": facts(
                        [(name, format_share(n / total, locale)) for name, n in lines]
                    ),
                }
            )
        elif question.kind is QuestionKind.TEXT and found.texts:
            body.append(paragraph(f"**{label}**"))
            body.append(paragraph(t(locale, "facilitator.checkin_texts"), subtle=True))
            body.extend(paragraph(f"“{text}”") for text in found.texts)
    if results.departments:
        rows = []
        for name, group in results.departments.items():
            confidence = group.question("confidence")
            average = (
                format_number(round(confidence.average, 1), locale)
                if confidence is not None and confidence.average is not None
                else NO_FIGURE
            )
            rows.append(
                (
                    name,
                    t(
                        locale,
                        "facilitator.checkin_department_line",
                        count=format_number(group.respondents, locale),
                        average=average,
                    ),
                )
            )
        body.append(paragraph(f"**{t(locale, 'facilitator.checkin_by_department')}**"))
        body.append(facts(rows))
    if results.hidden_departments:
        body.append(
            paragraph(
                t(
                    locale,
                    "facilitator.hidden_departments",
                    count=results.hidden_departments,
                    k=results.k,
                ),
                subtle=True,
            )
        )
    return card(body, locale)


def ambassadors_card(
    entries: Sequence[tuple[str, Sequence[str], date]],
    uncovered: Sequence[str],
    locale: Locale,
) -> Card:
    """Ambassadors (name, departments, since) and the departments nobody covers."""
    body: list[Element] = [heading(t(locale, "facilitator.ambassadors_title"))]
    if not entries:
        body.append(paragraph(t(locale, "facilitator.ambassadors_none")))
    else:
        body.append(
            facts(
                [
                    (
                        name,
                        f"{', '.join(departments)} · "
                        + t(locale, "facilitator.ambassadors_since", day=format_day(since, locale)),
                    )
                    for name, departments, since in entries
                ]
            )
        )
    if uncovered:
        body.append(
            callout(t(locale, "facilitator.ambassadors_uncovered", names=", ".join(uncovered)))
        )
    elif entries:
        body.append(paragraph(t(locale, "facilitator.ambassadors_all_covered"), subtle=True))
    return card(body, locale)


def department_ambassadors_card(
    department: str, entries: Sequence[tuple[str, Sequence[str], date]], locale: Locale
) -> Card:
    """The ambassadors of one department, or that it has none yet."""
    body: list[Element] = [
        heading(t(locale, "facilitator.department_ambassadors_title", department=department))
    ]
    if not entries:
        body.append(
            callout(t(locale, "facilitator.department_no_ambassador", department=department))
        )
        return card(body, locale)
    body.append(
        facts(
            [
                (
                    name,
                    t(locale, "facilitator.ambassadors_since", day=format_day(since, locale))
                    + (
                        " · " + ", ".join(d for d in departments if d != department)
                        if len(departments) > 1
                        else ""
                    ),
                )
                for name, departments, since in entries
            ]
        )
    )
    return card(body, locale)


def sentence_card(text: str, locale: Locale) -> Card:
    """One sentence: an acknowledgement or a plain refusal."""
    return card([paragraph(text)], locale)


# A deep link that opens a 1:1 chat with someone in Teams (desktop, web and mobile).
CHAT_LINK = "https://teams.microsoft.com/l/chat/0/0?users={upn}"


def _contact_block(
    contacts: Sequence[Contact], locale: Locale
) -> tuple[list[Element], list[Element], list[Element]]:
    """Body lines mentioning each contact, the mention entities, and a chat button each."""
    lines: list[Element] = []
    entities: list[Element] = []
    actions: list[Element] = []
    for contact in contacts:
        name = contact.name or contact.upn or t(locale, "facilitator.unknown_person")
        mention = f"<at>{name}</at>"
        lines.append(paragraph(f"**{mention}**" + (f" · {contact.upn}" if contact.upn else "")))
        entities.append(
            {
                "type": "mention",
                "text": mention,
                "mentioned": {"id": contact.person_id, "name": name},
            }
        )
        if contact.upn:
            actions.append(
                {
                    "type": "Action.OpenUrl",
                    "title": t(locale, "ambassador.chat_with", name=name),
                    "url": CHAT_LINK.format(upn=quote(contact.upn)),
                }
            )
    return lines, entities, actions


def my_ambassador_card(
    department: str | None,
    ambassadors: Sequence[Contact],
    locale: Locale,
    fallback: Sequence[Contact] = (),
) -> Card:
    """Who helps this person: their department's ambassadors (a mention and a chat button
    each), or the programme's facilitators when the department has none yet."""
    body: list[Element] = [heading(t(locale, "ambassador.mine_title"))]
    contacts = ambassadors
    if department and ambassadors:
        body.append(paragraph(t(locale, "ambassador.mine_intro", department=department)))
    else:
        body.append(paragraph(t(locale, "ambassador.mine_none")))
        contacts = fallback
        if fallback:
            body.append(paragraph(t(locale, "ambassador.mine_fallback")))
    lines, entities, actions = _contact_block(contacts[:6], locale)
    body.extend(lines)
    result = card(body, locale, actions[:6])
    if entities:
        result["msteams"] = {**result["msteams"], "entities": entities}
    return result
