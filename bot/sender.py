"""The outbox sender: delivers every kind of proactive message under Teams' limits.

It knows no feature. A message's `kind` names the renderer its feature registered
(`Renderers`); the renderer turns the message's reference into a card in the recipient's
language at send time, or says the message is moot (`Skip`) or early (`Postpone`).

Due rows are claimed in batches of about two seconds' worth, with a lease. Each send waits
for a per-conversation token bucket (Teams allows about 7 messages a second in one chat)
and the global one (`AdaptiveRate`: the configured rate, halved on a 429 and recovering
gradually). A 429 delays that message by its Retry-After; 412/5xx are retried with jittered
backoff up to `max_attempts`; a blocked or removed bot marks the person unreachable and is
never retried. A failing recipient never holds back healthy ones: retries are scheduled,
not awaited. Outcomes are written in bulk per batch, so a crash loses no message: rows left
SENDING are sent again (by the leader at once, see `serve`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Protocol

from aiolimiter import AsyncLimiter
from cachetools import LRUCache
from microsoft_agents.activity import ConversationReference
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.clock import Clock
from adoption.language import Locale
from adoption.pacing import AdaptiveRate, backoff_seconds
from bot.app import card_activity
from bot.connector import ConnectorPool, DeliveryError, RecipientGone, Throttled, TransientFailure
from cards.base import Card
from cards.i18n import negotiate
from store import outbox, people
from store.outbox import Due, Outcomes
from store.tables import MessageState

log = logging.getLogger("uptake.sender")

LEASE: Final = timedelta(seconds=60)
BATCH_SECONDS: Final = 2.0
MIN_BATCH: Final = 20
MAX_BATCH: Final = 1000
POLL_SECONDS: Final = 0.5
PER_CONVERSATION_RATE: Final = 7.0
# Slices of a second the global bucket refills in: a whole second's budget at once would be
# a burst the service sees as over its limit.
_SLICES: Final = 10


@dataclass(frozen=True, slots=True)
class Skip:
    """The message is moot: do not send it (the person answered, the run closed...)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Postpone:
    """Not yet: ask again at `until` (a paused campaign's reminder)."""

    until: datetime
    reason: str


Rendered = Card | Skip | Postpone


class Renderer(Protocol):
    async def __call__(self, message: Due, locale: Locale) -> Rendered: ...


class Renderers:
    """Which feature renders which kind of message; filled by the audience modules."""

    def __init__(self) -> None:
        self._by_kind: dict[str, Renderer] = {}

    def register(self, kind: str, renderer: Renderer) -> None:
        if kind in self._by_kind:
            raise ValueError(f"a renderer for {kind!r} is registered already")
        self._by_kind[kind] = renderer

    def get(self, kind: str) -> Renderer | None:
        return self._by_kind.get(kind)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._by_kind)


