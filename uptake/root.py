"""The composition root: builds engine, SDK adapter, agent, sender and web app from settings.

Nothing is built at import time; `Runtime.start` does it, `Runtime.close` undoes it.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentApplication, AgentAuthConfiguration, TurnState
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.access import AuditLog, FacilitatorAccess
from bot.connector import ConnectorPool, LocalTokens, SdkTokens, TokenSource
from bot.facilitator import Facilitation
from bot.routes import apology_handler, build_agent
from bot.runs import RunCache
from bot.sdk_patches import memoise_product_info
from bot.sender import OutboxSender
from bot.services import BotServices, utc_now
from bot.web import build_web_app
from graph.membership import GraphGroupMembership
from store.answers import AnswerWriter
from store.engine import make_engine, make_sessions
from store.schema import is_current, upgrade
from uptake.settings import BotCredentials, Settings

log = logging.getLogger("uptake")

SECRET_FILE = "secret.key"  # noqa: S105 - a file name, not a secret


def load_or_create_secret(settings: Settings) -> bytes:
    """UPTAKE_SECRET, or a random key kept in the data folder (created once, owner-only)."""
    if settings.secret is not None:
        return settings.secret.get_secret_value().encode()
    path = settings.data_dir / SECRET_FILE
    if path.exists():
        value = path.read_text("utf-8").strip()
        if len(value) < 32:
            raise ValueError(f"{path} holds no usable secret; delete it to generate a new one")
        return value.encode()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value)
    log.info("secret.generated path=%s", path)
    return value.encode()


def prepare_sqlite_folder(settings: Settings) -> None:
    url = settings.effective_database_url
    if url.startswith("sqlite+aiosqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite+aiosqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def connection_manager(credentials: BotCredentials) -> Any:
    if credentials.configured:
        return MsalConnectionManager(**credentials.sdk_config)
    # Local mode: an anonymous service connection; the SDK then admits unauthenticated turns.
    return MsalConnectionManager(
        connections_configurations={
            "SERVICE_CONNECTION": AgentAuthConfiguration(anonymous_allowed=True)
        }
    )


def build_facilitation(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> Facilitation:
    """Who may ask questions (named, or in the Entra group, checked through Graph)."""
    membership = GraphGroupMembership(settings) if settings.facilitator_group_id else None
    access = FacilitatorAccess(
        sessions, frozenset(settings.facilitators), settings.facilitator_group_id, membership
    )
    return Facilitation(access=access, audit=AuditLog(sessions))


@dataclass
class Runtime:
    settings: Settings
    credentials: BotCredentials
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    services: BotServices
    pool: ConnectorPool
    sender: OutboxSender
    connections: Any

    @classmethod
    async def start(
        cls, settings: Settings, credentials: BotCredentials, *, migrate: bool
    ) -> Runtime:
        prepare_sqlite_folder(settings)
        memoise_product_info()
        engine = make_engine(settings.effective_database_url)
        if migrate:
            await upgrade(engine)
        elif not await is_current(engine):
            await engine.dispose()
            raise RuntimeError("the database schema is not current: run `uptake db upgrade`")
        sessions = make_sessions(engine)
        connections = connection_manager(credentials)
        answers = AnswerWriter(sessions)
        answers.start()
        services = BotServices(
            sessions=sessions,
            runs=RunCache(sessions),
            answers=answers,
            secret=load_or_create_secret(settings),
            default_locale=settings.default_locale,
            min_group_size=settings.min_group_size,
            local_mode=not credentials.configured,
            facilitation=build_facilitation(settings, sessions),
        )
        tokens: TokenSource = SdkTokens(connections) if credentials.configured else LocalTokens()
        pool = ConnectorPool(tokens)
        sender = OutboxSender(
            sessions,
            pool,
            rate_per_second=settings.send_rate_per_second,
            max_attempts=settings.send_max_attempts,
            default_locale=settings.default_locale,
            clock=utc_now,
        )
        return cls(settings, credentials, engine, sessions, services, pool, sender, connections)

    def agent(self) -> tuple[AgentApplication[TurnState], CloudAdapter]:
        adapter = CloudAdapter(connection_manager=self.connections)
        adapter.on_turn_error = apology_handler(self.services)
        return build_agent(self.services, self.connections), adapter

    def auth_configuration(self) -> Any:
        return self.connections.get_default_connection_configuration()

    async def readiness(self) -> dict[str, bool]:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            database = True
        except Exception:
            log.warning("readyz.database_unreachable", exc_info=True)
            database = False
        return {"database": database}

    def web_app(self) -> web.Application:
        agent, adapter = self.agent()
        return build_web_app(agent, adapter, self.auth_configuration(), self.readiness)

    async def close(self) -> None:
        await self.services.answers.close()
        if self.services.facilitation is not None:
            await self.services.facilitation.audit.close()
        await self.pool.close()
        await self.engine.dispose()
