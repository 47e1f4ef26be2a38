"""The usage vocabulary: workloads, the signals a report can show, and one person's usage.

Pure: no I/O. Masks are plain ints (bit i = i-th member of the tuple) because a 100,000-person
tenant is folded and counted in memory and sets per person would triple the cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Workload(StrEnum):
    """A Microsoft 365 service whose deployment and use the funnel follows."""

    TEAMS = "teams"
    EXCHANGE = "exchange"
    ONEDRIVE = "onedrive"
    SHAREPOINT = "sharepoint"
    ENGAGE = "engage"
    APPS = "apps"
    COPILOT = "copilot"


WORKLOADS: tuple[Workload, ...] = tuple(Workload)

# Services reached through a client that must be installed or activated; for the others
# (mailbox, web-first services) a licence on an enabled account is already "provisioned".
CLIENT_WORKLOADS: frozenset[Workload] = frozenset({Workload.TEAMS, Workload.APPS})


class Signal(StrEnum):
    """A behaviour seen in a report's period (a count above zero, or a use flag)."""

    TEAMS_CHAT = "teams.chat"
    TEAMS_CHANNEL_POST = "teams.channel_post"
    TEAMS_MEETING = "teams.meeting"
    TEAMS_CALL = "teams.call"
    TEAMS_MOBILE = "teams.mobile"
    TEAMS_DESKTOP = "teams.desktop"
    MAIL_SENT = "exchange.send"
    ONEDRIVE_EDIT = "onedrive.edit"
    ONEDRIVE_SYNC = "onedrive.sync"
    ONEDRIVE_SHARE_INTERNAL = "onedrive.share_internal"
    ONEDRIVE_SHARE_EXTERNAL = "onedrive.share_external"
    SHAREPOINT_EDIT = "sharepoint.edit"
    SHAREPOINT_SHARE_INTERNAL = "sharepoint.share_internal"
    SHAREPOINT_VISIT = "sharepoint.visit"
    ENGAGE_POST = "engage.post"
    APPS_DESKTOP = "apps.desktop"
    APPS_WEB = "apps.web"
    APPS_MOBILE = "apps.mobile"
    COPILOT_ANY = "copilot.any"
    COPILOT_CHAT = "copilot.chat"
    COPILOT_TEAMS = "copilot.teams"
    COPILOT_WORD = "copilot.word"
    COPILOT_OUTLOOK = "copilot.outlook"


SIGNALS: tuple[Signal, ...] = tuple(Signal)
_WORKLOAD_BIT = {w: 1 << i for i, w in enumerate(WORKLOADS)}
_SIGNAL_BIT = {s: 1 << i for i, s in enumerate(SIGNALS)}


def workload_bit(workload: Workload) -> int:
    """The bit of `workload` in a workload mask."""
    return _WORKLOAD_BIT[workload]


def signal_bit(signal: Signal) -> int:
    """The bit of `signal` in a signal mask."""
    return _SIGNAL_BIT[signal]


def workloads_in(mask: int) -> frozenset[Workload]:
    """The workloads whose bits are set in `mask`."""
    return frozenset(w for w in WORKLOADS if mask & _WORKLOAD_BIT[w])


def signals_in(mask: int) -> frozenset[Signal]:
    """The signals whose bits are set in `mask`."""
    return frozenset(s for s in SIGNALS if mask & _SIGNAL_BIT[s])


@dataclass(slots=True)
class PersonUsage:
    """What one report date says about one person, folded from every report.

    `key` is the Entra object id when the directory knows the person, else a pseudonym; never
    a UPN or a name. `last_activity[i]` belongs to `WORKLOADS[i]`.
    """

    key: str
    department: str | None = None
    wave: str | None = None
    enabled: bool = True
    licensed: int = 0
    provisioned: int = 0
    signals: int = 0
    last_activity: list[date | None] = field(default_factory=lambda: [None] * len(WORKLOADS))

    def license(self, workload: Workload) -> None:
        self.licensed |= _WORKLOAD_BIT[workload]

    def provision(self, workload: Workload) -> None:
        self.provisioned |= _WORKLOAD_BIT[workload]

    def saw(self, signal: Signal) -> None:
        self.signals |= _SIGNAL_BIT[signal]

    def active_on(self, workload: Workload, day: date | None) -> None:
        """Keep the latest activity date of `workload` (reports overlap: Teams is in several)."""
        if day is None:
            return
        index = WORKLOADS.index(workload)
        current = self.last_activity[index]
        if current is None or day > current:
            self.last_activity[index] = day
