"""The composition root: builds the store, the audience modules, the SDK glue, the sender and
the web app from settings, and hands the worker its jobs.

Nothing is built at import time; `Runtime.start` does it, `Runtime.close` undoes it. This is
the only place that reads settings: every other package gets the narrow values it needs.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentAuthConfiguration
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adoption.clock import Clock, utc_now
from adoption.recurrence import Recurrence
from adoption.rights import cutoffs
from adoption.tips import Tip, TipsError, parse_extra_tips, shipped_tips
from adoption.weekly import WeeklyMoment
from bot import ambassador, checkin, facilitator, lifecycle, privacy
from bot.access import FacilitatorAccess
from bot.app import Glue, build_agent
from bot.connector import ConnectorPool, LocalTokens, SdkTokens, TokenSource
from bot.dispatch import Fallbacks, Router
from bot.facilitator_ambassadors import Registry
from bot.facilitator_audit import AuditLog
from bot.facilitator_campaigns import Campaigns
from bot.facilitator_digest import Digest
from bot.facilitator_licences import LicenceAnswers
from bot.facilitator_reads import FacilitatorReads
from bot.inbound_auth import TokenVerifier
from bot.installer import Installer
from bot.openid_keys import OpenIdKeys
from bot.runs import RunCache
from bot.sdk_patches import hide_server_software, memoise_product_info, refuse_sdk_redirects
from bot.sender import OutboxSender, Renderers
from bot.uploads import FileUploads
from bot.web import SERVER_NAME, build_web_app
from cards import conversation as conv
from graph.errors import UsageDataError
from graph.membership import GraphGroupMembership
from scheduler.leader import FileLeadership, Leadership, PostgresLeadership
from scheduler.runner import Job, ScheduleRunner
from store import campaigns, checkins, rights, schedules
from store import tips as tips_store
from store.answers import Answer, answer_writer
from store.audit import AuditRecord, write_audit
from store.batching import BatchWriter
from uptake.database import Database, StartupError, open_database
from uptake.prices import load_prices
from uptake.settings import BotCredentials, Settings
from uptake.sync import run_sync

log = logging.getLogger("uptake")

SECRET_FILE = "secret.key"  # noqa: S105 - a file name, not a secret
USAGE_SYNC = "usage_sync"
CAMPAIGN = "campaign"
TIPS = "weekly_tips"
DIGEST = "weekly_digest"
RETENTION = "retention"
# Deletes at night, before the sync (05:17) and the digest: nobody is asking then.
RETENTION_HOUR, RETENTION_MINUTE = 3, 47
# Reports lag 24-48 h and one sync makes 10 requests (limit: 14 per 10 minutes per report
# API), so once a day in the early morning is both enough and well within throttling.
SYNC_HOUR, SYNC_MINUTE = 5, 17


def load_or_create_secret(settings: Settings) -> bytes:
    """UPTAKE_SECRET, or a random key kept in the data folder (created once, owner-only)."""
    if settings.secret is not None:
        return settings.secret.get_secret_value().encode()
    path = settings.data_dir / SECRET_FILE
    try:
        if path.exists():
            value = path.read_text("utf-8").strip()
            if len(value) < 32:
                raise StartupError("startup.secret_unusable", path=path)
            return value.encode()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(value)
    except OSError as error:
        raise StartupError(
            "startup.folder_unusable", path=settings.data_dir, reason=error.strerror or error
        ) from error
    log.info("secret.generated path=%s", path)
    return value.encode()


def connection_manager(credentials: BotCredentials) -> Any:
    if credentials.configured:
        return MsalConnectionManager(**credentials.sdk_config)
    # Local mode: an anonymous service connection; the SDK then admits unauthenticated turns.
    return MsalConnectionManager(
        connections_configurations={
            "SERVICE_CONNECTION": AgentAuthConfiguration(anonymous_allowed=True)
        }
    )


def facilitator_access(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> FacilitatorAccess:
    """Who may ask how adoption stands (named, or in the Entra group, checked through Graph)."""
    group = settings.facilitator_group_id
    membership = GraphGroupMembership(settings.graph_access) if group else None
    return FacilitatorAccess(sessions, frozenset(settings.facilitators), group, membership)


async def load_tips(sessions: async_sessionmaker[AsyncSession]) -> tuple[Tip, ...]:
    """The shipped tips and the facilitators' own (validated at import; a file that no
    longer reads, after an upgrade changed the rules, is left out and said so)."""
    async with sessions() as session:
        source = await tips_store.custom_source(session)
    if source is None:
        return shipped_tips()
    try:
        return parse_extra_tips(source, "custom tips")
    except TipsError as error:
        log.warning("tips.custom_unreadable problems=%s", len(error.problems))
        return shipped_tips()


def installer(
    settings: Settings,
    credentials: BotCredentials,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
) -> Installer | None:
    """Installing the app through Graph for people the sender cannot reach, when the
    operator gave the app's catalogue id."""
    if settings.teams_catalog_app_id is None:
        return None
    return Installer(
        sessions,
        settings.graph_access,
        catalog_app_id=settings.teams_catalog_app_id,
        bot_id=credentials.client_id or "uptake-local",
        tenant_id=credentials.tenant_id,
        service_url=settings.bot_service_url,
        clock=clock,
        rate_per_second=settings.install_rate_per_second,
    )


