"""A sync tells the bot who people are: after `run_sync` from Graph or from an export folder,
the person table knows every directory person (ids, UPNs, names, departments, waves), people
who installed before or after the sync are placed, and leavers drop out of audiences."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.audience import Audience
from graph.synthetic import DemoTenant
from graph.synthetic_export import users_export_csv, write_export_folder
from store import people, waves
from store.tables import Person
from tests.fakes.graph import FakeGraph
from tests.integration.graph.conftest import migrated_sessions
from tests.integration.graph.test_sync import Sessions, graph_settings
from uptake.settings import Settings
from uptake.sync import run_sync

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def reachable_ids(session: AsyncSession, audience: Audience) -> list[str]:
    """The audience's people a message reaches without installing first."""
    query = select(Person.id).where(
        Person.id.in_(people.recipients_query(audience)), Person.conversation.is_not(None)
    )
    return list((await session.scalars(query)).all())


def installation(person_id: str) -> people.Installation:
    return people.Installation(
        person_id=person_id,
        tenant_id="tenant",
        display_name=None,
        locale="nl-BE",
        conversation={"conversation": {"id": f"a:{person_id}"}},
    )


async def install(sessions: Sessions, person_id: str) -> None:
    async with sessions.begin() as session:
        await people.record_installation(session, installation(person_id), NOW)


async def person_rows(sessions: Sessions) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        rows = await session.execute(
            select(
                Person.id,
                Person.upn,
                Person.display_name,
                Person.department,
                Person.wave,
                Person.left_at,
            ).order_by(Person.id)
        )
        return [tuple(row) for row in rows]


async def check_people_are_known(sessions: Sessions, tenant: DemoTenant) -> None:
    first, installed_before, installs_after = tenant.people[0], tenant.people[1], tenant.people[2]
    async with sessions() as session:
        assert await people.known_departments(session) == sorted(
            {p.department for p in tenant.people}
        )
        assert await people.known_waves(session) == sorted(set(tenant.waves.values()))
        by_upn = await people.person_by_id_or_upn(session, first.upn.upper())
        by_id = await people.person_by_id_or_upn(session, first.id)
    assert by_upn is not None
    assert by_id is not None
    assert by_upn.id == by_id.id == first.id
    assert by_upn.display_name == first.display_name
    assert by_upn.conversation is None  # known, but has not installed

    await install(sessions, installs_after.id)
    async with sessions() as session:
        for person in (installed_before, installs_after):
            assert await people.person_department(session, person.id) == person.department
            row = await session.get(Person, person.id)
            assert row is not None
            assert row.wave == person.wave
            assert row.conversation is not None
        reachable = await reachable_ids(
            session, Audience("department", installed_before.department)
        )
    assert installed_before.id in reachable


async def test_a_graph_sync_tells_the_bot_who_people_are(
    fake_graph: FakeGraph, tenant: DemoTenant, sqlite_sessions: Sessions
) -> None:
    await install(sqlite_sessions, tenant.people[1].id)

    await run_sync(
        graph_settings(fake_graph),
        sqlite_sessions,
        waves=tenant.waves,
        graph_options={"retry_delay": 0.0},
    )

    await check_people_are_known(sqlite_sessions, tenant)


async def test_a_folder_sync_tells_the_bot_who_people_are(
    tenant: DemoTenant, tmp_path: Path, database_url: str
) -> None:
    folder = tmp_path / "exports"
    write_export_folder(tenant, folder, dates=tenant.report_dates[-1:])
    async for sessions in migrated_sessions(database_url):
        await install(sessions, tenant.people[1].id)

        await run_sync(Settings(reports_dir=folder), sessions)

        await check_people_are_known(sessions, tenant)


async def test_graph_and_folder_give_the_same_people(
    fake_graph: FakeGraph, tenant: DemoTenant, tmp_path: Path, sqlite_sessions: Sessions
) -> None:
    await run_sync(
        graph_settings(fake_graph),
        sqlite_sessions,
        waves=tenant.waves,
        graph_options={"retry_delay": 0.0},
    )
    folder = tmp_path / "exports"
    write_export_folder(tenant, folder, dates=tenant.report_dates[-1:])
    async for folder_sessions in migrated_sessions(f"sqlite+aiosqlite:///{tmp_path / 'f.db'}"):
        await run_sync(Settings(reports_dir=folder), folder_sessions)
        from_folder = await person_rows(folder_sessions)

    from_graph = await person_rows(sqlite_sessions)
    assert from_graph == from_folder
    assert len(from_graph) == len(tenant.people)


