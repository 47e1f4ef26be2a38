"""Licences through the sync from the fake Graph: SKUs per person from assignedLicenses and
subscribedSkus, the Copilot report's v2 (active days) with its v1 fallback, concealed
tenants with SKU totals only, and a daily sync that writes only the licences that changed."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.licences import COPILOT
from adoption.scopes import TENANT, Scope
from adoption.signals import Workload
from cards import licences as cl
from graph.csvreport import layout_for
from graph.reports import COPILOT as COPILOT_REPORT
from graph.synthetic import DemoTenant, generate_tenant
from graph.synthetic_export import write_export_folder
from graph.synthetic_rows import COPILOT_V1_HEADER, COPILOT_V2_HEADER
from store import licences
from store.directory import mirror
from tests.fakes.graph import FakeGraph
from tests.integration.bot.test_spine import texts
from tests.integration.graph.test_sync import graph_settings
from uptake.database import StartupError
from uptake.prices import load_prices
from uptake.settings import Settings
from uptake.sync import run_sync

Sessions = async_sessionmaker[AsyncSession]
OPTIONS = {"graph_options": {"retry_delay": 0.0}}


def test_the_fake_serves_the_documented_copilot_headers_and_the_parser_reads_both() -> None:
    # The v2 columns are those the Graph reference lists under "Report versions"
    # (MicrosoftDocs/m365copilot-docs, copilotreportroot-getmicrosoft365copilotusageuserdetail).
    v2 = COPILOT_V2_HEADER.split(", ")
    assert set(COPILOT_V1_HEADER.split(", ")) < set(v2)
    for documented in (
        "Prompts submitted for all apps",
        "Prompts submitted for Copilot Chat (work)",
        "Prompts submitted for Copilot Chat (web)",
        "Active Usage Days for all apps",
        "Copilot Chat (work) Last Activity Date",
        "Copilot Chat (web) Last Activity Date",
        "Microsoft 365 Copilot Last Activity Date",
        "Edge Last Activity Date",
        "Copilot Agent Last Activity Date",
    ):
        assert documented in v2
    v2_layout = layout_for("copilot", v2, COPILOT_REPORT.columns)
    v1_layout = layout_for("copilot", COPILOT_V1_HEADER.split(", "), COPILOT_REPORT.columns)
    assert v2_layout.has("active_days") and v2_layout.has("prompts")
    assert not v1_layout.has("active_days")


async def _copilot(sessions: Sessions, scope: Scope = TENANT) -> licences.LicenceSnapshot:
    async with sessions() as session:
        found = await licences.latest_licences(session, scope)
    assert found is not None
    return found


def _expected_copilot_holders(tenant: DemoTenant) -> int:
    return sum(1 for p in tenant.people if COPILOT in p.skus)


async def test_graph_sync_reads_v2_and_stores_skus_and_subscriptions(
    fake_graph: FakeGraph, sqlite_sessions: Sessions, tenant: DemoTenant
) -> None:
    await run_sync(graph_settings(fake_graph), sqlite_sessions, **OPTIONS)  # type: ignore[arg-type]
    assert any("version='v2'" in seen.path for seen in fake_graph.seen)
    snapshot = await _copilot(sqlite_sessions)
    assert snapshot.copilot_version == "v2"
    row = next(r for r in snapshot.rows if r.sku == COPILOT)
    assert row.counts is not None
    assert row.counts.holders == _expected_copilot_holders(tenant)
    assert row.counts.habitual is not None
    # Habit by hand from the synthetic tenant: active on >= 12 of the report's 28 days.
    day = tenant.report_dates[-1]
    habitual = sum(
        1
        for j, p in enumerate(tenant.people)
        if COPILOT in p.skus and tenant.copilot_activity(j, day)[0] >= 12
    )
    assert row.counts.habitual == habitual
    assert snapshot.subscriptions is not None
    by_part = {s.part_number: s for s in snapshot.subscriptions}
    assert by_part[COPILOT].unassigned == 12
    async with sqlite_sessions() as session:
        stored = await mirror(session)
    assert Counter(sku for u in stored.values() for sku in u.skus.split()) == Counter(
        sku for p in tenant.people for sku in p.skus
    )


async def test_a_tenant_without_v2_falls_back_to_v1_and_says_no_habit(
    fake_graph: FakeGraph, sqlite_sessions: Sessions, tenant: DemoTenant
) -> None:
    fake_graph.copilot_v2 = False
    await run_sync(graph_settings(fake_graph), sqlite_sessions, **OPTIONS)  # type: ignore[arg-type]
    paths = [seen.path for seen in fake_graph.seen if "Copilot" in seen.path]
    assert len(paths) == 2 and "version='v2'" in paths[0] and "version" not in paths[1]
    snapshot = await _copilot(sqlite_sessions)
    assert snapshot.copilot_version == "v1"
    row = next(r for r in snapshot.rows if r.sku == COPILOT)
    assert row.counts is not None and row.counts.habitual is None
    assert row.counts.holders == _expected_copilot_holders(tenant)


async def test_the_daily_sync_writes_only_the_licences_that_changed(
    sqlite_sessions: Sessions,
    tenant: DemoTenant,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = tmp_path / "exports"
    write_export_folder(tenant, folder)
    settings = Settings(reports_dir=folder)
    await run_sync(settings, sqlite_sessions, secret=b"s" * 32)
    # The next day one person loses Copilot: one mirror row is written, not the directory.
    people = list(tenant.people)
    who = next(i for i, p in enumerate(people) if COPILOT in p.skus)
    dropped = tuple(s for s in people[who].skus if s != COPILOT)
    people[who] = replace(
        people[who], skus=dropped, licensed=people[who].licensed - {Workload.COPILOT}
    )
    write_export_folder(replace(tenant, people=tuple(people)), folder)
    caplog.set_level(logging.INFO, logger="uptake.sync")
    caplog.clear()
    await run_sync(settings, sqlite_sessions, secret=b"s" * 32)
    stored = next(r for r in caplog.records if r.getMessage() == "directory.stored")
    assert getattr(stored, "mirror_rows_written") == 1  # noqa: B009 - a log record extra
    snapshot = await _copilot(sqlite_sessions)
    row = next(r for r in snapshot.rows if r.sku == COPILOT)
    assert row.counts is not None
    assert row.counts.holders == _expected_copilot_holders(tenant) - 1


async def test_concealed_tenant_keeps_sku_totals_only_and_the_card_says_so(
    tmp_path: Path, sqlite_sessions: Sessions
) -> None:
    concealed = generate_tenant(60, seed=3, weeks=2, concealed=True)
    folder = tmp_path / "concealed"
    write_export_folder(concealed, folder)
    await run_sync(Settings(reports_dir=folder), sqlite_sessions)
    snapshot = await _copilot(sqlite_sessions)
    assert snapshot.concealed
    assert {r.scope for r in snapshot.rows} == {TENANT}
    e3 = next(r for r in snapshot.rows if r.sku == "SPE_E3")
    assert e3.counts is not None
    assert e3.counts.holders == sum(1 for p in concealed.people if "SPE_E3" in p.skus)
    department = await _copilot(sqlite_sessions, Scope("department", "Productie"))
    assert department.rows == ()
    view = cl.LicencesView(TENANT, snapshot.report_date, (), 0, (), None, tenant_totals_only=True)
    text = texts(
        cl.licences_card(view, "en", 5, suggestion=None, sentiment=None, sentiment_source=None)
    )
    assert "only the totals per licence for the whole organisation" in text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "sku,monthly_price,currency\nMicrosoft_365_Copilot,28,10,EUR\nSPE_E3,abc,EUR\n"
            "SPE_E3,1.00,USD\n",
            "line 2: 4 columns instead of 3 (a comma in the price? use a dot: 28.10); "
            "line 3: 'abc' is not a monthly price (such as 28.10); line 4: is on line 3 too",
        ),
        ("price,sku\n", "line 1: the first line must be sku,monthly_price,currency"),
    ],
)
def test_a_bad_price_list_stops_the_start_with_every_problem_and_its_line(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(StartupError) as raised:
        load_prices(Settings(licence_prices=path))
    assert raised.value.params_in("en")["details"] == expected
