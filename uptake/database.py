"""Opening the store for any command: the folder, the migrations, and failures said plainly.

Every command that needs the database goes through `open_database`: on SQLite it creates the
data folder and applies the migrations (a fresh working directory just works); on
PostgreSQL it checks that the schema is current (`uptake db upgrade` migrates there, once,
before the services start). What commonly goes wrong (an unwritable folder, a server that
is down, a database that does not exist, a refused login) becomes a `StartupError` naming
the problem and the fix to try, which the CLI prints as one line, without a traceback.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adoption.language import Locale
from adoption.rows import RowProblem
from cards.i18n import t
from store.engine import make_engine, make_sessions
from store.schema import is_current, upgrade
from uptake.settings import Settings

log = logging.getLogger("uptake.database")


class StartupError(Exception):
    """A command cannot start; `key`/`params` name the message in the catalogue. A file's
    problems (`rows`, each a catalogue key under `rows_prefix` plus a line) are rendered
    into the `{details}` of the message, in the reader's language."""

    def __init__(
        self,
        key: str,
        /,
        *,
        rows: tuple[RowProblem, ...] = (),
        rows_prefix: str = "",
        **params: object,
    ) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
        self.rows = rows
        self.rows_prefix = rows_prefix

    def params_in(self, locale: Locale) -> dict[str, object]:
        """The message's parameters, the file's problems included (one line in all)."""
        if not self.rows:
            return dict(self.params)
        parts = []
        for problem in self.rows:
            text = t(locale, f"{self.rows_prefix}{problem.code}", detail=problem.detail)
            parts.append(
                t(locale, "startup.at_line", line=problem.line, problem=text)
                if problem.line
                else text
            )
        return {**self.params, "details": "; ".join(parts)}


@dataclass
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def close(self) -> None:
        await self.engine.dispose()


def sqlite_path(settings: Settings) -> Path | None:
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def prepare_sqlite_folder(settings: Settings) -> None:
    path = sqlite_path(settings)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StartupError(
            "startup.folder_unusable", path=path.parent, reason=error.strerror or error
        ) from error


def _describe(error: BaseException, settings: Settings) -> StartupError:
    """The cause of a failed first connection, as a message with a fix."""
    url = make_url(settings.effective_database_url)
    path = sqlite_path(settings)
    if path is not None:
        return StartupError("startup.sqlite_unusable", path=path, reason=_reason(error))
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    cause = getattr(error, "orig", None) or error
    # SQLSTATE classes: 3D000 invalid catalog name (no such database); 28xxx refused login.
    state = str(getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None) or "")
    if state == "3D000":
        return StartupError("startup.pg_no_database", database=url.database, where=where)
    if state.startswith("28"):
        return StartupError("startup.pg_login_refused", user=url.username or "?", where=where)
    return StartupError("startup.pg_unreachable", where=where, reason=_reason(error))


def _reason(error: BaseException) -> str:
    cause: BaseException = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return text[:200]


async def open_database(
    settings: Settings, *, secret: bytes, migrate: bool | None = None
) -> Database:
    """The engine and sessions for `settings`; migrates when asked (default: on SQLite).
    `secret` is the server secret, which a migration may need to re-key stored data."""
    migrate = settings.is_sqlite if migrate is None else migrate
    prepare_sqlite_folder(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        if migrate:
            await upgrade(engine, secret=secret)
        elif not await is_current(engine):
            raise StartupError("startup.schema_not_current")
    except StartupError:
        await engine.dispose()
        raise
    except (OperationalError, DBAPIError, OSError, sqlite3.Error) as error:
        await engine.dispose()
        log.info("database.unavailable error=%s", type(error).__name__)
        raise _describe(error, settings) from error
    return Database(engine, make_sessions(engine))
