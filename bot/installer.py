"""Reaching people who never opened the bot: install it for them through Graph, find the
1:1 chat, keep its reference, so the outbox can deliver (the sender's `reach`).

Installs are paced on their own bucket (Graph's Teams APIs throttle separately from the
connector), and each person's outcome is stored: installed, or a reason code. A person
whose install was refused is not tried again for a day, so a missing permission does not
turn every queued message into a Graph call; Graph being throttled or down is no refusal:
the message is retried with backoff like any transient failure.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Final

from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.clock import Clock
from bot.connector import TransientFailure
from graph.client import GraphAccess, open_graph
from graph.errors import GraphError, GraphServerError, GraphThrottled
from graph.installation import chat_id_for, install_for
from store import people
from store.tables import Person

log = logging.getLogger("uptake.bot.installer")

RETRY_FAILED_AFTER: Final = timedelta(days=1)


class Installer:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        access: GraphAccess,
        *,
        catalog_app_id: str,
        bot_id: str,
        tenant_id: str | None,
        service_url: str,
        clock: Clock,
        rate_per_second: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._access = access
        self._catalog_app_id = catalog_app_id
        self._bot_id = bot_id
        self._tenant_id = tenant_id
        self._service_url = service_url
        self._clock = clock
        self._limiter = AsyncLimiter(rate_per_second, 1.0)

    def reference(self, person_id: str, chat_id: str) -> dict[str, Any]:
        """The conversation reference of a chat found through Graph, in the shape the
        install activity gives (bot/activity_facts.conversation_reference)."""
        conversation: dict[str, Any] = {"id": chat_id, "conversationType": "personal"}
        if self._tenant_id:
            conversation["tenantId"] = self._tenant_id
        return {
            "channelId": "msteams",
            "serviceUrl": self._service_url,
            "bot": {"id": self._bot_id},
            "user": {"id": person_id, "aadObjectId": person_id},
            "conversation": conversation,
        }

    async def __call__(self, person_id: str) -> dict[str, object] | None:
        now = self._clock()
        async with self._sessions() as session:
            person = await session.get(Person, person_id)
        if person is None:
            return None
        if person.conversation is not None:
            return person.conversation
        tried = person.install_attempted_at
        if (
            person.install_state == "failed"
            and tried is not None
            and now - tried < RETRY_FAILED_AFTER
        ):
            return None
        async with self._limiter:
            try:
                async with open_graph(self._access, max_retries=1, retry_delay=1.0) as graph:
                    outcome = await install_for(graph, person_id, self._catalog_app_id)
                    chat_id = await chat_id_for(graph, person_id, self._catalog_app_id)
            except (GraphThrottled, GraphServerError) as error:
                # Graph is busy or down, not refusing: the message is retried with backoff.
                raise TransientFailure(f"graph_{error.status or 'unreachable'}") from error
            except GraphError as error:
                reason = type(error).__name__ if error.status is None else f"http_{error.status}"
                async with self._sessions.begin() as session:
                    await people.record_reach(session, person_id, now, None, reason)
                log.info("install.failed person=%s reason=%s", person_id, reason)
                return None
        reference = self.reference(person_id, chat_id)
        async with self._sessions.begin() as session:
            await people.record_reach(session, person_id, now, reference)
        log.info("install.done person=%s outcome=%s", person_id, outcome)
        return reference
