"""Check-in answers as they are written: anonymous, latest per respondent, in batches.

Turns hand their answer to a `BatchWriter` over `write_answers` (see store.batching) and wait
until the batch holding it is committed, so a reply is only sent once the answer is durable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.batching import BatchWriter
from store.checkins import save_responses


@dataclass(frozen=True)
class Answer:
    run_id: int
    respondent_key: str
    department: str | None
    wave: str | None
    answers: dict[str, Any]
    today: date


async def write_answers(session: AsyncSession, batch: Sequence[Answer]) -> None:
    # The last answer of a respondent in one batch wins, as it would one by one.
    latest = {(a.run_id, a.respondent_key): a for a in batch}
    await save_responses(
        session,
        [
            {
                "run_id": a.run_id,
                "respondent_key": a.respondent_key,
                "department": a.department,
                "wave": a.wave,
                "answers": a.answers,
                "submitted_on": a.today,
            }
            for a in latest.values()
        ],
    )


def answer_writer(sessions: async_sessionmaker[AsyncSession]) -> BatchWriter[Answer]:
    return BatchWriter("answers", sessions, write_answers)
