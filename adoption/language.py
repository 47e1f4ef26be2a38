"""The languages uptake speaks: Dutch, French and English (Belgium's and the lingua franca)."""

from __future__ import annotations

from typing import Final, Literal, get_args

Locale = Literal["nl", "fr", "en"]
LOCALES: Final[tuple[Locale, ...]] = get_args(Locale)
