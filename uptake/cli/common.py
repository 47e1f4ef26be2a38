"""What every command shares: settings with readable errors, the reader's language, logging."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

import click
import pydantic

from adoption.campaigns import Problem
from adoption.recurrence import RecurrenceError, parse_start, to_utc
from adoption.rows import RowProblem
from cards.i18n import Locale, negotiate, t
from uptake.database import StartupError
from uptake.settings import BotCredentials, Settings

if TYPE_CHECKING:
    from uptake.root import Runtime

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def reader_locale() -> Locale:
    """The language of whoever reads the terminal, from the usual POSIX variables."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return negotiate(value.split(".", 1)[0], "en")
    return "en"


def say(key: str, /, *, err: bool = False, **params: object) -> None:
    click.echo(t(reader_locale(), key, **params), err=err)


def load_settings(demo: bool = False) -> Settings:
    """The settings from the environment; with `demo`, pointed at the demo organisation's
    folder (the one `uptake serve --demo` seeds)."""
    try:
        settings = Settings()
    except pydantic.ValidationError as error:
        details = "\n".join(
            f"  UPTAKE_{'_'.join(str(p) for p in e['loc']).upper() or '?'}: {e['msg']}"
            for e in error.errors()
        )
        say("cli.bad_settings", err=True, details=details)
        sys.exit(EXIT_USAGE)
    if not demo:
        return settings
    from uptake.demo import demo_settings

    return demo_settings(settings)


# For the commands that simulate weeks: on the demo organisation instead of your own data.
demo_option = click.option(
    "--demo",
    is_flag=True,
    help="On the demo organisation of `uptake serve --demo` (its own folder).",
)


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    # The SDK logs activity text and configuration at INFO; keep its chatter at WARNING.
    logging.getLogger("microsoft_agents").setLevel(logging.WARNING)
    # Warns on every local-mode turn that no app id is set, which local mode means by design.
    logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(
        logging.ERROR
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # The database drivers log every statement with its parameters at DEBUG (aiosqlite) and
    # INFO (SQLAlchemy's engine): names, UPNs and answer texts. Never below WARNING, whatever
    # the level asked (tests/integration/bot/test_secrets_in_logs.py).
    for name in ("aiosqlite", "sqlalchemy", "asyncpg"):
        logging.getLogger(name).setLevel(logging.WARNING)


def run(main: Callable[[], Coroutine[Any, Any, int]]) -> NoReturn:
    """Run a command's coroutine; an expected failure is one line and a non-zero exit code,
    never a traceback."""
    try:
        code = asyncio.run(main())
    except StartupError as error:
        say(error.key, err=True, **error.params_in(reader_locale()))
        code = EXIT_FAILED
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    raise SystemExit(code)


@asynccontextmanager
async def runtime(settings: Settings | None = None) -> AsyncIterator[Runtime]:
    """The composition root for a CLI command (migrating a SQLite store first)."""
    from uptake.root import Runtime

    started = await Runtime.start(settings or load_settings(), BotCredentials.from_environ())
    try:
        yield started
    finally:
        await started.close()


def moment_option(text: str, zone_name: str) -> datetime:
    """A --at/--start value: ISO-8601 with an offset is that instant; without one it is a wall
    time in `zone_name` (UPTAKE_TIMEZONE). Refused with the usage exit code otherwise."""
    try:
        local = parse_start(text, zone_name, datetime.now(UTC))
    except RecurrenceError as error:
        raise click.BadParameter(str(error)) from None
    return to_utc(local, ZoneInfo(zone_name))


def say_problem(label: str, problem: Problem) -> None:
    """One problem of a request, after the field's label, in the reader's language."""
    text = t(reader_locale(), f"campaign.problem_{problem.code}", **dict(problem.params))
    click.echo(f"  {label}: {text}", err=True)


def say_row_problem(problem: RowProblem) -> None:
    """One bad row of an operator's CSV, with its line, in the reader's language."""
    text = t(
        reader_locale(),
        f"campaign.problem_row_{problem.code}",
        line=problem.line,
        detail=problem.detail,
    )
    click.echo(f"  {text}", err=True)
