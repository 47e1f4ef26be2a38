"""`uptake tips check|import|list`: the ambassadors' tips, the shipped ones and your own.

Your own tips come in a TOML file of the shipped format (adoption/data/tips.toml shows it).
`check` lists every problem with its line and place; `import` refuses a file with any
problem and otherwise replaces your previous file (the worker uses it from its next start).
"""

from __future__ import annotations

from pathlib import Path

import click

from adoption.tips import TipProblem, TipsError, parse_extra_tips, shipped_tips
from cards.i18n import t
from store import tips as tips_store
from uptake.cli.common import EXIT_USAGE, configure_logging, reader_locale, run, runtime, say


def _where(problem: TipProblem) -> str:
    locale = reader_locale()
    if not problem.place:
        return t(locale, "tips.where_file")
    if problem.line:
        return t(locale, "tips.where_line", line=problem.line, place=problem.place)
    return problem.place


def _say_problems(error: TipsError) -> None:
    locale = reader_locale()
    say("tips.not_valid", err=True, count=len(error.problems))
    for problem in error.problems:
        text = t(locale, f"tips.problem_{problem.code.value}", **dict(problem.params))
        click.echo(f"  {_where(problem)}: {text}", err=True)


def _read(file: Path) -> str:
    try:
        return file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        say(
            "cli.cannot_read", err=True, path=file, reason=getattr(error, "strerror", None) or error
        )
        raise SystemExit(EXIT_USAGE) from None


def _parse(text: str, file: Path) -> int | None:
    """The number of your tips in the file, or None (its problems said)."""
    try:
        merged = parse_extra_tips(text, file.name)
    except TipsError as error:
        _say_problems(error)
        return None
    return len(merged) - len(shipped_tips())


@click.group()
def tips() -> None:
    """The ambassadors' weekly tips."""


@tips.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def check(file: Path) -> None:
    """Check FILE (your own tips, in the shipped format) and list every problem."""
    count = _parse(_read(file), file)
    if count is None:
        raise SystemExit(EXIT_USAGE)
    say("tips.valid", count=count)


async def _import(text: str, count: int) -> int:
    async with runtime() as started, started.sessions.begin() as session:
        await tips_store.save_custom(session, text, started.clock())
    say("tips.imported", count=count, total=count + len(shipped_tips()))
    return 0


@tips.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_(file: Path) -> None:
    """Use FILE's tips from now on, beside the shipped ones (replaces your previous file)."""
    configure_logging("WARNING")
    text = _read(file)
    count = _parse(text, file)
    if count is None:
        raise SystemExit(EXIT_USAGE)
    run(lambda: _import(text, count))


@tips.command("list")
def list_() -> None:
    """The shipped tips: key, scenario, title."""
    locale = reader_locale()
    for tip in shipped_tips():
        click.echo(f"{tip.key}  [{tip.scenario}]  {tip.title(locale)}")


COMMANDS: list[click.Command] = [tips]
