"""Where usage comes from: Microsoft Graph, or a folder of admin-center CSV exports.

Both produce `UsageBatch`es (one per report date) whose reports are opened lazily and parsed
by the same header-driven parser, so a sync cannot tell the two apart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from graph.client import GraphConnection
from graph.csvreport import text_stream
from graph.directory import DirectoryUser, Sku
from graph.errors import (
    DownloadLinkExpired,
    GraphError,
    GraphNotFound,
    ReportFormatError,
    graph_call,
)
from graph.licences import COPILOT_SKU, mask_from_product_names, skus_from_product_names
from graph.reports import (
    COPILOT,
    DIRECTORY_EXPORT,
    SUBSCRIPTIONS_EXPORT,
    USAGE_REPORTS,
    WAVES_EXPORT,
    OpenReport,
    ReportSpec,
    open_report,
)

log = logging.getLogger(__name__)

Origin = Literal["graph", "folder"]


@dataclass(slots=True)
class ReportInput:
    """One report of a batch; `with open() as report:` starts a fresh streaming read."""

    spec: ReportSpec
    label: str
    open: Callable[[], AbstractContextManager[OpenReport]]


@dataclass(slots=True)
class UsageBatch:
    """All reports of one report date, plus what the tenant says about concealment."""

    report_date: date
    origin: Origin
    reports: dict[str, ReportInput] = field(default_factory=dict)
    concealed_setting: bool | None = None


def _first_refresh_date(report: OpenReport) -> date | None:
    for row in report.rows():
        refresh = row.get("refresh")
        return refresh if isinstance(refresh, date) else None
    return None


# ---- Graph ---------------------------------------------------------------------------------


async def download_report(
    graph: GraphConnection,
    spec: ReportSpec,
    *,
    period: str = "D7",
    day: date | None = None,
    version: str | None = None,
) -> bytes:
    """The CSV bytes of one report. A refused pre-signed download link (it lives minutes)
    is asked for once more; everything else is kiota's retry policy or a typed error."""
    url = spec.url(graph.base_url, period=period, day=day, version=version)
    # Any report builder returns the body as bytes; with_url points it at this report.
    builder = graph.client.reports.get_office365_activations_user_detail.with_url(url)
    for attempt in (1, 2):
        try:
            data = await graph_call(
                builder.get(), what=spec.graph_name, permission="Reports.Read.All"
            )
        except DownloadLinkExpired:
            if attempt == 2:
                raise
            log.info("graph.download_link_expired_retry", extra={"report": spec.key})
            continue
        if not isinstance(data, bytes):
            raise ReportFormatError(spec.graph_name, "Graph answered without a CSV body")
        return data
    raise AssertionError("unreachable")  # pragma: no cover


def bytes_input(spec: ReportSpec, data: bytes) -> ReportInput:
    """A report held in memory (a Graph download), opened afresh for every read."""

    @contextmanager
    def opener() -> Iterator[OpenReport]:
        with text_stream(data) as stream:
            yield open_report(stream, spec.graph_name, spec)

    return ReportInput(spec, spec.graph_name, opener)


