"""Facilitator cards: how adoption stands, as charts with text fallbacks, localised.

Every figure arrives already suppressed (adoption.privacy); a hidden group is said to be
hidden, never drawn. Dates and percentages are formatted here per locale (no DATE() in Teams).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

from adoption.checkin import Template, shipped_template
from adoption.funnel import FunnelCounts, Subject
from adoption.language import Locale
from adoption.results import Sentiment
from adoption.scenarios import Scenario, catalogue
from adoption.signals import WORKLOADS
from adoption.views import StatusView, TrendPoint
from cards.base import Card, Element, card, facts, heading, paragraph
from cards.i18n import format_day, format_number, format_share, t

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
    return paragraph(t(locale, f"facilitator.concealed_{view.concealed_reason}"), color="Warning")


def funnel_chart(lines: Sequence[tuple[str, FunnelCounts]], locale: Locale, title: str) -> Element:
    """Grouped bars: one group per line (workload, wave...), one bar per funnel stage (%)."""
    with_habit = any(c.habitual is not None for _, c in lines)
    stages = STAGES if with_habit else STAGES[:3]
    series = []
    for index, stage in enumerate(stages):
        values = [
            {"x": label, "y": _percent(_stage_values(c)[index], c.population)} for label, c in lines
        ]
        series.append({"legend": t(locale, f"facilitator.stage_{stage}"), "values": values})
    header = " · ".join(t(locale, f"facilitator.stage_{s}") for s in stages)
    fallback_facts = [(t(locale, "facilitator.funnel_chart_title"), header)] + [
        (
            label,
            " · ".join(
                _share_text(_stage_values(c)[i], c.population, locale) for i in range(len(stages))
            ),
        )
        for label, c in lines
    ]
    return {
        "type": "Chart.VerticalBar.Grouped",
        "title": title,
        "data": series,
        "yAxisTitle": "%",
        "fallback": facts(fallback_facts),
    }


def stage_bars(counts: FunnelCounts, locale: Locale, title: str) -> Element:
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
    return {
        "type": "Chart.HorizontalBar",
        "title": title,
        "data": data,
        "displayMode": "AbsoluteWithAxis",
        "fallback": fallback,
    }


def share_bars(lines: Sequence[tuple[str, float]], locale: Locale, title: str) -> Element:
    """Horizontal bars of one share per label (e.g. active in Teams per department)."""
    shown = sorted(lines, key=lambda line: -line[1])[:MAX_BARS]
    return {
        "type": "Chart.HorizontalBar",
        "title": title,
        "data": [{"x": label, "y": round(share * 100)} for label, share in shown],
        "displayMode": "AbsoluteWithAxis",
        "fallback": facts([(label, format_share(share, locale)) for label, share in shown]),
    }


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
        elements.append(share_bars(visible, locale, t(locale, title_key)))
    hidden = sum(1 for _, c in departments if c is None)
    if hidden:
        elements.append(
            paragraph(t(locale, "facilitator.hidden_departments", count=hidden, k=k), subtle=True)
        )
    return elements


def status_card(
    view: StatusView,
    locale: Locale,
    k: int,
    *,
    sentiment: Sentiment | None = None,
    sentiment_source: tuple[int, date] | None = None,
    departments: Sequence[tuple[str, FunnelCounts | None]] = (),
) -> Card:
    """The funnel per workload as a chart, next to what the latest pulse says."""
    if view.scope.kind == "tenant":
        title = t(locale, "facilitator.status_title_tenant")
    else:
        title = t(locale, f"facilitator.status_title_{view.scope.kind}", name=view.scope.key)
    shown = [(line.subject, line.counts) for line in view.workloads if line.counts is not None]
    population = shown[0][1].population if shown else None
    body: list[Element] = [heading(title), data_line(view.report_date, locale, population)]
    concealed = concealed_line(view, locale)
    if concealed is not None:
        body.append(concealed)
    if view.hidden or not shown:
        body.append(paragraph(t(locale, "facilitator.hidden_group", k=k)))
        return card(body, locale)
    order = {w.value: i for i, w in enumerate(WORKLOADS)}
    lines = [
        (subject_title(subject, locale), counts)
        for subject, counts in sorted(shown, key=lambda item: order.get(item[0].key, 99))
    ]
    chart = funnel_chart(lines, locale, t(locale, "facilitator.funnel_chart_title"))
    # Stacked, not side by side: a grouped chart squeezed into a column is unreadable on
    # narrow clients (mobile, the Playground), and Teams gives a full-width card room anyway.
    body.append(chart)
    body.append(
        {
            "type": "Container",
            "separator": True,
            "items": sentiment_block(sentiment, sentiment_source, locale, k),
        }
    )
    body.extend(department_breakdown(departments, locale, k, "facilitator.by_department_title"))
    return card(body, locale)


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
    body.append(stage_bars(line.counts, locale, t(locale, "facilitator.scenario_funnel_title")))
    body.extend(department_breakdown(departments, locale, k, "facilitator.by_department_active"))
    return card(body, locale)


def trend_card(
    subject: Subject, days: int, points: Sequence[TrendPoint], locale: Locale, scope: str = ""
) -> Card:
    name = subject_title(subject, locale)
    if scope:
        name = f"{name} · {scope}"
    body: list[Element] = [heading(t(locale, "facilitator.trend_title", subject=name, days=days))]
    known = [p for p in points if p.counts is not None and p.counts.population > 0]
    if points:
        body.append(data_line(points[-1].report_date, locale))
    if not known:
        body.append(paragraph(t(locale, "facilitator.trend_none")))
        return card(body, locale)
    stages = ["active"] + (
        ["habitual"] if any(p.counts and p.counts.habitual is not None for p in known) else []
    )
    series: list[dict[str, Any]] = []
    for stage in stages:
        values = []
        for p in known:
            assert p.counts is not None
            part = p.counts.active if stage == "active" else p.counts.habitual
            values.append(
                {"x": p.report_date.isoformat(), "y": _percent(part, p.counts.population)}
            )
        series.append({"legend": t(locale, f"facilitator.stage_{stage}"), "values": values})
    first, last = known[0].counts, known[-1].counts
    assert first is not None
    assert last is not None
    change = t(
        locale,
        "facilitator.trend_change",
        first=_share_text(first.active, first.population, locale),
        last=_share_text(last.active, last.population, locale),
    )
    step = max(1, len(known) // 6)
    sampled = known[::step] if known[-1] in known[::step] else [*known[::step], known[-1]]
    fallback = facts(
        [
            (
                format_day(p.report_date, locale),
                _share_text(
                    p.counts.active if p.counts else None,
                    p.counts.population if p.counts else 0,
                    locale,
                ),
            )
            for p in sampled
        ]
    )
    body.append(
        {
            "type": "Chart.Line",
            "title": change,
            "data": series,
            "yAxisTitle": "%",
            "fallback": fallback,
        }
    )
    body.append(paragraph(change, subtle=True))
    return card(body, locale)


def waves_card(
    report_date: date,
    waves: Sequence[tuple[str, Sequence[tuple[Subject, FunnelCounts | None]]]],
    locale: Locale,
    k: int,
) -> Card:
    """One group of bars per workload, one bar per wave: the share of active people."""
    body: list[Element] = [
        heading(t(locale, "facilitator.waves_title")),
        data_line(report_date, locale),
    ]
    visible = [(w, lines) for w, lines in waves if any(c is not None for _, c in lines)]
    hidden = len(waves) - len(visible)
    if not visible:
        body.append(paragraph(t(locale, "facilitator.waves_none")))
        return card(body, locale)
    order = {w.value: i for i, w in enumerate(WORKLOADS)}
    series = []
    fallback: list[tuple[str, str]] = []
    for wave, lines in visible:
        label = t(locale, "facilitator.wave_name", name=wave)
        shown = sorted(
            ((s, c) for s, c in lines if c is not None), key=lambda item: order.get(item[0].key, 99)
        )
        series.append(
            {
                "legend": label,
                "values": [
                    {"x": subject_title(s, locale), "y": _percent(c.active, c.population)}
                    for s, c in shown
                ],
            }
        )
        population = shown[0][1].population if shown else 0
        summary = ", ".join(
            f"{subject_title(s, locale)} {_share_text(c.active, c.population, locale)}"
            for s, c in shown
        )
        people = t(locale, "facilitator.people_count", count=format_number(population, locale))
        fallback.append((label, f"{people}: {summary}"))
    body.append(
        {
            "type": "Chart.VerticalBar.Grouped",
            "title": t(locale, "facilitator.waves_chart_title"),
            "data": series,
            "yAxisTitle": "%",
            "fallback": facts(fallback),
        }
    )
    if hidden:
        body.append(paragraph(t(locale, "facilitator.hidden_group", k=k), subtle=True))
    return card(body, locale)
