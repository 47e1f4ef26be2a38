"""The operator's licence price list (UPTAKE_LICENCE_PRICES): what each SKU costs a month.

A CSV file with the header `sku,monthly_price,currency`: `sku` is the SKU part number Graph
reports in /subscribedSkus (`Microsoft_365_Copilot`, `SPE_E3`...), `monthly_price` a price per
licence per month with a dot for decimals (`28.10`), `currency` an ISO 4217 code. One currency
for the whole file: idle costs are added up. Every problem is reported with its line, and a
file with any problem is used for nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from adoption.rows import RowProblem

HEADER: Final = ("sku", "monthly_price", "currency")
_PART_NUMBER: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}$")
_CURRENCY: Final = re.compile(r"^[A-Z]{3}$")
_PRICE: Final = re.compile(r"^\d{1,7}(\.\d{1,4})?$")
MAX_ROWS: Final = 5_000


@dataclass(frozen=True, slots=True)
class PriceList:
    currency: str
    monthly: Mapping[str, Decimal]  # by SKU part number, as Graph spells it

    def price(self, part_number: str) -> Decimal | None:
        return self.monthly.get(part_number)


@dataclass(frozen=True, slots=True)
class PricesRead:
    prices: PriceList | None
    problems: tuple[RowProblem, ...] = ()


def read_prices(text: str) -> PricesRead:
    """The price list in `text`, or every problem with its line (problem codes are keys of
    cards/strings/licences.toml, `price_problem_<code>`)."""
    problems: list[RowProblem] = []
    monthly: dict[str, Decimal] = {}
    currencies: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        rows = list(reader)
    except csv.Error:
        return PricesRead(None, (RowProblem(reader.line_num, "unreadable"),))
    content = [(n, row) for n, row in enumerate(rows, 1) if any(cell.strip() for cell in row)]
    if not content:
        return PricesRead(None, (RowProblem(0, "empty"),))
    first_line, header = content[0]
    if tuple(cell.strip().lower() for cell in header) != HEADER:
        return PricesRead(None, (RowProblem(first_line, "header", ",".join(HEADER)),))
    if len(content) - 1 > MAX_ROWS:
        return PricesRead(None, (RowProblem(0, "too_many", str(MAX_ROWS)),))
    for line, row in content[1:]:
        cells = [cell.strip() for cell in row]
        if len(cells) != len(HEADER):
            # "28,10" in a comma-separated file is the usual cause.
            problems.append(RowProblem(line, "columns", str(len(cells))))
            continue
        sku, price_text, currency = cells
        if not _PART_NUMBER.match(sku):
            problems.append(RowProblem(line, "sku", sku[:100]))
            continue
        if sku in seen:
            problems.append(RowProblem(line, "duplicate", str(seen[sku])))
            continue
        seen[sku] = line
        if not _PRICE.match(price_text):
            problems.append(RowProblem(line, "price", price_text[:40]))
            continue
        if not _CURRENCY.match(currency):
            problems.append(RowProblem(line, "currency", currency[:10]))
            continue
        currencies.append((line, currency))
        try:
            monthly[sku] = Decimal(price_text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            problems.append(RowProblem(line, "price", price_text[:40]))
    base = currencies[0][1] if currencies else ""
    problems.extend(RowProblem(line, "mixed_currency", base) for line, c in currencies if c != base)
    if problems:
        return PricesRead(None, tuple(sorted(problems, key=lambda p: p.line)))
    if not monthly:
        return PricesRead(None, (RowProblem(0, "empty"),))
    return PricesRead(PriceList(base, monthly))
