"""Group commit: many concurrent callers, one transaction per batch, one failure rule.

A burst of answers (a check-in lands in thousands of chats at once) or of audited questions
would otherwise be as many tiny write transactions contending for SQLite's single writer
lock. Callers `submit` an item and get a future that resolves once the batch holding it is
committed. The failure rule is the same for every item: when a batch fails, nothing of it is
stored, the failure is logged once, and every item's future carries the exception, so a
caller that waits (an answer turn) can tell the person, and one that does not (the audit)
has it logged without an unretrieved-exception warning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger("uptake.store.batching")

T = TypeVar("T")
MAX_BATCH = 500
WriteBatch = Callable[[AsyncSession, Sequence[T]], Awaitable[None]]


class BatchWriter(Generic[T]):
    """Writes submitted items in batches of at most `max_batch`, in submission order."""

    def __init__(
        self,
        name: str,
        sessions: async_sessionmaker[AsyncSession],
        write: WriteBatch[T],
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._name = name
        self._sessions = sessions
        self._write = write
        self._max_batch = max_batch
        # None is the stop signal: everything queued before it is still written.
        self._queue: asyncio.Queue[tuple[T, asyncio.Future[None]] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(self, item: T) -> asyncio.Future[None]:
        """Queue `item`; the future resolves when it is committed (or fails with the batch)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self._name}-writer")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Retrieve the exception even when nobody awaits: the writer logged it already.
        future.add_done_callback(_consume)
        self._pending += 1
        self._idle.clear()
        self._queue.put_nowait((item, future))
        return future

    async def save(self, item: T) -> None:
        """Submit and wait until `item` is durable; raises when its batch failed."""
        await self.submit(item)

    async def flush(self) -> None:
        """Wait until everything submitted so far is written (or has failed)."""
        await self._idle.wait()

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            await self._commit(batch)

    async def _commit(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        try:
            async with self._sessions.begin() as session:
                await self._write(session, [item for item, _ in batch])
        except Exception as error:  # noqa: BLE001 - the one failure rule: every item fails
            log.error(
                "batch.failed writer=%s size=%s error=%s",
                self._name,
                len(batch),
                type(error).__name__,
            )
            outcome: BaseException | None = error
        else:
            outcome = None
        for _, future in batch:
            if not future.done():
                if outcome is None:
                    future.set_result(None)
                else:
                    future.set_exception(outcome)
        self._pending -= len(batch)
        if self._pending == 0:
            self._idle.set()

    async def close(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        self._queue.put_nowait(None)
        await self._task
        self._task = None


def _consume(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()
