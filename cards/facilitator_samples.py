"""Sample data for the facilitator cards in cards.gallery (kept apart: the gallery stays short)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from adoption.checkin import shipped_template
from adoption.contacts import Contact
from adoption.funnel import FunnelCounts, Subject
from adoption.language import Locale
from adoption.questions import Command
from adoption.results import Answered, Sentiment, summarise
from adoption.scenarios import catalogue
from adoption.scopes import TENANT, Scope
from adoption.signals import WORKLOADS
from adoption.views import FunnelLine, StatusView, TrendPoint
from adoption.waves import WaveName
from cards import conversation as conv
from cards import facilitator as fc
from cards.base import Card
from cards.i18n import t

REPORT = date(2026, 11, 21)


def _counts(population: int, share: float) -> FunnelCounts:
    licensed = int(population * 0.96)
    active = int(licensed * share)
    return FunnelCounts(population, licensed, int(licensed * 0.9), active, int(active * 0.7))


def sample_status(scope: Scope = TENANT, concealed: bool = False) -> StatusView:
    shares = (0.82, 0.9, 0.55, 0.48, 0.2, 0.7, 0.12)
    workloads = tuple(
        FunnelLine(Subject("workload", w.value), _counts(240, s))
        for w, s in zip(WORKLOADS, shares, strict=True)
    )
    scenarios = tuple(
        FunnelLine(Subject("scenario", s.key), _counts(240, 0.4)) for s in catalogue()
    )
    return StatusView(
        report_date=REPORT,
        scope=scope,
        tenant_level_only=concealed,
        concealed_reason="report_setting" if concealed else None,
        hidden=False,
        workloads=workloads,
        scenarios=() if concealed else scenarios,
        origin="graph",
    )


def samples(locale: Locale) -> dict[str, Card]:
    departments = [
        ("IT", _counts(19, 0.9)),
        ("Verkoop", _counts(43, 0.7)),
        ("Productie", _counts(72, 0.3)),
        ("Directie", None),
    ]
    pulse = shipped_template("pulse")
    baseline = shipped_template("baseline")
    answers = [
        Answered("Verkoop", {"confidence": 4, "usefulness": 4, "blocker": "time"}),
        Answered("Verkoop", {"confidence": 3, "usefulness": 5, "blocker": "habits"}),
        Answered("Verkoop", {"confidence": 5, "usefulness": 4, "blocker": "time"}),
        Answered("IT", {"confidence": 5, "usefulness": 5, "blocker": "nothing"}),
        Answered("IT", {"confidence": 4, "usefulness": 4, "blocker": "time"}),
        Answered("IT", {"confidence": 4, "usefulness": 3, "blocker": "technical"}),
        Answered("HR", {"confidence": 2, "usefulness": 3, "blocker": "training"}),
    ]
    wishes = [
        Answered("IT", {"share_files": "link", "tools": ["teams_chat"], "wish": "Plan leave"}),
        Answered("IT", {"share_files": "teams", "tools": ["onedrive"], "wish": "Ask Jan Peeters"}),
        Answered("HR", {"share_files": "attachment", "tools": ["teams_chat", "copilot"]}),
    ]
    trend = [TrendPoint(date(2026, 11, d), _counts(240, 0.4 + d / 100)) for d in range(1, 22, 3)]
    names = {"1": WaveName("1", "pilot", 1), "2": WaveName("2", "key figures", 2)}
    waves = [
        (
            names.get(w, WaveName(w)).label(t(locale, "facilitator.wave_word")),
            [(Subject("workload", x.value), _counts(80, s)) for x in WORKLOADS],
        )
        for w, s in (("1", 0.8), ("2", 0.6), ("3", 0.3))
    ]
    opened, closes = date(2026, 11, 10), date(2026, 11, 24)
    since = datetime(2026, 9, 1, tzinfo=UTC).date()
    return {
        "facilitator-help": conv.facilitator_help_card(locale, 5),
        "facilitator-refused": conv.refused_card("facilitator", locale),
        "facilitator-unknown": conv.unknown_card(Command.STATUS, locale),
        "facilitator-not-found": conv.not_found_card(locale, "what_scope", "Finanse", "Financiën"),
        "status": fc.status_card(
            sample_status(),
            locale,
            5,
            sentiment=Sentiment(38, 3.6, "time"),
            sentiment_source=(4, opened),
            departments=departments,
        ),
        "status-department": fc.status_card(
            sample_status(Scope("department", "Verkoop")), locale, 5
        ),
        "status-wave": fc.status_card(
            sample_status(Scope("wave", "1")),
            locale,
            5,
            sentiment=Sentiment(21, 4.1, "training"),
            sentiment_source=(4, opened),
            wave_names=names,
        ),
        "trend-too-few": fc.trend_card(Subject("workload", "teams"), 90, trend[:2], locale),
        "status-concealed": fc.status_card(sample_status(concealed=True), locale, 5),
        "scenario": fc.scenario_card(catalogue()[2], sample_status(), locale, 5, departments),
        "trend": fc.trend_card(Subject("workload", "teams"), 28, trend, locale),
        "waves": fc.waves_card(REPORT, waves, locale, 5),
        "checkin-results": conv.checkin_results_card(
            pulse, 4, opened, closes, summarise(pulse, answers, 3), locale
        ),
        "checkin-results-texts": conv.checkin_results_card(
            baseline, 2, opened, closes, summarise(baseline, wishes, 3), locale
        ),
        "checkin-results-too-few": conv.checkin_results_card(
            pulse, 5, opened, closes, summarise(pulse, answers[:2], 5), locale
        ),
        "ambassadors": conv.ambassadors_card(
            [("An Claes", ("IT", "Verkoop"), since), ("Lucie Martin", ("HR",), since)],
            ["Productie", "Logistiek"],
            locale,
        ),
        "ambassadors-department": conv.department_ambassadors_card(
            "Verkoop", [("An Claes", ("IT", "Verkoop"), since)], locale
        ),
        "ambassadors-department-none": conv.department_ambassadors_card("Productie", [], locale),
        "my-ambassador": conv.my_ambassador_card(
            "Verkoop",
            [Contact("0b7c3e2a-aaaa-4c4c-9a9a-00000000000a", "An Claes", "an.claes@contoso.be")],
            locale,
        ),
        "my-ambassador-none": conv.my_ambassador_card(
            "Productie",
            [],
            locale,
            [
                Contact(
                    "0b7c3e2a-bbbb-4c4c-9a9a-00000000000b", "Lotte Maes", "lotte.maes@contoso.be"
                )
            ],
        ),
    }
