"""Fold one batch of reports into per-person usage (or tenant counts when names are concealed).

Rows are joined on the UPN to the directory: the person key is the Entra object id, and the
department comes from the directory. Without a directory (an export folder without the users
export) a pseudonym stands in: an HMAC of the UPN keyed with a key derived from the server
secret, so a list of the tenant's UPNs does not reveal whose usage a row is. Concealed
reports cannot be joined to anything, so only tenant-level counts per workload are kept, each
from the one report that covers it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Literal

from adoption.signals import PersonUsage
from adoption.waves import WaveRules
from graph.directory import DirectoryPerson
from graph.folds import FOLDERS, Fold
from graph.sources import UsageBatch

log = logging.getLogger(__name__)

ConcealedReason = Literal["report_setting", "values"]


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
    # The Copilot report read ("v2", "v1", None: none) and, for v2, each person's active
    # days and prompts in its 28 days (by person key), or the tenant's habitual count.
    copilot_version: str | None = None
    copilot_days: dict[str, tuple[int, int]] = field(default_factory=dict)
    copilot_habitual: int = 0


def fold_batch(
    batch: UsageBatch,
    directory: Iterable[DirectoryPerson] | None,
    waves: WaveRules,
    pseudonym_key: bytes | None = None,
) -> Snapshot:
    """Read every report of `batch` once (streaming) into a Snapshot. `pseudonym_key`
    (see graph.identity) is needed when there is no directory to join on."""
    by_upn: dict[str, PersonUsage] = {}
    users = list(directory) if directory is not None else None
    if users is not None:
        for user in users:
            dept = user.department
            by_upn[user.upn] = PersonUsage(
                key=user.id,
                department=dept,
                wave=waves.wave_of(user.id, dept),
                enabled=user.enabled,
                licensed=user.licensed,
            )
    fold = Fold(by_upn, users is not None, batch.report_date, pseudonym_key)
    for key, report_input in batch.reports.items():
        with report_input.open() as report:
            FOLDERS[key](fold, report)
    reason: ConcealedReason | None = None
    if batch.concealed_setting:
        reason = "report_setting"
    elif fold.concealed_values:
        reason = "values"
    # In key order: the digest and the store's inserts want them so (sorting is then cheap).
    people = [] if reason else sorted(by_upn.values(), key=attrgetter("key"))
    enabled = sum(1 for u in users if u.enabled) if users is not None else None
    population = enabled if enabled is not None else fold.tenant.population
    if not reason:
        population = sum(1 for p in people if p.enabled)
    log.info(
        "usage.batch_folded",
        extra={
            "report_date": batch.report_date.isoformat(),
            "people": len(people),
            "unmatched_rows": fold.unmatched,
            "concealed": reason,
        },
    )
    snapshot = Snapshot(
        batch.report_date,
        batch.origin,
        people,
        population,
        reason,
        fold.tenant.counts() if reason else {},
        copilot_version=fold.copilot_version,
        copilot_days={} if reason else fold.copilot_days,
        copilot_habitual=fold.copilot_habitual,
    )
    snapshot.digest = snapshot_digest(snapshot)
    return snapshot


class _Reprs(dict[date | None, str]):
    """repr() of activity dates, computed once per distinct date."""

    def __missing__(self, day: date | None) -> str:
        text = self[day] = repr(day)
        return text


def snapshot_digest(snapshot: Snapshot) -> str:
    """A content hash: a re-import of the same data yields the same digest.

    The text hashed per person is exactly `{p.last_activity}`-style repr output, built from
    memoised date reprs (formatting 700,000 dates one by one dominated the cost)."""
    h = hashlib.sha256(f"{snapshot.report_date}|{snapshot.concealed_reason}".encode())
    h.update(repr(sorted(snapshot.tenant_counts.items())).encode())
    h.update(str(snapshot.population).encode())
    reprs = _Reprs()
    lines = [
        f"{p.key}|{p.department}|{p.wave}|{p.enabled:d}|{p.licensed}|{p.provisioned}|"
        f"{p.signals}|[{', '.join(map(reprs.__getitem__, p.last_activity))}]\n"
        for p in sorted(snapshot.people, key=attrgetter("key"))
    ]
    # One update over the joined text hashes the same bytes as one update per line.
    h.update("".join(lines).encode())
    return h.hexdigest()
