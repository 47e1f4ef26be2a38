"""Sample ambassador and digest cards for cards.gallery: the weekly tip (and after a button),
a nudge with a spotlight, one without a tip, the facilitators' digest and the tips ranking."""

from __future__ import annotations

from datetime import date

from adoption.funnel import Subject
from adoption.language import Locale
from adoption.nudges import Movement, Nudge
from adoption.tips import shipped_tips
from cards import ambassador as ca
from cards import digest as cd
from cards.base import Card

WEEK = "2026-W50"
SINCE, UNTIL = date(2026, 11, 14), date(2026, 12, 5)


def samples(locale: Locale) -> dict[str, Card]:
    tips = shipped_tips()
    tip = ca.tip_text(tips[0], locale)
    coauthor = Subject("scenario", "coauthor_instead_of_attachments")
    fits = next(tip for tip in tips if tip.scenario == coauthor.key)  # as the nudge prefers
    stall = Nudge("stall", Movement("Logistiek", coauthor, SINCE, UNTIL, 0.21, 0.22))
    drop = Nudge(
        "drop", Movement("Verkoop", Subject("workload", "teams"), SINCE, UNTIL, 0.81, 0.72)
    )
    win = Movement("Productie", Subject("workload", "teams"), SINCE, UNTIL, 0.30, 0.41)
    facts = cd.DigestFacts(
        WEEK,
        UNTIL,
        (
            cd.DepartmentMove("IT", 0.94, 0.01),
            cd.DepartmentMove("Verkoop", 0.72, -0.09),
            cd.DepartmentMove("Communicatie", 0.66, 0.04),
            cd.DepartmentMove("Logistiek", 0.38, 0.0),
        ),
        1,
        "Pulse check",
        84,
        131,
        8,
        5,
        2,
        ("Productie",),
    )
    empty = cd.DigestFacts(WEEK, None, (), 0, None, None, 0, 0, 0, 0, ())
    ranking = [(ca.tip_text(t, locale).title, 12 - i, 9 - 2 * i, i) for i, t in enumerate(tips[:4])]
    return {
        "tip": ca.tip_card(tip, WEEK, locale),
        "tip-shared": ca.tip_card(tip, WEEK, locale, verdict="shared"),
        "nudge-stall": ca.nudge_card(stall, ca.tip_text(fits, locale), WEEK, locale, win),
        "nudge-drop": ca.nudge_card(drop, None, WEEK, locale, None),
        "digest": cd.digest_card(facts, locale, 5),
        "digest-empty": cd.digest_card(empty, locale, 5),
        "tips-ranking": cd.tips_card(ranking, locale),
        "tips-ranking-none": cd.tips_card([], locale),
    }
