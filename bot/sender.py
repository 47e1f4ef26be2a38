"""The outbox sender: delivers every kind of proactive message under Teams' limits.

It knows no feature. A message's `kind` names the renderer its feature registered
(`Renderers`); the renderer turns the message's reference into a card in the recipient's
language at send time, or says the message is moot (`Skip`) or early (`Postpone`).

Due rows are claimed, with a lease, about two seconds' worth at a time and ahead of need, so
sending never waits for the database. `in_flight` workers take them one by one: render, wait
for room in the conversation's windows (`ChatPace`) and for the global pace (`Gate`: the
configured rate, lowered on a 429 by `AdaptiveRate` and recovering gradually), post, and wait
until the outcome is committed (`OutcomeWriter`, group commits) before taking the next. So a
crash loses no message (rows left SENDING are sent again, by the leader at once, see
`serve`) and sends at most `in_flight` twice. A 429 delays that message by its Retry-After;
412/5xx are retried with jittered backoff up to `max_attempts`; a blocked or removed bot
marks the person unreachable and is never retried. A failing recipient never holds back
healthy ones: retries are scheduled, not awaited.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Protocol

from cachetools import TTLCache
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.clock import Clock
from adoption.language import Locale
from adoption.pacing import AdaptiveRate, backoff_seconds
from bot.connector import (
    ConnectorPool,
    DeliveryError,
    RecipientGone,
    Throttled,
    TransientFailure,
    card_message,
    conversation_id_of,
)
from bot.outcomes import OutcomeWriter
from bot.pace import ChatPace, Gate, GlobalPace
from cards.base import Card
from cards.i18n import negotiate
from store import outbox
from store.outbox import Due, Outcomes
from store.tables import MessageState

log = logging.getLogger("uptake.sender")

LEASE: Final = timedelta(seconds=60)
# A claim takes about this many seconds' worth of messages at the current rate; the next one
# is made when half of it is left, so the workers never wait for the database.
BATCH_SECONDS: Final = 2.0
MIN_BATCH: Final = 20
MAX_BATCH: Final = 1000
POLL_SECONDS: Final = 0.5
# A 429 takes the rate down by a fifth and it climbs back to the ceiling in about two
# seconds: the sends are paced just under the ceiling, so a lone 429 is most likely jitter
# (halving for half a minute would cost a fan-out a fifth of its speed for one message); a
# service limit that really is lower keeps answering 429 and the cuts repeat each second.
THROTTLE_DECREASE: Final = 0.9
RECOVERY_SECONDS: Final = 10.0
# Concurrency: enough workers to keep the rate through a connector that takes this long to
# answer (Bot Framework's round trips are tens to a few hundred milliseconds).
IN_FLIGHT_SECONDS: Final = 0.25
MIN_IN_FLIGHT: Final = 32
# A conversation that needs a longer pause than this gives its message back for later.
CHAT_WAIT_SECONDS: Final = 1.0
CHAT_MEMORY_SECONDS: Final = 31.0
MAX_CHATS: Final = 100_000


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


@dataclass(frozen=True, slots=True)
class _Claimed:
    message: Due
    at: float  # monotonic time of the claim: its lease runs from here


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
        in_flight: int | None = None,
        reach: Reach | None = None,
        rng: random.Random | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._pool = pool
        self._renderers = renderers
        self._rate = AdaptiveRate(
            ceiling=rate_per_second, decrease=THROTTLE_DECREASE, recovery_seconds=RECOVERY_SECONDS
        )
        self._pace = GlobalPace(rate_per_second)
        self._gate = Gate(self._pace, monotonic)
        # A conversation's sends matter for 30 s (its longest window): keep them that long.
        self._chats: TTLCache[str, ChatPace] = TTLCache(
            maxsize=MAX_CHATS, ttl=CHAT_MEMORY_SECONDS, timer=monotonic
        )
        self._max_attempts = max_attempts
        self._default_locale = default_locale
        self._clock = clock
        self._monotonic = monotonic
        # How many messages may be between "taken" and "outcome committed" at once: the
        # sender's concurrency, and the most a crash can make it send twice.
        self.in_flight = in_flight or self.in_flight_for(rate_per_second)
        self._reach = reach
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._woken = asyncio.Event()
        self.throttles = 0

    @staticmethod
    def in_flight_for(rate_per_second: float) -> int:
        """The default concurrency at a rate."""
        return max(MIN_IN_FLIGHT, math.ceil(rate_per_second * IN_FLIGHT_SECONDS))

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
        """Send everything that is due now; returns when nothing due is left.

        A pipeline, so the rate never waits for the database: claims keep a few seconds'
        worth of messages ready, `in_flight` workers send them one by one under the pace, and
        their outcomes are committed in groups while the next messages go out."""
        report = SendReport()
        ready: asyncio.Queue[_Claimed | None] = asyncio.Queue()
        hungry = asyncio.Event()
        writer = OutcomeWriter(self._sessions, self._clock, flush_at=max(1, self.in_flight // 2))
        workers = [
            asyncio.create_task(self._work(ready, hungry, writer, report, on_progress))
            for _ in range(self.in_flight)
        ]
        try:
            await self._claim_into(ready, hungry)
        finally:
            for _ in workers:
                ready.put_nowait(None)
            await asyncio.gather(*workers, return_exceptions=True)
            await writer.close()
        return report

    def _batch_size(self) -> int:
        rate = self._rate.current(self._monotonic())
        return max(MIN_BATCH, min(MAX_BATCH, int(rate * BATCH_SECONDS)))

    async def _claim(self, limit: int) -> list[_Claimed]:
        async with self._sessions.begin() as session:
            batch = await outbox.claim(session, now=self._clock(), lease=LEASE, limit=limit)
        at = self._monotonic()
        return [_Claimed(message, at) for message in batch]

    async def _claim_into(
        self, ready: asyncio.Queue[_Claimed | None], hungry: asyncio.Event
    ) -> None:
        """Keep `ready` filled until nothing is due and everything claimed is finished."""
        while True:
            limit = self._batch_size()
            while ready.qsize() > limit // 2:
                hungry.clear()
                await hungry.wait()
            batch = await self._claim(limit)
            if not batch:
                # Nothing due now; what is being sent may come due again at once (a
                # Retry-After of 0), so look once more when all of it is written.
                await ready.join()
                batch = await self._claim(limit)
                if not batch:
                    return
            for item in batch:
                ready.put_nowait(item)

    async def _work(
        self,
        ready: asyncio.Queue[_Claimed | None],
        hungry: asyncio.Event,
        writer: OutcomeWriter,
        report: SendReport,
        on_progress: Callable[[str], None] | None,
    ) -> None:
        while (item := await ready.get()) is not None:
            hungry.set()
            try:
                if self._monotonic() - item.at > LEASE.total_seconds() / 2:
                    # Claimed long ago (the rate fell meanwhile): its lease may end before
                    # it is sent, and then it could be claimed twice. Give it back.
                    outcome = self._give_back(item.message, writer.outcomes, "lease")
                else:
                    outcome = await self._deliver(item.message, writer)
                await writer.committed()
            except Exception:
                log.exception("outbox.message_failed message=%s", item.message.id)
                continue
            finally:
                ready.task_done()
            report.outcomes[outcome] += 1
            if on_progress is not None:
                on_progress(outcome)

    # --- one message ----------------------------------------------------------------------

    async def _deliver(self, message: Due, writer: OutcomeWriter) -> str:
        """Send one message; its outcome goes into `writer.outcomes` with no await between
        that and the caller's `committed()` (the writer swaps its batch at awaits)."""
        renderer = self._renderers.get(message.kind)
        if renderer is None:
            writer.outcomes.final.append((message.id, MessageState.FAILED, "no_renderer"))
            return "failed"
        conversation = message.conversation
        if conversation is None and self._reach is not None:
            try:
                conversation = await self._reach(message.person_id)
            except DeliveryError as error:
                return self._failed(message, error, writer)
        if conversation is None:
            writer.outcomes.final.append((message.id, MessageState.UNREACHABLE, "not_installed"))
            return "unreachable"
        locale = negotiate(
            message.locale or _text(conversation.get("locale")), self._default_locale
        )
        rendered = await renderer(message, locale)
        if isinstance(rendered, Skip):
            writer.outcomes.final.append((message.id, MessageState.SKIPPED, rendered.reason))
            return "skipped"
        if isinstance(rendered, Postpone):
            writer.outcomes.retry.append((message.id, rendered.until, rendered.reason, True))
            return "postponed"
        conversation_id = conversation_id_of(conversation)
        if conversation_id is None:
            writer.outcomes.final.append((message.id, MessageState.FAILED, "bad_reference"))
            return "failed"
        body = json.dumps(card_message(conversation, rendered)).encode()
        if not await self._pace_chat(conversation_id):
            return self._give_back(message, writer.outcomes, "conversation_pace", CHAT_WAIT_SECONDS)
        self._pace.set_rate(self._rate.current(self._monotonic()))
        await self._gate.wait()
        try:
            activity_id = await self._pool.post(
                str(conversation["serviceUrl"]), conversation_id, body
            )
        except DeliveryError as error:
            return self._failed(message, error, writer)
        writer.outcomes.sent.append((message.id, activity_id))
        return "sent"

    async def _pace_chat(self, conversation_id: str) -> bool:
        """Wait for room in the conversation's windows; False when that would take long (the
        message is better given back than holding a worker)."""
        chat = self._chats.get(conversation_id)
        if chat is None:
            chat = self._chats[conversation_id] = ChatPace()
        now = self._monotonic()
        delay = chat.delay(now)
        if delay > CHAT_WAIT_SECONDS:
            return False
        # Counted at once, at the moment it will start: other workers sending to the same
        # conversation meanwhile see it (a little early for the global wait, never late).
        chat.started(now + delay)
        if delay:
            await asyncio.sleep(delay)
        return True

    def _give_back(self, message: Due, outcomes: Outcomes, reason: str, after: float = 0.0) -> str:
        """Not sent, not its fault: due again `after` seconds from now, its attempt refunded."""
        outcomes.retry.append((message.id, self._clock() + timedelta(seconds=after), reason, True))
        return "retry"

    def _failed(self, message: Due, error: DeliveryError, writer: OutcomeWriter) -> str:
        now = self._clock()
        outcomes = writer.outcomes
        if isinstance(error, RecipientGone):
            outcomes.final.append((message.id, MessageState.UNREACHABLE, error.reason))
            writer.unreachable(message.person_id)
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
