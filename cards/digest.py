"""The facilitators' weekly digest: how adoption moved per department (groups under k are
never shown), check-in participation, what ambassadors did, and who has no ambassador."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from adoption.language import Locale
from cards.base import Card, Element, callout, card, facts, heading, paragraph, subheading
from cards.facilitator import share_bars
from cards.i18n import format_day, format_number, format_share, t


@dataclass(frozen=True, slots=True)
class DepartmentMove:
    department: str
    share: float  # active in Teams in the last 28 days, latest report date
    change: float | None  # against about a week before; None when not known then


@dataclass(frozen=True, slots=True)
class DigestFacts:
    week: str
    report_date: date | None
    moves: tuple[DepartmentMove, ...]
    hidden_departments: int
    run_title: str | None
    answered: int | None  # None: fewer than k answered
    recipients: int
    tips_sent: int
    tips_shared: int
    nudges_sent: int
    uncovered: tuple[str, ...]


MINUS = "\u2212"  # a real minus sign, as typeset figures use


def _points(change: float, locale: Locale) -> str:
    points = round(change * 100)
    if points == 0:
        return t(locale, "digest.unchanged")
    return t(locale, "digest.points", sign="+" if points > 0 else MINUS, count=abs(points))


def _monday(week: str) -> date | None:
    """The Monday of an ISO week such as '2026-W50'."""
    year, _, number = week.partition("-W")
    try:
        return date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        return None


def digest_card(found: DigestFacts, locale: Locale, k: int) -> Card:
    monday = _monday(found.week)
    label = format_day(monday, locale) if monday is not None else found.week
    body: list[Element] = [heading(t(locale, "digest.title", monday=label))]
    if found.report_date is not None:
        body.append(
            paragraph(
                t(locale, "facilitator.data_as_of", day=format_day(found.report_date, locale)),
                subtle=True,
            )
        )
    if found.moves:
        body.extend(
            share_bars(
                [(m.department, m.share) for m in found.moves],
                locale,
                t(locale, "digest.moves_title"),
                # The figures follow as facts: where charts do not render, say so only.
                fallback=paragraph(t(locale, "digest.moves_fallback"), subtle=True),
            )
        )
        body.append(
            facts(
                [
                    (
                        m.department,
                        format_share(m.share, locale)
                        + (f" ({_points(m.change, locale)})" if m.change is not None else ""),
                    )
                    for m in sorted(found.moves, key=lambda m: -(m.change or 0.0))
                ]
            )
        )
    else:
        body.append(paragraph(t(locale, "digest.no_moves")))
    if found.hidden_departments:
        body.append(
            paragraph(
                t(locale, "facilitator.hidden_departments", count=found.hidden_departments, k=k),
                subtle=True,
            )
        )
    body.append(subheading(t(locale, "digest.participation_title")))
    if found.run_title is None:
        body.append(paragraph(t(locale, "digest.no_run")))
    elif found.answered is None:
        body.append(paragraph(t(locale, "digest.too_few", title=found.run_title, k=k)))
    else:
        body.append(
            paragraph(
                t(
                    locale,
                    "digest.participation",
                    title=found.run_title,
                    answered=format_number(found.answered, locale),
                    recipients=format_number(found.recipients, locale),
                )
            )
        )
    body.append(subheading(t(locale, "digest.ambassadors_title")))
    body.append(
        facts(
            [
                (t(locale, "digest.tips_sent"), format_number(found.tips_sent, locale)),
                (t(locale, "digest.tips_shared"), format_number(found.tips_shared, locale)),
                (t(locale, "digest.nudges_sent"), format_number(found.nudges_sent, locale)),
            ]
        )
    )
    if found.uncovered:
        body.append(
            callout(
                t(locale, "facilitator.ambassadors_uncovered", names=", ".join(found.uncovered))
            )
        )
    return card(body, locale)


def tips_card(rows: Sequence[tuple[str, int, int, int]], locale: Locale) -> Card:
    """The tips sent so far: most shared first, then the ones found least useful."""
    body: list[Element] = [heading(t(locale, "digest.tips_card_title"))]
    if not rows:
        body.append(paragraph(t(locale, "digest.tips_none")))
        return card(body, locale)
    useful = sorted(rows, key=lambda r: (-r[2], r[3], r[0]))[:5]
    useless = sorted((r for r in rows if r[3]), key=lambda r: (-r[3], r[2], r[0]))[:5]

    def line(row: tuple[str, int, int, int]) -> tuple[str, str]:
        title, sent, shared, not_useful = row
        return title, t(
            locale,
            "digest.tip_line",
            sent=format_number(sent, locale),
            shared=format_number(shared, locale),
            not_useful=format_number(not_useful, locale),
        )

    body.append(subheading(t(locale, "digest.most_useful")))
    body.append(facts([line(r) for r in useful]))
    if useless:
        body.append(subheading(t(locale, "digest.least_useful")))
        body.append(facts([line(r) for r in useless]))
    return card(body, locale)
