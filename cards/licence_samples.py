"""Sample licence and Copilot cards for cards.gallery: a department with idle Copilot
licences and prices, the organisation with unassigned units, no price list, and Copilot."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from adoption.language import Locale
from adoption.licences import COPILOT, Cost, DepartmentIdle, Subscription, suggest
from adoption.results import Sentiment
from adoption.scopes import TENANT, Scope
from cards import licences as cl
from cards.base import Card

DAY = date(2026, 11, 29)
EUR = cl.Pricing("EUR", example=True)


def samples(locale: Locale) -> dict[str, Card]:
    logistiek = Scope("department", "Logistiek")
    costs = (
        Cost(COPILOT, 20, 14, Decimal("393.40")),
        Cost("SPE_E3", 46, 3, Decimal("101.25")),
        Cost("VISIOCLIENT", 6, None, None),
    )
    unassigned = ((Subscription("c", COPILOT, 60, 48), Decimal("337.20")),)
    view = cl.LicencesView(logistiek, DAY, costs, 1, (), EUR, tenant_totals_only=False)
    tenant = cl.LicencesView(TENANT, DAY, costs, 0, unassigned, EUR, tenant_totals_only=False)
    priceless = cl.LicencesView(
        logistiek,
        DAY,
        tuple(Cost(c.sku, c.holders, c.idle, None) for c in costs),
        0,
        (),
        None,
        tenant_totals_only=False,
    )
    said = Sentiment(31, 2.9, "time")
    source = (4, date(2026, 11, 23))
    copilot = cl.CopilotView(logistiek, DAY, 20, 6, 2, 41.5, Decimal("393.40"), EUR)
    copilot_v1 = cl.CopilotView(logistiek, DAY, 20, 6, None, None, None, None)
    organisation = cl.CopilotView(
        TENANT,
        DAY,
        42,
        21,
        10,
        60.0,
        Decimal("590.10"),
        EUR,
        departments=(
            DepartmentIdle("Logistiek", 17, 15, Decimal("421.50")),
            DepartmentIdle("Productie", 8, 4, Decimal("112.40")),
            DepartmentIdle("IT", 11, 2, Decimal("56.20")),
        ),
    )
    return {
        "licences": cl.licences_card(
            view,
            locale,
            5,
            suggestion=suggest(costs, ()),
            sentiment=said,
            sentiment_source=source,
        ),
        "licences-organisation": cl.licences_card(
            tenant,
            locale,
            5,
            suggestion=suggest(costs, unassigned),
            sentiment=None,
            sentiment_source=None,
        ),
        "licences-no-prices": cl.licences_card(
            priceless,
            locale,
            5,
            suggestion=suggest(priceless.costs, ()),
            sentiment=said,
            sentiment_source=source,
        ),
        "copilot": cl.copilot_card(
            copilot,
            locale,
            5,
            suggestion=suggest(costs, ()),
            sentiment=said,
            sentiment_source=source,
        ),
        "copilot-organisation": cl.copilot_card(
            organisation,
            locale,
            5,
            suggestion=suggest([Cost(COPILOT, 42, 21, Decimal("590.10"))], ()),
            sentiment=said,
            sentiment_source=source,
        ),
        "copilot-v1": cl.copilot_card(
            copilot_v1, locale, 5, suggestion=None, sentiment=None, sentiment_source=None
        ),
    }
