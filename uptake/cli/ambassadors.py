"""`uptake ambassadors add|list|remove`: who champions the programme, for which departments."""

from __future__ import annotations

import click

from store import ambassadors as repo
from store import people
from uptake.cli.common import EXIT_USAGE, configure_logging, run, runtime, say


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


async def _remove(ref: str) -> int:
    async with runtime() as started, started.sessions.begin() as session:
        person = await people.person_by_id_or_upn(session, ref.strip())
        if person is None:
            say("cli.ambassador_unknown_person", err=True, ref=ref)
            return EXIT_USAGE
        if not await repo.remove_ambassador(session, person.id):
            say("cli.ambassador_not_one", err=True, ref=ref)
            return EXIT_USAGE
        name = person.display_name or person.id
    say("cli.ambassador_removed", name=name)
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
def remove(person: str) -> None:
    """PERSON (Entra object id or UPN) is no longer an ambassador."""
    configure_logging("WARNING")
    run(lambda: _remove(person))


COMMANDS: list[click.Command] = [ambassadors]
