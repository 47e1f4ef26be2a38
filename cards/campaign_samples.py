"""Sample campaign cards for cards.gallery: the form (also with problems), the list, a run's
delivery status."""

from __future__ import annotations

from datetime import UTC, date, datetime

from adoption.audience import Audience
from adoption.campaigns import Problem, RunStatus
from adoption.language import Locale
from adoption.recurrence import Recurrence
from cards import campaigns as cc
from cards.base import Card

RULE = Recurrence(datetime(2026, 12, 7, 10, 0), "Europe/Brussels", every_days=14)


def samples(locale: Locale) -> dict[str, Card]:
    departments = ["HR", "IT", "Verkoop"]
    waves = [("1", "Wave 1 (pilot)"), ("2", "Wave 2")]
    opened = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    runs = [
        RunStatus(
            7, opened, datetime(2026, 12, 14, 9, tzinfo=UTC), True, 180, 12, 2, 6, 0, 41, 200
        ),
        RunStatus(6, opened, datetime(2026, 11, 30, 9, tzinfo=UTC), False, 198, 0, 0, 2, 0, 3, 200),
    ]
    rows = [
        (
            1,
            "Pulse check",
            cc.audience_label(Audience("department", "Verkoop"), 0, locale),
            cc.rule_label(RULE, locale),
            "active",
            cc.moment_label(opened, RULE.tz, locale),
        ),
        (
            2,
            "Baseline",
            cc.audience_label(Audience("list", "2"), 38, locale),
            cc.rule_label(Recurrence(datetime(2026, 11, 2, 9, 0), "Europe/Brussels"), locale),
            "closed",
            None,
        ),
    ]
    problems = [
        Problem.of("start", "in_the_past", value="2026-11-01T10:00"),
        Problem.of("audience", "unknown_department", name="Sales", known="HR, IT, Verkoop"),
    ]
    today = date(2026, 12, 1)
    return {
        "campaign-form": cc.form_card(locale, departments, waves, today=today),
        "campaign-form-problems": cc.form_card(
            locale, departments, waves, today=today, values={"audience": "Sales"}, problems=problems
        ),
        "campaign-list": cc.list_card(rows, locale),
        "campaign-status": cc.status_card(7, "Pulse check", "active", runs, 5, locale),
        "campaign-created": cc.created_card(7, "Pulse check", cc.rule_label(RULE, locale), locale),
    }
