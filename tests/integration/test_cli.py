"""The CLI as a user runs it: real processes, a fake Bot Connector on loopback."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from graph.synthetic import generate_tenant
from graph.synthetic_export import write_export_folder
from store import tips as tips_store
from store.engine import make_engine, make_sessions
from store.schema import upgrade
from store.tables import Message, Person
from tests.fakes.connector import FakeConnector, blocked

UPTAKE = str(Path(sys.executable).with_name("uptake"))


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UPTAKE_", "CONNECTIONS__", "AZURE_"))
    }
    # Usage comes from an (empty) export folder unless a test says otherwise: no CLI run of
    # a test ever reaches for Microsoft Graph or a managed-identity endpoint.
    reports = tmp_path / "no-reports"
    reports.mkdir(exist_ok=True)
    env.update(
        {
            "UPTAKE_DATA_DIR": str(tmp_path),
            "UPTAKE_REPORTS_DIR": str(reports),
            "LANG": "en_GB.UTF-8",
        }
    )
    return env


async def _run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        UPTAKE,
        *args,
        env={**_env(tmp_path), **(env or {})},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_serve_refuses_a_public_address_without_credentials(tmp_path: Path) -> None:
    code, output = await _run(tmp_path, "serve", "--host", "0.0.0.0")  # noqa: S104

    assert code == 2
    assert "Refusing to listen on 0.0.0.0 without bot credentials" in output


async def test_bad_settings_are_named_with_their_variable(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        UPTAKE,
        "db",
        "upgrade",
        env={**_env(tmp_path), "UPTAKE_MIN_GROUP_SIZE": "2"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()

    assert process.returncode == 2
    assert "UPTAKE_MIN_GROUP_SIZE" in output.decode()


async def test_checkin_send_delivers_to_reachable_people_of_the_department(
    tmp_path: Path, connector: FakeConnector
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}")
    await upgrade(engine)
    people = {"a": "Verkoop", "b": "Verkoop", "c": "HR", "d": "Verkoop"}
    async with make_sessions(engine).begin() as session:
        for pid, department in people.items():
            reference = {
                "conversation": {"id": f"conv-{pid}"},
                "serviceUrl": connector.url,
                "channelId": "msteams",
                "bot": {"id": "28:bot"},
                "user": {"id": pid},
            }
            session.add(Person(id=pid, department=department, conversation=reference))
    connector.fail_always("conv-d", blocked())

    try:
        code, output = await _run(tmp_path, "checkin", "send", "pulse", "--to", "Verkoop")
        queued = len(connector.received)
        sent, sent_output = await _run(tmp_path, "outbox", "send")
        status, status_output = await _run(tmp_path, "checkin", "status", "1")
        unknown, unknown_output = await _run(tmp_path, "checkin", "send", "pulse", "--to", "Sales")
    finally:
        await connector.close()

    assert code == 0, output
    assert "3 recipients" in output
    assert queued == 0  # the command queues; the sender sends
    assert sent == 0, sent_output
    assert "Sent: 2, unreachable: 1, failed: 0, still queued: 0." in sent_output
    assert status == 0
    assert "sent 2, queued 0, failed 0, unreachable 1, answered 0" in status_output
    assert {r.conversation_id for r in connector.received} == {"conv-a", "conv-b"}
    assert unknown == 2
    assert "Unknown department 'Sales'" in unknown_output
    async with make_sessions(engine)() as session:
        rows = (await session.execute(select(Message.person_id, Message.state))).all()
    await engine.dispose()
    assert {person: state for person, state in rows} == {
        "a": "sent",
        "b": "sent",
        "d": "unreachable",
    }


async def test_ambassadors_are_added_listed_and_removed(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}")
    await upgrade(engine)
    async with make_sessions(engine).begin() as session:
        session.add(
            Person(id="p1", upn="an.peeters@contoso.be", display_name="An Peeters", department="IT")
        )
        session.add(Person(id="p2", department="HR"))
    await engine.dispose()

    unknown, unknown_output = await _run(
        tmp_path, "ambassadors", "add", "nobody@contoso.be", "--department", "IT"
    )
    added, added_output = await _run(
        tmp_path,
        "ambassadors",
        "add",
        "An.Peeters@contoso.be",
        "--department",
        "IT",
        "--department",
        "HR",
    )
    _, listed = await _run(tmp_path, "ambassadors", "list")
    removed, _ = await _run(tmp_path, "ambassadors", "remove", "p1")
    _, after = await _run(tmp_path, "ambassadors", "list")

    assert unknown == 2
    assert "Unknown person nobody@contoso.be" in unknown_output
    assert added == 0, added_output
    assert "An Peeters" in listed and "HR" in listed and "IT" in listed
    assert removed == 0
    assert "There are no ambassadors yet." in after


def _no_traceback(output: str) -> None:
    assert "Traceback" not in output, output


async def test_sync_works_in_a_fresh_folder(tmp_path: Path) -> None:
    # Before: sqlite3.OperationalError "unable to open database file" and a traceback.
    exports = tmp_path / "exports"
    write_export_folder(generate_tenant(30, weeks=2), exports)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    env = {"UPTAKE_DATA_DIR": str(fresh / "new" / ".uptake"), "UPTAKE_REPORTS_DIR": str(exports)}

    code, output = await _run(tmp_path, "sync", env=env, cwd=fresh)

    assert code == 0, output
    _no_traceback(output)
    assert "30 people" in output
    assert (fresh / "new" / ".uptake" / "uptake.db").is_file()


async def test_an_unusable_data_folder_is_one_line_with_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, output = await _run(
        tmp_path, "ambassadors", "list", env={"UPTAKE_DATA_DIR": str(blocker / "data")}
    )
    assert code == 1
    _no_traceback(output)
    assert "UPTAKE_DATA_DIR" in output
    assert len(output.strip().splitlines()) == 1


async def test_postgresql_that_does_not_listen_is_one_line_with_the_fix(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://postgres@127.0.0.1:{port}/uptake"
    code, output = await _run(tmp_path, "db", "upgrade", env={"UPTAKE_DATABASE_URL": url})
    assert code == 1
    _no_traceback(output)
    assert f"PostgreSQL at 127.0.0.1:{port} is not reachable" in output


@pytest.mark.postgres
async def test_a_missing_postgresql_database_says_how_to_create_it(
    tmp_path: Path, postgres_available: bool
) -> None:
    if not postgres_available:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (required when CI=true)")
    url = "postgresql://postgres@127.0.0.1:5432/uptake_does_not_exist"
    code, output = await _run(tmp_path, "sync", env={"UPTAKE_DATABASE_URL": url})
    assert code == 1
    _no_traceback(output)
    assert "createdb uptake_does_not_exist" in output


async def test_a_bad_database_url_is_named_with_its_variable(tmp_path: Path) -> None:
    code, output = await _run(
        tmp_path, "db", "upgrade", env={"UPTAKE_DATABASE_URL": "mysql://root@localhost/x"}
    )
    assert code == 2
    _no_traceback(output)
    assert "UPTAKE_DATABASE_URL" in output


async def test_serve_on_a_port_in_use_is_one_line_with_the_fix(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = await _run(tmp_path, "serve", "--port", str(port))
    assert code == 1
    _no_traceback(output)
    assert f"Port {port} on 127.0.0.1 is already in use" in output


@pytest.mark.postgres
async def test_a_refused_postgresql_login_names_the_user(
    tmp_path: Path, postgres_available: bool
) -> None:
    if not postgres_available:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (required when CI=true)")
    url = "postgresql://no_such_uptake_role@127.0.0.1:5432/postgres"
    code, output = await _run(tmp_path, "db", "upgrade", env={"UPTAKE_DATABASE_URL": url})
    assert code == 1
    _no_traceback(output)
    assert "refuses the login of user 'no_such_uptake_role'" in output


async def test_a_second_open_pulse_for_the_same_people_is_refused(
    tmp_path: Path, connector: FakeConnector
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}")
    await upgrade(engine)
    async with make_sessions(engine).begin() as session:
        reference = {
            "conversation": {"id": "conv-a"},
            "serviceUrl": connector.url,
            "channelId": "msteams",
            "bot": {"id": "28:bot"},
            "user": {"id": "a"},
        }
        session.add(Person(id="a", department="Verkoop", conversation=reference))
    await engine.dispose()
    try:
        first, _ = await _run(tmp_path, "checkin", "send", "pulse")
        second, output = await _run(tmp_path, "checkin", "send", "pulse", "--to", "Verkoop")
        alongside, _ = await _run(
            tmp_path, "checkin", "send", "pulse", "--to", "Verkoop", "--alongside"
        )
    finally:
        await connector.close()
    assert first == 0
    assert second == 2
    assert "already have an open pulse check-in (run 1)" in output
    assert alongside == 0


async def test_a_campaign_runs_two_simulated_weeks_from_the_cli(
    tmp_path: Path, connector: FakeConnector
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}")
    await upgrade(engine)
    async with make_sessions(engine).begin() as session:
        for pid in ("a", "b", "c"):
            reference = {
                "conversation": {"id": f"conv-{pid}"},
                "serviceUrl": connector.url,
                "channelId": "msteams",
                "bot": {"id": "28:bot"},
                "user": {"id": pid},
            }
            session.add(Person(id=pid, department="Verkoop", conversation=reference))
    await engine.dispose()
    moments = ["2026-12-07T10:01", "2026-12-09T10:01", "2026-12-11T10:01", "2026-12-14T10:01"]
    try:
        created, created_output = await _run(
            tmp_path,
            "campaign", "create", "--template", "pulse", "--to", "Verkoop",
            "--start", "2026-12-07T10:00", "--every", "1w", "--remind-after", "2,4",
        )  # fmt: skip
        for moment in moments:
            fired, fired_output = await _run(tmp_path, "jobs", "run-due", "--at", moment)
            assert fired == 0, fired_output
            sent, sent_output = await _run(tmp_path, "outbox", "send", "--at", moment)
            assert sent == 0, sent_output
        after = len(connector.received)
        _, again_output = await _run(tmp_path, "jobs", "run-due", "--at", moments[-1])
        await _run(tmp_path, "outbox", "send", "--at", moments[-1])
        _, status_output = await _run(tmp_path, "campaign", "status", "1")
    finally:
        await connector.close()

    assert created == 0, created_output
    assert "every week on Monday at 10:00" in created_output
    # Per person: the card of week 1, two reminders, the card of week 2.
    assert after == 3 * 4
    assert len(connector.received) == after  # run again: nothing twice
    assert "Nothing to do" in again_output
    assert "run 2 of 2026-12-14" in status_output and "run 1 of 2026-12-07" in status_output


async def test_a_bad_campaign_is_refused_with_every_problem_and_nothing_created(
    tmp_path: Path,
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("upn\nnot-a-person\nnobody@contoso.be\n", "utf-8")
    code, output = await _run(
        tmp_path,
        "campaign", "create", "--template", "survey", "--to", f"file:{people}",
        "--start", "2026-01-01T10:00", "--every", "fortnight",
    )  # fmt: skip
    listed, listed_output = await _run(tmp_path, "campaign", "list")
    assert code == 2
    _no_traceback(output)
    assert "--template: unknown template 'survey'" in output
    assert "--start: 2026-01-01T10:00 is in the past" in output
    assert "--every: 'fortnight' is no interval" in output
    assert listed == 0 and "There are no campaigns yet." in listed_output


async def test_waves_are_assigned_from_a_file_or_by_department_and_named(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}")
    await upgrade(engine)
    async with make_sessions(engine).begin() as session:
        for pid, upn, department in (
            ("p1", "an@contoso.be", "IT"),
            ("p2", "bo@contoso.be", "IT"),
            ("p3", "cy@contoso.be", "HR"),
        ):
            session.add(Person(id=pid, upn=upn, department=department))
    await engine.dispose()
    bad = tmp_path / "bad.csv"
    bad.write_text("upn,wave\nan@contoso.be,pilot\nnobody@contoso.be,pilot\nbo@contoso.be\n")
    good = tmp_path / "good.csv"
    good.write_text("upn,wave\nan@contoso.be,1\n")

    refused, refused_output = await _run(tmp_path, "waves", "assign", str(bad))
    by_department, _ = await _run(tmp_path, "waves", "assign", "--department", "IT", "--wave", "2")
    from_file, _ = await _run(tmp_path, "waves", "assign", str(good))
    named, _ = await _run(tmp_path, "waves", "name", "1", "pilot")
    _, listed = await _run(tmp_path, "waves", "list")

    assert refused == 2
    assert "line 3: nobody@contoso.be is nobody uptake knows" in refused_output
    assert "line 4: the second column is missing" in refused_output
    assert (by_department, from_file, named) == (0, 0, 0)
    # an has her own rule (the pilot); bo follows IT into wave 2; cy has none.
    assert "wave 1 (pilot): 1 people" in listed
    assert "wave 2 (-): 1 people; departments: IT" in listed
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}")
    async with make_sessions(engine)() as session:
        found = dict((await session.execute(select(Person.id, Person.wave))).all())
    await engine.dispose()
    assert found == {"p1": "1", "p2": "2", "p3": None}


async def test_ambassadors_import_all_or_nothing_and_remove_one_department(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}")
    await upgrade(engine)
    async with make_sessions(engine).begin() as session:
        session.add(Person(id="p1", upn="an@contoso.be", display_name="An", department="IT"))
        session.add(Person(id="p2", upn="bo@contoso.be", display_name="Bo", department="HR"))
    await engine.dispose()
    bad = tmp_path / "bad.csv"
    bad.write_text("upn,department\nan@contoso.be,IT\nbo@contoso.be,Sales\nwho@contoso.be,HR\n")
    good = tmp_path / "good.csv"
    good.write_text("an@contoso.be,IT\nan@contoso.be,HR\nbo@contoso.be,HR\n")

    refused, refused_output = await _run(tmp_path, "ambassadors", "import", str(bad))
    _, empty = await _run(tmp_path, "ambassadors", "list")
    twice, twice_output = await _run(tmp_path, "ambassadors", "import", str(good))
    only = tmp_path / "only.csv"
    only.write_text("an@contoso.be,IT\nbo@contoso.be,HR\n")
    imported, _ = await _run(tmp_path, "ambassadors", "import", str(only))
    await _run(tmp_path, "ambassadors", "add", "an@contoso.be", "--department", "HR")
    removed, _ = await _run(
        tmp_path, "ambassadors", "remove", "an@contoso.be", "--department", "IT"
    )
    _, listed = await _run(tmp_path, "ambassadors", "list")

    assert refused == 2
    assert "line 3: unknown department 'Sales'" in refused_output
    assert "line 4: who@contoso.be is nobody uptake knows" in refused_output
    assert "There are no ambassadors yet." in empty  # nothing half-imported
    assert twice == 2 and "line 2: is on line 1 too" in twice_output
    assert (imported, removed) == (0, 0)
    an = next(line for line in listed.splitlines() if "An" in line)
    assert "HR" in an and "IT" not in an


async def test_own_tips_are_checked_with_lines_and_imported_whole(tmp_path: Path) -> None:
    own = tmp_path / "tips.toml"
    own.write_text(
        'version = 1\n[[tips]]\nkey = "plan_the_handover"\nscenario = "meet_in_teams"\n'
        'signals = ["teams.meeting"]\n'
        '[tips.title]\nnl = "Plan de overdracht"\nfr = "Planifiez la passation"\n'
        'en = "Plan the handover"\n'
        '[tips.body]\nnl = "Zet de overdracht in de vergaderchat."\n'
        'fr = "Placez la passation dans la conversation."\nen = "Put the handover in the chat."\n'
        '[tips.share]\nnl = "Overdracht in de chat."\nfr = "Passation dans la conversation."\n'
        'en = "Handover in the chat."\n'
    )
    broken = tmp_path / "broken.toml"
    broken.write_text(own.read_text().replace("meet_in_teams", "meet_on_mars"))

    checked, checked_output = await _run(tmp_path, "tips", "check", str(own))
    refused, refused_output = await _run(tmp_path, "tips", "import", str(broken))
    imported, imported_output = await _run(tmp_path, "tips", "import", str(own))

    assert checked == 0 and "1" in checked_output
    assert refused == 2
    assert "meet_on_mars" in refused_output and "line " in refused_output
    assert imported == 0 and "plan_the_handover" not in imported_output
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}")
    async with make_sessions(engine)() as session:
        assert await tips_store.custom_source(session) == own.read_text()
    await engine.dispose()


async def test_a_week_of_the_demo_organisation_runs_from_the_cli(tmp_path: Path) -> None:
    days = [f"2026-12-{day:02d}T09:30" for day in range(7, 14)]  # Monday to Sunday, Brussels
    outputs = []
    for at in days:
        due, due_output = await _run(tmp_path, "jobs", "run-due", "--demo", "--at", at)
        sent, sent_output = await _run(tmp_path, "outbox", "send", "--demo", "--at", at)
        assert (due, sent) == (0, 0), due_output + sent_output
        outputs.append(due_output)

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'demo' / 'uptake.db'}")
    async with make_sessions(engine)() as session:
        tips = (
            await session.scalars(select(Message).where(Message.topic == "tips:2026-W50"))
        ).all()
    await engine.dispose()
    assert "weekly_tips" in outputs[0] and "usage_sync" in outputs[0]
    assert len(tips) == 8 and {m.state for m in tips} == {"unreachable"}  # nobody installed
    assert not (tmp_path / "uptake.db").exists()  # your own data is left alone


@pytest.mark.parametrize(("given", "shown"), [("[::1]", "[::1]"), ("localhost.", "localhost")])
async def test_serve_takes_a_loopback_address_as_urls_write_it(
    tmp_path: Path, given: str, shown: str
) -> None:
    with socket.socket(socket.AF_INET6 if ":" in given else socket.AF_INET) as free:
        free.bind(("::1" if ":" in given else "127.0.0.1", 0))
        port = free.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        UPTAKE,
        "serve",
        "--host",
        given,
        "--port",
        str(port),
        env=_env(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    seen = ""
    try:
        async with asyncio.timeout(60):
            while "/api/messages" not in seen and "Cannot" not in seen:
                line = await process.stdout.readline()
                if not line:
                    break
                seen += line.decode()
    finally:
        process.terminate()
        await process.wait()
    _no_traceback(seen)
    assert f"http://{shown}:{port}/api/messages" in seen
