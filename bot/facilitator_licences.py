"""Facilitators ask what paid licences return: `licences [department|wave]` and
`copilot [department|wave]`.

Scope as for `status` → the stored, already suppressed licence figures of the latest sync
(store.licences, through FacilitatorReads) → costs and the suggestion (adoption.licences,
with the operator's prices) → cards.licences, with what the group said in the pulse. Nothing
here sees a person: who holds what stays in the directory mirror.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.licences import (
    COPILOT,
    DepartmentIdle,
    copilot_figures,
    copilot_idle_by_department,
    group_licences,
    suggest,
)
from adoption.questions import Question
from adoption.results import Sentiment
from adoption.scopes import TENANT, Scope
from adoption.waves import WaveName
from bot.dispatch import Reply, Turn
from bot.facilitator import Facilitation, ScopeAnswer
from bot.facilitator_reads import FacilitatorReads
from cards import facilitator as fc
from cards import licences as cl
from cards.base import Card
from cards.i18n import t
from store import waves
from store.licences import LicenceSnapshot
from uptake.prices import Prices


@dataclass(frozen=True, slots=True)
class PulseSaid:
    """What the group said in the latest pulse (k applied), and the waves' names."""

    sentiment: Sentiment | None
    source: tuple[int, date] | None
    wave_names: Mapping[str, WaveName]


def _no_licences(turn: Turn) -> Reply:
    body = t(turn.locale, "facilitator.no_data_body")
    return Reply(fc.notice(turn.locale, "facilitator.no_data_title", body), "no_data")


class LicenceAnswers:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        reads: FacilitatorReads,
        facilitation: Facilitation,
        prices: Prices | None,
        min_group_size: int,
    ) -> None:
        self._sessions = sessions
        self._reads = reads
        self._facilitation = facilitation
        self._prices = prices
        self._k = min_group_size

    @property
    def _price(self) -> dict[str, Decimal]:
        return dict(self._prices.prices.monthly) if self._prices is not None else {}

    @property
    def _pricing(self) -> cl.Pricing | None:
        if self._prices is None:
            return None
        return cl.Pricing(self._prices.prices.currency, example=self._prices.example)

    async def _read(
        self, turn: Turn, question: Question
    ) -> tuple[ScopeAnswer, LicenceSnapshot | None, PulseSaid | None]:
        async with self._sessions() as session:
            found = await self._facilitation.resolve_scope(session, question.argument, turn.locale)
            if found.scope is None:
                return found, None, None
            snapshot = await self._reads.licence_snapshot(session, found.scope)
            if snapshot is None:
                return found, None, None
            said, source = await self._reads.pulse_sentiment(session, found.scope, self._k)
            names = await waves.wave_names(session)
        return found, snapshot, PulseSaid(said, source, names)

    def _noted(self, card: Card, found: ScopeAnswer, turn: Turn) -> Card:
        return fc.with_concealed_scope_note(card, found.asked, turn.locale) if found.asked else card

    async def licences(self, turn: Turn, question: Question) -> Reply:
        found, snapshot, said = await self._read(turn, question)
        if found.scope is None:
            return found.reply or _no_licences(turn)
        if snapshot is None or said is None:
            return _no_licences(turn)
        scope: Scope = found.scope
        group = group_licences(snapshot.rows, scope, self._price, snapshot.subscriptions)
        view = cl.LicencesView(
            scope,
            snapshot.report_date,
            group.costs,
            group.hidden_skus,
            group.unassigned,
            self._pricing,
            tenant_totals_only=snapshot.concealed,
        )
        card = cl.licences_card(
            view,
            turn.locale,
            self._k,
            suggestion=group.suggestion,
            sentiment=said.sentiment,
            sentiment_source=said.source,
            wave_names=said.wave_names,
        )
        hidden = not group.costs and bool(group.hidden_skus)
        return Reply(self._noted(card, found, turn), "hidden" if hidden else "answered")

    async def copilot(self, turn: Turn, question: Question) -> Reply:
        found, snapshot, said = await self._read(turn, question)
        if found.scope is None:
            return found.reply or _no_licences(turn)
        if snapshot is None or said is None:
            return _no_licences(turn)
        figures = copilot_figures(snapshot.rows, found.scope, self._price)
        departments: tuple[DepartmentIdle, ...] = ()
        if found.scope == TENANT and not snapshot.concealed:
            async with self._sessions() as session:
                rows = await self._reads.department_licences(session, COPILOT)
            departments = tuple(copilot_idle_by_department(rows, self._price))
        view = cl.CopilotView(
            found.scope,
            snapshot.report_date,
            figures.holders,
            figures.active,
            figures.habitual if snapshot.copilot_version == "v2" else None,
            figures.prompts_per_active,
            figures.idle_monthly,
            self._pricing,
            tenant_totals_only=snapshot.concealed,
            departments=departments,
        )
        card = cl.copilot_card(
            view,
            turn.locale,
            self._k,
            suggestion=suggest([figures.cost], ()) if figures.cost is not None else None,
            sentiment=said.sentiment,
            sentiment_source=said.source,
            wave_names=said.wave_names,
        )
        outcome = "hidden" if figures.holders is None else "answered"
        return Reply(self._noted(card, found, turn), outcome)
