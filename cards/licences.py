"""Facilitator cards on paid licences: what is held, what lies idle and what that costs a
month, the Copilot habit, next to what the group said in the pulse; and what to do about it,
never who. Every figure arrives suppressed (adoption.licences: k counted in holders)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from adoption.language import Locale
from adoption.licences import COPILOT, Cost, DepartmentIdle, Subscription, Suggestion, sku_name
from adoption.results import Sentiment
from adoption.scopes import Scope
from adoption.waves import WaveName
from cards.base import Card, Element, callout, card, facts, heading, paragraph, subheading
from cards.facilitator import data_line, sentiment_block, share_bars
from cards.i18n import format_money, format_number, format_share, t


@dataclass(frozen=True, slots=True)
class Pricing:
    currency: str
    example: bool  # the demo's example prices, not the organisation's


@dataclass(frozen=True, slots=True)
class LicencesView:
    scope: Scope
    report_date: date
    costs: tuple[Cost, ...]  # the visible SKUs of the scope
    hidden_skus: int  # SKUs held in the scope but hidden (fewer than k holders)
    unassigned: tuple[tuple[Subscription, Decimal | None], ...]  # tenant scope only
    pricing: Pricing | None
    tenant_totals_only: bool  # names concealed: SKU totals of the tenant, nothing per group


@dataclass(frozen=True, slots=True)
class CopilotView:
    scope: Scope
    report_date: date
    holders: int | None  # None: hidden
    active: int  # used Copilot in the last 28 days
    habitual: int | None  # on >= 12 of the last 28 days; None: the report does not say
    prompts_per_active: float | None
    idle_monthly: Decimal | None
    pricing: Pricing | None
    tenant_totals_only: bool = False  # names concealed: the organisation's totals only
    # For the organisation: where its idle Copilot licences are, per department shown.
    departments: tuple[DepartmentIdle, ...] = ()


def scope_name(scope: Scope, locale: Locale, wave_names: Mapping[str, WaveName]) -> str:
    if scope.kind == "tenant":
        return t(locale, "licences.the_organisation")
    if scope.kind == "wave":
        label = wave_names.get(scope.key, WaveName(scope.key)).label(
            t(locale, "facilitator.wave_word")
        )
        return t(locale, "licences.the_wave", wave=label)
    return scope.key


def _money(amount: Decimal | None, pricing: Pricing | None, locale: Locale) -> str | None:
    if amount is None or pricing is None:
        return None
    return format_money(amount, pricing.currency, locale)


def suggestion_callout(
    found: Suggestion, group: str, pricing: Pricing | None, locale: Locale
) -> Element:
    money = _money(found.monthly, pricing, locale)
    key = f"licences.suggest_{found.kind}" + ("" if money else "_no_price")
    return callout(
        t(locale, key, count=found.count, sku=sku_name(found.sku), group=group, money=money or ""),
        style="accent",
    )


def _pricing_line(pricing: Pricing | None, locale: Locale) -> Element:
    if pricing is None:
        return paragraph(t(locale, "licences.no_prices"), subtle=True)
    key = "licences.example_prices" if pricing.example else "licences.your_prices"
    return paragraph(t(locale, key, currency=pricing.currency), subtle=True)


def _sku_line(cost: Cost, pricing: Pricing | None, locale: Locale) -> tuple[str, str]:
    holders = t(locale, "licences.holders", count=cost.holders)
    if cost.idle is None:
        return sku_name(cost.sku), f"{holders} · {t(locale, 'licences.no_signal')}"
    idle = t(locale, "licences.idle", count=cost.idle)
    money = _money(cost.idle_monthly, pricing, locale)
    monthly = f" · {t(locale, 'licences.per_month', money=money)}" if money and cost.idle else ""
    return sku_name(cost.sku), f"{holders} · {idle}{monthly}"


def _opening(
    title_key: str, group: str, report_date: date, totals_only: bool, locale: Locale
) -> list[Element]:
    """Title, data date and, for a concealed tenant, why only totals: both cards open so."""
    body: list[Element] = [
        heading(t(locale, title_key, group=group)),
        data_line(report_date, locale),
    ]
    if totals_only:
        body.append(paragraph(t(locale, "licences.concealed"), subtle=True))
    return body


def licences_card(
    view: LicencesView,
    locale: Locale,
    k: int,
    *,
    suggestion: Suggestion | None,
    sentiment: Sentiment | None,
    sentiment_source: tuple[int, date] | None,
    wave_names: Mapping[str, WaveName] | None = None,
) -> Card:
    group = scope_name(view.scope, locale, wave_names or {})
    body = _opening("licences.title", group, view.report_date, view.tenant_totals_only, locale)
    if suggestion is not None:
        body.append(suggestion_callout(suggestion, group, view.pricing, locale))
    covered = [c for c in view.costs if c.idle is not None and c.holders]
    if covered:
        body.extend(
            share_bars(
                [(sku_name(c.sku), c.idle / c.holders) for c in covered if c.idle is not None],
                locale,
                t(locale, "licences.idle_chart_title"),
                fallback=paragraph(t(locale, "licences.figures_below"), subtle=True),
            )
        )
    if view.costs:
        body.append(facts([_sku_line(c, view.pricing, locale) for c in view.costs]))
    else:
        body.append(paragraph(t(locale, "licences.none_visible", k=k)))
    if view.hidden_skus:
        body.append(
            paragraph(t(locale, "licences.hidden_skus", count=view.hidden_skus, k=k), subtle=True)
        )
    paid_idle = [(s, cost) for s, cost in view.unassigned if s.unassigned]
    if paid_idle:
        body.append(subheading(t(locale, "licences.unassigned_title")))
        body.append(
            facts(
                [
                    (
                        sku_name(s.part_number),
                        t(locale, "licences.units", count=s.unassigned)
                        + (
                            f" · {t(locale, 'licences.per_month', money=money)}"
                            if (money := _money(cost, view.pricing, locale))
                            else ""
                        ),
                    )
                    for s, cost in paid_idle
                ]
            )
        )
    body.extend(sentiment_block(sentiment, sentiment_source, locale, k))
    body.append(paragraph(t(locale, "licences.idle_rule"), subtle=True))
    body.append(_pricing_line(view.pricing, locale))
    return card(body, locale)


def copilot_card(
    view: CopilotView,
    locale: Locale,
    k: int,
    *,
    suggestion: Suggestion | None,
    sentiment: Sentiment | None,
    sentiment_source: tuple[int, date] | None,
    wave_names: Mapping[str, WaveName] | None = None,
) -> Card:
    group = scope_name(view.scope, locale, wave_names or {})
    body = _opening(
        "licences.copilot_title", group, view.report_date, view.tenant_totals_only, locale
    )
    if view.holders is None or view.holders == 0:
        key = "licences.copilot_hidden" if view.holders is None else "licences.copilot_none"
        body.append(paragraph(t(locale, key, k=k)))
        return card(body, locale)
    if suggestion is not None and suggestion.sku == COPILOT:
        body.append(suggestion_callout(suggestion, group, view.pricing, locale))
    stages = [(t(locale, "licences.copilot_active"), view.active / view.holders)]
    if view.habitual is not None:
        stages.append((t(locale, "licences.copilot_habitual"), view.habitual / view.holders))
    body.extend(
        share_bars(
            stages,
            locale,
            t(locale, "licences.copilot_chart_title", count=view.holders),
            fallback=paragraph(t(locale, "licences.figures_below"), subtle=True),
        )
    )
    lines = [
        (t(locale, "licences.copilot_licences"), format_number(view.holders, locale)),
        (t(locale, "licences.copilot_active"), format_share(view.active / view.holders, locale)),
    ]
    if view.habitual is not None:
        lines.append(
            (
                t(locale, "licences.copilot_habitual"),
                format_share(view.habitual / view.holders, locale),
            )
        )
    if view.prompts_per_active is not None:
        lines.append(
            (
                t(locale, "licences.copilot_prompts"),
                format_number(round(view.prompts_per_active), locale),
            )
        )
    money = _money(view.idle_monthly, view.pricing, locale)
    if money:
        lines.append((t(locale, "licences.copilot_idle_cost"), money))
    body.append(facts(lines))
    body.extend(_idle_per_department(view, locale))
    body.extend(sentiment_block(sentiment, sentiment_source, locale, k))
    key = "licences.copilot_yardstick" if view.habitual is not None else "licences.copilot_v1"
    body.append(paragraph(t(locale, key), subtle=True))
    body.append(_pricing_line(view.pricing, locale))
    return card(body, locale)


def _idle_per_department(view: CopilotView, locale: Locale) -> list[Element]:
    """Bars of idle licences per department, and each one's holders and monthly cost."""
    if not view.departments:
        return []
    lines = []
    for found in view.departments:
        text = t(
            locale, "licences.copilot_department_idle", count=found.idle, holders=found.holders
        )
        money = _money(found.monthly, view.pricing, locale)
        lines.append((found.department, f"{text} · {money}" if money else text))
    return [
        subheading(t(locale, "licences.copilot_by_department")),
        {
            "type": "Chart.HorizontalBar",
            "data": [{"x": d.department, "y": d.idle} for d in view.departments],
            "color": "categoricalBlue",
            "displayMode": "AbsoluteNoAxis",
            "fallback": paragraph(t(locale, "licences.figures_below"), subtle=True),
        },
        facts(lines),
    ]
