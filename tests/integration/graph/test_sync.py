"""`run_sync` end to end: Graph and an export folder agree; re-import is idempotent; a failed
sync stores nothing; concealed names fall back to tenant level."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.scopes import Scope
from graph.errors import ReportFormatError
from graph.synthetic import DemoTenant, generate_tenant
from graph.synthetic_export import write_export_folder
from store.tables import UsageFunnel, UsagePerson, UsageSnapshot
from store.usage import latest_status, trend
from tests.fakes.graph import TOKEN, FakeGraph
from tests.integration.graph.conftest import migrated_sessions
from uptake.settings import Settings
from uptake.sync import run_sync

Sessions = async_sessionmaker[AsyncSession]


def graph_settings(fake: FakeGraph) -> Settings:
    return Settings(graph_base_url=fake.base_url, graph_token=SecretStr(TOKEN), reports_dir=None)


async def funnels(sessions: Sessions) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        rows = await session.execute(
            select(
                UsageSnapshot.report_date,
                UsageFunnel.scope_kind,
                UsageFunnel.scope_key,
                UsageFunnel.subject_key,
                UsageFunnel.hidden,
                UsageFunnel.population,
                UsageFunnel.licensed,
                UsageFunnel.provisioned,
                UsageFunnel.active,
                UsageFunnel.habitual,
            )
            .join(UsageSnapshot, UsageSnapshot.id == UsageFunnel.snapshot_id)
            .order_by(
                UsageSnapshot.report_date,
                UsageFunnel.scope_kind,
                UsageFunnel.scope_key,
                UsageFunnel.subject_key,
            )
        )
        return [tuple(row) for row in rows]


async def count(sessions: Sessions, table: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_graph_and_export_folder_give_the_same_funnels(
    fake_graph: FakeGraph, tenant: DemoTenant, tmp_path: Path, sqlite_sessions: Sessions
) -> None:
    # Graph: one sync per report date, as the daily scheduler would do over the weeks.
    for day in tenant.report_dates:
        fake_graph.report_date = day
        outcomes = await run_sync(
            graph_settings(fake_graph),
            sqlite_sessions,
            waves=tenant.waves,
            graph_options={"retry_delay": 0.0},
        )
        assert [o.report_date for o in outcomes] == [day]
    from_graph = await funnels(sqlite_sessions)

    folder = tmp_path / "exports"
    write_export_folder(tenant, folder)
    async for folder_sessions in migrated_sessions(f"sqlite+aiosqlite:///{tmp_path / 'f.db'}"):
        await run_sync(Settings(reports_dir=folder), folder_sessions)
        from_folder = await funnels(folder_sessions)

    assert from_graph == from_folder
    visible = [row for row in from_graph if not row[4]]
    assert any(row[9] for row in visible), "later weeks must show habitual people"
    assert {row[1] for row in from_graph} == {"tenant", "wave", "department"}


async def test_reimporting_the_same_date_changes_nothing(
    tenant: DemoTenant, tmp_path: Path, database_url: str
) -> None:
    folder = tmp_path / "exports"
    write_export_folder(tenant, folder, dates=tenant.report_dates[-2:])
    settings = Settings(reports_dir=folder)
    async for sessions in migrated_sessions(database_url):
        first = await run_sync(settings, sessions)
        before = await funnels(sessions)
        people = await count(sessions, UsagePerson)
        second = await run_sync(settings, sessions)
        assert [o.outcome for o in first] == ["created", "created"]
        assert [o.outcome for o in second] == ["unchanged", "unchanged"]
        assert await funnels(sessions) == before
        assert await count(sessions, UsagePerson) == people
        assert await count(sessions, UsageSnapshot) == 2


async def test_failed_sync_leaves_no_partial_snapshot(
    fake_graph: FakeGraph, sqlite_sessions: Sessions
) -> None:
    fake_graph.malformed.add("getYammerActivityUserDetail")
    with pytest.raises(ReportFormatError, match="getYammerActivityUserDetail"):
        await run_sync(
            graph_settings(fake_graph), sqlite_sessions, graph_options={"retry_delay": 0.0}
        )
    assert await count(sqlite_sessions, UsageSnapshot) == 0
    assert await count(sqlite_sessions, UsagePerson) == 0
    assert await count(sqlite_sessions, UsageFunnel) == 0


async def test_concealed_names_give_tenant_level_only(
    tmp_path: Path, sqlite_sessions: Sessions
) -> None:
    concealed = generate_tenant(60, seed=3, weeks=2, concealed=True)
    folder = tmp_path / "concealed"
    write_export_folder(concealed, folder)
    await run_sync(Settings(reports_dir=folder), sqlite_sessions)
    async with sqlite_sessions() as session:
        status = await latest_status(session)
        by_department = await latest_status(session, Scope("department", "Productie"))
        teams = await trend(session, "teams", 30)
    assert status is not None
    assert status.tenant_level_only
    assert status.concealed_reason == "values"
    assert status.scenarios == ()
    assert all(
        line.counts is not None and line.counts.habitual is None for line in status.workloads
    )
    assert by_department is not None
    assert by_department.hidden
    assert [p.report_date for p in teams] == list(concealed.report_dates)
    assert await count(sqlite_sessions, UsagePerson) == 0  # nothing per person is kept


async def test_concealed_setting_from_graph_wins(
    fake_graph: FakeGraph, sqlite_sessions: Sessions
) -> None:
    fake_graph.concealed_setting = True
    await run_sync(graph_settings(fake_graph), sqlite_sessions, graph_options={"retry_delay": 0.0})
    async with sqlite_sessions() as session:
        status = await latest_status(session)
    assert status is not None
    assert status.concealed_reason == "report_setting"