class Reach(Protocol):
    """Makes a person reachable who has no conversation yet (installs the app through Graph
    and opens the 1:1 chat); returns the stored conversation reference, or None."""

    async def __call__(self, person_id: str) -> dict[str, object] | None: ...


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
        renderers: Renderers,
        *,
        rate_per_second: float,
        max_attempts: int,
        default_locale: Locale,
        clock: Clock,
        in_flight: int = 32,
        reach: Reach | None = None,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._pool = pool
        self._renderers = renderers
        self._rate = AdaptiveRate(ceiling=rate_per_second)
        self._limiter_rate = rate_per_second
        self._limiter = self._global_limiter(rate_per_second)
        self._conversations: LRUCache[str, AsyncLimiter] = LRUCache(maxsize=10_000)
        self._max_attempts = max_attempts
        self._default_locale = default_locale
        self._clock = clock
        self._monotonic = monotonic
        self._in_flight = asyncio.Semaphore(in_flight)
        self._reach = reach
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._woken = asyncio.Event()
        self.throttles = 0

    # --- the loop -------------------------------------------------------------------------

    def wake(self) -> None:
        """Something was queued in this process: a running `serve` loop looks now rather than
        at its next poll. Harmless when no loop runs (a web-only process, a CLI command)."""
        self._woken.set()

    async def take_over(self) -> int:
        """Rows a dead sender left SENDING are due again now. Only call it holding the
        leader's lock: then nobody else can be sending them."""
        async with self._sessions.begin() as session:
            released = await outbox.release_all(session, self._clock())
        if released:
            log.info("outbox.resumed count=%s", released)
        return released

    async def serve(self, stop: asyncio.Event, poll_seconds: float = POLL_SECONDS) -> None:
        """The leader's sending loop until `stop`: first take over what a dead sender left
        SENDING (only the leader sends, so nobody else holds it), then drain whenever
        something is due, looking every `poll_seconds` (other processes queue rows too)."""
        await self.take_over()
        while not stop.is_set():
            self._woken.clear()
            try:
                report = await self.drain()
            except Exception:
                log.exception("outbox.drain_failed")
                report = SendReport()
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

    async def drain(self, *, on_progress: Callable[[str], None] | None = None) -> SendReport:
        """Send everything that is due now; returns when nothing due is left."""
        report = SendReport()
        while True:
            now = self._clock()
            async with self._sessions() as session:
                if not await outbox.any_due(session, now):
                    return report
            limit = max(MIN_BATCH, min(MAX_BATCH, int(self._limiter_rate * BATCH_SECONDS)))
            async with self._sessions.begin() as session:
                batch = await outbox.claim(session, now=now, lease=LEASE, limit=limit)
            if not batch:
                return report
            outcomes = Outcomes()
            unreachable: list[str] = []
            results = await asyncio.gather(
                *(self._deliver(message, outcomes, unreachable) for message in batch)
            )
            async with self._sessions.begin() as session:
                finished = self._clock()
                await outbox.finish(session, outcomes, finished)
                for person_id in set(unreachable):
                    await people.mark_unreachable(session, person_id, finished)
            for outcome in results:
                report.outcomes[outcome] += 1
                if on_progress is not None:
                    on_progress(outcome)

    # --- one message ----------------------------------------------------------------------

    async def _deliver(self, message: Due, outcomes: Outcomes, unreachable: list[str]) -> str:
        renderer = self._renderers.get(message.kind)
        if renderer is None:
            outcomes.final.append((message.id, MessageState.FAILED, "no_renderer"))
            return "failed"
        conversation = message.conversation
        if conversation is None and self._reach is not None:
            try:
                conversation = await self._reach(message.person_id)
            except DeliveryError as error:
                return self._failed(message, error, outcomes, unreachable)
        if conversation is None:
            outcomes.final.append((message.id, MessageState.UNREACHABLE, "not_installed"))
            return "unreachable"
        locale = negotiate(
            message.locale or _text(conversation.get("locale")), self._default_locale
        )
        rendered = await renderer(message, locale)
        if isinstance(rendered, Skip):
            outcomes.final.append((message.id, MessageState.SKIPPED, rendered.reason))
            return "skipped"
        if isinstance(rendered, Postpone):
            outcomes.retry.append((message.id, rendered.until, rendered.reason, True))
            return "postponed"
        try:
            reference = ConversationReference.model_validate(conversation)
        except ValueError:
            outcomes.final.append((message.id, MessageState.FAILED, "bad_reference"))
            return "failed"
        activity = card_activity(rendered).apply_conversation_reference(
            reference, is_incoming=False
        )
        conversation_id = reference.conversation.id
        async with self._in_flight:
            await self._pace(conversation_id)
            try:
                activity_id = await self._pool.send(
                    reference.service_url or "", conversation_id, activity
                )
            except DeliveryError as error:
                return self._failed(message, error, outcomes, unreachable)
        outcomes.sent.append((message.id, activity_id))
        return "sent"

    async def _pace(self, conversation_id: str) -> None:
        per_chat = self._conversations.get(conversation_id)
        if per_chat is None:
            per_chat = self._conversations[conversation_id] = AsyncLimiter(
                PER_CONVERSATION_RATE, 1.0
            )
        await per_chat.acquire()
        target = self._rate.current(self._monotonic())
        if abs(target - self._limiter_rate) > 0.1 * self._limiter_rate:
            # A new bucket at the new rate; waiters on the old one drain at the old rate.
            self._limiter_rate = target
            self._limiter = self._global_limiter(target)
        await self._limiter.acquire()

    @staticmethod
    def _global_limiter(rate: float) -> AsyncLimiter:
        return AsyncLimiter(max(rate / _SLICES, 1.0), 1.0 / _SLICES)

    def _failed(
        self, message: Due, error: DeliveryError, outcomes: Outcomes, unreachable: list[str]
    ) -> str:
        now = self._clock()
        if isinstance(error, RecipientGone):
            outcomes.final.append((message.id, MessageState.UNREACHABLE, error.reason))
            unreachable.append(message.person_id)
            log.info("outbox.unreachable message=%s", message.id)
            return "unreachable"
        if isinstance(error, Throttled):
            # Not the message's fault: it keeps its attempt, waits its Retry-After, and the
            # global rate comes down instead of every other send stopping.
            self.throttles += 1
            rate = self._rate.throttled(self._monotonic())
            delay = (
                error.retry_after
                if error.retry_after is not None
                else backoff_seconds(message.attempts, self._rng)
            )
            outcomes.retry.append((message.id, now + timedelta(seconds=delay), error.reason, True))
            log.info("outbox.throttled message=%s delay=%.1f rate=%.1f", message.id, delay, rate)
            return "retry"
        if isinstance(error, TransientFailure) and message.attempts < self._max_attempts:
            delay = backoff_seconds(message.attempts, self._rng)
            outcomes.retry.append((message.id, now + timedelta(seconds=delay), error.reason, False))
            log.info(
                "outbox.retry message=%s reason=%s delay=%.1f", message.id, error.reason, delay
            )
            return "retry"
        outcomes.final.append((message.id, MessageState.FAILED, error.reason))
        log.info("outbox.failed message=%s reason=%s", message.id, error.reason)
        return "failed"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
