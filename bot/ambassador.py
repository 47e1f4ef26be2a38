"""Ambassadors (champions): the contact point employees ask, and what ambassadors get.

- "who is my ambassador?" (everyone): the department's ambassadors, or the facilitators;
- the weekly tip: queued by a daily job for each ambassador's own weekday and hour (their
  Teams time zone, else UPTAKE_TIMEZONE); the tip itself is chosen when the card is
  rendered (adoption.tip_plan: where the group lags, no repeat until the catalogue is
  exhausted) and kept per week, so a retried send shows the same tip;
- the nudge: after each usage sync, an ambassador whose group stalls or drops
  (adoption.nudges) is queued one nudge for the week, with a tip that fits and a spotlight;
- "shared it" / "not useful" on either card, counted per tip.

An ambassador removed before their message goes out does not get it (the renderer skips).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.clock import Clock
from adoption.contacts import Contact
from adoption.funnel import FunnelCounts, Subject
from adoption.language import Locale
from adoption.nudges import detect, spotlight
from adoption.questions import Command, Question
from adoption.recurrence import zone
from adoption.tip_plan import choose_tip, habit_by_scenario
from adoption.tips import Tip
from adoption.weekly import WeeklyMoment, iso_week, within_working_hours
from bot.dispatch import Reply, Router, Turn
from bot.sender import Rendered, Renderers, Skip
from cards import conversation as conv
from cards.ambassador import SHARED_VERB, USELESS_VERB, nudge_card, tip_card, tip_text
from cards.base import Card
from cards.i18n import t
from store import ambassadors, outbox, people, usage_history
from store import tips as tips_store
from store.ambassadors import AmbassadorView
from store.outbox import Due, NewMessage

log = logging.getLogger("uptake.bot.ambassador")


class Ambassadors:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], facilitators: Sequence[str]
    ) -> None:
        self._sessions = sessions
        # Object ids or UPNs of the facilitators: whom to contact when a department has no
        # ambassador yet.
        self._facilitators = [f.strip().lower() for f in facilitators if f.strip()]

    async def mine(self, turn: Turn, _question: Question) -> Reply:
        """The ambassadors of the person's own department, or the facilitators."""
        department: str | None = None
        async with self._sessions() as session:
            if turn.person_id is not None:
                department = await people.person_department(session, turn.person_id)
            found = await ambassadors.of_department(session, department) if department else []
            fallback = [] if found else await self._fallback(session)
        log.info("ambassador.asked found=%s", bool(found))
        return Reply(
            conv.my_ambassador_card(department, found, turn.locale, fallback),
            "answered" if found else "none",
        )

    async def _fallback(self, session: AsyncSession) -> list[Contact]:
        ids = await people.ids_by_ref(session, self._facilitators)
        return await ambassadors.contacts(session, sorted(set(ids.values())))


HISTORY_DAYS = 28


