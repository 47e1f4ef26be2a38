"""Evidence carried from snapshot to snapshot: a revised earlier date recomputes the habit of
the later ones, on both backends, exactly as a from-scratch import of the revised series."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from adoption.signals import WORKLOADS, Workload
from graph.synthetic import DemoTenant, WeekUsage, generate_tenant
from graph.synthetic_export import write_export_folder
from tests.integration.graph.conftest import migrated_sessions
from tests.integration.graph.test_sync import Sessions, funnels
from uptake.settings import Settings
from uptake.sync import run_sync

TEAMS = WORKLOADS.index(Workload.TEAMS)


def with_busier_week(tenant: DemoTenant, week: int) -> DemoTenant:
    """The tenant as Microsoft revised it: in `week`, everyone licensed for Teams used it."""
    day = tenant.report_dates[week] - timedelta(days=2)
    busier: list[WeekUsage] = []
    for person, usage in zip(tenant.people, tenant.weeks[week], strict=True):
        last = list(usage.last)
        counts = dict(usage.counts)
        seen = last[TEAMS]
        if Workload.TEAMS in person.licensed and (seen is None or seen < day):
            last[TEAMS] = day
            counts["teams"] = 12
        busier.append(WeekUsage(last, counts))
    weeks = list(tenant.weeks)
    weeks[week] = tuple(busier)
    return dataclasses.replace(tenant, weeks=tuple(weeks))


def habitual_teams(rows: list[tuple[object, ...]]) -> dict[object, object]:
    return {
        row[0]: row[9] for row in rows if row[1] == "tenant" and row[3] == "teams" and not row[4]
    }


async def test_a_revised_week_recomputes_the_habit_of_the_later_weeks(
    tenant: DemoTenant, tmp_path: Path, database_url: str
) -> None:
    revised = with_busier_week(tenant, 1)
    write_export_folder(tenant, tmp_path / "original")
    write_export_folder(revised, tmp_path / "revision", dates=tenant.report_dates[1:2])
    write_export_folder(revised, tmp_path / "revised")

    async for sessions in migrated_sessions(database_url):
        await run_sync(Settings(reports_dir=tmp_path / "original"), sessions)
        before = await funnels(sessions)
        outcomes = await run_sync(Settings(reports_dir=tmp_path / "revision"), sessions)
        after = await funnels(sessions)
    scratch_url = f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}"
    async for sessions in migrated_sessions(scratch_url):
        await run_sync(Settings(reports_dir=tmp_path / "revised"), sessions)
        from_scratch = await funnels(sessions)

    assert [o.outcome for o in outcomes] == ["replaced"]
    assert after == from_scratch
    old, new = habitual_teams(before), habitual_teams(after)
    weeks_3_and_4 = tenant.report_dates[2:]
    assert all(new[d] > old[d] for d in weeks_3_and_4), (old, new)  # type: ignore[operator]
    assert new[tenant.report_dates[0]] == old[tenant.report_dates[0]]


async def test_an_earlier_date_arriving_late_recomputes_the_later_ones(
    tenant: DemoTenant, tmp_path: Path
) -> None:
    dates = tenant.report_dates
    write_export_folder(tenant, tmp_path / "late", dates=dates[1:2])
    write_export_folder(tenant, tmp_path / "rest", dates=dates[:1] + dates[2:])
    write_export_folder(tenant, tmp_path / "all")
    async for sessions in migrated_sessions(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"):
        await run_sync(Settings(reports_dir=tmp_path / "rest"), sessions)
        await run_sync(Settings(reports_dir=tmp_path / "late"), sessions)
        late = await funnels(sessions)
    async for sessions in migrated_sessions(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"):
        await run_sync(Settings(reports_dir=tmp_path / "all"), sessions)
        in_order = await funnels(sessions)
    assert late == in_order


def quiet_after_first_week(tenant: DemoTenant) -> DemoTenant:
    """Teams used (clients seen) in the first week only; nobody touches it afterwards."""
    first = tenant.weeks[0]
    later = tuple(
        WeekUsage(list(usage.last), {k: v for k, v in usage.counts.items() if k != "teams"})
        for usage in first
    )
    return dataclasses.replace(tenant, weeks=(first,) + (later,) * (len(tenant.weeks) - 1))


async def test_a_teams_client_seen_five_weeks_ago_stays_installed_though_not_active(
    tmp_path: Path, sqlite_sessions: Sessions
) -> None:
    tenant = quiet_after_first_week(generate_tenant(60, seed=7, weeks=6))
    write_export_folder(tenant, tmp_path / "exports")

    await run_sync(Settings(reports_dir=tmp_path / "exports"), sqlite_sessions)

    teams = {
        row[0]: row[5:9]
        for row in await funnels(sqlite_sessions)
        if row[1] == "tenant" and row[3] == "teams"
    }
    first_week, last_week = tenant.report_dates[0], tenant.report_dates[-1]
    *_, provisioned, active = teams[last_week]
    assert active == 0
    assert provisioned == teams[first_week][2] > 0
