"""The CLI as a user runs it: real processes, a fake Bot Connector on loopback."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from store.engine import make_engine, make_sessions
from store.schema import upgrade
from store.tables import Delivery, Person
from tests.fakes.connector import FakeConnector, blocked

UPTAKE = str(Path(sys.executable).with_name("uptake"))


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UPTAKE_", "CONNECTIONS__", "AZURE_"))
    }
    env.update({"UPTAKE_DATA_DIR": str(tmp_path), "LANG": "en_GB.UTF-8"})
    return env


async def _run(tmp_path: Path, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        UPTAKE,
        *args,
        env=_env(tmp_path),
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


@pytest.fixture
async def connector() -> FakeConnector:
    fake = FakeConnector()
    await fake.start()
    return fake


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
        unknown, unknown_output = await _run(tmp_path, "checkin", "send", "pulse", "--to", "Sales")
    finally:
        await connector.close()

    assert code == 0, output
    assert "3 recipient(s)" in output
    assert "Sent: 2, unreachable: 1, failed: 0, still queued: 0." in output
    assert {r.conversation_id for r in connector.received} == {"conv-a", "conv-b"}
    assert unknown == 2
    assert "Unknown department 'Sales'" in unknown_output
    async with make_sessions(engine)() as session:
        states = dict((await session.execute(select(Delivery.person_id, Delivery.state))).all())
    await engine.dispose()
    assert states == {"a": "sent", "b": "sent", "d": "unreachable"}


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
