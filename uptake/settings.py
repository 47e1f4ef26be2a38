"""Settings: the configuration contract of architecture.md, validated once, built in the root.

Nothing here is read at import time: `Settings()` is constructed by the composition root (or a
test) so that a bad value fails with a clear message at start, not halfway through a turn.
Bot credentials keep the Agents SDK's own environment names (CONNECTIONS__...); they are read
by `bot_connection_config` so the SDK's loader, not us, interprets them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from adoption.endpoints import (
    FILE_UPLOAD_HOSTS,
    TEAMS_SERVICE_HOSTS,
    ServiceUrls,
    is_loopback_url,
)
from adoption.language import Locale
from adoption.rights import RetentionPolicy
from adoption.weekly import WEEKDAYS
from bot.openid_keys import BOT_FRAMEWORK_METADATA_URL
from graph.client import GraphAccess

_HOST = re.compile(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)

# Values people paste from samples; refusing them beats running with a guessable secret.
_PLACEHOLDERS = {"changeme", "change-me", "secret", "xxx", "todo", "<secret>", "your-secret"}


class Settings(BaseSettings):
    """uptake's own settings (UPTAKE_*)."""

    model_config = SettingsConfigDict(env_prefix="UPTAKE_", extra="ignore", frozen=True)

    data_dir: Path = Field(default=Path(".uptake"))
    database_url: str | None = None
    secret: SecretStr | None = None
    facilitators: Annotated[tuple[str, ...], NoDecode] = ()
    facilitator_group_id: str | None = None
    min_group_size: int = Field(default=5, ge=3)
    timezone: str = "Europe/Brussels"
    default_locale: Locale = "nl"
    # Where inbound tokens' signing keys are published (the US Government cloud has its own;
    # tests point it at a fake on loopback).
    bot_openid_metadata_url: str = BOT_FRAMEWORK_METADATA_URL
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    graph_token: SecretStr | None = None
    reports_dir: Path | None = None
    # Teams allows about 50 requests/s per app per tenant; stay under it with room for replies.
    send_rate_per_second: float = Field(default=40.0, gt=0, le=500)
    send_max_attempts: int = Field(default=5, ge=1, le=20)
    # Reaching people who never opened the bot: the app's id in your Teams app catalogue
    # (Teams admin center > Manage apps > uptake > App ID). Unset: they are not installed
    # for, and their messages wait as unreachable.
    teams_catalog_app_id: str | None = None
    # Where proactive messages to a chat found through Graph go (your region's Bot
    # Framework service URL; Teams tells the bot the same on every install).
    bot_service_url: str = "https://smba.trafficmanager.net/teams/"
    install_rate_per_second: float = Field(default=5.0, gt=0, le=50)
    # The only hosts (and their subdomains) the bot sends to, over https: an activity naming
    # another serviceUrl is refused. Add a sovereign cloud's host here; tests with bot
    # credentials list their loopback fake.
    teams_service_hosts: Annotated[tuple[str, ...], NoDecode] = TEAMS_SERVICE_HOSTS
    # Each ambassador's weekly tip, on their own wall clock; the facilitators' digest.
    tip_weekday: str = "monday"
    tip_hour: int = Field(default=9, ge=0, le=23)
    digest_weekday: str = "monday"
    digest_hour: int = Field(default=8, ge=0, le=23)
    # Where "my data" files may be uploaded (Teams' file consent names a OneDrive URL): these
    # hosts and their subdomains, over https; loopback only in local mode.
    file_upload_hosts: Annotated[tuple[str, ...], NoDecode] = FILE_UPLOAD_HOSTS
    # Retention horizons. Per-person usage must outlive the 28-day habit window and the
    # reports' lag, hence at least 2 months; finished outbox messages keep their dedupe keys
    # for at least 30 days so nothing still in flight is sent twice.
    retention_usage_months: int = Field(default=13, ge=2, le=120)
    retention_audit_months: int = Field(default=13, ge=1, le=120)
    retention_messages_days: int = Field(default=90, ge=30, le=3650)
    # The operator's price list (CSV `sku,monthly_price,currency`), read and checked at start
    # (uptake.prices); without it the licence cards show counts, no costs.
    licence_prices: Path | None = None
    # `uptake licences idle --export FILE` lists idle licence holders by name: off unless the
    # operator turns it on here.
    allow_idle_export: bool = False

    @field_validator("tip_weekday", "digest_weekday")
    @classmethod
    def _known_weekday(cls, value: str) -> str:
        name = value.strip().lower()
        if name not in WEEKDAYS:
            raise ValueError(f"one of {', '.join(WEEKDAYS)}")
        return name

    @field_validator("teams_service_hosts", "file_upload_hosts")
    @classmethod
    def _host_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        hosts = tuple(h.strip().rstrip(".").lower() for h in value if h.strip())
        bad = [h for h in hosts if not _HOST.fullmatch(h)]
        if bad or not hosts:
            raise ValueError(
                "a comma-separated list of host names, such as smba.trafficmanager.net"
            )
        return hosts

    @field_validator("facilitators", "teams_service_hosts", "file_upload_hosts", mode="before")
    @classmethod
    def _split_facilitators(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("secret")
    @classmethod
    def _real_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value()
        if raw.strip().lower() in _PLACEHOLDERS or len(raw) < 32:
            raise ValueError("UPTAKE_SECRET must be a random value of at least 32 characters")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith(("postgres://", "postgresql://")):
            # People paste libpq URLs; the async engine needs the asyncpg driver named.
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("UPTAKE_DATABASE_URL must be a PostgreSQL or SQLite URL")
        return value

    @field_validator("bot_openid_metadata_url")
    @classmethod
    def _keys_over_https(cls, value: str) -> str:
        # Whoever serves these keys decides which tokens are valid: never over plain HTTP,
        # except from this machine (fakes, tests).
        scheme = urlsplit(value).scheme
        if not (scheme == "https" or (scheme == "http" and is_loopback_url(value))):
            raise ValueError("must be an https URL (http only on loopback)")
        return value

    @model_validator(mode="after")
    def _service_url_on_a_service_host(self) -> Settings:
        # Chats found through Graph are sent to here: one of the hosts, or a fake on loopback.
        problem = ServiceUrls(self.teams_service_hosts).problem(self.bot_service_url)
        if problem and not is_loopback_url(self.bot_service_url):
            raise ValueError(f"UPTAKE_BOT_SERVICE_URL: {problem} (see UPTAKE_TEAMS_SERVICE_HOSTS)")
        return self

    @model_validator(mode="after")
    def _token_only_on_loopback(self) -> Settings:
        if self.graph_token is not None and not is_loopback_url(self.graph_base_url):
            raise ValueError(
                "UPTAKE_GRAPH_TOKEN is only accepted with a loopback UPTAKE_GRAPH_BASE_URL "
                "(it exists for fakes and tests); use Entra credentials for real Graph"
            )
        return self

    def service_urls(self, local: bool) -> ServiceUrls:
        """Where the bot may send; `local`: no bot credentials (loopback only)."""
        return ServiceUrls(self.teams_service_hosts, local)

    def upload_urls(self, local: bool) -> ServiceUrls:
        """Where "my data" files may be uploaded; `local`: no bot credentials (loopback only)."""
        return ServiceUrls(self.file_upload_hosts, local)

    @property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(
            self.retention_usage_months, self.retention_audit_months, self.retention_messages_days
        )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'uptake.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def graph_access(self) -> GraphAccess:
        token = self.graph_token.get_secret_value() if self.graph_token is not None else None
        return GraphAccess(self.graph_base_url, token)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class BotCredentials:
    """The Agents SDK connection settings, read with the SDK's own loader and names."""

    def __init__(self, sdk_config: Mapping[str, Any]) -> None:
        self.sdk_config = dict(sdk_config)
        settings = self.sdk_config.get("CONNECTIONS", {}).get("SERVICE_CONNECTION", {})
        self._settings: dict[str, Any] = dict(settings.get("SETTINGS", {}))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> BotCredentials:
        from microsoft_agents.activity import load_configuration_from_env

        env = os.environ if environ is None else environ
        relevant = {
            k: v for k, v in env.items() if k.startswith(("CONNECTIONS__", "CONNECTIONSMAP__"))
        }
        return cls(load_configuration_from_env(relevant))

    @property
    def client_id(self) -> str | None:
        value = self._settings.get("CLIENTID")
        return str(value) if value else None

    @property
    def tenant_id(self) -> str | None:
        value = self._settings.get("TENANTID")
        return str(value) if value else None

    @property
    def configured(self) -> bool:
        """Local mode is exactly 'no app id': the SDK then skips inbound JWT validation."""
        return self.client_id is not None
