"""Facilitators plan check-in campaigns in chat: list, a form to create one, how each is
going, pause, resume, close. Part of the facilitator audience (registered by
bot/facilitator.py, gated and audited by the router like every facilitator question).

The form posts its values with Action.Execute; they are checked exactly as the CLI's
(adoption.campaigns.plan_campaign, then store.campaigns.create_checked), and the form comes
back with every problem listed and the values kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.campaigns import CampaignProblems, CampaignRequest, plan_campaign
from adoption.checkin import parse_run_id, shipped_template
from adoption.clock import Clock
from adoption.questions import Question, fold
from adoption.waves import WaveName
from bot.dispatch import Reply, Turn
from cards import campaigns as cc
from cards.base import Card
from cards.i18n import t
from store import campaigns, people, waves
from store.tables import CampaignState

_ACTIONS: Final = {
    "new": ("new", "nieuw", "nieuwe", "nouvelle", "nouveau", "create", "maak"),
    "status": ("status", "statut", "stand", "etat"),
    "pause": ("pause", "pauzeer", "pauze", "stop"),
    "resume": ("resume", "hervat", "reprendre", "reprends"),
    "close": ("close", "sluit", "afsluiten", "cloturer", "fermer", "end"),
}
_STATES: Final = {
    "pause": CampaignState.PAUSED,
    "resume": CampaignState.ACTIVE,
    "close": CampaignState.CLOSED,
}


def _action(argument: str) -> tuple[str, int | None]:
    words = argument.split()
    if not words:
        return "list", None
    word = fold(words[0])
    action = next((a for a, names in _ACTIONS.items() if word in names), "unknown")
    return action, parse_run_id(words[1].lstrip("#")) if len(words) > 1 else None


class Campaigns:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        zone_name: str,
        min_group_size: int,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._zone = zone_name
        self._k = min_group_size

    # --- chat commands --------------------------------------------------------------------

    async def command(self, turn: Turn, question: Question) -> Reply:
        action, campaign_id = _action(question.argument)
        if action == "list":
            return Reply(await self._list(turn), "answered")
        if action == "new":
            return Reply(await self._form(turn), "answered")
        if action == "unknown" or campaign_id is None:
            return Reply(cc.usage_card(turn.locale), "invalid")
        if action == "status":
            return Reply(await self._status(turn, campaign_id), "answered")
        return Reply(await self._set(turn, campaign_id, _STATES[action]), "answered")

    # --- card verbs -----------------------------------------------------------------------

    async def new(self, turn: Turn, _data: Mapping[str, object]) -> Card:
        return await self._form(turn)

    async def create(self, turn: Turn, data: Mapping[str, object]) -> Card:
        values = {k: str(v) for k, v in data.items() if isinstance(v, str | int) and k != "verb"}
        every = values.get("every", "once")
        close = values.get("close_after", "")
        request = CampaignRequest(
            template=values.get("template", ""),
            audience=values.get("audience", ""),
            start=f"{values.get('start_day', '')}T{values.get('start_time', '')}",
            every=None if every == "once" else every,
            remind_after=values.get("remind_after") or None,
            close_after_days=int(close) if close.isascii() and close.isdigit() else None,
        )
        now = self._clock()
        try:
            plan = plan_campaign(request, self._zone, now)
            async with self._sessions.begin() as session:
                campaign_id = await campaigns.create_checked(
                    session, plan, None, now, min_group_size=self._k, created_by=turn.person_id
                )
        except CampaignProblems as problems:
            return await self._form(turn, values, problems)
        return cc.created_card(
            campaign_id,
            shipped_template(plan.template_key).title(turn.locale),
            cc.rule_label(plan.recurrence, turn.locale),
            turn.locale,
        )

    async def status(self, turn: Turn, data: Mapping[str, object]) -> Card:
        campaign_id = parse_run_id(data.get("campaign"))
        if campaign_id is None:
            return cc.usage_card(turn.locale)
        return await self._status(turn, campaign_id)

    async def pause(self, turn: Turn, data: Mapping[str, object]) -> Card:
        return await self._set_from(turn, data, CampaignState.PAUSED)

    async def resume(self, turn: Turn, data: Mapping[str, object]) -> Card:
        return await self._set_from(turn, data, CampaignState.ACTIVE)

    async def close(self, turn: Turn, data: Mapping[str, object]) -> Card:
        return await self._set_from(turn, data, CampaignState.CLOSED)

    # --- the cards ------------------------------------------------------------------------

    async def _list(self, turn: Turn) -> Card:
        locale = turn.locale
        async with self._sessions() as session:
            found = await campaigns.all_campaigns(session)
        rows = [
            (
                view.id,
                shipped_template(view.template_key).title(locale),
                cc.audience_label(view.audience, view.members, locale),
                cc.rule_label(view.rule, locale),
                view.state,
                cc.moment_label(view.next_due, view.rule.tz, locale) if view.next_due else None,
            )
            for view in found
        ]
        return cc.list_card(rows, locale)

    async def _form(
        self,
        turn: Turn,
        values: Mapping[str, str] | None = None,
        problems: CampaignProblems | None = None,
    ) -> Card:
        async with self._sessions() as session:
            departments = list(await people.known_departments(session))
            named = await waves.wave_names(session)
            keys = list(await people.known_waves(session))
        word = t(turn.locale, "facilitator.wave_word")
        wave_choices = [(key, named.get(key, WaveName(key)).label(word)) for key in keys]
        return cc.form_card(
            turn.locale,
            departments,
            wave_choices,
            today=self._clock().astimezone(cc.zone_of(self._zone)).date(),
            values=values,
            problems=problems.problems if problems else (),
        )

    async def _status(self, turn: Turn, campaign_id: int) -> Card:
        async with self._sessions() as session:
            view = await campaigns.get(session, campaign_id)
            if view is None:
                return cc.unknown_card(campaign_id, turn.locale)
            runs = await campaigns.run_statuses(session, campaign_id, self._clock())
        return cc.status_card(
            view.id,
            shipped_template(view.template_key).title(turn.locale),
            view.state,
            runs,
            self._k,
            turn.locale,
        )

    async def _set(self, turn: Turn, campaign_id: int, state: CampaignState) -> Card:
        async with self._sessions.begin() as session:
            changed = await campaigns.set_state(session, campaign_id, state, self._clock())
        if not changed:
            return cc.unknown_card(campaign_id, turn.locale)
        return await self._list(turn)

    async def _set_from(self, turn: Turn, data: Mapping[str, object], state: CampaignState) -> Card:
        campaign_id = parse_run_id(data.get("campaign"))
        if campaign_id is None:
            return cc.usage_card(turn.locale)
        return await self._set(turn, campaign_id, state)
