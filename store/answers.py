"""Group commit for check-in answers: many concurrent turns, one transaction.

A burst of answers (a check-in lands in thousands of chats at once) would otherwise be
thousands of tiny write transactions contending for SQLite's single writer lock. Each turn
hands its answer to `AnswerWriter.save` and waits until the batch holding it is committed, so
a reply is only sent once the answer is durable; nothing is acknowledged and then lost.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.checkins import save_responses

log = logging.getLogger("uptake.store.answers")

MAX_BATCH = 500


@dataclass(frozen=True)
class Answer:
    run_id: int
    respondent_key: str
    department: str | None
    answers: dict[str, Any]
    today: date


class AnswerWriter:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        # None is the stop signal: everything queued before it is still written.
        self._queue: asyncio.Queue[tuple[Answer, asyncio.Future[None]] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="answer-writer")

    async def save(self, answer: Answer) -> None:
        """Return once `answer` is committed; raise if its batch failed (nothing stored)."""
        if self._task is None:
            self.start()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((answer, future))
        await future

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            try:
                # The last answer of a respondent in one batch wins, as it would one by one.
                latest = {(a.run_id, a.respondent_key): a for a, _ in batch}
                async with self._sessions.begin() as session:
                    await save_responses(
                        session,
                        [
                            {
                                "run_id": a.run_id,
                                "respondent_key": a.respondent_key,
                                "department": a.department,
                                "answers": a.answers,
                                "submitted_on": a.today,
                            }
                            for a in latest.values()
                        ],
                    )
            except Exception as error:  # noqa: BLE001 - every waiting turn gets the failure
                log.error("answers.batch_failed size=%s error=%s", len(batch), type(error).__name__)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)

    async def close(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        await self._queue.put(None)
        await self._task
        self._task = None
