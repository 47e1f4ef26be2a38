"""What the handlers need, passed explicitly (built by the composition root, never imported)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runs import RunCache
from cards.i18n import Locale
from store.answers import AnswerWriter

if TYPE_CHECKING:
    from bot.facilitator import Facilitation


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class BotServices:
    sessions: async_sessionmaker[AsyncSession]
    runs: RunCache
    answers: AnswerWriter
    secret: bytes
    default_locale: Locale
    min_group_size: int
    local_mode: bool
    clock: Callable[[], datetime] = field(default=utc_now)
    # Called with the person id after a first install (the demo uses it to send a check-in).
    after_install: Callable[[str], Awaitable[None]] | None = None
    # Facilitator questions: access, audit and caches (None: nobody is a facilitator).
    facilitation: Facilitation | None = None
