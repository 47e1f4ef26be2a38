"""The outbox sender: delivers check-in cards proactively, under Teams' rate limits.

Rows are claimed with a lease, sent at a bounded rate with a bounded number in flight, and
finished according to the typed failure: sent, retried later (Retry-After, else exponential
backoff with jitter), unreachable (the person blocked or removed the bot: never retried), or
failed after too many attempts. Everything is in the database, so a crash loses nothing and a
restart resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiolimiter import AsyncLimiter
from microsoft_agents.activity import ConversationReference
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.checkin import Template, parse_template
from adoption.pacing import backoff_seconds
from bot.app import card_activity
from bot.connector import ConnectorPool, DeliveryError, RecipientGone, Throttled, TransientFailure
from cards.checkin import question_card
from cards.i18n import Locale, negotiate
from store import checkins, people

log = logging.getLogger("uptake.sender")

LEASE = timedelta(minutes=2)
BATCH = 200
POLL_SECONDS = 5.0


@dataclass
class SendReport:
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return self.outcomes["sent"]


class OutboxSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        pool: ConnectorPool,
        *,
        rate_per_second: float,
        max_attempts: int,
        default_locale: Locale,
        clock: Callable[[], datetime],
        in_flight: int = 16,
        rng: random.Random | None = None,
    ) -> None:
        self._sessions = sessions
        self._pool = pool
        self._limiter = AsyncLimiter(rate_per_second, 1.0)
        self._max_attempts = max_attempts
        self._default_locale = default_locale
        self._clock = clock
        self._in_flight = asyncio.Semaphore(in_flight)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._templates: dict[int, tuple[Template, datetime]] = {}
        self._paused_until = 0.0
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """Something was queued: a running `serve` loop drains now rather than at its next poll.
        Harmless when no loop runs (a web-only process, a CLI command)."""
        self._woken.set()

    async def serve(self, stop: asyncio.Event, poll_seconds: float = POLL_SECONDS) -> None:
        """Drain whenever woken, and at least every `poll_seconds` (retries fall due, other
        processes queue rows), until `stop` is set."""
        while not stop.is_set():
            self._woken.clear()
            report = await self.drain()
            if report.outcomes:
                log.info("outbox.drained %s", dict(report.outcomes))
            waiters = [asyncio.ensure_future(e.wait()) for e in (stop, self._woken)]
            try:
                await asyncio.wait(
                    waiters, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                for waiter in waiters:
                    waiter.cancel()

    async def _template(self, run_id: int) -> tuple[Template, datetime] | None:
        if run_id not in self._templates:
            async with self._sessions() as session:
                run = await checkins.get_run(session, run_id)
            if run is None:
                return None
            self._templates[run_id] = (
                parse_template(run.template_source, f"run {run_id}"),
                run.closes_at,
            )
        return self._templates[run_id]

    async def drain(self, *, on_progress: Callable[[str], None] | None = None) -> SendReport:
        """Send everything that is due now; returns when nothing due is left."""
        report = SendReport()
        while True:
            async with self._sessions.begin() as session:
                due = await checkins.claim_due(session, now=self._clock(), lease=LEASE, limit=BATCH)
            if not due:
                return report
            results = await asyncio.gather(*(self._deliver(item) for item in due))
            for outcome in results:
                report.outcomes[outcome] += 1
                if on_progress is not None:
                    on_progress(outcome)

    async def _wait_if_throttled(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self._paused_until - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _deliver(self, item: checkins.DueDelivery) -> str:
        loaded = await self._template(item.run_id)
        if loaded is None:
            await self._finish_failed(item, "run_missing")
            return "failed"
        template, closes_at = loaded
        locale = negotiate(item.locale or item.conversation.get("locale"), self._default_locale)
        try:
            reference = ConversationReference.model_validate(item.conversation)
        except ValueError:
            await self._finish_failed(item, "bad_reference")
            return "failed"
        activity = card_activity(question_card(template, item.run_id, closes_at.date(), locale))
        activity = activity.apply_conversation_reference(reference, is_incoming=False)
        async with self._in_flight:
            await self._wait_if_throttled()
            async with self._limiter:
                try:
                    activity_id = await self._pool.send(
                        reference.service_url or "", reference.conversation.id, activity
                    )
                except DeliveryError as error:
                    return await self._handle_failure(item, error)
        async with self._sessions.begin() as session:
            await checkins.mark_sent(
                session, item.run_id, item.person_id, activity_id, self._clock()
            )
        return "sent"

    async def _handle_failure(self, item: checkins.DueDelivery, error: DeliveryError) -> str:
        now = self._clock()
        if isinstance(error, RecipientGone):
            async with self._sessions.begin() as session:
                await checkins.mark_unreachable(
                    session, item.run_id, item.person_id, now, error.reason
                )
                await people.mark_unreachable(session, item.person_id, now)
            log.info("outbox.unreachable run=%s person=%s", item.run_id, item.person_id)
            return "unreachable"
        retryable = isinstance(error, Throttled | TransientFailure)
        if not retryable or item.attempts >= self._max_attempts:
            await self._finish_failed(item, error.reason)
            return "failed"
        if isinstance(error, Throttled) and error.retry_after is not None:
            delay = error.retry_after
            loop = asyncio.get_running_loop()
            self._paused_until = max(self._paused_until, loop.time() + delay)
        else:
            delay = backoff_seconds(item.attempts, self._rng)
        async with self._sessions.begin() as session:
            await checkins.retry_later(
                session,
                item.run_id,
                item.person_id,
                now + timedelta(seconds=delay),
                now,
                error.reason,
            )
        log.info("outbox.retry run=%s reason=%s delay=%.1f", item.run_id, error.reason, delay)
        return "retry"

    async def _finish_failed(self, item: checkins.DueDelivery, reason: str) -> None:
        async with self._sessions.begin() as session:
            await checkins.mark_failed(session, item.run_id, item.person_id, self._clock(), reason)
        log.warning("outbox.failed run=%s reason=%s", item.run_id, reason)