async def test_a_daily_sync_of_an_unchanged_directory_writes_no_person_row(
    tenant: DemoTenant, tmp_path: Path, sqlite_sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "exports"
    write_export_folder(tenant, folder, dates=tenant.report_dates[-1:])
    settings = Settings(reports_dir=folder)
    await run_sync(settings, sqlite_sessions)
    caplog.set_level(logging.INFO, logger="uptake.sync")

    await run_sync(settings, sqlite_sessions)

    [stored] = [r for r in caplog.records if r.getMessage() == "directory.stored"]
    names = ("mirror_rows_written", "people_created", "people_updated")
    assert [getattr(stored, name) for name in names] == [0, 0, 0]


def users_export(tenant: DemoTenant, *, without: str, blocked: str, moved: str, to: str) -> bytes:
    """The tenant's users export with one person gone, one blocked and one moved."""
    rows = list(csv.reader(io.StringIO(users_export_csv(tenant).decode("utf-8-sig"))))
    header = rows[0]
    block, department, object_id = (
        header.index(name) for name in ("Block credential", "Department", "Object Id")
    )
    kept = [header]
    for row in rows[1:]:
        if row[object_id] == without:
            continue
        if row[object_id] == blocked:
            row[block] = "True"
        if row[object_id] == moved:
            row[department] = to
        kept.append(row)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(kept)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def test_people_who_leave_the_directory_drop_out_of_audiences_until_they_return(
    tenant: DemoTenant, tmp_path: Path, database_url: str
) -> None:
    gone, blocked, mover = tenant.people[3], tenant.people[4], tenant.people[5]
    target = "HR" if mover.department != "HR" else "IT"
    folder = tmp_path / "exports"
    write_export_folder(tenant, folder, dates=tenant.report_dates[-1:])
    settings = Settings(reports_dir=folder)
    everyone = Audience.everyone()
    async for sessions in migrated_sessions(database_url):
        await run_sync(settings, sessions)
        for person in (gone, blocked, mover):
            await install(sessions, person.id)

        (folder / "users.csv").write_bytes(
            users_export(tenant, without=gone.id, blocked=blocked.id, moved=mover.id, to=target)
        )
        await run_sync(settings, sessions)

        async with sessions() as session:
            reachable = set(await reachable_ids(session, everyone))
            left = {pid for pid, *_, left_at in await person_rows(sessions) if left_at}
            moved = await people.person_department(session, mover.id)
            still_known = await people.person_by_id_or_upn(session, gone.upn)
        assert left == {gone.id, blocked.id}
        assert reachable == {mover.id}
        assert moved == target
        assert still_known is not None  # the row stays: ambassador lists, scrubbing

        (folder / "users.csv").write_bytes(users_export_csv(tenant))
        await run_sync(settings, sessions)

        async with sessions() as session:
            reachable = set(await reachable_ids(session, everyone))
        assert reachable == {gone.id, blocked.id, mover.id}


async def test_waves_file_may_name_the_waves_and_later_syncs_keep_the_mapping(
    tenant: DemoTenant, tmp_path: Path, sqlite_sessions: Sessions
) -> None:
    folder = tmp_path / "exports"
    write_export_folder(tenant, folder, dates=tenant.report_dates[-1:])
    rows = [f"{d},{w},{'pilot' if w == '1' else ''}" for d, w in sorted(tenant.waves.items())]
    (folder / "waves.csv").write_text("Department,Wave,Wave name\n" + "\n".join(rows) + "\n")
    await run_sync(Settings(reports_dir=folder), sqlite_sessions)

    # A sync given no mapping (the scheduler's daily run) keeps the last one.
    (folder / "waves.csv").unlink()
    await run_sync(Settings(reports_dir=folder), sqlite_sessions)

    async with sqlite_sessions() as session:
        named = await waves.wave_names(session)
        person = await session.get(Person, tenant.people[0].id)
    assert {key: wave.name for key, wave in named.items()} == {"1": "pilot", "2": None, "3": None}
    assert person is not None
    assert person.wave == tenant.people[0].wave
