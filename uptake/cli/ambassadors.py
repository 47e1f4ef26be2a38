"""`uptake ambassadors add|list|remove`: who champions the programme, for which departments."""

from __future__ import annotations

import asyncio

import click

from bot.services import utc_now
from store import facilitation, people
from uptake.cli.common import EXIT_USAGE, configure_logging, load_settings, say
from uptake.root import Runtime
from uptake.settings import BotCredentials


@click.group()
def ambassadors() -> None:
    """Ambassadors (champions) and the departments they cover."""


async def _with_runtime(action: str, ref: str | None, departments: tuple[str, ...]) -> int:
    settings = load_settings()
    runtime = await Runtime.start(
        settings, BotCredentials.from_environ(), migrate=settings.is_sqlite
    )
    try:
        async with runtime.sessions.begin() as session:
            if action == "list":
                entries = await facilitation.ambassadors(session)
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
            assert ref is not None
            person = await facilitation.person_by_id_or_upn(session, ref.strip())
            if person is None:
                say("cli.ambassador_unknown_person", err=True, ref=ref)
                return EXIT_USAGE
            name = person.display_name or person.id
            if action == "remove":
                if not await facilitation.remove_ambassador(session, person.id):
                    say("cli.ambassador_not_one", err=True, ref=ref)
                    return EXIT_USAGE
                say("cli.ambassador_removed", name=name)
                return 0
            known = await people.known_departments(session)
            unknown = [d for d in departments if d not in known]
            if unknown:
                say(
                    "cli.unknown_department",
                    err=True,
                    department=", ".join(unknown),
                    known=", ".join(known) or "-",
                )
                return EXIT_USAGE
            await facilitation.add_ambassador(session, person.id, departments, utc_now())
        say("cli.ambassador_added", name=name, departments=", ".join(departments))
        return 0
    finally:
        await runtime.close()


@ambassadors.command("add")
@click.argument("person")
@click.option(
    "--department", "departments", multiple=True, required=True, help="Repeat for several."
)
def add(person: str, departments: tuple[str, ...]) -> None:
    """Make PERSON (Entra object id or UPN) ambassador for one or more departments."""
    configure_logging("WARNING")
    raise SystemExit(asyncio.run(_with_runtime("add", person, departments)))


@ambassadors.command("list")
def list_() -> None:
    """List the ambassadors and their departments."""
    configure_logging("WARNING")
    raise SystemExit(asyncio.run(_with_runtime("list", None, ())))


@ambassadors.command("remove")
@click.argument("person")
def remove(person: str) -> None:
    """PERSON (Entra object id or UPN) is no longer an ambassador."""
    configure_logging("WARNING")
    raise SystemExit(asyncio.run(_with_runtime("remove", person, ())))


COMMANDS: list[click.Command] = [ambassadors]