async def fetch_graph_batch(
    graph: GraphConnection,
    *,
    period: str = "D7",
    day: date | None = None,
    concealed_setting: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> UsageBatch:
    """Download every usage report (sequentially: each report API is throttled on its own,
    14 requests per 10 minutes per app) and date the batch by the oldest refresh date."""
    inputs: dict[str, ReportInput] = {}
    dates: list[date] = []
    for spec in USAGE_REPORTS:
        if spec is COPILOT and day is None:
            data = await download_copilot(graph, period)
        else:
            data = await download_report(
                graph, spec, period=period, day=day if spec.has_date else None
            )
        report_input = bytes_input(spec, data)
        with report_input.open() as report:
            refresh = _first_refresh_date(report)
        if refresh is not None:
            dates.append(refresh)
        inputs[spec.key] = report_input
        if progress is not None:
            progress(spec.key)
    if not dates:
        raise ReportFormatError("usage reports", "every report is empty: no report date")
    # Reports refresh at different hours; the oldest date is the one all of them cover.
    return UsageBatch(min(dates), "graph", inputs, concealed_setting)


async def download_copilot(graph: GraphConnection, period: str = "D7") -> bytes:
    """The Copilot usage report: version 2 over 28 days (active days and prompts per person)
    where the tenant offers it; otherwise version 1 (last activity dates) for `period`.

    A tenant or cloud without v2 refuses the `version` parameter (400) or the function
    (404); any other failure is the sync's like for every report."""
    try:
        return await download_report(graph, COPILOT, period="D28", version="v2")
    except GraphError as exc:
        if not isinstance(exc, GraphNotFound) and exc.status != 400:
            raise
        log.info("graph.copilot_v2_unavailable", extra={"status": exc.status})
    return await download_report(graph, COPILOT, period=period)


# ---- Folder --------------------------------------------------------------------------------


@dataclass(slots=True)
class FolderContents:
    """What an export folder holds: batches by date, the users export, the wave mapping and
    the waves in order of first appearance with their names (None when not named)."""

    batches: list[UsageBatch]
    directory: list[DirectoryUser] | None
    waves: dict[str, str]
    wave_names: dict[str, str | None] = field(default_factory=dict)
    subscriptions: list[Sku] | None = None


def _file_input(spec: ReportSpec, path: Path) -> ReportInput:
    @contextmanager
    def opener() -> Iterator[OpenReport]:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield open_report(handle, path.name, spec)

    return ReportInput(spec, path.name, opener)


def _read_directory_export(report: OpenReport) -> list[DirectoryUser]:
    users: list[DirectoryUser] = []
    masks: dict[tuple[str, ...], tuple[int, str]] = {}  # few distinct licence lists
    unknown_names = 0
    for upn, object_id, name, department, blocked, licences in report.values(
        "upn", "object_id", "display_name", "department", "blocked", "licenses"
    ):
        if not upn or not object_id:
            continue
        found = masks.get(licences)
        if found is None:
            skus, unknown = skus_from_product_names(licences)
            unknown_names += unknown
            found = masks[licences] = (mask_from_product_names(licences), skus)
        mask, skus = found
        users.append(
            DirectoryUser(
                id=object_id.lower(),
                upn=upn.lower(),
                display_name=name or None,
                department=department or None,
                enabled=not blocked,
                licensed=mask,
                skus=skus,
            )
        )
    if unknown_names:
        # Product names without a known part number hold no price: counted, never guessed.
        log.info("directory.export_unknown_products", extra={"distinct_lists": unknown_names})
    return users


def _read_subscriptions_export(report: OpenReport) -> list[Sku]:
    return [
        Sku(
            sku_id=(sku_id or "").lower(),
            part_number=part,
            enabled_units=enabled,
            consumed_units=consumed,
            has_teams=False,
            is_copilot=(sku_id or "").lower() == COPILOT_SKU or part == "Microsoft_365_Copilot",
        )
        for part, enabled, consumed, sku_id in report.values(
            "part_number", "enabled", "consumed", "sku_id"
        )
        if part
    ]


def scan_folder(folder: Path) -> FolderContents:
    """Identify every CSV under `folder` by its header row and group reports by date."""
    if not folder.is_dir():
        raise ReportFormatError(str(folder), "UPTAKE_REPORTS_DIR is not a folder")
    batches: dict[date, UsageBatch] = {}
    directory: list[DirectoryUser] | None = None
    waves: dict[str, str] = {}
    wave_names: dict[str, str | None] = {}
    subscriptions: list[Sku] | None = None
    for path in sorted(folder.rglob("*.csv")):
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                report = open_report(handle, path.name)
                spec = report.spec
                if spec is DIRECTORY_EXPORT:
                    directory = (directory or []) + _read_directory_export(report)
                    continue
                if spec is SUBSCRIPTIONS_EXPORT:
                    subscriptions = (subscriptions or []) + _read_subscriptions_export(report)
                    continue
                if spec is WAVES_EXPORT:
                    for department, wave, name in report.values("department", "wave", "wave_name"):
                        if wave:
                            waves[department] = wave
                            wave_names[wave] = wave_names.get(wave) or name or None
                    continue
                refresh = _first_refresh_date(report)
        except UnicodeDecodeError as exc:
            raise ReportFormatError(path.name, f"not UTF-8 text ({exc.reason})") from None
        if refresh is None:
            log.info("usage.export_empty", extra={"file": path.name, "report": spec.key})
            continue
        batch = batches.setdefault(refresh, UsageBatch(refresh, "folder"))
        if spec.key in batch.reports:
            raise ReportFormatError(
                path.name,
                f"a second {spec.graph_name} export for {refresh} "
                f"(also in {batch.reports[spec.key].label})",
            )
        batch.reports[spec.key] = _file_input(spec, path)
    return FolderContents(
        [batches[d] for d in sorted(batches)], directory, waves, wave_names, subscriptions
    )
