"""One fold per usage report: its columns become each person's licences, provisioning,
activity dates and signals (and, for concealed reports, tenant counters).

Each function resolves its columns once, then streams its rows; graph.ingest runs them over a
batch and makes the Snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

from adoption.funnel import ACTIVE_DAYS
from adoption.licences import HABITUAL_COPILOT_DAYS
from adoption.signals import CLIENT_WORKLOADS, WORKLOADS, PersonUsage, Signal, Workload
from adoption.signals import signal_bit as sig
from graph.csvreport import Values
from graph.identity import looks_concealed, pseudonym
from graph.licences import mask_from_product_names
from graph.reports import OpenReport


class TenantCounts:
    """Counters for the concealed case: each workload from its own report, no joins.

    Lists indexed like WORKLOADS rather than dicts by Workload: hashing an enum member runs
    Python code, and these counters move on every row."""

    def __init__(self, report_date: date) -> None:
        self.since = report_date - timedelta(days=ACTIVE_DAYS - 1)
        self.licensed = [0] * len(WORKLOADS)
        self.active = [0] * len(WORKLOADS)
        self.installed = [0] * len(WORKLOADS)
        self.population = 0
        self.activated: set[str] = set()

    def recent(self, day: date | None) -> bool:
        return day is not None and day >= self.since

    def counts(self) -> dict[str, list[int]]:
        result: dict[str, list[int]] = {}
        for i, workload in enumerate(WORKLOADS):
            licensed = self.licensed[i]
            active = min(self.active[i], licensed)
            if workload in CLIENT_WORKLOADS:
                installed = len(self.activated) if workload is Workload.APPS else 0
                installed = max(installed, self.installed[i])
                provisioned = min(licensed, max(active, installed))
            else:
                provisioned = licensed
            result[workload.value] = [licensed, provisioned, active]
        return result


# Positions in WORKLOADS (and in PersonUsage.last_activity), resolved once.
TEAMS, EXCHANGE, ONEDRIVE, SHAREPOINT, ENGAGE, APPS, COPILOT = (
    WORKLOADS.index(w)
    for w in (Workload.TEAMS, Workload.EXCHANGE, Workload.ONEDRIVE, Workload.SHAREPOINT,
              Workload.ENGAGE, Workload.APPS, Workload.COPILOT)
)  # fmt: skip


def _latest(lasts: list[date | None], index: int, day: date | None) -> None:
    """Keep the latest activity date of a workload (reports overlap: Teams is in several)."""
    if day is not None:
        current = lasts[index]
        if current is None or day > current:
            lasts[index] = day


class Fold:
    """One batch being folded: people by lower-case UPN, tenant counters, what was seen."""

    def __init__(
        self,
        by_upn: dict[str, PersonUsage],
        joined: bool,
        report_date: date,
        pseudonym_key: bytes | None,
    ) -> None:
        self.by_upn = by_upn
        self.pseudonym_key = pseudonym_key
        # With a directory only its people count; without one, every UPN becomes a person.
        self.joined = joined
        self.tenant = TenantCounts(report_date)
        self.since7 = report_date - timedelta(days=6)
        self.concealed_values = False
        self.unmatched = 0
        # The Copilot report's version 2 columns, per person key: (active days, prompts) in
        # its period (D28); None when the report read was version 1 (or there was none).
        self.copilot_version: str | None = None
        self.copilot_days: dict[str, tuple[int, int]] = {}
        self.copilot_habitual = 0  # tenant level, for concealed reports

    def pseudonym(self, upn: str) -> str:
        if self.pseudonym_key is None:
            raise ValueError("usage without a directory needs the pseudonym key (server secret)")
        return pseudonym(upn, self.pseudonym_key)

    def rows(self, report: OpenReport, *fields: str) -> Iterator[tuple[PersonUsage, Values]]:
        """(person, values of `fields`) per live row. A row that cannot be joined (concealed,
        or unknown to the directory) gets a throwaway person: it still feeds the tenant
        counters."""
        has_deleted = "deleted" in report.layout.names
        extra = ("deleted", "upn") if has_deleted else ("upn",)
        activated = self.tenant.activated if report.spec.key == "activations" else None
        by_upn = self.by_upn
        for values in report.values(*fields, *extra):
            # The UPN (and the deletion flag) come last: popped, `values` is just `fields`.
            upn: str = values.pop()
            if has_deleted and values.pop():
                continue
            if activated is not None:
                activated.add(upn)
            # Spare ordinary UPNs the regex: a concealed form has no `@` (32-hex,
            # `(Unknown)`) or starts with `<` (`<PII:...>@domain`).
            if ("@" not in upn or upn[0] == "<") and looks_concealed(upn):
                self.concealed_values = True
                yield PersonUsage(key=""), values
                continue
            upn = upn.lower()
            person = by_upn.get(upn)
            if person is None:
                if self.joined:
                    self.unmatched += 1
                    yield PersonUsage(key=""), values
                    continue
                person = by_upn[upn] = PersonUsage(key=self.pseudonym(upn))
            yield person, values


# One function per report: each resolves its columns once, then folds its rows.

_ACTIVE_USERS_WORKLOADS = (
    ("has_exchange", "exchange_last", EXCHANGE),
    ("has_onedrive", "onedrive_last", ONEDRIVE),
    ("has_sharepoint", "sharepoint_last", SHAREPOINT),
    ("has_engage", "engage_last", ENGAGE),
    ("has_teams", "teams_last", TEAMS),
)


def _fold_active_users(fold: Fold, report: OpenReport) -> None:
    tenant = fold.tenant
    since, tenant_licensed, tenant_active = tenant.since, tenant.licensed, tenant.active
    indices = [index for _, _, index in _ACTIVE_USERS_WORKLOADS]
    pairs = [name for has, last, _ in _ACTIVE_USERS_WORKLOADS for name in (has, last)]
    apps, apps_or_copilot = 1 << APPS, (1 << APPS) | (1 << COPILOT)
    masks: dict[tuple[str, ...] | None, int] = {}  # few distinct product lists
    for p, values in fold.rows(report, "products", *pairs):
        tenant.population += 1
        products = values[0]
        mask = masks.get(products)
        if mask is None:
            mask = masks[products] = mask_from_product_names(products or ())
        p.licensed |= mask & apps_or_copilot
        # Copilot seats are counted from the Copilot report, which lists exactly those.
        if mask & apps:
            tenant_licensed[APPS] += 1
        lasts = p.last_activity
        # values: products, then (licence flag, last activity) per workload.
        for index, has, day in zip(indices, values[1::2], values[2::2], strict=True):
            if has:
                p.licensed |= 1 << index
                tenant_licensed[index] += 1
            if day is not None:
                if day >= since:
                    tenant_active[index] += 1
                current = lasts[index]
                if current is None or day > current:
                    lasts[index] = day


_TEAMS_CHAT, _TEAMS_POST = sig(Signal.TEAMS_CHAT), sig(Signal.TEAMS_CHANNEL_POST)
_TEAMS_MEETING, _TEAMS_CALL = sig(Signal.TEAMS_MEETING), sig(Signal.TEAMS_CALL)


def _fold_teams_activity(fold: Fold, report: OpenReport) -> None:
    fields = (
        "last_activity",
        "licensed",
        "private_chat",
        "team_chat",
        "posts",
        "meetings",
        "calls",
    )
    for p, (last, licensed, private_chat, team_chat, posts, meetings, calls) in fold.rows(
        report, *fields
    ):
        if licensed:
            p.licensed |= 1 << TEAMS
        _latest(p.last_activity, TEAMS, last)
        if private_chat or team_chat:
            p.signals |= _TEAMS_CHAT
        if posts or team_chat:
            p.signals |= _TEAMS_POST
        if meetings:
            p.signals |= _TEAMS_MEETING
        if calls:
            p.signals |= _TEAMS_CALL


def _fold_teams_devices(fold: Fold, report: OpenReport) -> None:
    tenant = fold.tenant
    mobile_bit, desktop_bit = sig(Signal.TEAMS_MOBILE), sig(Signal.TEAMS_DESKTOP)
    fields = (
        "last_activity",
        "ios",
        "android",
        "windows_phone",
        "windows",
        "mac",
        "linux",
        "chrome_os",
        "web",
    )
    for p, (last, ios, android, phone, windows, mac, linux, chrome, web) in fold.rows(
        report, *fields
    ):
        mobile = ios or android or phone
        desktop = windows or mac or linux or chrome
        if mobile or desktop or web:
            p.provisioned |= 1 << TEAMS
            tenant.installed[TEAMS] += 1
        if mobile:
            p.signals |= mobile_bit
        if desktop:
            p.signals |= desktop_bit
        _latest(p.last_activity, TEAMS, last)


def _fold_onedrive(fold: Fold, report: OpenReport) -> None:
    edit, internal = sig(Signal.ONEDRIVE_EDIT), sig(Signal.ONEDRIVE_SHARE_INTERNAL)
    synced, external = sig(Signal.ONEDRIVE_SYNC), sig(Signal.ONEDRIVE_SHARE_EXTERNAL)
    fields = ("last_activity", "edited", "shared_internally", "synced", "shared_externally")
    for p, (last, edited, shared_in, sync, shared_out) in fold.rows(report, *fields):
        _latest(p.last_activity, ONEDRIVE, last)
        if edited:
            p.signals |= edit
        if shared_in:
            p.signals |= internal
        if sync:
            p.signals |= synced
        if shared_out:
            p.signals |= external


def _fold_sharepoint(fold: Fold, report: OpenReport) -> None:
    edit, internal = sig(Signal.SHAREPOINT_EDIT), sig(Signal.SHAREPOINT_SHARE_INTERNAL)
    visit = sig(Signal.SHAREPOINT_VISIT)
    fields = ("last_activity", "edited", "shared_internally", "visited")
    for p, (last, edited, shared_in, visited) in fold.rows(report, *fields):
        _latest(p.last_activity, SHAREPOINT, last)
        if edited:
            p.signals |= edit
        if shared_in:
            p.signals |= internal
        if visited:
            p.signals |= visit


def _fold_email(fold: Fold, report: OpenReport) -> None:
    sent_bit = sig(Signal.MAIL_SENT)
    for p, (last, sent) in fold.rows(report, "last_activity", "sent"):
        _latest(p.last_activity, EXCHANGE, last)
        if sent:
            p.signals |= sent_bit


def _fold_engage(fold: Fold, report: OpenReport) -> None:
    posted_bit = sig(Signal.ENGAGE_POST)
    for p, (last, posted) in fold.rows(report, "last_activity", "posted"):
        _latest(p.last_activity, ENGAGE, last)
        if posted:
            p.signals |= posted_bit


def _fold_activations(fold: Fold, report: OpenReport) -> None:
    for p, (windows, mac, ios, android) in fold.rows(report, "windows", "mac", "ios", "android"):
        if windows or mac or ios or android:
            p.provisioned |= 1 << APPS


def _fold_m365_apps(fold: Fold, report: OpenReport) -> None:
    tenant = fold.tenant
    desktop_bit, web_bit = sig(Signal.APPS_DESKTOP), sig(Signal.APPS_WEB)
    mobile_bit = sig(Signal.APPS_MOBILE)
    fields = ("last_activity", "last_activation", "windows", "mac", "web", "mobile")
    for p, (last, activation, windows, mac, web, mobile) in fold.rows(report, *fields):
        if activation is not None:
            p.provisioned |= 1 << APPS
        _latest(p.last_activity, APPS, last)
        if tenant.recent(last):
            tenant.active[APPS] += 1
        if windows or mac:
            p.signals |= desktop_bit
        if web:
            p.signals |= web_bit
        if mobile:
            p.signals |= mobile_bit


_COPILOT_SIGNALS = (
    ("last_activity", Signal.COPILOT_ANY),
    ("chat_last", Signal.COPILOT_CHAT),
    ("teams_last", Signal.COPILOT_TEAMS),
    ("word_last", Signal.COPILOT_WORD),
    ("outlook_last", Signal.COPILOT_OUTLOOK),
)


def _fold_copilot(fold: Fold, report: OpenReport) -> None:
    tenant, since7 = fold.tenant, fold.since7
    bits = [sig(signal) for _, signal in _COPILOT_SIGNALS]
    v2 = report.layout.has("active_days")
    fold.copilot_version = "v2" if v2 else "v1"
    per_person = fold.copilot_days
    columns = [column for column, _ in _COPILOT_SIGNALS]
    for p, values in fold.rows(report, "active_days", "prompts", *columns):
        # The Copilot report lists licensed users only.
        p.licensed |= 1 << COPILOT
        tenant.licensed[COPILOT] += 1
        active_days, prompts, days = values[0], values[1], values[2:]
        last = days[0]
        _latest(p.last_activity, COPILOT, last)
        if tenant.recent(last):
            tenant.active[COPILOT] += 1
        if v2:
            if active_days >= HABITUAL_COPILOT_DAYS:
                fold.copilot_habitual += 1
            if p.key:
                per_person[p.key] = (active_days or 0, prompts or 0)
        for day, signal in zip(days, bits, strict=True):
            if day is not None and day >= since7:
                p.signals |= signal


FOLDERS: dict[str, Callable[[Fold, OpenReport], None]] = {
    "active_users": _fold_active_users,
    "teams_activity": _fold_teams_activity,
    "teams_devices": _fold_teams_devices,
    "onedrive": _fold_onedrive,
    "sharepoint": _fold_sharepoint,
    "email": _fold_email,
    "engage": _fold_engage,
    "activations": _fold_activations,
    "m365_apps": _fold_m365_apps,
    "copilot": _fold_copilot,
}
