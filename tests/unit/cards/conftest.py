"""Fixtures for the card checks: a minimal valid card to break in one place per test."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def minimal_card() -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "lang": "en",
        "msteams": {"width": "Full"},
        "body": [{"type": "TextBlock", "text": "Adoption this week", "wrap": True}],
    }


@pytest.fixture
def donut() -> dict[str, Any]:
    """A Teams chart with the text fallback every chart must carry."""
    return {
        "type": "Chart.Donut",
        "title": "Funnel",
        "data": [{"legend": "Active", "value": 42}, {"legend": "Installed", "value": 58}],
        "fallback": {"type": "FactSet", "facts": [{"title": "Active", "value": "42 %"}]},
    }
