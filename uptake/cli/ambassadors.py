"""`uptake ambassadors add|list|remove`: who champions the programme, for which departments."""

from __future__ import annotations

from pathlib import Path

import click

from adoption.rows import read_people
from store import ambassadors as repo
from store import people
from uptake.cli.common import EXIT_USAGE, configure_logging, run, runtime, say, say_row_problem


@click.group()
def ambassadors() -> None:
    """Ambassadors (champions) and the departments they cover."""


async def _list() -> int:
    async with runtime() as started, started.sessions() as session:
        entries = await repo.ambassadors(session)
    if not entries:
        say("cli.ambassador_none")
    for e in entries:
        say(
            "cli.ambassador_line",
            id=e.person_id,
            name=e.display_name or "-",
            departments=", ".join(e.departments),
            since=e.since.date().isoformat(),
        )
    return 0


async def _add(ref: str, departments: tuple[str, ...]) -> int:
    async with runtime() as started, started.sessions.begin() as session:
        person = await people.person_by_id_or_upn(session, ref.strip())
        if person is None:
            say("cli.ambassador_unknown_person", err=True, ref=ref)
            return EXIT_USAGE
        known = await people.known_departments(session)
        unknown = [d for d in departments if d not in known]
        if unknown:
            say(
                "cli.unknown_department",
                err=True,
                name=", ".join(unknown),
                known=", ".join(known) or "-",
            )
            return EXIT_USAGE
        await repo.add_ambassador(session, person.id, departments, started.clock())
        name = person.display_name or person.id
    say("cli.ambassador_added", name=name, departments=", ".join(departments))
    return 0


async def _remove(ref: str, department: str | None) -> int:
    async with runtime() as started, started.sessions.begin() as session:
        person = await people.person_by_id_or_upn(session, ref.strip())
        if person is None:
            say("cli.ambassador_unknown_person", err=True, ref=ref)
            return EXIT_USAGE
        if not await repo.remove_ambassador(session, person.id, department):
            say("cli.ambassador_not_one", err=True, ref=ref)
            return EXIT_USAGE
        name = person.display_name or person.id
    if department:
        say("ambassador.removed_from", name=name, department=department)
    else:
        say("cli.ambassador_removed", name=name)
    return 0


async def _import(text: str) -> int:
    """Every row valid (a known person, a known department) or nothing is imported."""
    read = read_people(text, with_value=True)
    async with runtime() as started, started.sessions.begin() as session:
        found = await people.ids_by_ref(session, [row.ref for row in read.rows])
        known = set(await people.known_departments(session))
        problems = 0
        by_person: dict[str, list[str]] = {}
        for problem in read.problems:
            say_row_problem(problem)
            problems += 1
        for row in read.rows:
            if row.ref not in found:
                say("waves.unknown_person", err=True, line=row.line, ref=row.ref)
                problems += 1
            elif row.value not in known:
                say("cli.import_unknown_department", err=True, line=row.line, name=row.value)
                problems += 1
            else:
                by_person.setdefault(found[row.ref], []).append(row.value)
        if problems:
            say("cli.not_imported", err=True, count=problems)
            return EXIT_USAGE
        for person_id, departments in by_person.items():
            await repo.add_ambassador(session, person_id, departments, started.clock())
    say("cli.ambassadors_imported", count=len(by_person))
    return 0


@ambassadors.command("add")
@click.argument("person")
@click.option(
    "--department", "departments", multiple=True, required=True, help="Repeat for several."
)
def add(person: str, departments: tuple[str, ...]) -> None:
    """Make PERSON (Entra object id or UPN) ambassador for one or more departments."""
    configure_logging("WARNING")
    run(lambda: _add(person, departments))


@ambassadors.command("list")
def list_() -> None:
    """List the ambassadors and their departments."""
    configure_logging("WARNING")
    run(_list)


@ambassadors.command("remove")
@click.argument("person")
@click.option("--department", help="Only for this department; the others stay.")
def remove(person: str, department: str | None) -> None:
    """PERSON (Entra object id or UPN) is no longer an ambassador (for --department only)."""
    configure_logging("WARNING")
    run(lambda: _remove(person, department))


@ambassadors.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_(file: Path) -> None:
    """Add ambassadors from FILE (CSV: UPN or object id, department; a header is optional).
    A file with any bad row imports nothing; each bad row is named with its line."""
    configure_logging("WARNING")
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        say(
            "cli.cannot_read", err=True, path=file, reason=getattr(error, "strerror", None) or error
        )
        raise SystemExit(EXIT_USAGE) from None
    run(lambda: _import(text))


COMMANDS: list[click.Command] = [ambassadors]
