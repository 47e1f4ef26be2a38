"""The operator's price list: every problem with its line, nothing half-read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adoption.prices import read_prices

GOOD = "sku,monthly_price,currency\nMicrosoft_365_Copilot,28.10,EUR\nSPE_E3,33.75,EUR\n"


def test_a_good_list_gives_a_price_per_part_number() -> None:
    read = read_prices("\ufeff" + GOOD + "\n")
    assert read.problems == ()
    assert read.prices is not None
    assert read.prices.currency == "EUR"
    assert read.prices.price("Microsoft_365_Copilot") == Decimal("28.10")
    assert read.prices.price("VISIOCLIENT") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(0, "empty")]),
        ("sku,price\nA,1\n", [(1, "header")]),
        ("sku,monthly_price,currency\n", [(0, "empty")]),
        (
            "sku,monthly_price,currency\nA,28,10,EUR\nB,-1,EUR\nC,1,euro\nA,2,EUR\n",
            [(2, "columns"), (3, "price"), (4, "currency")],
        ),
        ("sku,monthly_price,currency\nA,1,EUR\nA,2,EUR\n", [(3, "duplicate")]),
        (
            "sku,monthly_price,currency\nA,1,EUR\nB,2,USD\nC,3,GBP\n",
            [(3, "mixed_currency"), (4, "mixed_currency")],
        ),
        ("sku,monthly_price,currency\nbad sku,1,EUR\n", [(2, "sku")]),
    ],
)
def test_every_problem_is_named_with_its_line_and_nothing_is_read(
    text: str, expected: list[tuple[int, str]]
) -> None:
    read = read_prices(text)
    assert read.prices is None
    assert [(p.line, p.code) for p in read.problems] == expected
