"""Rows of each synthetic report (split from graph.synthetic to keep modules small)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from adoption.signals import WORKLOADS, Workload
from graph.synthetic import DemoPerson, DemoTenant, WeekUsage

Row = list[str]
_ZERO_ID = "00000000-0000-0000-0000-000000000000"
_W = {w: i for i, w in enumerate(WORKLOADS)}


def _hidden(value: str, salt: str) -> str:
    return hashlib.md5(f"{salt}|{value}".encode(), usedforsecurity=False).hexdigest().upper()


def _d(day: date | None) -> str:
    return day.isoformat() if day else ""


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def _tf(flag: bool) -> str:
    return "True" if flag else "False"


def products(person: DemoPerson) -> str:
    suite = "Microsoft 365 E3" if Workload.APPS in person.licensed else "Office 365 E1"
    if Workload.TEAMS not in person.licensed:
        suite += " (no Teams)"
    names = [suite]
    if Workload.COPILOT in person.licensed:
        names.append("Microsoft 365 Copilot")
    if "VISIOCLIENT" in person.skus:
        names.append("Visio Plan 2")
    return "+".join(names)


# The Copilot usage user detail report as Graph v1.0 answers it (CSV). Version 1: the header
# of the documented example response. Version 2 (`version='v2'`): "all of the information from
# version 1" plus the columns listed under "Report versions", spelled as listed there
# (MicrosoftDocs/m365copilot-docs, docs/api/admin-settings/reports/
# copilotreportroot-getmicrosoft365copilotusageuserdetail.md, revision of 2026-08; the docs
# give no v2 example, so their order here is the list's, before Report Period).
COPILOT_V1_HEADER = (
    "Report Refresh Date, User Principal Name, Display Name, "
    "Last Activity Date, Copilot Chat Last Activity Date, "
    "Microsoft Teams Copilot Last Activity Date, "
    "Word Copilot Last Activity Date, Excel Copilot Last Activity Date, "
    "PowerPoint Copilot Last Activity Date, "
    "Outlook Copilot Last Activity Date, OneNote Copilot Last Activity Date, "
    "Loop Copilot Last Activity Date, Report Period"
)
COPILOT_V2_HEADER = COPILOT_V1_HEADER.replace(
    ", Report Period",
    ", Prompts submitted for all apps, Prompts submitted for Copilot Chat (work), "
    "Prompts submitted for Copilot Chat (web), Active Usage Days for all apps, "
    "Copilot Chat (work) Last Activity Date, Copilot Chat (web) Last Activity Date, "
    "Microsoft 365 Copilot Last Activity Date, Edge Last Activity Date, "
    "Copilot Agent Last Activity Date, Report Period",
)


def _h(header: str) -> list[str]:
    # Written as in docs/platform-facts.md; a double space inside a name survives the split.
    return header.split(", ")


def rows_for(
    tenant: DemoTenant, key: str, report_date: date, week: Sequence[WeekUsage]
) -> tuple[list[str], Iterator[Row]]:
    """Header and rows of report `key`; header order and spelling follow real exports."""
    refresh = report_date.isoformat()
    since = report_date - timedelta(days=6)

    def ident(p: DemoPerson) -> tuple[str, str, str]:
        if tenant.concealed:
            return _hidden(p.upn, key), _hidden(p.display_name + p.upn, key + "dn"), _ZERO_ID
        return p.upn, p.display_name, p.id

    def recent(state: WeekUsage, w: Workload) -> bool:
        day = state.last[_W[w]]
        return day is not None and day >= since

    def people(w: Workload) -> Iterator[tuple[DemoPerson, WeekUsage]]:
        for p, state in zip(tenant.people, week, strict=True):
            if w in p.licensed:
                yield p, state

    def n(state: WeekUsage, w: Workload) -> int:
        return state.counts.get(w.value, 0)

    if key == "active_users":
        ws = (
            Workload.EXCHANGE,
            Workload.ONEDRIVE,
            Workload.SHAREPOINT,
            Workload.ENGAGE,
            Workload.TEAMS,
        )
        head = _h(
            "Report Refresh Date, User Principal Name, Display Name, Is Deleted, "
            "Deleted Date, Has Exchange License, Has OneDrive License, "
            "Has SharePoint License, Has Skype For Business License, "
            "Has Yammer License, Has Teams License, Exchange Last Activity Date, "
            "OneDrive Last Activity Date, SharePoint Last Activity Date, "
            "Skype For Business Last Activity Date, Yammer Last Activity Date, "
            "Teams Last Activity Date, Assigned Products"
        )
        # Real exports reorder columns: this one comes reversed.
        order = list(range(len(head)))[::-1]

        def active_rows() -> Iterator[Row]:
            for p, s in zip(tenant.people, week, strict=True):
                upn, dn, _ = ident(p)
                lic = [_tf(w in p.licensed) for w in ws]
                last = [_d(s.last[_W[w]]) for w in ws]
                row = [refresh, upn, dn, "False", "", *lic[:3], "False", *lic[3:],
                       *last[:3], "", *last[3:], products(p)]  # fmt: skip
                yield [row[i] for i in order]

        return [head[i] for i in order], active_rows()
    if key == "teams_activity":
        head = _h(
            "Report Refresh Date, Tenant Display Name, User Id, User Principal Name, "
            "Last Activity Date, Is Deleted, Deleted Date, Assigned Products, "
            "Team Chat Message Count, Private Chat Message Count, Call Count, "
            "Meeting Count, Post Messages, Audio Duration, Is Licensed, "
            "Report Period"
        )

        def teams_rows() -> Iterator[Row]:
            for p, s in people(Workload.TEAMS):
                upn, _, uid = ident(p)
                c = n(s, Workload.TEAMS) if recent(s, Workload.TEAMS) else 0
                meetings = c // 3
                yield [refresh, "Contoso", uid, upn, _d(s.last[_W[Workload.TEAMS]]), "False", "",
                       products(p), str(c // 4), str(c), str(c // 5), str(meetings), "0",
                       f"PT{meetings * 20}M" if meetings else "PT0S", "Yes", "7"]  # fmt: skip

        return head, teams_rows()
    if key == "teams_devices":
        head = _h(
            "Report Refresh Date, User Id, User Principal Name, Last Activity Date, "
            "Is Deleted, Deleted Date, Used Web, Used Windows Phone, Used iOS, "
            "Used Mac, Used Android Phone, Used Windows, Used  Chrome OS, "
            "Used Linux, Is Licensed, Report Period"
        )

        def device_rows() -> Iterator[Row]:
            for p, s in people(Workload.TEAMS):
                upn, _, uid = ident(p)
                c = n(s, Workload.TEAMS) if recent(s, Workload.TEAMS) else 0
                yield [refresh, uid, upn, _d(s.last[_W[Workload.TEAMS]]), "False", "",
                       _yes(c % 4 == 1), "No", _yes(c > 0 and c % 3 == 0), "No", _yes(c % 5 == 2),
                       _yes(c > 0), "No", "No", "Yes", "7"]  # fmt: skip

        return head, device_rows()
    if key in ("onedrive", "sharepoint"):
        w = Workload.ONEDRIVE if key == "onedrive" else Workload.SHAREPOINT
        head = _h(
            "Report Refresh Date, User Principal Name, Is Deleted, Deleted Date, "
            "Last Activity Date, Viewed Or Edited File Count, Synced File Count, "
            "Shared Internally File Count, Shared Externally File Count"
        )
        head += ["Visited Page Count"] if w is Workload.SHAREPOINT else []
        head += ["Assigned Products", "Report Period"]

        def file_rows() -> Iterator[Row]:
            for p, s in people(w):
                upn, _, _ = ident(p)
                c = n(s, w) if recent(s, w) else 0
                row = [refresh, upn, "False", "", _d(s.last[_W[w]]), str(c), str(c // 2),
                       str(c // 3), str(c // 10)]  # fmt: skip
                row += [str(c * 2)] if w is Workload.SHAREPOINT else []
                yield [*row, products(p), "7"]

        return head, file_rows()
    if key == "email":
        head = _h(
            "Report Refresh Date, User Principal Name, Display Name, Is Deleted, "
            "Deleted Date, Last Activity Date, Send Count, Receive Count, "
            "Read Count, Meeting Created Count, Meeting Interacted Count, "
            "Assigned Products, Report Period"
        )

        def mail_rows() -> Iterator[Row]:
            for p, s in people(Workload.EXCHANGE):
                upn, dn, _ = ident(p)
                c = n(s, Workload.EXCHANGE) if recent(s, Workload.EXCHANGE) else 0
                yield [refresh, upn, dn, "False", "", _d(s.last[_W[Workload.EXCHANGE]]), str(c),
                       str(c * 3), str(c * 2), "0", "0", products(p), "7"]  # fmt: skip

        return head, mail_rows()
    if key == "engage":
        head = _h(
            "Report Refresh Date, User Principal Name, Display Name, User State, "
            "State Change Date, Last Activity Date, Posted Count, Read Count, "
            "Liked Count, Assigned Products, Report Period"
        )

        def engage_rows() -> Iterator[Row]:
            for p, s in people(Workload.ENGAGE):
                upn, dn, _ = ident(p)
                c = n(s, Workload.ENGAGE) if recent(s, Workload.ENGAGE) else 0
                yield [refresh, upn, dn, "Active", "", _d(s.last[_W[Workload.ENGAGE]]),
                       str(c // 6), str(c), str(c // 2), products(p), "7"]  # fmt: skip

        return head, engage_rows()
    if key == "activations":
        head = _h(
            "Report Refresh Date, User Principal Name, Display Name, Product Type, "
            "Last Activated Date, Windows, Mac, Windows 10 Mobile, iOS, Android, "
            "Activated On Shared Computer"
        )

        def activation_rows() -> Iterator[Row]:
            for p, s in people(Workload.APPS):
                if s.last[_W[Workload.APPS]] is None:
                    continue  # never used: no activation either
                upn, dn, _ = ident(p)
                yield [refresh, upn, dn, "MICROSOFT 365 APPS FOR ENTERPRISE",
                       _d(tenant.report_dates[0]), "1", "0", "0", "1", "0", "False"]  # fmt: skip

        return head, activation_rows()
    if key == "m365_apps":
        head = _h(
            "Report Refresh Date, User Principal Name, Last Activation Date, "
            "Last Activity Date, Report Period, Windows, Mac, Mobile, Web, Outlook, "
            "Word, Excel, PowerPoint, OneNote, Teams"
        )

        def app_rows() -> Iterator[Row]:
            for p, s in people(Workload.APPS):
                upn, _, _ = ident(p)
                used = recent(s, Workload.APPS)
                activated = _d(tenant.report_dates[0]) if s.last[_W[Workload.APPS]] else ""
                yield [refresh, upn, activated, _d(s.last[_W[Workload.APPS]]), "7", _yes(used),
                       "No", _yes(used and n(s, Workload.APPS) % 2 == 0), _yes(used), _yes(used),
                       _yes(used), "No", "No", "No", _yes(used)]  # fmt: skip

        return head, app_rows()
    if key == "copilot_v1":
        head = _h(COPILOT_V1_HEADER)

        def copilot_rows() -> Iterator[Row]:
            for p, s in people(Workload.COPILOT):
                upn, dn, _ = ident(p)
                last = _d(s.last[_W[Workload.COPILOT]])
                yield [refresh, upn, dn, last, last, last, "", "", "", last, "", "", "7"]

        return head, copilot_rows()
    if key == "copilot":
        head = _h(COPILOT_V2_HEADER)
        index = {p.id: j for j, p in enumerate(tenant.people)}

        def copilot_v2_rows() -> Iterator[Row]:
            for p, s in people(Workload.COPILOT):
                upn, dn, _ = ident(p)
                last = _d(s.last[_W[Workload.COPILOT]])
                days, prompts = tenant.copilot_activity(index[p.id], report_date)
                work = prompts // 2
                yield [refresh, upn, dn, last, last, last, "", "", "", last, "", "",
                       str(prompts), str(work), str(prompts - work), str(days),
                       last, "", last, "", "", "28"]  # fmt: skip

        return head, copilot_v2_rows()
    raise ValueError(f"unknown report key {key!r}")
