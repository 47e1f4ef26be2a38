"""Cards of the privacy rights: "my data", the file consent offer, "forget me" and its
confirmation, the notice a forgotten person gets, and the facilitators' audit card."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from adoption.rights import MyData, RetentionPolicy, date_ranges
from cards.base import Card, Element, callout, card, execute, facts, heading, paragraph, subheading
from cards.i18n import Locale, format_day, format_short_day, t

FORGET_VERB: Final = "privacy.forget"
KEEP_VERB: Final = "privacy.keep"
FILE_CONSENT_TYPE: Final = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_TYPE: Final = "application/vnd.microsoft.teams.card.file.info"
# The file consent card's context names what is offered (bot.dispatch routes on it).
MY_DATA_FILE: Final = "my_data"

_KINDS: Final = {
    "checkin": "kind_checkin",
    "checkin.reminder": "kind_checkin_reminder",
    "tip": "kind_tip",
    "nudge": "kind_nudge",
    "digest": "kind_digest",
}
_STATES: Final = ("pending", "sending", "sent", "failed", "unreachable", "skipped")
_MAX_RANGES: Final = 4
_DASH: Final = "\u2009\u2013\u2009"  # a thin-spaced en dash between two days


def _p(locale: Locale, key: str, /, **params: object) -> str:
    return t(locale, f"privacy.{key}", **params)


def _day(value: datetime | None, locale: Locale) -> str | None:
    return format_day(value.astimezone(UTC).date(), locale) if value is not None else None


def _messages(data: MyData, locale: Locale, policy: RetentionPolicy) -> list[Element]:
    items: list[Element] = [subheading(_p(locale, "messages_title"))]
    if not data.messages:
        return [*items, paragraph(_p(locale, "messages_none"))]
    by_kind: dict[str, list[str]] = {}
    for kind, state, count in data.message_counts():
        label = _p(locale, _KINDS.get(kind, "kind_other"))
        said = _p(locale, f"state_{state}", count=count) if state in _STATES else str(count)
        by_kind.setdefault(label, []).append(said)
    items.append(facts([(label, ", ".join(states)) for label, states in by_kind.items()]))
    span = data.message_span()
    if span is not None:
        first, last = (format_day(day, locale) for day in span)
        text = _p(locale, "messages_span", first=first, last=last, days=policy.message_days)
        items.append(paragraph(text, subtle=True))
    return items


def _dates(data: MyData, locale: Locale) -> tuple[str, bool]:
    """The report dates as ranges, or (beyond a few ranges) their whole span; True when the
    card shows the span and leaves each date to the file."""
    days = data.usage_dates()
    ranges = date_ranges(days)
    spanned = len(ranges) > _MAX_RANGES
    if spanned:
        ranges = [(days[0], days[-1])]
    said = [
        format_day(a, locale)
        if a == b
        else _DASH.join((format_day(a, locale), format_day(b, locale)))
        for a, b in ranges
    ]
    return ", ".join(said), spanned


def _usage(data: MyData, locale: Locale, policy: RetentionPolicy) -> list[Element]:
    items: list[Element] = [subheading(_p(locale, "usage_title"))]
    if not data.usage_days:
        return [*items, paragraph(_p(locale, "usage_none"))]
    count = len(data.usage_days)
    dates, spanned = _dates(data, locale)
    items.append(paragraph(_p(locale, "usage_rows", count=count, dates=dates)))
    if spanned:
        items.append(paragraph(_p(locale, "usage_dates_in_file"), subtle=True))
    workloads = data.usage_workloads()
    if workloads:
        names = ", ".join(t(locale, f"facilitator.workload_{w}") for w in workloads)
        items.append(paragraph(_p(locale, "usage_workloads", workloads=names)))
    items.append(paragraph(_p(locale, "usage_retention", months=policy.usage_months), subtle=True))
    return items


def _person_facts(data: MyData, locale: Locale) -> list[tuple[str, str]]:
    unknown = _p(locale, "value_unknown")
    person = data.person
    pairs: list[tuple[str, str]] = []
    if person is not None:
        pairs += [
            (_p(locale, "fact_name"), person.display_name or unknown),
            (_p(locale, "fact_upn"), person.upn or unknown),
            (_p(locale, "fact_department"), person.department or unknown),
            (_p(locale, "fact_wave"), person.wave or unknown),
            (_p(locale, "fact_language"), person.locale or unknown),
            (_p(locale, "fact_time_zone"), person.time_zone or unknown),
        ]
        for key, value in (
            ("fact_installed", person.installed_at),
            ("fact_welcomed", person.welcomed_at),
            ("fact_unreachable", person.unreachable_since),
            ("fact_left", person.left_at),
        ):
            day = _day(value, locale)
            if day is not None:
                pairs.append((_p(locale, key), day))
    ambassador = ", ".join(data.ambassador_for) or _p(locale, "value_no")
    pairs.append((_p(locale, "fact_ambassador"), ambassador))
    chat = "chat_stored" if data.conversation else "chat_not_stored"
    pairs.append((_p(locale, "fact_chat"), _p(locale, chat)))
    if data.directory_listed:
        pairs.append((_p(locale, "fact_directory"), _p(locale, "directory_listed")))
    return pairs


def _other(data: MyData, locale: Locale, policy: RetentionPolicy) -> list[Element]:
    lines: list[str] = []
    if data.checkins_sent:
        lines.append(_p(locale, "other_checkins", count=data.checkins_sent))
    if data.campaign_lists:
        lines.append(_p(locale, "other_campaigns", count=data.campaign_lists))
    if data.tips_sent or data.tip_verdicts:
        lines.append(_p(locale, "other_tips", sent=data.tips_sent, verdicts=data.tip_verdicts))
    if data.audit_questions:
        months = policy.audit_months
        lines.append(_p(locale, "other_audit", count=data.audit_questions, months=months))
    if not lines:
        return []
    return [subheading(_p(locale, "other_title")), paragraph("\n".join(f"- {x}" for x in lines))]


def my_data_card(data: MyData, locale: Locale, k: int, policy: RetentionPolicy) -> Card:
    """What is stored about the person, every kind of row, and why answers are not here."""
    body: list[Element] = [heading(_p(locale, "my_data_title"))]
    if data.empty:
        body.append(paragraph(_p(locale, "my_data_nothing")))
    else:
        body.append(facts(_person_facts(data, locale)))
        body += _messages(data, locale, policy)
        body += _usage(data, locale, policy)
        body += _other(data, locale, policy)
    body.append(callout(_p(locale, "answers_anonymous", k=k), "emphasis"))
    body.append(paragraph(_p(locale, "file_follows"), subtle=True))
    return card(body, locale)


def file_consent_content(locale: Locale, size: int) -> dict[str, Any]:
    """The content of a Teams file consent card offering the "my data" file. The contexts
    name only what is offered: the file is built again, fresh, when it is accepted."""
    context = {"kind": MY_DATA_FILE}
    return {
        "description": _p(locale, "file_description"),
        "sizeInBytes": size,
        "acceptContext": context,
        "declineContext": context,
    }


def forget_card(data: MyData, locale: Locale) -> Card:
    """The confirmation: what will be deleted, and that anonymous answers stay."""
    listed = _p(locale, "forget_list", messages=len(data.messages), usage=len(data.usage_days))
    body: list[Element] = [
        heading(_p(locale, "forget_title")),
        paragraph(_p(locale, "forget_intro")),
        paragraph(listed),
        callout(_p(locale, "forget_stays"), "emphasis"),
    ]
    if data.audit_questions:
        body.append(paragraph(_p(locale, "forget_audit"), subtle=True))
    actions = [
        execute(_p(locale, "forget_confirm"), FORGET_VERB, {}, style="destructive"),
        execute(_p(locale, "forget_cancel"), KEEP_VERB, {}),
    ]
    return card(body, locale, actions)


def forgotten_card(locale: Locale) -> Card:
    return card(
        [
            heading(_p(locale, "forgotten_title")),
            paragraph(_p(locale, "forgotten_done")),
            paragraph(_p(locale, "forgotten_rejoin"), subtle=True),
        ],
        locale,
    )


def forgotten_notice_card(locale: Locale) -> Card:
    """What a forgotten person gets for anything they say, but "start"."""
    return card([paragraph(_p(locale, "forgotten_notice"))], locale)


def sentence(key: str, locale: Locale) -> Card:
    """One sentence of this area: kept, rejoined, not forgotten, file declined or failed."""
    return card([paragraph(_p(locale, key))], locale)


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One audited question as shown: when, who (a name or a neutral label), what."""

    asked_at: datetime
    who: str
    question: str
    outcome: str


def _outcome(outcome: str, locale: Locale) -> str:
    known = {"answered": "outcome_answered", "refused": "outcome_refused"}
    return _p(locale, known.get(outcome, "outcome_other"))


def audit_card(
    lines: Sequence[AuditLine],
    per_person: Sequence[tuple[str, int]],
    locale: Locale,
    *,
    days: int,
    months: int,
) -> Card:
    """Who asked what: the last questions (normalised) and counts per person."""
    body: list[Element] = [heading(_p(locale, "audit_title"))]
    if not lines:
        body.append(paragraph(_p(locale, "audit_none")))
        return card(body, locale)
    body.append(paragraph(_p(locale, "audit_intro", shown=len(lines), months=months), subtle=True))
    body.append(subheading(_p(locale, "audit_per_person", days=days)))
    body.append(facts([(who, _p(locale, "audit_count", count=n)) for who, n in per_person]))
    body.append(subheading(_p(locale, "audit_recent")))
    body.append(
        facts(
            [
                (
                    format_short_day(line.asked_at.astimezone(UTC).date(), locale),
                    f"{line.who}: `{line.question}` ({_outcome(line.outcome, locale)})",
                )
                for line in lines
            ]
        )
    )
    return card(body, locale)
