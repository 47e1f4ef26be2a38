"""Facilitator cards: how adoption stands, as charts with text fallbacks, localised.

Every figure arrives already suppressed (adoption.privacy); a hidden group is said to be
hidden, never drawn. Dates and percentages are formatted here per locale (no DATE() in Teams).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from typing import Any, Final

from adoption.checkin import Template, shipped_template
from adoption.funnel import FunnelCounts, Subject
from adoption.gaps import Gap, IdleCost, idle_cost_leads, largest_gap
from adoption.language import Locale
from adoption.licences import sku_name
from adoption.results import Sentiment
from adoption.scenarios import Scenario, catalogue
from adoption.signals import WORKLOADS
from adoption.views import StatusView, TrendPoint
from adoption.waves import WaveName
from cards.base import Card, Element, callout, card, facts, heading, paragraph, subheading
from cards.i18n import (
    format_day,
    format_money,
    format_number,
    format_share,
    format_short_day,
    t,
)

NO_FIGURE = "\u2013"
STAGES = ("licensed", "installed", "active", "habitual")
MAX_BARS = 12


@cache
def _pulse() -> Template:
    return shipped_template("pulse")


def subject_title(subject: Subject, locale: Locale, scenarios: Sequence[Scenario] = ()) -> str:
    if subject.kind == "workload":
        return t(locale, f"facilitator.workload_{subject.key}")
    for item in scenarios or catalogue():
        if item.key == subject.key:
            return item.title(locale)
    return subject.key


def _stage_values(counts: FunnelCounts) -> list[int | None]:
    return [counts.licensed, counts.provisioned, counts.active, counts.habitual]


def _share(part: int | None, whole: int) -> float | None:
    return None if part is None or whole <= 0 else part / whole


def _percent(part: int | None, whole: int) -> int:
    share = _share(part, whole)
    return round(share * 100) if share is not None else 0


def _share_text(part: int | None, whole: int, locale: Locale) -> str:
    share = _share(part, whole)
    return format_share(share, locale) if share is not None else NO_FIGURE


def data_line(report_date: date, locale: Locale, population: int | None = None) -> Element:
    text = t(locale, "facilitator.data_as_of", day=format_day(report_date, locale))
    if population is not None:
        people = t(locale, "facilitator.people_count", count=format_number(population, locale))
        text = f"{text} · {people}"
    return paragraph(text, subtle=True)


def notice(locale: Locale, title_key: str, *lines: str) -> Card:
    return card([heading(t(locale, title_key)), *(paragraph(line) for line in lines)], locale)


def concealed_line(view: StatusView, locale: Locale) -> Element | None:
    if view.concealed_reason is None:
        return None
    return callout(t(locale, f"facilitator.concealed_{view.concealed_reason}"))


# Where a group's people are for one workload, as parts that add up to everyone: the five
# segments of a stacked bar, darkest where adoption is furthest.
SEGMENTS: Final = (
    ("habitual", "good"),
    ("active_only", "categoricalBlue"),
    ("installed_only", "categoricalLightBlue"),
    ("licensed_only", "categoricalMarigold"),
    ("unlicensed", "neutral"),
)


def segments(counts: FunnelCounts) -> list[tuple[str, int]]:
    """People per segment (habitual first); without habit, 'active' takes the habitual in."""
    habitual = counts.habitual or 0
    return [
        ("habitual", habitual),
        ("active_only", counts.active - habitual),
        ("installed_only", counts.provisioned - counts.active),
        ("licensed_only", counts.licensed - counts.provisioned),
        ("unlicensed", counts.population - counts.licensed),
    ]


def whole_percents(parts: Sequence[int]) -> list[int]:
    """Parts as whole percentages that add up to exactly 100 (largest remainder), so a
    stacked bar never reads 99 or 101."""
    total = sum(parts)
    if total <= 0:
        return [0 for _ in parts]
    exact = [100 * part / total for part in parts]
    shares = [int(value) for value in exact]
    by_remainder = sorted(range(len(parts)), key=lambda i: exact[i] - shares[i], reverse=True)
    for index in by_remainder[: 100 - sum(shares)]:
        shares[index] += 1
    return shares


def funnel_chart(lines: Sequence[tuple[str, FunnelCounts]], locale: Locale) -> list[Element]:
    """A labelled stacked bar per workload: who uses it most weeks, lately, has it installed,
    only a licence, or none (% of the group), with a text fallback per workload."""
    with_habit = any(c.habitual is not None for _, c in lines)
    shown = [(key, color) for key, color in SEGMENTS if with_habit or key != "habitual"]
    legend = {key: t(locale, f"facilitator.segment_{key}") for key, _ in SEGMENTS}
    if not with_habit:
        legend["active_only"] = t(locale, "facilitator.segment_active")
    rows = []
    fallback_facts = []
    for label, counts in lines:
        parts = dict(segments(counts))
        percents = whole_percents([parts[key] for key, _ in shown])
        rows.append(
            {
                "title": label,
                "data": [
                    {"legend": legend[key], "value": percent, "color": color}
                    for (key, color), percent in zip(shown, percents, strict=True)
                ],
            }
        )
        fallback_facts.append(
            (
                label,
                " · ".join(
                    f"{_share_text(parts[name], counts.population, locale)} {legend[name]}"
                    for name, _ in shown
                    if parts[name]
                ),
            )
        )
    title = t(locale, "facilitator.funnel_chart_title")
    key = "facilitator.segments_key" if with_habit else "facilitator.segments_key_no_habit"
    return [
        subheading(title),
        {
            "type": "Chart.HorizontalBar.Stacked",
            "data": rows,
            "fallback": facts(fallback_facts),
        },
        # Narrow clients fold the legend ("+3 items"): say the colours' order in words.
        paragraph(t(locale, key), subtle=True),
    ]


def stage_bars(counts: FunnelCounts, locale: Locale, title: str) -> list[Element]:
    """One funnel as horizontal bars: licensed, installed, active, habitual (% of people)."""
    values = _stage_values(counts)
    stages = [(s, v) for s, v in zip(STAGES, values, strict=True) if v is not None]
    data = [
        {"x": t(locale, f"facilitator.stage_{s}"), "y": _percent(v, counts.population)}
        for s, v in stages
    ]
    fallback = facts(
        [
            (t(locale, f"facilitator.stage_{s}"), _share_text(v, counts.population, locale))
            for s, v in stages
        ]
    )
    return [
        subheading(title),
        {
            "type": "Chart.HorizontalBar",
            "data": data,
            "color": "categoricalBlue",
            "displayMode": "AbsoluteNoAxis",
            "fallback": fallback,
        },
    ]


def share_bars(
    lines: Sequence[tuple[str, float]],
    locale: Locale,
    title: str,
    fallback: Element | None = None,
) -> list[Element]:
    """Horizontal bars of one share per label (e.g. active in Teams per department). Where
    charts do not render, `fallback` instead, or the shares as facts."""
    shown = sorted(lines, key=lambda line: -line[1])[:MAX_BARS]
    return [
        subheading(title),
        {
            "type": "Chart.HorizontalBar",
            "data": [{"x": label, "y": round(share * 100)} for label, share in shown],
            "color": "categoricalBlue",
            # Each bar carries its value: an axis of 16.7, 33.3... says less.
            "displayMode": "AbsoluteNoAxis",
            "fallback": fallback
            or facts([(label, format_share(share, locale)) for label, share in shown]),
        },
    ]


def sentiment_block(
    found: Sentiment | None, source: tuple[int, date] | None, locale: Locale, k: int
) -> list[Element]:
    block: list[Element] = [paragraph(f"**{t(locale, 'facilitator.sentiment_title')}**")]
    if found is None or source is None:
        block.append(paragraph(t(locale, "facilitator.sentiment_none", k=k), subtle=True))
        return block
    pairs: list[tuple[str, str]] = []
    if found.confidence is not None:
        value = format_number(round(found.confidence, 1), locale)
        pairs.append(
            (
                t(locale, "facilitator.sentiment_confidence"),
                t(locale, "facilitator.sentiment_confidence_value", value=value),
            )
        )
    if found.top_blocker is not None:
        question = _pulse().question("blocker")
        option = question.option(found.top_blocker) if question else None
        pairs.append(
            (
                t(locale, "facilitator.sentiment_blocker"),
                option.label(locale) if option else found.top_blocker,
            )
        )
    pairs.append(
        (t(locale, "facilitator.sentiment_respondents"), format_number(found.respondents, locale))
    )
    block.append(facts(pairs))
    run, opened = source
    block.append(
        paragraph(
            t(locale, "facilitator.sentiment_source", run=run, day=format_day(opened, locale)),
            subtle=True,
        )
    )
    return block


def department_breakdown(
    departments: Sequence[tuple[str, FunnelCounts | None]], locale: Locale, k: int, title_key: str
) -> list[Element]:
    """Active share per department that may be shown, and how many are hidden (and why)."""
    elements: list[Element] = []
    visible = [(n, c.active / c.population) for n, c in departments if c and c.population > 0]
    if visible:
        elements.extend(share_bars(visible, locale, t(locale, title_key)))
    hidden = sum(1 for _, c in departments if c is None)
    if hidden:
        elements.append(
            paragraph(t(locale, "facilitator.hidden_departments", count=hidden, k=k), subtle=True)
        )
    return elements


def headline(gap: Gap | None, locale: Locale, idle: IdleCost | None = None) -> Element | None:
    """The answer first: the largest gap between deployment and adoption, in one sentence;
    idle paid licences and their monthly cost when they are the largest."""
    if idle is not None and idle_cost_leads(gap, idle):
        text = t(
            locale,
            "facilitator.gap_idle",
            count=idle.idle,
            sku=sku_name(idle.sku),
            money=format_money(idle.monthly, idle.currency, locale),
            share=format_share(idle.share, locale),
        )
        return {
            "type": "TextBlock",
            "text": text,
            "wrap": True,
            "weight": "Bolder",
            "size": "Medium",
        }
    if gap is None:
        return None
    text = t(
        locale,
        f"facilitator.gap_{gap.kind}",
        workload=subject_title(gap.subject, locale),
        licensed=format_share(gap.licensed, locale),
        before=format_share(gap.before, locale),
        after=format_share(gap.after, locale),
    )
    return {"type": "TextBlock", "text": text, "wrap": True, "weight": "Bolder", "size": "Medium"}


def scope_title(view: StatusView, locale: Locale, wave_names: Mapping[str, WaveName]) -> str:
    if view.scope.kind == "tenant":
        return t(locale, "facilitator.status_title_tenant")
    if view.scope.kind == "wave":
        wave = wave_names.get(view.scope.key, WaveName(view.scope.key))
        return t(
            locale,
            "facilitator.status_title_in",
            name=wave.label(t(locale, "facilitator.wave_word")),
        )
    return t(locale, "facilitator.status_title_department", name=view.scope.key)


def status_card(
    view: StatusView,
    locale: Locale,
    k: int,
    *,
    sentiment: Sentiment | None = None,
    sentiment_source: tuple[int, date] | None = None,
    departments: Sequence[tuple[str, FunnelCounts | None]] = (),
    wave_names: Mapping[str, WaveName] | None = None,
    idle: IdleCost | None = None,
) -> Card:
    """The answer first (the largest gap, or idle licences' cost when larger), then where
    people are per workload, next to what the latest pulse that asked this group says."""
    title = scope_title(view, locale, wave_names or {})
    shown = [(line.subject, line.counts) for line in view.workloads if line.counts is not None]
    population = shown[0][1].population if shown else None
    body: list[Element] = [heading(title), data_line(view.report_date, locale, population)]
    concealed = concealed_line(view, locale)
    if concealed is not None:
        body.append(concealed)
    if view.hidden or not shown:
        body.append(paragraph(t(locale, "facilitator.hidden_group", k=k)))
        return card(body, locale)
    lead = headline(largest_gap(shown), locale, idle)
    if lead is not None:
        body.append(lead)
    order = {w.value: i for i, w in enumerate(WORKLOADS)}
    lines = [
        (subject_title(subject, locale), counts)
        for subject, counts in sorted(shown, key=lambda item: order.get(item[0].key, 99))
    ]
    # Stacked, not side by side: a chart squeezed into a column is unreadable on narrow
    # clients (mobile, the Playground), and Teams gives a full-width card room anyway.
    body.extend(funnel_chart(lines, locale))
    body.append(
        {
            "type": "Container",
            "separator": True,
            "items": sentiment_block(sentiment, sentiment_source, locale, k),
        }
    )
    body.extend(department_breakdown(departments, locale, k, "facilitator.by_department_title"))
    return card(body, locale)


def with_concealed_scope_note(status: Card, asked: str, locale: Locale) -> Card:
    """The organisation's status, said to answer a question about a group: with concealed
    names no group can be told apart."""
    note = paragraph(t(locale, "facilitator.concealed_scope", name=asked[:80]))
    body = list(status["body"])
    return {**status, "body": [body[0], note, *body[1:]]}


def scenario_card(
    item: Scenario,
    view: StatusView,
    locale: Locale,
    k: int,
    departments: Sequence[tuple[str, FunnelCounts | None]] = (),
) -> Card:
    body: list[Element] = [
        heading(t(locale, "facilitator.scenario_title", title=item.title(locale))),
        paragraph(item.description(locale)),
        data_line(view.report_date, locale),
    ]
    if view.tenant_level_only:
        concealed = concealed_line(view, locale)
        body.extend([concealed] if concealed else [])
        body.append(paragraph(t(locale, "facilitator.scenario_unavailable")))
        return card(body, locale)
    line = next((s for s in view.scenarios if s.subject.key == item.key), None)
    if line is None or line.counts is None:
        body.append(paragraph(t(locale, "facilitator.hidden_group", k=k)))
        return card(body, locale)
    body.extend(stage_bars(line.counts, locale, t(locale, "facilitator.scenario_funnel_title")))
    body.extend(department_breakdown(departments, locale, k, "facilitator.by_department_active"))
    return card(body, locale)


# Fewer report dates than this make a dot or a segment, not a trend.
MIN_TREND_POINTS: Final = 3


def _counts_of(point: TrendPoint) -> FunnelCounts | None:
    counts = point.counts
    return counts if counts is not None and counts.population > 0 else None


def trend_card(
    subject: Subject, days: int, points: Sequence[TrendPoint], locale: Locale, scope: str = ""
) -> Card:
    """Active (and habitual) share over the report dates of the period; the title says the
    range the data really covers, and too few dates are said to be too few, not drawn."""
    name = subject_title(subject, locale)
    if scope:
        name = f"{name} · {scope}"
    known = [(p.report_date, c) for p in points if (c := _counts_of(p)) is not None]
    body: list[Element] = [heading(t(locale, "facilitator.trend_title", subject=name))]
    if not known:
        if points:
            body.append(data_line(points[-1].report_date, locale))
        body.append(paragraph(t(locale, "facilitator.trend_none")))
        return card(body, locale)
    first_day, first = known[0]
    last_day, last = known[-1]
    body.append(
        paragraph(
            t(
                locale,
                "facilitator.trend_range",
                first=format_day(first_day, locale),
                last=format_day(last_day, locale),
                count=len(known),
                days=days,
            ),
            subtle=True,
        )
    )
    change = t(
        locale,
        "facilitator.trend_change",
        first=_share_text(first.active, first.population, locale),
        last=_share_text(last.active, last.population, locale),
    )
    step = max(1, len(known) // 6)
    sampled = known[::step] if known[-1] in known[::step] else [*known[::step], known[-1]]
    listing = facts(
        [(format_day(d, locale), _share_text(c.active, c.population, locale)) for d, c in sampled]
    )
    if len(known) < MIN_TREND_POINTS:
        body.append(
            paragraph(
                t(locale, "facilitator.trend_too_few", count=len(known), needed=MIN_TREND_POINTS)
            )
        )
        body.append(listing)
        return card(body, locale)
    with_habit = any(c.habitual is not None for _, c in known)
    series: list[dict[str, Any]] = [
        {
            "legend": t(locale, "facilitator.stage_active"),
            "color": "categoricalBlue",
            "values": [
                {"x": format_short_day(d, locale), "y": _percent(c.active, c.population)}
                for d, c in known
            ],
        }
    ]
    if with_habit:
        series.append(
            {
                "legend": t(locale, "facilitator.stage_habitual"),
                "color": "good",
                "values": [
                    {"x": format_short_day(d, locale), "y": _percent(c.habitual, c.population)}
                    for d, c in known
                ],
            }
        )
    body.append(subheading(change))
    body.append({"type": "Chart.Line", "data": series, "yAxisTitle": "%", "fallback": listing})
    return card(body, locale)


def _cell(text: str, *, bold: bool = False) -> Element:
    block: Element = {"type": "TextBlock", "text": text, "wrap": True}
    if bold:
        block["weight"] = "Bolder"
    return {"type": "TableCell", "items": [block]}


def waves_card(
    report_date: date,
    waves: Sequence[tuple[str, Sequence[tuple[Subject, FunnelCounts | None]]]],
    locale: Locale,
    k: int,
) -> Card:
    """The waves side by side, as a table a person can read at a glance: one column per wave
    (headed 'Wave 1 (pilot)'), one row per workload, the share who used it in 28 days."""
    body: list[Element] = [
        heading(t(locale, "facilitator.waves_title")),
        data_line(report_date, locale),
    ]
    visible = [(w, dict(lines)) for w, lines in waves if any(c is not None for _, c in lines)]
    hidden = len(waves) - len(visible)
    if not visible:
        body.append(paragraph(t(locale, "facilitator.waves_none")))
        return card(body, locale)
    order = {w.value: i for i, w in enumerate(WORKLOADS)}
    present = sorted(
        {s for _, lines in visible for s, c in lines.items() if c is not None},
        key=lambda s: order.get(s.key, 99),
    )
    people = [
        next((c.population for c in lines.values() if c is not None), 0) for _, lines in visible
    ]
    header = [_cell("")] + [_cell(label, bold=True) for label, _ in visible]
    sizes = [_cell(t(locale, "facilitator.waves_people"))] + [
        _cell(format_number(n, locale)) for n in people
    ]
    rows = [
        {"type": "TableRow", "style": "accent", "cells": header},
        {"type": "TableRow", "style": "emphasis", "cells": sizes},
    ]
    for subject in present:
        cells = [_cell(subject_title(subject, locale))]
        for _, lines in visible:
            counts = lines.get(subject)
            cells.append(
                _cell(
                    _share_text(counts.active, counts.population, locale) if counts else NO_FIGURE
                )
            )
        rows.append({"type": "TableRow", "cells": cells})
    body.append(subheading(t(locale, "facilitator.waves_chart_title")))
    body.append(
        {
            "type": "Table",
            "columns": [{"width": 2}] + [{"width": 1} for _ in visible],
            "firstRowAsHeader": True,
            "showGridLines": False,
            "rows": rows,
        }
    )
    if hidden:
        body.append(paragraph(t(locale, "facilitator.hidden_group", k=k), subtle=True))
    return card(body, locale)
