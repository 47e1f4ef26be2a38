"""Campaign cards and labels: the list, the form to create one, how a campaign is doing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from adoption.audience import Audience
from adoption.campaigns import MAX_CLOSE_AFTER_DAYS, Problem, RunStatus
from adoption.checkin import SHIPPED_TEMPLATES, shipped_template
from adoption.language import Locale
from adoption.recurrence import Recurrence
from cards.base import Card, Element, card, execute, facts, heading, paragraph, subheading
from cards.facilitator import NO_FIGURE
from cards.i18n import format_day, format_number, format_weekday, t

CREATE_VERB = "campaign.create"
NEW_VERB = "campaign.new"
PAUSE_VERB = "campaign.pause"
RESUME_VERB = "campaign.resume"
CLOSE_VERB = "campaign.close"
STATUS_VERB = "campaign.status"
EVERY_CHOICES = ("", "1w", "2w", "4w")
REMINDER_CHOICES = ("2", "3", "4", "5")


def rule_label(rule: Recurrence, locale: Locale) -> str:
    """'every 2 weeks on Monday at 10:00, from 7 December 2026' / 'once, on ...'."""
    start = rule.start
    day, time = start.date(), start.strftime("%H:%M")
    if rule.every_days is None:
        return t(locale, "campaign.rule_once", day=format_day(day, locale), time=time)
    weekly = rule.every_days % 7 == 0
    return t(
        locale,
        "campaign.rule_weeks" if weekly else "campaign.rule_days",
        count=rule.every_days // 7 if weekly else rule.every_days,
        weekday=format_weekday(day, locale),
        time=time,
        day=format_day(day, locale),
    )


def audience_label(audience: Audience, members: int, locale: Locale) -> str:
    if audience.kind == "all":
        return t(locale, "campaign.audience_all")
    if audience.kind == "list":
        return t(locale, "campaign.audience_list", count=format_number(members, locale))
    return t(locale, f"campaign.audience_{audience.kind}", name=audience.name)


def problem_text(problem: Problem, locale: Locale) -> str:
    label = t(locale, f"campaign.field_{problem.field}")
    return f"{label}: {t(locale, f'campaign.problem_{problem.code}', **dict(problem.params))}"


def form_card(
    locale: Locale,
    departments: Sequence[str],
    waves: Sequence[tuple[str, str]],
    *,
    today: date,
    values: Mapping[str, str] | None = None,
    problems: Sequence[Problem] = (),
) -> Card:
    """The form a facilitator fills in to create a campaign; with `problems`, shown again
    with what to fix above the fields and their values kept."""
    values = values or {}
    body: list[Element] = [heading(t(locale, "campaign.form_title"))]
    if problems:
        body.append(
            {
                "type": "Container",
                "style": "attention",
                "items": [paragraph(problem_text(p, locale)) for p in problems],
            }
        )

    def choice(input_id: str, label: str, choices: list[tuple[str, str]], value: str) -> Element:
        return {
            "type": "Input.ChoiceSet",
            "id": input_id,
            "label": label,
            "isRequired": True,
            "errorMessage": t(locale, "campaign.field_required"),
            "choices": [{"title": title, "value": v} for title, v in choices],
            "value": value,
        }

    templates = [(shipped_template(k).title(locale), k) for k in SHIPPED_TEMPLATES]
    audiences = [(t(locale, "campaign.audience_all"), "all")]
    audiences += [(t(locale, "campaign.audience_department", name=d), d) for d in departments]
    audiences += [(label, f"wave:{key}") for key, label in waves]
    body.append(
        choice(
            "template",
            t(locale, "campaign.field_template"),
            templates,
            values.get("template", "pulse"),
        )
    )
    body.append(
        choice(
            "audience",
            t(locale, "campaign.field_audience"),
            audiences,
            values.get("audience", "all"),
        )
    )
    body.append(
        {
            "type": "Input.Date",
            "id": "start_day",
            "label": t(locale, "campaign.field_start_day"),
            "isRequired": True,
            "errorMessage": t(locale, "campaign.field_required"),
            "value": values.get("start_day", today.isoformat()),
        }
    )
    body.append(
        {
            "type": "Input.Time",
            "id": "start_time",
            "label": t(locale, "campaign.field_start_time"),
            "isRequired": True,
            "errorMessage": t(locale, "campaign.field_required"),
            "value": values.get("start_time", "10:00"),
        }
    )
    every = [(t(locale, f"campaign.every_{c or 'once'}"), c or "once") for c in EVERY_CHOICES]
    body.append(
        choice("every", t(locale, "campaign.field_every"), every, values.get("every", "2w"))
    )
    body.append(
        {
            "type": "Input.ChoiceSet",
            "id": "remind_after",
            "label": t(locale, "campaign.field_remind_after"),
            "isMultiSelect": True,
            "style": "expanded",
            "choices": [
                {"title": t(locale, "campaign.after_days", days=d), "value": d}
                for d in REMINDER_CHOICES
            ],
            "value": values.get("remind_after", "2,4"),
        }
    )
    body.append(
        {
            "type": "Input.Number",
            "id": "close_after",
            "label": t(locale, "campaign.field_close_after"),
            "min": 1,
            "max": MAX_CLOSE_AFTER_DAYS,
            "isRequired": True,
            "errorMessage": t(locale, "campaign.field_required"),
            "value": int(values.get("close_after", "7") or 7),
        }
    )
    action = execute(t(locale, "campaign.create_button"), CREATE_VERB, {}, style="positive")
    return card(body, locale, [action])


def list_card(rows: Sequence[tuple[int, str, str, str, str, str | None]], locale: Locale) -> Card:
    """Each campaign: what, to whom, when, its state, and its buttons."""
    body: list[Element] = [heading(t(locale, "campaign.list_title"))]
    if not rows:
        body.append(paragraph(t(locale, "campaign.none")))
    for campaign_id, template, audience, rule, state, next_due in rows:
        actions = [
            execute(t(locale, "campaign.status_button"), STATUS_VERB, {"campaign": campaign_id})
        ]
        if state == "active":
            actions.append(
                execute(t(locale, "campaign.pause_button"), PAUSE_VERB, {"campaign": campaign_id})
            )
        elif state == "paused":
            actions.append(
                execute(t(locale, "campaign.resume_button"), RESUME_VERB, {"campaign": campaign_id})
            )
        if state != "closed":
            actions.append(
                execute(t(locale, "campaign.close_button"), CLOSE_VERB, {"campaign": campaign_id})
            )
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [
                    subheading(t(locale, "campaign.item_title", id=campaign_id, template=template)),
                    facts(
                        [
                            (t(locale, "campaign.field_audience"), audience),
                            (t(locale, "campaign.field_every"), rule),
                            (t(locale, "campaign.state"), t(locale, f"campaign.state_{state}")),
                            (t(locale, "campaign.next"), next_due or NO_FIGURE),
                        ]
                    ),
                    {"type": "ActionSet", "actions": actions},
                ],
            }
        )
    new = execute(t(locale, "campaign.new_button"), NEW_VERB, {}, style="positive")
    return card(body, locale, [new])


def zone_of(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def moment_label(moment: datetime, tz: ZoneInfo, locale: Locale) -> str:
    """'Monday 7 December 2026, 10:00' in the schedule's own time zone."""
    local = moment.astimezone(tz)
    return (
        f"{format_weekday(local.date(), locale)} {format_day(local.date(), locale)}, {local:%H:%M}"
    )


