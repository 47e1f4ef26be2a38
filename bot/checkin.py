"""Employees answer check-ins: validate everything server-side, store anonymously, thank.

Registers the card verbs of the check-in card (answer, change my answers) and the install
hook that queues a still-open check-in for someone who installs while it runs. Both card paths
land here: Action.Execute (an invoke answered with the replacement card) and the Action.Submit
fallback of old clients (a message whose card is then updated).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.checkin import (
    AnswerValue,
    answers_from_json,
    answers_to_json,
    parse_run_id,
    respondent_key,
    validate_answers,
)
from adoption.language import Locale
from bot.dispatch import Router, Turn
from bot.runs import RunCache, RunInfo
from bot.sender import Postpone, Rendered, Renderers, Skip
from cards.base import Card
from cards.checkin import (
    ANSWER_VERB,
    EDIT_VERB,
    closed_card,
    notice_card,
    question_card,
    reminder_card,
    thanks_card,
)
from store import checkins
from store.answers import Answer
from store.batching import BatchWriter
from store.checkins import Recipient
from store.outbox import Due

log = logging.getLogger("uptake.bot.checkin")

# How often a paused campaign's queued message asks again whether it may go.
PAUSED_RETRY = timedelta(minutes=15)


class CheckIns:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        runs: RunCache,
        answers: BatchWriter[Answer],
        secret: bytes,
        clock: Callable[[], datetime],
        queued: Callable[[], None],
    ) -> None:
        self._sessions = sessions
        self._runs = runs
        self._answers = answers
        self._secret = secret
        self._clock = clock
        # Tells the outbox sender that something new is due (a late joiner's check-in).
        self._queued = queued

    def _is_open(self, run: RunInfo) -> bool:
        return run.open and self._clock() < run.closes_at

    async def _load(
        self, person: str, data: Mapping[str, object], turn: Turn
    ) -> tuple[RunInfo, Recipient] | Card:
        run_id = parse_run_id(data.get("run"))
        run = await self._runs.get(run_id) if run_id is not None else None
        if run is None:
            return notice_card("checkin.unknown_run", turn.locale)
        recipient = await self._runs.recipient(run.id, person)
        if recipient is None:
            log.info("checkin.refused reason=not_recipient run=%s", run.id)
            return notice_card("checkin.not_for_you", turn.locale)
        if not self._is_open(run):
            log.info("checkin.refused reason=closed run=%s", run.id)
            return closed_card(run.template, (run.closed_at or run.closes_at).date(), turn.locale)
        return run, recipient

    async def answer(self, turn: Turn, data: Mapping[str, object]) -> Card:
        """Check and store an answer; the returned card replaces the check-in in the chat."""
        if turn.person_id is None:
            return notice_card("checkin.not_for_you", turn.locale)
        loaded = await self._load(turn.person_id, data, turn)
        if not isinstance(loaded, tuple):
            return loaded
        run, recipient = loaded
        check = validate_answers(run.template, data)
        if not check.ok:
            log.info("checkin.invalid run=%s problems=%s", run.id, sorted(check.problems))
            return question_card(
                run.template,
                run.id,
                run.closes_at.date(),
                turn.locale,
                answers=check.answers,
                problems=check.problems,
            )
        await self._answers.save(
            Answer(
                run_id=run.id,
                respondent_key=respondent_key(self._secret, run.id, turn.person_id),
                department=recipient.department,
                wave=recipient.wave,
                answers=answers_to_json(check.answers),
                today=self._clock().date(),
            )
        )
        log.info("checkin.answered run=%s", run.id)
        return thanks_card(run.template, run.id, check.answers, turn.locale)

    async def edit(self, turn: Turn, data: Mapping[str, object]) -> Card:
        """The form again, filled with the person's stored answers (found by their key)."""
        if turn.person_id is None:
            return notice_card("checkin.not_for_you", turn.locale)
        loaded = await self._load(turn.person_id, data, turn)
        if not isinstance(loaded, tuple):
            return loaded
        run, _ = loaded
        key = respondent_key(self._secret, run.id, turn.person_id)
        async with self._sessions() as session:
            stored = await checkins.find_response(session, run.id, key)
        answers: dict[str, AnswerValue] = answers_from_json(stored) if stored else {}
        return question_card(
            run.template, run.id, run.closes_at.date(), turn.locale, answers=answers
        )

    # --- rendering its messages (the outbox calls these at send time) ------------------

    async def render_card(self, message: Due, locale: Locale) -> Rendered:
        run = await self._open_run_of(message)
        if not isinstance(run, RunInfo):
            return run
        return question_card(run.template, run.id, run.closes_at.date(), locale)

    async def render_reminder(self, message: Due, locale: Locale) -> Rendered:
        """The form again with a reminder line; skipped for someone who answered (found by
        recomputing their respondent key: no person id is ever stored with an answer)."""
        run = await self._open_run_of(message)
        if not isinstance(run, RunInfo):
            return run
        key = respondent_key(self._secret, run.id, message.person_id)
        async with self._sessions() as session:
            if await checkins.find_response(session, run.id, key) is not None:
                return Skip("answered")
        return reminder_card(run.template, run.id, run.closes_at.date(), locale)

    async def _open_run_of(self, message: Due) -> RunInfo | Skip | Postpone:
        run_id = parse_run_id(message.ref.get("run"))
        run = await self._runs.get(run_id) if run_id is not None else None
        if run is None:
            return Skip("run_missing")
        if not self._is_open(run):
            return Skip("run_closed")
        if run.paused:
            return Postpone(self._clock() + PAUSED_RETRY, "campaign_paused")
        return run

    async def newcomer(self, person_id: str) -> None:
        """Someone installed while check-ins are open for them: queue those check-ins."""
        async with self._sessions.begin() as session:
            added = await checkins.add_to_open_runs(session, person_id, self._clock())
        if added:
            log.info("checkin.late_joiner runs=%s", added)
            self._queued()


def register(router: Router, renderers: Renderers, check_ins: CheckIns) -> None:
    router.verb(ANSWER_VERB, check_ins.answer)
    router.verb(EDIT_VERB, check_ins.edit)
    router.on_installed(check_ins.newcomer)
    renderers.register(checkins.CHECKIN_KIND, check_ins.render_card)
    renderers.register(checkins.REMINDER_KIND, check_ins.render_reminder)
