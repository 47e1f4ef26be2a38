"""The person table on both backends: installs are upserts, so Teams' two install activities
for one newcomer, handled at the same moment, store one person and welcome them once; a
directory read (full or delta) updates the people it changes and marks those it removes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adoption.waves import WaveRules
from store import people, waves
from store.directory import DirectoryRow, apply_directory
from store.engine import make_sessions
from store.tables import Person

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def install(person_id: str = "0f9c-new", locale: str | None = "nl-BE") -> people.Installation:
    return people.Installation(
        person_id=person_id,
        tenant_id="tenant-1",
        display_name="Nieuwe Collega",
        locale=locale,
        conversation={"conversation": {"id": f"a:{person_id}"}},
    )


async def test_two_simultaneous_installs_of_a_new_person_store_one_and_welcome_once(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessions(engine)

    async def turn() -> tuple[str | None, bool]:
        # What bot/lifecycle.py does for each of the two install activities.
        async with sessions.begin() as session:
            locale = await people.record_installation(session, install(), NOW)
            first = await people.claim_welcome(session, "0f9c-new", NOW)
        return locale, first

    outcomes = await asyncio.gather(turn(), turn(), turn())

    assert [locale for locale, _ in outcomes] == ["nl-BE"] * 3
    assert sorted(first for _, first in outcomes) == [False, False, True]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 1
        person = await session.get(Person, "0f9c-new")
    assert person is not None
    assert person.installed_at == NOW
    assert person.conversation == {"conversation": {"id": "a:0f9c-new"}}


async def test_reinstall_keeps_the_known_locale_and_makes_the_person_reachable_again(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessions(engine)
    async with sessions.begin() as session:
        await people.record_installation(session, install(locale="fr-BE"), NOW)
        await people.mark_unreachable(session, "0f9c-new", NOW)
    later = NOW.replace(day=25)
    async with sessions.begin() as session:
        locale = await people.record_installation(session, install(locale=None), later)
    async with sessions() as session:
        person = await session.get(Person, "0f9c-new")
    assert locale == "fr-BE"
    assert person is not None
    assert person.unreachable_since is None
    assert person.installed_at == later


def row(person_id: str, department: str = "HR", enabled: bool = True) -> DirectoryRow:
    return DirectoryRow(
        person_id, f"{person_id}@contoso.be", person_id.title(), department, enabled, 1
    )


async def test_a_delta_read_applies_changes_and_removals_to_mirror_and_people(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessions(engine)
    async with sessions.begin() as session:
        full = await apply_directory(session, full=True, users=[row("ann"), row("bob"), row("cy")])
        await people.apply_directory_people(
            session, full.users, full.removed, WaveRules({"HR": "1"}), NOW
        )
    async with sessions.begin() as session:
        delta = await apply_directory(
            session, full=False, users=[row("bob", "IT"), row("dee")], removed=["cy"]
        )
        changes = await people.apply_directory_people(
            session, delta.users, delta.removed, WaveRules({"HR": "1", "IT": "2"}), NOW
        )

    assert sorted(u.id for u in delta.users) == ["ann", "bob", "dee"]
    assert delta.removed == ["cy"]
    assert delta.written == 3  # bob changed, dee new, cy gone; ann untouched
    assert (changes.created, changes.updated, changes.left) == (1, 2, 1)
    async with sessions() as session:
        bob = await session.get(Person, "bob")
        cy = await session.get(Person, "cy")
        assert await people.known_departments(session) == ["HR", "IT"]
    assert bob is not None
    assert (bob.department, bob.wave, bob.display_name) == ("IT", "2", "Bob")
    assert cy is not None
    assert cy.left_at == NOW


async def test_a_newcomer_the_directory_knows_gets_department_and_wave_at_install(
    engine: AsyncEngine,
) -> None:
    sessions = make_sessions(engine)
    async with sessions.begin() as session:
        # A mirror without person rows: stored by a version before people came from it.
        await apply_directory(session, full=True, users=[row("0f9c-new", "Verkoop")])
        await waves.assign(session, "department", {"Verkoop": "1"})
    async with sessions.begin() as session:
        await people.record_installation(session, install(), NOW)
    async with sessions() as session:
        person = await session.get(Person, "0f9c-new")
    assert person is not None
    assert (person.department, person.wave) == ("Verkoop", "1")