class Coaching:
    """Tips and nudges for ambassadors: their jobs, renderers and buttons."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        zone_name: str,
        moment: WeeklyMoment,
        tips: Sequence[Tip],
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._zone = zone_name
        self._moment = moment
        self._tips = tuple(tips)
        self._by_key = {tip.key: tip for tip in self._tips}

    @property
    def tips(self) -> tuple[Tip, ...]:
        return self._tips

    def use_tips(self, tips: Sequence[Tip]) -> None:
        """The shipped tips with the facilitators' own (validated when imported)."""
        self._tips = tuple(tips)
        self._by_key = {tip.key: tip for tip in self._tips}

    # --- jobs -----------------------------------------------------------------------------

    async def queue_tips(
        self, session: AsyncSession | None, _schedule: object, due_at: datetime
    ) -> None:
        """Daily: this week's tip for every ambassador whose moment is ahead or at most a day
        past (dedupe key per week: running it again queues nothing new)."""
        if session is None:
            raise RuntimeError("the tips job runs in the schedule's transaction")
        entries = await ambassadors.ambassadors(session)
        zones = await people.time_zones(session, [e.person_id for e in entries])
        messages = []
        for entry in entries:
            week, moment = self._moment.next_due(due_at, zones.get(entry.person_id) or self._zone)
            messages.append(_tip_message(entry.person_id, week, moment))
        added = await outbox.enqueue(session, messages, due_at)
        log.info("tips.queued count=%s", added)

    async def queue_tip_now(self, session: AsyncSession, person_id: str) -> int:
        """This week's tip for one ambassador at once rather than at their weekly moment (the
        demo's first look); the weekly job then finds it queued."""
        now = self._clock()
        zone_name = (await people.time_zones(session, [person_id])).get(person_id) or self._zone
        week = iso_week(now.astimezone(zone(zone_name)).date())
        return await outbox.enqueue(session, [_tip_message(person_id, week, now)], now)

    async def queue_nudges(self, at_once: Collection[str] = ()) -> int:
        """After a usage sync: one nudge this week for each ambassador whose group stalls or
        drops, in their working hours (`at_once`: people for whom not, the demo's Playground
        user). Returns how many were queued."""
        now = self._clock()
        async with self._sessions.begin() as session:
            entries = await ambassadors.ambassadors(session)
            departments = sorted({d for e in entries for d in e.departments})
            history = await usage_history.group_history(
                session, "department", departments, now.date() - timedelta(days=HISTORY_DAYS)
            )
            zones = await people.time_zones(session, [e.person_id for e in entries])
            messages = []
            for entry in entries:
                if not any(detect(d, history.get(d, {})) for d in entry.departments):
                    continue
                zone_name = zones.get(entry.person_id) or self._zone
                # Sent in working hours; the week it goes out in names it (a nudge ready on
                # a Saturday is Monday's, and Monday's sync finds it queued).
                due = (
                    now
                    if entry.person_id in at_once
                    else within_working_hours(now, zone_name, self._moment.at)
                )
                week = iso_week(due.astimezone(zone(zone_name)).date())
                messages.append(
                    NewMessage(
                        NUDGE_KIND,
                        entry.person_id,
                        {"week": week},
                        f"nudge:{week}:{entry.person_id}",
                        due,
                        f"nudges:{week}",
                    )
                )
            added = await outbox.enqueue(session, messages, now)
        log.info("nudges.queued count=%s", added)
        return added

    # --- rendering ------------------------------------------------------------------------

    async def render_tip(self, message: Due, locale: Locale) -> Rendered:
        week = str(message.ref.get("week", ""))
        async with self._sessions.begin() as session:
            entry = await self._ambassador(session, message.person_id)
            if entry is None:
                return Skip("not_an_ambassador")
            history = await self._history(session, entry.departments)
            tip = await self._tip_for(session, message.person_id, week, history)
        if tip is None:
            return Skip("no_tips")
        return tip_card(tip_text(tip, locale), week, locale)

    async def render_nudge(self, message: Due, locale: Locale) -> Rendered:
        """Recomputed at send time: a group that recovered meanwhile gets no nudge."""
        week = str(message.ref.get("week", ""))
        async with self._sessions.begin() as session:
            entry = await self._ambassador(session, message.person_id)
            if entry is None:
                return Skip("not_an_ambassador")
            history = await self._history(session, entry.departments)
            nudges = [n for d in entry.departments if (n := detect(d, history.get(d, {})))]
            if not nudges:
                return Skip("no_longer_stalling")
            nudge = nudges[0]
            neighbours = await self._neighbours(session, entry.departments)
            around = await self._history(session, neighbours)
            preferred = (
                nudge.movement.subject.key if nudge.movement.subject.kind == "scenario" else None
            )
            tip = await self._tip_for(
                session, message.person_id, week, history, prefer=preferred, keep=False
            )
        light = spotlight({**around, **history})
        text = tip_text(tip, locale) if tip is not None else None
        return nudge_card(nudge, text, week, locale, light)

    async def _ambassador(self, session: AsyncSession, person_id: str) -> AmbassadorView | None:
        return next(
            (e for e in await ambassadors.ambassadors(session) if e.person_id == person_id), None
        )

    async def _history(
        self, session: AsyncSession, departments: Sequence[str]
    ) -> dict[str, dict[Subject, list[tuple[date, FunnelCounts | None]]]]:
        since = self._clock().date() - timedelta(days=HISTORY_DAYS)
        return await usage_history.group_history(session, "department", departments, since)

    async def _neighbours(self, session: AsyncSession, departments: Sequence[str]) -> list[str]:
        waves = await people.department_waves(session)
        mine = set().union(*(waves.get(d, set()) for d in departments))
        return sorted(d for d, w in waves.items() if w & mine and d not in departments)

    async def _tip_for(
        self,
        session: AsyncSession,
        person_id: str,
        week: str,
        history: dict[str, dict[Subject, list[tuple[date, FunnelCounts | None]]]],
        *,
        prefer: str | None = None,
        keep: bool = True,
    ) -> Tip | None:
        """The week's tip (kept when `keep`, so a retried send shows the same one)."""
        if keep:
            already = await tips_store.chosen(session, person_id, week)
            if already in self._by_key:
                return self._by_key[already]
        habit: dict[str, float | None] = {}
        for group in history.values():
            for scenario, share in habit_by_scenario(group).items():
                known = habit.get(scenario)
                # Across the ambassador's departments, the one that lags most counts.
                habit[scenario] = (
                    share if known is None or (share is not None and share < known) else known
                )
        sent = await tips_store.sent_keys(session, person_id)
        tip = choose_tip(self._tips, sent, habit, prefer)
        if tip is not None and keep:
            key = await tips_store.choose(session, person_id, week, tip.key, self._clock())
            return self._by_key.get(key, tip)
        return tip

    # --- buttons --------------------------------------------------------------------------

    async def shared(self, turn: Turn, data: Mapping[str, object]) -> Card:
        return await self._verdict(turn, data, "shared")

    async def not_useful(self, turn: Turn, data: Mapping[str, object]) -> Card:
        return await self._verdict(turn, data, "not_useful")

    async def _verdict(self, turn: Turn, data: Mapping[str, object], verdict: str) -> Card:
        key, week = data.get("tip"), data.get("week")
        tip = self._by_key.get(key) if isinstance(key, str) else None
        if tip is None or not isinstance(week, str) or turn.person_id is None:
            return conv.sentence_card(t(turn.locale, "errors.unknown_action"), turn.locale)
        async with self._sessions.begin() as session:
            if await self._ambassador(session, turn.person_id) is None:
                return conv.sentence_card(t(turn.locale, "ambassador.not_any_more"), turn.locale)
            await tips_store.give_verdict(
                session, turn.person_id, week[:8], tip.key, verdict, self._clock()
            )
        log.info("tips.verdict tip=%s verdict=%s", tip.key, verdict)
        return tip_card(tip_text(tip, turn.locale), week, turn.locale, verdict)


TIP_KIND = "tip"
NUDGE_KIND = "nudge"


def register(
    router: Router, renderers: Renderers, ambassadors_: Ambassadors, coaching: Coaching
) -> None:
    router.command(Command.MY_AMBASSADOR, "everyone", ambassadors_.mine)
    router.verb(SHARED_VERB, coaching.shared)
    router.verb(USELESS_VERB, coaching.not_useful)
    renderers.register(TIP_KIND, coaching.render_tip)
    renderers.register(NUDGE_KIND, coaching.render_nudge)


def _tip_message(person_id: str, week: str, due: datetime) -> NewMessage:
    return NewMessage(
        TIP_KIND, person_id, {"week": week}, f"tip:{week}:{person_id}", due, f"tips:{week}"
    )
