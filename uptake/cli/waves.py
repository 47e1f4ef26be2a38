"""`uptake waves assign|name|list`: rollout waves (pilot, key figures, everyone).

A wave is assigned per department (`--department Verkoop --wave 2`) or per person from a CSV
of UPNs or object ids with their wave (`assign people.csv`); a person's own assignment wins.
A file with any bad row changes nothing, and every bad row is named with its line.
"""

from __future__ import annotations

from pathlib import Path

import click

from adoption.rows import read_people
from store import people, waves
from uptake.cli.common import EXIT_USAGE, configure_logging, run, runtime, say, say_row_problem

_WAVE_KEY_MAX = 64


@click.group("waves")
def waves_group() -> None:
    """Rollout waves and who is in them."""


async def _assign_file(text: str) -> int:
    read = read_people(text, with_value=True)
    problems = list(read.problems)
    async with runtime() as started, started.sessions.begin() as session:
        found = await people.ids_by_ref(session, [row.ref for row in read.rows])
        assignments: dict[str, str] = {}
        unknown = []
        for row in read.rows:
            person_id = found.get(row.ref)
            if person_id is None:
                unknown.append(row)
            elif len(row.value) > _WAVE_KEY_MAX:
                say("waves.key_too_long", err=True, line=row.line, most=_WAVE_KEY_MAX)
                return EXIT_USAGE
            else:
                assignments[person_id] = row.value
        if problems or unknown:
            say("waves.not_assigned", err=True, count=len(problems) + len(unknown))
            for problem in problems:
                say_row_problem(problem)
            for row in unknown:
                say("waves.unknown_person", err=True, line=row.line, ref=row.ref)
            return EXIT_USAGE
        await waves.assign(session, "person", assignments)
        sizes = await waves.sizes(session)
    say("waves.assigned", people=len(assignments), count=len(set(assignments.values())))
    for key, size in sorted(sizes.items()):
        say("waves.size", wave=key, people=size)
    return 0


async def _assign_department(department: str, wave: str) -> int:
    async with runtime() as started, started.sessions.begin() as session:
        known = await people.known_departments(session)
        if department not in known:
            say("cli.unknown_department", err=True, name=department, known=", ".join(known) or "-")
            return EXIT_USAGE
        await waves.assign(session, "department", {department: wave})
        size = (await waves.sizes(session)).get(wave, 0)
    say("waves.department_assigned", department=department, wave=wave, people=size)
    return 0


async def _name(key: str, name: str) -> int:
    async with runtime() as started, started.sessions.begin() as session:
        if not await waves.rename(session, key, name.strip() or None):
            say("waves.unknown_wave", err=True, wave=key)
            return EXIT_USAGE
    say("waves.named", wave=key, name=name)
    return 0


async def _list() -> int:
    async with runtime() as started, started.sessions() as session:
        named = await waves.wave_names(session)
        sizes = await waves.sizes(session)
        by_department = await waves.department_waves(session)
    if not named:
        say("waves.none")
    for key, wave in named.items():
        departments = sorted(d for d, w in by_department.items() if w == key)
        say(
            "waves.line",
            position=wave.position,
            wave=key,
            name=wave.name or "-",
            people=sizes.get(key, 0),
            departments=", ".join(departments) or "-",
        )
    return 0


@waves_group.command("assign")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--department", help="Assign a whole department...")
@click.option("--wave", "wave_key", help="...to this wave (its key: 1, 2, pilot...).")
def assign(file: Path | None, department: str | None, wave_key: str | None) -> None:
    """Assign people to waves: FILE (CSV: UPN or object id, wave) or --department/--wave."""
    configure_logging("WARNING")
    if (file is None) == (department is None):
        raise click.UsageError("give either FILE or --department with --wave")
    if department is not None:
        if not wave_key or len(wave_key) > _WAVE_KEY_MAX:
            raise click.UsageError(f"--wave: a key of 1 to {_WAVE_KEY_MAX} characters")
        run(lambda: _assign_department(department, wave_key))
    if file is not None:
        try:
            text = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or error
            say("cli.cannot_read", err=True, path=file, reason=reason)
            raise SystemExit(EXIT_USAGE) from None
        run(lambda: _assign_file(text))


@waves_group.command("name")
@click.argument("key")
@click.argument("name")
def name(key: str, name: str) -> None:
    """Give wave KEY a name ('1' is 'pilot'): cards then say 'wave 1 (pilot)'."""
    configure_logging("WARNING")
    run(lambda: _name(key, name))


@waves_group.command("list")
def list_() -> None:
    """The waves in rollout order, their names, sizes and departments."""
    configure_logging("WARNING")
    run(_list)


COMMANDS: list[click.Command] = [waves_group]
