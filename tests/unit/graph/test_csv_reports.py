"""Parsing usage CSV by header name: BOM, spacing, case, kinds, missing and extra columns."""

from __future__ import annotations

import io
from datetime import date

import pytest

from graph.csvreport import parse_bool, parse_duration, parse_products
from graph.errors import ReportFormatError
from graph.identity import looks_concealed
from graph.reports import ALL_SPECS, SHAREPOINT, TEAMS_DEVICES, open_report
from graph.synthetic import generate_tenant
from graph.synthetic_export import REPORT_KEYS, report_csv


def stream(text: str) -> io.StringIO:
    return io.StringIO(text, newline="")


@pytest.mark.parametrize(("raw", "value"), [("Yes", True), ("no", False), ("True", True),
                                            ("FALSE", False), ("", False)])  # fmt: skip
def test_booleans_in_both_spellings(raw: str, value: bool) -> None:
    assert parse_bool(raw) is value


def test_unknown_boolean_is_refused() -> None:
    with pytest.raises(ValueError, match="not a boolean"):
        parse_bool("maybe")


@pytest.mark.parametrize(("raw", "seconds"), [("PT0S", 0), ("PT1H2M3S", 3723), ("P1DT1S", 86401),
                                              ("PT20M", 1200), ("", 0)])  # fmt: skip
def test_iso_durations(raw: str, seconds: int) -> None:
    assert parse_duration(raw) == seconds


def test_products_are_split_on_plus() -> None:
    assert parse_products("Microsoft 365 E3+ Microsoft 365 Copilot") == (
        "Microsoft 365 E3",
        "Microsoft 365 Copilot",
    )


def test_every_synthetic_report_is_identified_by_its_header() -> None:
    tenant = generate_tenant(20, weeks=1)
    for key in REPORT_KEYS:
        data = report_csv(tenant, key, tenant.report_dates[0]).decode("utf-8-sig")
        assert open_report(stream(data), "file.csv").spec.key == key


def test_double_space_header_reordered_columns_and_case_still_match() -> None:
    text = (
        "used  windows,USER PRINCIPAL NAME,Report Refresh Date,Used Web,Used iOS,Used Mac,"
        "Used Android Phone,Last Activity Date,Used  Chrome OS,Extra Column\r\n"
        "Yes,a@x.be,2026-11-16,No,No,No,Yes,2026-11-15,No,whatever\r\n"
    )
    report = open_report(stream(text), "devices.csv")
    assert report.spec is TEAMS_DEVICES
    [row] = list(report.rows())
    assert row["windows"] is True
    assert row["android"] is True
    assert row["chrome_os"] is False
    assert row["last_activity"] == date(2026, 11, 15)
    assert "Extra Column" not in row


def test_sharepoint_wins_over_onedrive_when_visited_pages_present() -> None:
    tenant = generate_tenant(5, weeks=1)
    data = report_csv(tenant, "sharepoint", tenant.report_dates[0])
    assert open_report(stream(data.decode("utf-8-sig")), "x").spec is SHAREPOINT


def test_missing_required_column_names_report_and_column() -> None:
    tenant = generate_tenant(5, weeks=1)
    text = report_csv(tenant, "teams_devices", tenant.report_dates[0]).decode("utf-8-sig")
    text = text.replace("Used Mac", "Used Macintosh")
    with pytest.raises(ReportFormatError) as caught:
        open_report(stream(text), "x", TEAMS_DEVICES)
    assert caught.value.report == "getTeamsDeviceUsageUserDetail"
    assert "'Used Mac'" in str(caught.value)


def test_bad_value_names_line_and_column() -> None:
    text = "Report Refresh Date,User Principal Name,Product Type,Last Activated Date,Windows,Mac\n"
    text += "2026-11-16,a@x.be,APPS,yesterday,1,0\n"
    report = open_report(stream(text), "activations.csv")
    with pytest.raises(ReportFormatError, match=r"line 2, column 'Last Activated Date'"):
        list(report.rows())


def test_unknown_header_is_refused() -> None:
    with pytest.raises(ReportFormatError, match="not a known usage report"):
        open_report(stream("a,b,c\n1,2,3\n"), "mystery.csv")


def test_row_with_wrong_field_count_is_an_error() -> None:
    text = "Department,Wave\nIT,1\nHR\n"
    report = open_report(stream(text), "waves.csv")
    with pytest.raises(ReportFormatError, match="line 3"):
        list(report.rows())


def test_report_specs_have_unique_keys() -> None:
    assert len({s.key for s in ALL_SPECS}) == len(ALL_SPECS)


@pytest.mark.parametrize(
    ("upn", "concealed"),
    [("0123456789ABCDEF0123456789ABCDEF", True), ("<PII:H105(123)>@x.be", True),
     ("(Unknown)", True), ("jan.peeters@contoso.be", False),
     ("0123456789abcdef0123456789abcdef", False)],
)  # fmt: skip
def test_concealed_values_are_detected(upn: str, concealed: bool) -> None:
    assert looks_concealed(upn) is concealed


def test_values_are_the_requested_fields_in_order_with_absent_optionals_none() -> None:
    text = (
        "Report Refresh Date,User Principal Name,Last Activity Date,Used Web,Used iOS,"
        "Used Mac,Used Android Phone,Used Windows\r\n"
        "2026-11-16, a@x.be ,2026-11-15,Yes,No,No,No,True\r\n"
        "2026-11-16,b@x.be,,No,No,No,No,False\r\n"
    )
    report = open_report(stream(text), "devices.csv", TEAMS_DEVICES)
    rows = list(report.values("upn", "windows", "linux", "last_activity"))
    assert rows == [["a@x.be", True, None, date(2026, 11, 15)], ["b@x.be", False, None, None]]


def test_bad_value_in_a_requested_field_names_line_and_column() -> None:
    text = "Report Refresh Date,User Principal Name,Product Type,Last Activated Date,Windows,Mac\n"
    text += "2026-11-16,a@x.be,APPS,2026-11-16,1,0\n2026-11-16,b@x.be,APPS,2026-11-16,one,0\n"
    report = open_report(stream(text), "activations.csv")
    with pytest.raises(ReportFormatError, match=r"line 3, column 'Windows'"):
        list(report.values("upn", "windows"))
