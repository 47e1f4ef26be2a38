"""The usage reports we read: their Graph names, the columns we use, and recognition by header.

Headers are those of docs/platform-facts.md §1; only the columns uptake uses are listed, the
rest of a file is ignored. An export is recognised by its header row (file names are not a
stable contract): the report whose required columns are all present, the most specific first.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO

from graph.csvreport import (
    Column,
    Kind,
    Layout,
    Row,
    Values,
    iter_rows,
    iter_values,
    layout_for,
    normalise_header,
)
from graph.csvreport import read_header as _read_header
from graph.errors import ReportFormatError

T, D, B, N, DUR, P = Kind.TEXT, Kind.DATE, Kind.BOOL, Kind.INT, Kind.DURATION, Kind.PRODUCTS


def _c(field: str, header: str, kind: Kind, required: bool = True) -> Column:
    return Column(field, header, kind, required)


_REFRESH = _c("refresh", "Report Refresh Date", D)
_UPN = _c("upn", "User Principal Name", T)
_LAST = _c("last_activity", "Last Activity Date", D)
_DELETED = _c("deleted", "Is Deleted", B, required=False)
_PRODUCTS = _c("products", "Assigned Products", P, required=False)
_PERIOD = _c("period", "Report Period", T, required=False)


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """One usage report: how Graph names it and which of its columns we read."""

    key: str
    graph_name: str
    columns: tuple[Column, ...]
    path: str = "reports"
    has_period: bool = True
    has_date: bool = True
    # Directory and wave exports come from a folder only; Graph has JSON APIs for those.
    from_graph: bool = True

    @property
    def required_headers(self) -> frozenset[str]:
        return frozenset(normalise_header(c.header) for c in self.columns if c.required)

    def url(
        self,
        base_url: str,
        *,
        period: str | None = None,
        day: date | None = None,
        version: str | None = None,
    ) -> str:
        """The Graph URL for a period (`D7`...) or a single date; `version` ("v2") only for
        the Copilot report, whose v2 has periods of 28 days instead of 30."""
        base = base_url.rstrip("/")
        if day is not None:
            if not self.has_date:
                raise ValueError(f"{self.graph_name} has no date variant")
            return f"{base}/{self.path}/{self.graph_name}(date={day.isoformat()})"
        if not self.has_period:
            return f"{base}/{self.path}/{self.graph_name}"
        if version is not None:
            if version != "v2" or period not in {"D7", "D28", "D90", "D180", "ALL"}:
                raise ValueError(f"unknown report version or period {version!r} {period!r}")
            return f"{base}/{self.path}/{self.graph_name}(period='{period}',version='{version}')"
        if period not in {"D7", "D30", "D90", "D180", "ALL"}:
            raise ValueError(f"unknown report period {period!r}")
        return f"{base}/{self.path}/{self.graph_name}(period='{period}')"


ACTIVE_USERS = ReportSpec(
    "active_users",
    "getOffice365ActiveUserDetail",
    (
        _REFRESH,
        _UPN,
        _DELETED,
        _PRODUCTS,
        _c("display_name", "Display Name", T, required=False),
        _c("has_exchange", "Has Exchange License", B),
        _c("has_onedrive", "Has OneDrive License", B),
        _c("has_sharepoint", "Has SharePoint License", B),
        _c("has_engage", "Has Yammer License", B),
        _c("has_teams", "Has Teams License", B),
        _c("exchange_last", "Exchange Last Activity Date", D),
        _c("onedrive_last", "OneDrive Last Activity Date", D),
        _c("sharepoint_last", "SharePoint Last Activity Date", D),
        _c("engage_last", "Yammer Last Activity Date", D),
        _c("teams_last", "Teams Last Activity Date", D),
    ),
)
TEAMS_ACTIVITY = ReportSpec(
    "teams_activity",
    "getTeamsUserActivityUserDetail",
    (
        _REFRESH,
        _UPN,
        _LAST,
        _DELETED,
        _PRODUCTS,
        _PERIOD,
        _c("user_id", "User Id", T, required=False),
        _c("team_chat", "Team Chat Message Count", N),
        _c("private_chat", "Private Chat Message Count", N),
        _c("calls", "Call Count", N),
        _c("meetings", "Meeting Count", N),
        _c("posts", "Post Messages", N, required=False),
        _c("audio", "Audio Duration", DUR, required=False),
        _c("licensed", "Is Licensed", B, required=False),
    ),
)
TEAMS_DEVICES = ReportSpec(
    "teams_devices",
    "getTeamsDeviceUsageUserDetail",
    (
        _REFRESH,
        _UPN,
        _LAST,
        _DELETED,
        _PERIOD,
        _c("user_id", "User Id", T, required=False),
        _c("web", "Used Web", B),
        _c("ios", "Used iOS", B),
        _c("android", "Used Android Phone", B),
        _c("windows_phone", "Used Windows Phone", B, required=False),
        _c("windows", "Used Windows", B),
        _c("mac", "Used Mac", B),
        _c("chrome_os", "Used Chrome OS", B, required=False),
        _c("linux", "Used Linux", B, required=False),
        _c("licensed", "Is Licensed", B, required=False),
    ),
)
_FILES = (
    _REFRESH,
    _UPN,
    _LAST,
    _DELETED,
    _PRODUCTS,
    _PERIOD,
    _c("edited", "Viewed Or Edited File Count", N),
    _c("synced", "Synced File Count", N),
    _c("shared_internally", "Shared Internally File Count", N),
    _c("shared_externally", "Shared Externally File Count", N),
)
ONEDRIVE = ReportSpec("onedrive", "getOneDriveActivityUserDetail", _FILES)
SHAREPOINT = ReportSpec(
    "sharepoint",
    "getSharePointActivityUserDetail",
    (*_FILES, _c("visited", "Visited Page Count", N)),
)
EMAIL = ReportSpec(
    "email",
    "getEmailActivityUserDetail",
    (
        _REFRESH,
        _UPN,
        _LAST,
        _DELETED,
        _PRODUCTS,
        _PERIOD,
        _c("sent", "Send Count", N),
        _c("received", "Receive Count", N),
        _c("read", "Read Count", N),
    ),
)
ENGAGE = ReportSpec(
    "engage",
    "getYammerActivityUserDetail",
    (
        _REFRESH,
        _UPN,
        _LAST,
        _PRODUCTS,
        _PERIOD,
        _c("posted", "Posted Count", N),
        _c("read", "Read Count", N),
        _c("liked", "Liked Count", N),
        _c("state", "User State", T, required=False),
    ),
)
ACTIVATIONS = ReportSpec(
    "activations",
    "getOffice365ActivationsUserDetail",
    (
        _REFRESH,
        _UPN,
        _c("product", "Product Type", T),
        _c("last_activated", "Last Activated Date", D),
        _c("windows", "Windows", N),
        _c("mac", "Mac", N),
        _c("ios", "iOS", N, required=False),
        _c("android", "Android", N, required=False),
    ),
    has_period=False,
    has_date=False,
)
M365_APPS = ReportSpec(
    "m365_apps",
    "getM365AppUserDetail",
    (
        _REFRESH,
        _UPN,
        _LAST,
        _PERIOD,
        _c("last_activation", "Last Activation Date", D),
        _c("windows", "Windows", B),
        _c("mac", "Mac", B),
        _c("mobile", "Mobile", B),
        _c("web", "Web", B),
    ),
)
COPILOT = ReportSpec(
    "copilot",
    "getMicrosoft365CopilotUsageUserDetail",
    (
        _REFRESH,
        _UPN,
        _LAST,
        _PERIOD,
        _c("chat_last", "Copilot Chat Last Activity Date", D),
        _c("teams_last", "Microsoft Teams Copilot Last Activity Date", D),
        _c("word_last", "Word Copilot Last Activity Date", D),
        _c("outlook_last", "Outlook Copilot Last Activity Date", D),
        _c("excel_last", "Excel Copilot Last Activity Date", D, required=False),
        _c("powerpoint_last", "PowerPoint Copilot Last Activity Date", D, required=False),
        # Version 2 only (MicrosoftDocs/m365copilot-docs, docs/api/admin-settings/reports/
        # copilotreportroot-getmicrosoft365copilotusageuserdetail.md, "Report versions"):
        # absent from a v1 report, so optional; their presence says which version this is.
        _c("prompts", "Prompts submitted for all apps", N, required=False),
        _c("active_days", "Active Usage Days for all apps", N, required=False),
    ),
    path="copilot/reports",
    has_date=False,
)
# Microsoft 365 admin center > Users > Active users > Export users.
DIRECTORY_EXPORT = ReportSpec(
    "directory",
    "users export",
    (
        _c("upn", "User principal name", T),
        _c("object_id", "Object Id", T),
        _c("department", "Department", T),
        _c("blocked", "Block credential", B),
        _c("licenses", "Licenses", P),
        _c("display_name", "Display name", T, required=False),
    ),
    from_graph=False,
)
# uptake's own file of the tenant's subscribed SKUs for an export folder (Graph has
# /subscribedSkus; the admin center's Billing > Licenses page has no stable export): one row
# per SKU part number with its prepaid (enabled) and assigned (consumed) units.
SUBSCRIPTIONS_EXPORT = ReportSpec(
    "subscriptions",
    "subscribed SKUs",
    (
        _c("part_number", "SKU part number", T),
        _c("enabled", "Enabled units", N),
        _c("consumed", "Consumed units", N),
        _c("sku_id", "SKU id", T, required=False),
    ),
    from_graph=False,
)
# uptake's own mapping of departments to rollout waves (no Microsoft counterpart); a wave may
# be named ("pilot") in an optional column, and waves are ordered as they first appear.
WAVES_EXPORT = ReportSpec(
    "waves",
    "department waves",
    (
        _c("department", "Department", T),
        _c("wave", "Wave", T),
        _c("wave_name", "Wave name", T, required=False),
    ),
    from_graph=False,
)

USAGE_REPORTS: tuple[ReportSpec, ...] = (
    ACTIVE_USERS, TEAMS_ACTIVITY, TEAMS_DEVICES, ONEDRIVE, SHAREPOINT,
    EMAIL, ENGAGE, ACTIVATIONS, M365_APPS, COPILOT,
)  # fmt: skip
ALL_SPECS: tuple[ReportSpec, ...] = (
    *USAGE_REPORTS, DIRECTORY_EXPORT, WAVES_EXPORT, SUBSCRIPTIONS_EXPORT,
)  # fmt: skip
BY_KEY = {spec.key: spec for spec in ALL_SPECS}


def identify(header: list[str], source: str) -> ReportSpec:
    """The report a header row belongs to; the spec needing the most columns wins ties."""
    present = {normalise_header(h) for h in header}
    matches = [s for s in ALL_SPECS if s.required_headers <= present]
    if not matches:
        raise ReportFormatError(source, "not a known usage report (header row not recognised)")
    return max(matches, key=lambda s: len(s.required_headers))


@dataclass(slots=True)
class OpenReport:
    """A report whose header is read and whose rows stream on demand."""

    spec: ReportSpec
    layout: Layout
    records: Iterator[list[str]]

    def rows(self) -> Iterator[Row]:
        """Rows as dicts by field name: convenient, for small files."""
        return iter_rows(self.layout, self.records)

    def values(self, *names: str) -> Iterator[Values]:
        """Rows as lists of the values of fields `names`, in that order: for large reports
        (no dict per row, and only the columns used are converted)."""
        return iter_values(self.layout, self.records, names)


def open_report(stream: IO[str], source: str, expected: ReportSpec | None = None) -> OpenReport:
    """Read the header of `stream` and prepare to stream its rows.

    With `expected` (a Graph download) the header must hold that report's required columns;
    without (an export file) the report is identified by its header.
    """
    records = csv.reader(stream)
    header = _read_header(records, source)
    spec = expected if expected is not None else identify(header, source)
    layout = layout_for(spec.graph_name, header, spec.columns)
    return OpenReport(spec, layout, records)
