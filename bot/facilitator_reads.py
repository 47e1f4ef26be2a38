"""What facilitator cards read, cached for a short while: usage aggregates change once a day
(the sync), check-in results as answers arrive, names rarely.

Everything here is already aggregated and suppressed (published funnels, adoption.results).
The status card is also rendered once per cached inputs: most facilitators ask the same
`status` in a day.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final

from cachetools import TTLCache
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.checkin import QuestionKind, Template, TemplateError, parse_template
from adoption.funnel import FunnelCounts, Subject
from adoption.gaps import IdleCost
from adoption.language import Locale
from adoption.licences import LicenceRow, idle_costs
from adoption.prices import PriceList
from adoption.results import RunResults, Sentiment, sentiment, summarise
from adoption.scopes import TENANT, Scope
from adoption.scrub import name_tokens
from adoption.views import StatusView
from adoption.waves import WaveName
from cards import facilitator as fc
from cards.base import Card
from store import checkins, licences, people, usage, waves
from store.checkins import RunSummary
from store.licences import LicenceSnapshot

log = logging.getLogger("uptake.bot.facilitator")

STATUS_TTL_SECONDS: Final = 30.0
RESULTS_TTL_SECONDS: Final = 60.0
NAMES_TTL_SECONDS: Final = 300.0
_MAX_ENTRIES: Final = 1000


@dataclass(frozen=True)
class StatusInputs:
    """Everything a status card shows for one scope."""

    view: StatusView
    sentiment: Sentiment | None
    source: tuple[int, date] | None
    departments: tuple[tuple[str, FunnelCounts | None], ...]
    wave_names: dict[str, WaveName]
    idle: IdleCost | None = None  # the costliest idle paid licences of the scope


def _has_text(template: Template) -> bool:
    return any(q.kind is QuestionKind.TEXT for q in template.questions)


class FacilitatorReads:
    def __init__(
        self, *, timer: Callable[[], float] = time.monotonic, prices: PriceList | None = None
    ) -> None:
        self._prices = prices
        self._status: TTLCache[Scope, StatusInputs] = TTLCache(
            _MAX_ENTRIES, STATUS_TTL_SECONDS, timer=timer
        )
        self._cards: TTLCache[tuple[Scope, Locale, int], tuple[StatusInputs, Card]] = TTLCache(
            _MAX_ENTRIES, STATUS_TTL_SECONDS, timer=timer
        )
        self._results: TTLCache[tuple[int, int], RunResults] = TTLCache(
            _MAX_ENTRIES, RESULTS_TTL_SECONDS, timer=timer
        )
        self._names: TTLCache[str, frozenset[str]] = TTLCache(1, NAMES_TTL_SECONDS, timer=timer)
        self._licences: TTLCache[Scope, LicenceSnapshot] = TTLCache(
            _MAX_ENTRIES, STATUS_TTL_SECONDS, timer=timer
        )
        self._department_licences: TTLCache[str, list[LicenceRow]] = TTLCache(
            _MAX_ENTRIES, STATUS_TTL_SECONDS, timer=timer
        )

    async def licence_snapshot(self, session: AsyncSession, scope: Scope) -> LicenceSnapshot | None:
        """The latest stored licence figures of a scope (they change with the daily sync)."""
        cached = self._licences.get(scope)
        if cached is not None:
            return cached
        found = await licences.latest_licences(session, scope)
        if found is not None:
            self._licences[scope] = found
        return found

    async def department_licences(self, session: AsyncSession, sku: str) -> list[LicenceRow]:
        """One SKU's stored (suppressed) figures per department, latest snapshot."""
        cached = self._department_licences.get(sku)
        if cached is None:
            cached = await licences.department_rows(session, sku)
            self._department_licences[sku] = cached
        return cached

    async def pulse_sentiment(
        self, session: AsyncSession, scope: Scope, k: int
    ) -> tuple[Sentiment | None, tuple[int, date] | None]:
        """What the scope said in the latest pulse (confidence, main blocker), k applied, and
        which run it comes from; (None, None) when no pulse speaks for the scope."""
        run = await checkins.latest_run(session, "pulse", scope)
        if run is None:
            return None, None
        results = await self.run_results(session, run, k)
        if results is None:
            return None, None
        found = sentiment(results, run.audience.scope_in_run(scope))
        return found, ((run.id, run.opened_at.date()) if found is not None else None)

    async def status_inputs(
        self, session: AsyncSession, scope: Scope, k: int
    ) -> StatusInputs | None:
        cached = self._status.get(scope)
        if cached is not None:
            return cached
        found = await self._read_status(session, scope, k)
        if found is not None:
            self._status[scope] = found
        return found

    def status_card(self, scope: Scope, inputs: StatusInputs, locale: Locale, k: int) -> Card:
        key = (scope, locale, k)
        cached = self._cards.get(key)
        if cached is not None and cached[0] is inputs:
            return cached[1]
        card = fc.status_card(
            inputs.view,
            locale,
            k,
            sentiment=inputs.sentiment,
            sentiment_source=inputs.source,
            departments=inputs.departments,
            wave_names=inputs.wave_names,
            idle=inputs.idle,
        )
        self._cards[key] = (inputs, card)
        return card

    async def run_results(
        self, session: AsyncSession, run: RunSummary, k: int
    ) -> RunResults | None:
        """A run's results, recomputed at most once a minute (answers keep arriving)."""
        k = max(k, run.min_group_size)
        cached = self._results.get((run.id, k))
        if cached is not None:
            return cached
        try:
            template = parse_template(run.template_source, f"run {run.id}")
        except TemplateError:
            log.warning("facilitator.bad_run_template run=%s", run.id)
            return None
        names = await self.known_names(session) if _has_text(template) else frozenset()
        answers = await checkins.run_answers(session, run.id)
        results = summarise(template, answers, k, names)
        self._results[(run.id, k)] = results
        return results

    async def known_names(self, session: AsyncSession) -> frozenset[str]:
        cached = self._names.get("names")
        if cached is None:
            cached = self._names["names"] = name_tokens(await people.display_names(session))
        return cached

    async def _read_status(
        self, session: AsyncSession, scope: Scope, k: int
    ) -> StatusInputs | None:
        view = await usage.latest_status(session, scope)
        if view is None:
            return None
        found, source = await self.pulse_sentiment(session, scope, k)
        breakdown: list[tuple[str, FunnelCounts | None]] = []
        if scope == TENANT and not view.tenant_level_only:
            teams = Subject("workload", "teams")
            figures = await usage.scope_figures(session, "department", [teams])
            if teams in figures:
                breakdown = [
                    (name, counts)
                    for name, counts in figures[teams].lines
                    if Scope("department", name).shown
                ]
        names = await waves.wave_names(session)
        idle = await self._idle_cost(session, scope, view)
        return StatusInputs(view, found, source, tuple(breakdown), names, idle)

    async def _idle_cost(
        self, session: AsyncSession, scope: Scope, view: StatusView
    ) -> IdleCost | None:
        """The scope's costliest idle paid licences, for the status headline (prices needed)."""
        if self._prices is None:
            return None
        population = next(
            (line.counts.population for line in view.workloads if line.counts is not None), 0
        )
        snapshot = await self.licence_snapshot(session, scope)
        if snapshot is None or population <= 0:
            return None
        costs = idle_costs(snapshot.rows, scope, self._prices.monthly)
        top = next((c for c in costs if c.idle and c.idle_monthly), None)
        if top is None or top.idle is None or top.idle_monthly is None:
            return None
        return IdleCost(
            top.sku, top.idle, top.idle / population, top.idle_monthly, self._prices.currency
        )
