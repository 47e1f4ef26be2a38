"""The facilitators' weekly digest, and the `tips` question (most and least useful tips).
Part of the facilitator audience (registered by bot/facilitator.py).

The digest goes to the facilitators named in UPTAKE_FACILITATORS whom the bot knows (members
of UPTAKE_FACILITATOR_GROUP_ID cannot be listed without more Graph permissions: they ask
`status` instead). It is rendered when sent, from the stored, suppressed funnels.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.checkin import SHIPPED_TEMPLATES, shipped_template
from adoption.clock import Clock
from adoption.funnel import Subject
from adoption.language import Locale
from adoption.nudges import movement
from adoption.questions import Question
from adoption.recurrence import zone
from adoption.scopes import Scope
from adoption.tips import Tip
from adoption.weekly import WeeklyMoment, iso_week
from bot.dispatch import Reply, Turn
from bot.sender import Rendered
from cards.digest import DepartmentMove, DigestFacts, digest_card, tips_card
from store import ambassadors, checkins, outbox, people, usage, usage_history
from store import tips as tips_store
from store.outbox import Due, NewMessage

DIGEST_KIND = "digest"
TEAMS = Subject("workload", "teams")


class Digest:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        facilitators: Sequence[str],
        zone_name: str,
        moment: WeeklyMoment,
        min_group_size: int,
        tips: TipSource,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._facilitators = [f.strip().lower() for f in facilitators if f.strip()]
        self._zone = zone_name
        self._moment = moment
        self._k = min_group_size
        self._tips = tips

    async def queue(
        self, session: AsyncSession | None, _schedule: object, due_at: datetime
    ) -> None:
        """Weekly: one digest per known facilitator (dedupe key per week)."""
        if session is None:
            raise RuntimeError("the digest job runs in the schedule's transaction")
        week, moment = self._moment.next_due(due_at, self._zone)
        ids = sorted(set((await people.ids_by_ref(session, self._facilitators)).values()))
        await outbox.enqueue(session, (_digest(pid, week, moment) for pid in ids), due_at)

    async def queue_now(self, session: AsyncSession, person_id: str) -> int:
        """This week's digest for one facilitator at once (the demo's first look); the weekly
        job then finds it queued."""
        now = self._clock()
        week = iso_week(now.astimezone(zone(self._zone)).date())
        return await outbox.enqueue(session, [_digest(person_id, week, now)], now)

    async def render(self, message: Due, locale: Locale) -> Rendered:
        week = str(message.ref.get("week", ""))
        async with self._sessions() as session:
            facts = await self._facts(session, week, locale)
        return digest_card(facts, locale, self._k)

    async def _facts(self, session: AsyncSession, week: str, locale: Locale) -> DigestFacts:
        now = self._clock()
        keys = await usage.scope_keys(session)
        departments = [d for d in keys.get("department", []) if Scope("department", d).shown]
        history = await usage_history.group_history(
            session, "department", departments, now.date() - timedelta(days=14)
        )
        moves: list[DepartmentMove] = []
        latest_date = None
        for department in departments:
            series = history.get(department, {}).get(TEAMS, [])
            if not series or series[-1][1] is None:
                continue
            day, counts = series[-1]
            latest_date = max(latest_date or day, day)
            if counts is None or counts.population <= 0:
                continue
            moved = movement(department, TEAMS, series, 1, "active")
            moves.append(
                DepartmentMove(
                    department,
                    counts.active / counts.population,
                    moved.change if moved is not None else None,
                )
            )
        hidden = len(departments) - len(moves)
        run = await _latest_run(session)
        answered: int | None = None
        recipients = 0
        title = None
        if run is not None:
            title = shipped_template(run.template_key).title(locale)
            count = await checkins.response_count(session, run.id)
            answered = count if count >= max(self._k, run.min_group_size) else None
            recipients = await checkins.recipient_count(session, run.id)
        sent, shared = await tips_store.week_activity(session, week)
        nudges = (await outbox.counts(session, f"nudges:{week}")).get("sent", 0)
        entries = await ambassadors.ambassadors(session)
        covered = {d for e in entries for d in e.departments}
        known = set(await people.known_departments(session)) | set(departments)
        uncovered = tuple(
            sorted(d for d in known if d not in covered and Scope("department", d).shown)
        )
        return DigestFacts(
            week,
            latest_date,
            tuple(moves),
            hidden,
            title,
            answered,
            recipients,
            sent,
            shared,
            nudges,
            uncovered,
        )

    async def tips(self, turn: Turn, _question: Question) -> Reply:
        """Most and least useful tips, by what ambassadors pressed."""
        async with self._sessions() as session:
            scores = await tips_store.scores(session)
        by_key = {tip.key: tip for tip in self._tips.tips}
        rows = [
            (
                by_key[s.tip_key].title(turn.locale) if s.tip_key in by_key else s.tip_key,
                s.sent,
                s.shared,
                s.not_useful,
            )
            for s in scores
        ]
        return Reply(tips_card(rows, turn.locale), "answered")


class TipSource(Protocol):
    """The tips in use (shipped and the facilitators'): bot.ambassador.Coaching."""

    @property
    def tips(self) -> tuple[Tip, ...]: ...


async def _latest_run(session: AsyncSession) -> checkins.RunSummary | None:
    runs = [await checkins.latest_run(session, key) for key in SHIPPED_TEMPLATES]
    found = [r for r in runs if r is not None]
    return max(found, key=lambda r: r.opened_at) if found else None


def _digest(person_id: str, week: str, due: datetime) -> NewMessage:
    return NewMessage(
        DIGEST_KIND, person_id, {"week": week}, f"digest:{week}:{person_id}", due, f"digest:{week}"
    )
