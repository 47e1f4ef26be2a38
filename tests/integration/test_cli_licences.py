"""`uptake licences idle --export FILE` as an operator runs it: refused unless turned on,
audited each time, names in the file and nowhere else; a bad price list stops any command
with every problem and its line, on one line."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from adoption.licences import COPILOT
from adoption.signals import WORKLOADS, Workload
from graph.synthetic import generate_tenant
from graph.synthetic_export import write_export_folder
from store.engine import make_engine, make_sessions
from store.tables import AuditEntry
from tests.integration.test_cli import _no_traceback, _run


async def test_the_idle_export_is_refused_unless_the_operator_turned_it_on(tmp_path: Path) -> None:
    code, output = await _run(tmp_path, "licences", "idle", "--export", str(tmp_path / "x.csv"))
    assert code == 2
    _no_traceback(output)
    assert "UPTAKE_ALLOW_IDLE_EXPORT=true" in output
    assert not (tmp_path / "x.csv").exists()


async def test_the_idle_export_lists_idle_holders_and_is_audited_without_names(
    tmp_path: Path,
) -> None:
    tenant = generate_tenant(60, seed=5, weeks=2)
    exports = tmp_path / "exports"
    write_export_folder(tenant, exports)
    env = {"UPTAKE_REPORTS_DIR": str(exports)}
    code, output = await _run(tmp_path, "sync", env=env)
    assert code == 0, output
    file = tmp_path / "idle.csv"
    env["UPTAKE_ALLOW_IDLE_EXPORT"] = "true"
    code, output = await _run(tmp_path, "licences", "idle", "--export", str(file), env=env)
    assert code == 0, output
    _no_traceback(output)
    with file.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    # Idle Copilot by hand: a holder with no Copilot activity in the 28 days up to the last
    # report date (the synthetic tenant's last-activity dates per workload).
    day = tenant.report_dates[-1]
    copilot = WORKLOADS.index(Workload.COPILOT)
    expected = sorted(
        p.upn
        for j, p in enumerate(tenant.people)
        if COPILOT in p.skus
        and not ((last := tenant.weeks[-1][j].last[copilot]) is not None and (day - last).days < 28)
    )
    assert sorted(r["User principal name"] for r in rows if r["SKU part number"] == COPILOT) == (
        expected
    )
    assert f"{len(rows)} idle licence" in output
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}")
    try:
        async with make_sessions(engine)() as session:
            entries = (await session.scalars(select(AuditEntry))).all()
    finally:
        await engine.dispose()
    export = [e for e in entries if e.question == "licences idle --export"]
    assert len(export) == 1 and export[0].outcome == f"rows:{len(rows)}"
    assert export[0].person_id.startswith("cli:")
    names = {p.display_name for p in tenant.people} | {p.upn for p in tenant.people}
    assert not any(name in output for name in names)


async def test_a_bad_price_list_stops_a_command_on_one_line_with_every_line_number(
    tmp_path: Path,
) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("sku,monthly_price,currency\nSPE_E3,33;75,EUR\nVISIO CLIENT,1,EUR\n")
    code, output = await _run(
        tmp_path, "ambassadors", "list", env={"UPTAKE_LICENCE_PRICES": str(prices)}
    )
    assert code == 1
    _no_traceback(output)
    assert len(output.strip().splitlines()) == 1
    assert "line 2:" in output and "line 3:" in output and "UPTAKE_LICENCE_PRICES" in output