def usage_card(locale: Locale) -> Card:
    return card(
        [
            heading(t(locale, "campaign.usage_title")),
            paragraph(t(locale, "campaign.usage_body")),
        ],
        locale,
        [execute(t(locale, "campaign.new_button"), NEW_VERB, {}, style="positive")],
    )


def unknown_card(campaign_id: int, locale: Locale) -> Card:
    return card([paragraph(t(locale, "campaign.cannot_change", id=campaign_id))], locale)


def created_card(campaign_id: int, template: str, rule: str, locale: Locale) -> Card:
    return card(
        [
            heading(t(locale, "campaign.created_title")),
            paragraph(
                t(locale, "campaign.created_body", id=campaign_id, template=template, rule=rule)
            ),
        ],
        locale,
        [execute(t(locale, "campaign.status_button"), STATUS_VERB, {"campaign": campaign_id})],
    )


def status_card(
    campaign_id: int,
    template: str,
    state: str,
    runs: Sequence[RunStatus],
    k: int,
    locale: Locale,
) -> Card:
    """How each run went: a bar of sent, queued, failed, unreachable, and answered. Answers
    are counted only from k, like every result."""
    body: list[Element] = [
        heading(t(locale, "campaign.item_title", id=campaign_id, template=template)),
        paragraph(
            t(locale, "campaign.state_line", state=t(locale, f"campaign.state_{state}")),
            subtle=True,
        ),
    ]
    if not runs:
        body.append(paragraph(t(locale, "campaign.no_runs")))
    for run in runs[:3]:
        answered = (
            format_number(run.answered, locale)
            if run.answered >= k
            else t(locale, "campaign.fewer_than_k", k=k)
        )
        parts = [
            ("sent", run.sent, "good"),
            ("pending", run.pending, "categoricalLightBlue"),
            ("failed", run.failed, "attention"),
            ("unreachable", run.unreachable, "neutral"),
        ]
        body.append(
            subheading(
                t(
                    locale,
                    "campaign.run_title",
                    run=run.run_id,
                    day=format_day(run.opened_at.date(), locale),
                    recipients=format_number(run.recipients, locale),
                )
            )
        )
        body.append(
            {
                "type": "Chart.HorizontalBar",
                "data": [
                    {"x": t(locale, f"campaign.delivery_{name}"), "y": count, "color": color}
                    for name, count, color in parts
                ],
                "displayMode": "AbsoluteNoAxis",
                "fallback": facts(
                    [
                        (t(locale, f"campaign.delivery_{name}"), format_number(n, locale))
                        for name, n, _ in parts
                    ]
                ),
            }
        )
        body.append(
            facts(
                [
                    (t(locale, "campaign.answered"), answered),
                    (
                        t(locale, "campaign.closes"),
                        format_day(run.closes_at.date(), locale)
                        + ("" if run.open else " · " + t(locale, "campaign.closed_run")),
                    ),
                ]
            )
        )
    return card(body, locale)
