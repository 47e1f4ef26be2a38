"""What the facilitator cards read: published (already suppressed) funnels, ready to render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from adoption.funnel import FunnelCounts, Subject
from adoption.scopes import Scope

# Why figures are tenant-level only; cards turn the code into a localised sentence.
ConcealedReason = Literal["report_setting", "values"]


@dataclass(frozen=True, slots=True)
class FunnelLine:
    """One workload or scenario funnel; `counts` None means hidden (group below k)."""

    subject: Subject
    counts: FunnelCounts | None


@dataclass(frozen=True, slots=True)
class StatusView:
    """How adoption stands for one scope at the latest report date.

    `tenant_level_only` is set when report names are concealed: then departments, waves,
    scenarios and habit are unavailable and `concealed_reason` says why ("report_setting":
    the tenant's report setting conceals names; "values": the data itself is concealed).
    `hidden` means the requested scope is below the minimum group size (or suppressed to
    protect another group) and `lines` is empty.
    """

    report_date: date
    scope: Scope
    tenant_level_only: bool
    concealed_reason: ConcealedReason | None
    hidden: bool
    workloads: tuple[FunnelLine, ...]
    scenarios: tuple[FunnelLine, ...]
    origin: str


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One report date of a trend; `counts` None when hidden or unavailable that day."""

    report_date: date
    counts: FunnelCounts | None
