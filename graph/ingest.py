"""Fold one batch of reports into per-person usage (or tenant counts when names are concealed).

Rows are joined on the UPN to the directory: the person key is the Entra object id, and the
department comes from the directory. Without a directory (an export folder without the users
export) a keyed hash of the UPN stands in. Concealed reports cannot be joined to anything, so
only tenant-level counts per workload are kept, each from the one report that covers it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from adoption.funnel import ACTIVE_DAYS
from adoption.signals import CLIENT_WORKLOADS, WORKLOADS, PersonUsage, Signal, Workload
from adoption.signals import workload_bit as bit
from graph.directory import DirectoryUser
from graph.licences import mask_from_product_names
from graph.sources import UsageBatch

log = logging.getLogger(__name__)

ConcealedReason = Literal["report_setting", "values"]
_HEX32 = re.compile(r"^[0-9A-F]{32}$")


def looks_concealed(upn: str) -> bool:
    """True for the concealed forms of a UPN: 32 upper-case hex, `<PII:...>`, `(Unknown)`."""
    return bool(_HEX32.match(upn)) or upn.startswith("<PII:") or upn == "(Unknown)"


@dataclass(slots=True)
class Snapshot:
    """What one report date says, ready to store and to count."""

    report_date: date
    origin: str
    people: list[PersonUsage]
    population: int
    concealed_reason: ConcealedReason | None = None
    # concealed only: workload -> [licensed, provisioned, active]
    tenant_counts: dict[str, list[int]] = field(default_factory=dict)
    digest: str = ""


class _Tenant:
    """Counters for the concealed case: each workload from its own report, no joins."""

    def __init__(self, report_date: date) -> None:
        self.since = report_date - timedelta(days=ACTIVE_DAYS - 1)
        self.licensed = dict.fromkeys(WORKLOADS, 0)
        self.active = dict.fromkeys(WORKLOADS, 0)
        self.installed = dict.fromkeys(WORKLOADS, 0)
        self.population = 0
        self.activated: set[str] = set()

    def recent(self, day: date | None) -> bool:
        return day is not None and day >= self.since

    def counts(self) -> dict[str, list[int]]:
        result: dict[str, list[int]] = {}
        for workload in WORKLOADS:
            licensed = self.licensed[workload]
            active = min(self.active[workload], licensed)
            if workload in CLIENT_WORKLOADS:
                installed = len(self.activated) if workload is Workload.APPS else 0
                installed = max(installed, self.installed[workload])
                provisioned = min(licensed, max(active, installed))
            else:
                provisioned = licensed
            result[workload.value] = [licensed, provisioned, active]
        return result


_ACTIVE_USERS_WORKLOADS = (
    ("has_exchange", "exchange_last", Workload.EXCHANGE),
    ("has_onedrive", "onedrive_last", Workload.ONEDRIVE),
    ("has_sharepoint", "sharepoint_last", Workload.SHAREPOINT),
    ("has_engage", "engage_last", Workload.ENGAGE),
    ("has_teams", "teams_last", Workload.TEAMS),
)


def _fold_row(key: str, row: dict[str, Any], p: PersonUsage, tenant: _Tenant, since7: date) -> None:
    """Apply one row of report `key` to person `p` and to the tenant counters."""
    last = row.get("last_activity")
    if key == "active_users":
        tenant.population += 1
        mask = mask_from_product_names(row.get("products", ()))
        p.licensed |= mask & (bit(Workload.APPS) | bit(Workload.COPILOT))
        # Copilot seats are counted from the Copilot report, which lists exactly those.
        tenant.licensed[Workload.APPS] += bool(mask & bit(Workload.APPS))
        for has, last_field, workload in _ACTIVE_USERS_WORKLOADS:
            if row[has]:
                p.license(workload)
                tenant.licensed[workload] += 1
            p.active_on(workload, row[last_field])
            tenant.active[workload] += tenant.recent(row[last_field])
    elif key == "teams_activity":
        if row.get("licensed"):
            p.license(Workload.TEAMS)
        p.active_on(Workload.TEAMS, last)
        if row["private_chat"] or row["team_chat"]:
            p.saw(Signal.TEAMS_CHAT)
        if row.get("posts") or row["team_chat"]:
            p.saw(Signal.TEAMS_CHANNEL_POST)
        if row["meetings"]:
            p.saw(Signal.TEAMS_MEETING)
        if row["calls"]:
            p.saw(Signal.TEAMS_CALL)
    elif key == "teams_devices":
        mobile = row["ios"] or row["android"] or row.get("windows_phone")
        desktop = row["windows"] or row["mac"] or row.get("linux") or row.get("chrome_os")
        if mobile or desktop or row["web"]:
            p.provision(Workload.TEAMS)
            tenant.installed[Workload.TEAMS] += 1
        if mobile:
            p.saw(Signal.TEAMS_MOBILE)
        if desktop:
            p.saw(Signal.TEAMS_DESKTOP)
        p.active_on(Workload.TEAMS, last)
    elif key in ("onedrive", "sharepoint"):
        workload = Workload.ONEDRIVE if key == "onedrive" else Workload.SHAREPOINT
        p.active_on(workload, last)
        prefix = "onedrive" if key == "onedrive" else "sharepoint"
        if row["edited"]:
            p.saw(Signal(f"{prefix}.edit"))
        if row["shared_internally"]:
            p.saw(Signal(f"{prefix}.share_internal"))
        if key == "onedrive":
            if row["synced"]:
                p.saw(Signal.ONEDRIVE_SYNC)
            if row["shared_externally"]:
                p.saw(Signal.ONEDRIVE_SHARE_EXTERNAL)
        elif row["visited"]:
            p.saw(Signal.SHAREPOINT_VISIT)
    elif key == "email":
        p.active_on(Workload.EXCHANGE, last)
        if row["sent"]:
            p.saw(Signal.MAIL_SENT)
    elif key == "engage":
        p.active_on(Workload.ENGAGE, last)
        if row["posted"]:
            p.saw(Signal.ENGAGE_POST)
    elif key == "activations":
        if row["windows"] or row["mac"] or row.get("ios") or row.get("android"):
            p.provision(Workload.APPS)
    elif key == "m365_apps":
        if row["last_activation"] is not None:
            p.provision(Workload.APPS)
        p.active_on(Workload.APPS, last)
        tenant.active[Workload.APPS] += tenant.recent(last)
        for flag, signal in (
            ("windows", Signal.APPS_DESKTOP),
            ("mac", Signal.APPS_DESKTOP),
            ("web", Signal.APPS_WEB),
            ("mobile", Signal.APPS_MOBILE),
        ):
            if row[flag]:
                p.saw(signal)
    elif key == "copilot":
        # The Copilot report lists licensed users only.
        p.license(Workload.COPILOT)
        tenant.licensed[Workload.COPILOT] += 1
        p.active_on(Workload.COPILOT, last)
        tenant.active[Workload.COPILOT] += tenant.recent(last)
        for column, signal in (
            ("last_activity", Signal.COPILOT_ANY),
            ("chat_last", Signal.COPILOT_CHAT),
            ("teams_last", Signal.COPILOT_TEAMS),
            ("word_last", Signal.COPILOT_WORD),
            ("outlook_last", Signal.COPILOT_OUTLOOK),
        ):
            day = row.get(column)
            if day is not None and day >= since7:
                p.saw(signal)


def pseudonym(upn: str) -> str:
    """A stable stand-in key for a UPN the directory does not know (not reversible by
    lookup in our data: no UPN is stored next to it)."""
    return "h:" + hashlib.blake2b(upn.encode(), digest_size=16).hexdigest()


def fold_batch(
    batch: UsageBatch,
    directory: Iterable[DirectoryUser] | None,
    waves: Mapping[str, str],
) -> Snapshot:
    """Read every report of `batch` once (streaming) into a Snapshot."""
    by_upn: dict[str, PersonUsage] = {}
    users = list(directory) if directory is not None else None
    if users is not None:
        for user in users:
            dept = user.department
            by_upn[user.upn] = PersonUsage(
                key=user.id,
                department=dept,
                wave=waves.get(dept) if dept else None,
                enabled=user.enabled,
                licensed=user.licensed,
            )
    tenant = _Tenant(batch.report_date)
    since7 = batch.report_date - timedelta(days=6)
    concealed_values = False
    unmatched = 0
    for key, report_input in batch.reports.items():
        with report_input.open() as report:
            for row in report.rows():
                if row.get("deleted"):
                    continue
                upn = row["upn"]
                if key == "activations":
                    tenant.activated.add(upn)
                if looks_concealed(upn):
                    concealed_values = True
                    _fold_row(key, row, PersonUsage(key=""), tenant, since7)
                    continue
                upn = upn.lower()
                person = by_upn.get(upn)
                if person is None:
                    if users is not None:
                        unmatched += 1
                        _fold_row(key, row, PersonUsage(key=""), tenant, since7)
                        continue
                    person = by_upn[upn] = PersonUsage(key=pseudonym(upn))
                _fold_row(key, row, person, tenant, since7)
    reason: ConcealedReason | None = None
    if batch.concealed_setting:
        reason = "report_setting"
    elif concealed_values:
        reason = "values"
    people = [] if reason else list(by_upn.values())
    enabled = sum(1 for u in users if u.enabled) if users is not None else None
    population = enabled if enabled is not None else tenant.population
    if not reason:
        population = sum(1 for p in people if p.enabled)
    log.info(
        "usage.batch_folded",
        extra={
            "report_date": batch.report_date.isoformat(),
            "people": len(people),
            "unmatched_rows": unmatched,
            "concealed": reason,
        },
    )
    snapshot = Snapshot(
        batch.report_date,
        batch.origin,
        people,
        population,
        reason,
        tenant.counts() if reason else {},
    )
    snapshot.digest = snapshot_digest(snapshot)
    return snapshot


def snapshot_digest(snapshot: Snapshot) -> str:
    """A content hash: a re-import of the same data yields the same digest."""
    h = hashlib.sha256(f"{snapshot.report_date}|{snapshot.concealed_reason}".encode())
    h.update(repr(sorted(snapshot.tenant_counts.items())).encode())
    h.update(str(snapshot.population).encode())
    for p in sorted(snapshot.people, key=lambda p: p.key):
        h.update(
            f"{p.key}|{p.department}|{p.wave}|{p.enabled:d}|{p.licensed}|{p.provisioned}|"
            f"{p.signals}|{p.last_activity}\n".encode()
        )
    return h.hexdigest()