@dataclass
class Runtime:
    settings: Settings
    credentials: BotCredentials
    database: Database
    secret: bytes
    answers: BatchWriter[Answer]
    audit: BatchWriter[AuditRecord]
    router: Router
    pool: ConnectorPool
    sender: OutboxSender
    connections: Any
    clock: Clock
    installer: Installer | None
    coaching: ambassador.Coaching
    digest: Digest
    # Signing keys of inbound tokens; None in local mode (no app id, no tokens to check).
    keys: OpenIdKeys | None
    uploads: FileUploads

    @property
    def engine(self) -> AsyncEngine:
        return self.database.engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.database.sessions

    @classmethod
    async def start(
        cls,
        settings: Settings,
        credentials: BotCredentials,
        *,
        migrate: bool | None = None,
        clock: Clock = utc_now,
    ) -> Runtime:
        """Everything a command or the service needs; raises StartupError with a plain reason."""
        # A bad price list stops the start before anything is opened or written.
        prices = load_prices(settings)
        secret = load_or_create_secret(settings)
        database = await open_database(settings, secret=secret, migrate=migrate)
        memoise_product_info()
        hide_server_software(SERVER_NAME)
        refuse_sdk_redirects()
        sessions = database.sessions
        connections = connection_manager(credentials)
        tokens: TokenSource = SdkTokens(connections) if credentials.configured else LocalTokens()
        pool = ConnectorPool(tokens, settings.service_urls(local=not credentials.configured))
        renderers = Renderers()
        reach = installer(settings, credentials, sessions, clock)
        sender = OutboxSender(
            sessions,
            pool,
            renderers,
            rate_per_second=settings.send_rate_per_second,
            max_attempts=settings.send_max_attempts,
            default_locale=settings.default_locale,
            clock=clock,
            reach=reach,
        )
        answers = answer_writer(sessions)
        audit: BatchWriter[AuditRecord] = BatchWriter("audit", sessions, write_audit)
        k = settings.min_group_size
        router = Router(
            Fallbacks(refused=conv.refused_card, unknown=conv.unknown_card), audit.submit, clock
        )
        life = lifecycle.Lifecycle(
            sessions, clock, k, sender.wake, usage_months=settings.retention_usage_months
        )
        lifecycle.register(router, life)
        checkin.register(
            router,
            renderers,
            checkin.CheckIns(
                sessions,
                # Expiry follows the runtime's clock: a simulated week is a week for it too.
                RunCache(sessions, timer=lambda: clock().timestamp()),
                answers,
                secret,
                clock,
                sender.wake,
            ),
        )
        coaching = ambassador.Coaching(
            sessions,
            clock,
            zone_name=settings.timezone,
            moment=WeeklyMoment.parse(settings.tip_weekday, settings.tip_hour),
            tips=await load_tips(sessions),
        )
        digest = Digest(
            sessions,
            clock,
            facilitators=settings.facilitators,
            zone_name=settings.timezone,
            moment=WeeklyMoment.parse(settings.digest_weekday, settings.digest_hour),
            min_group_size=k,
            tips=coaching,
        )
        reads = FacilitatorReads(prices=prices.prices if prices is not None else None)
        facilitation = facilitator.Facilitation(sessions, reads, k)
        facilitator.register(
            router,
            facilitation,
            Campaigns(sessions, clock, settings.timezone, k),
            Registry(sessions, clock),
            digest,
            renderers,
            facilitator_access(settings, sessions),
            k,
            AuditLog(sessions, clock, months=settings.retention_audit_months),
            LicenceAnswers(sessions, reads, facilitation, prices, k),
        )
        ambassador.register(
            router, renderers, ambassador.Ambassadors(sessions, settings.facilitators), coaching
        )
        uploads = FileUploads(settings.upload_urls(local=not credentials.configured))
        privacy.register(
            router,
            privacy.Privacy(
                sessions,
                secret,
                clock,
                uploads,
                min_group_size=k,
                policy=settings.retention,
            ),
        )
        router.check_complete()
        keys = OpenIdKeys(settings.bot_openid_metadata_url) if credentials.configured else None
        return cls(
            settings,
            credentials,
            database,
            secret,
            answers,
            audit,
            router,
            pool,
            sender,
            connections,
            clock,
            reach,
            coaching,
            digest,
            keys,
            uploads,
        )

    def leadership(self) -> Leadership:
        """The lock that makes one process the only sender and scheduler."""
        if self.settings.is_sqlite:
            return FileLeadership(self.settings.data_dir / "worker.lock")
        return PostgresLeadership(self.engine)

    def glue(self) -> Glue:
        return Glue(
            self.router,
            default_locale=self.settings.default_locale,
            local_mode=not self.credentials.configured,
        )

    def web_app(self) -> web.Application:
        glue = self.glue()
        adapter = CloudAdapter(connection_manager=self.connections)
        adapter.on_turn_error = glue.apologise
        agent = build_agent(glue, self.connections)
        verifier: TokenVerifier | None = None
        if self.credentials.configured:
            # With an app id, never anonymous: a missing key cache is a bug, not local mode.
            if self.keys is None or self.credentials.client_id is None:
                raise RuntimeError("bot credentials are configured but no token keys are")
            verifier = TokenVerifier(self.credentials.client_id, self.keys)
        service_urls = self.settings.service_urls(local=not self.credentials.configured)
        return build_web_app(agent, adapter, verifier, self.readiness, service_urls)

    async def readiness(self) -> dict[str, bool]:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            database = True
        except Exception:  # noqa: BLE001 - any failure means not ready
            log.warning("readyz.database_unreachable")
            database = False
        return {"database": database}

    # --- the worker's jobs ----------------------------------------------------------------

    async def drain_outbox(self) -> None:
        report = await self.sender.drain()
        if report.outcomes:
            log.info("outbox.drained %s", dict(report.outcomes))

    async def close_due_runs(self) -> None:
        async with self.sessions.begin() as session:
            closed = await checkins.close_due_runs(session, self.clock())
        if closed:
            log.info("runs.closed count=%s", closed)

    async def sync_usage(
        self, _session: AsyncSession | None = None, _schedule: object = None, _due: object = None
    ) -> None:
        """The daily usage sync; a failure is logged and retried by tomorrow's run (or by hand)."""
        try:
            outcomes = await run_sync(self.settings, self.sessions, secret=self.secret)
        except UsageDataError as error:
            log.error("usage.sync_failed error=%s", type(error).__name__)
            return
        log.info("usage.synced dates=%s", len(outcomes))
        # Fresh figures: ambassadors whose group stalls or drops get this week's nudge.
        if await self.coaching.queue_nudges():
            self.sender.wake()

    async def apply_retention(
        self, session: AsyncSession | None, _schedule: object, due_at: datetime
    ) -> None:
        """Daily: per-person usage beyond its horizon is deleted (each snapshot's funnels,
        group aggregates, stay), and so are old audit rows and finished outbox messages."""
        if session is None:
            raise RuntimeError("the retention job runs in the schedule's transaction")
        cut = cutoffs(due_at, self.settings.retention)
        purged = await rights.purge(
            session,
            usage_before=cut.usage_before,
            audit_before=cut.audit_before,
            messages_before=cut.messages_before,
            today=due_at.date(),
        )
        log.info(
            "retention.applied snapshots=%s usage_rows=%s audit_rows=%s messages=%s",
            purged.snapshots_folded,
            purged.usage_rows,
            purged.audit_rows,
            purged.messages,
        )

    def schedule_runner(self) -> ScheduleRunner:
        """The durable schedules' jobs, by kind."""
        return ScheduleRunner(
            self.sessions,
            {
                USAGE_SYNC: Job(self.sync_usage, transactional=False),
                CAMPAIGN: Job(campaigns.fire, catch_up=campaigns.CATCH_UP),
                TIPS: Job(self.coaching.queue_tips),
                DIGEST: Job(self.digest.queue),
                RETENTION: Job(self.apply_retention),
            },
            self.clock,
        )

    async def ensure_schedules(self) -> None:
        """The schedules every deployment has (idempotent): the daily usage sync, the daily
        looks for this week's tips and digest (each goes out at its recipient's hour), and
        the nightly retention."""
        zone = self.settings.timezone
        today = self.clock().astimezone(self.settings.zone).date()

        def daily(at: time) -> Recurrence:
            return Recurrence(datetime.combine(today, at), zone, every_days=1)

        now = self.clock()
        async with self.sessions.begin() as session:
            sync = daily(time(SYNC_HOUR, SYNC_MINUTE))
            await schedules.ensure(session, USAGE_SYNC, USAGE_SYNC, sync, now)
            await schedules.ensure(session, TIPS, TIPS, daily(time(0, 30)), now)
            await schedules.ensure(session, DIGEST, DIGEST, daily(time(0, 40)), now)
            retention = daily(time(RETENTION_HOUR, RETENTION_MINUTE))
            await schedules.ensure(session, RETENTION, RETENTION, retention, now)

    async def close(self) -> None:
        if self.keys is not None:
            await self.keys.close()
        await self.answers.close()
        await self.audit.close()
        await self.pool.close()
        await self.uploads.close()
        await self.database.close()
