"""The operator's licence prices (UPTAKE_LICENCE_PRICES), read once at start.

A file with any problem stops the command with every problem and its line, on one line
(uptake.database.StartupError), never a traceback. The demo uses the shipped example prices;
cards say so whenever those are the prices in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from adoption.prices import PriceList, read_prices
from uptake.database import StartupError
from uptake.settings import Settings

EXAMPLE_PRICES: Final = Path(__file__).parent / "data" / "example-prices.csv"


@dataclass(frozen=True, slots=True)
class Prices:
    """The price list in use, and whether it holds the demo's example prices."""

    prices: PriceList
    example: bool


def load_prices(settings: Settings) -> Prices | None:
    """The price list named by the settings; None when none is set."""
    path = settings.licence_prices
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise StartupError("startup.prices_unreadable", path=path, reason=reason) from None
    found = read_prices(text)
    if found.prices is None:
        raise StartupError(
            "startup.bad_prices",
            path=path,
            rows=found.problems,
            rows_prefix="licences.price_problem_",
        )
    return Prices(found.prices, example=path.resolve() == EXAMPLE_PRICES.resolve())
