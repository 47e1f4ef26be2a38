"""The synthetic tenant written out as an admin center would export it, and as Graph serves it:
one CSV per report and report date (BOM, real headers), the users export and the wave file."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from graph.synthetic import DemoTenant
from graph.synthetic_rows import products, rows_for

REPORT_KEYS = ("active_users", "teams_activity", "teams_devices", "onedrive", "sharepoint",
               "email", "engage", "activations", "m365_apps", "copilot")  # fmt: skip


def report_csv(tenant: DemoTenant, key: str, report_date: date) -> bytes:
    """One report's CSV (with BOM) for `report_date`, exactly as Graph would serve it."""
    index = tenant.report_dates.index(report_date)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header, rows = rows_for(tenant, key, report_date, tenant.weeks[index])
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def users_export_csv(tenant: DemoTenant) -> bytes:
    """The admin center's "Export users" CSV (never concealed: it is directory data)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Block credential", "City", "Department", "Display name", "Licenses",
                     "Object Id", "Office", "User principal name"])  # fmt: skip
    for p in tenant.people:
        writer.writerow(["False", "Gent", p.department, p.display_name, products(p), p.id,
                         "", p.upn])  # fmt: skip
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Spare units the fictional organisation bought and assigned to nobody, per SKU.
SPARE_UNITS = {"Microsoft_365_Copilot": 12, "SPE_E3": 4}


def subscriptions_csv(tenant: DemoTenant) -> bytes:
    """uptake's subscribed-SKUs file: units assigned (consumed) per SKU, and bought."""
    consumed: dict[str, int] = {}
    for person in tenant.people:
        for sku in person.skus:
            consumed[sku] = consumed.get(sku, 0) + 1
    lines = ["SKU part number,Enabled units,Consumed units"] + [
        f"{sku},{count + SPARE_UNITS.get(sku, 0)},{count}"
        for sku, count in sorted(consumed.items())
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def waves_csv(tenant: DemoTenant) -> bytes:
    """uptake's department-to-wave mapping file."""
    lines = ["Department,Wave"] + [f"{d},{w}" for d, w in sorted(tenant.waves.items())]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_export_folder(
    tenant: DemoTenant, folder: Path, dates: Sequence[date] | None = None
) -> list[Path]:
    """Write every report for every report date (or `dates`) plus the users export and the
    wave mapping into `folder`; file names are deliberately not the report names."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for report_date in dates if dates is not None else tenant.report_dates:
        sub = folder / report_date.isoformat()
        sub.mkdir(exist_ok=True)
        for n, key in enumerate(REPORT_KEYS):
            path = sub / f"export-{n:02d}.csv"
            path.write_bytes(report_csv(tenant, key, report_date))
            written.append(path)
    for name, data in (
        ("users.csv", users_export_csv(tenant)),
        ("waves.csv", waves_csv(tenant)),
        ("subscriptions.csv", subscriptions_csv(tenant)),
    ):
        (folder / name).write_bytes(data)
        written.append(folder / name)
    return written
