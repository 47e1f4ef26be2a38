"""Campaigns: a check-in template, an audience, a schedule, reminders and a closing time.

`plan_campaign` checks a request as typed on the CLI or in the facilitator's form and either
returns a `CampaignPlan` or every problem at once (never the first only). What needs the
store (does the department exist, who is in the CSV) is checked by store.campaigns, which
adds its problems to these before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from adoption.audience import Audience, AudienceError
from adoption.checkin import SHIPPED_TEMPLATES
from adoption.recurrence import Recurrence, RecurrenceError, parse_every, parse_start, to_utc

DEFAULT_CLOSE_AFTER_DAYS: Final = 7
MAX_CLOSE_AFTER_DAYS: Final = 90
MAX_REMINDERS: Final = 3
# A start a little in the past is "now" typed a minute ago, not a mistake.
START_GRACE: Final = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class CampaignRequest:
    template: str
    audience: str  # all | <department> | wave:<key> | file:<path>
    start: str = "now"
    every: str | None = None
    remind_after: str | None = None  # "2,4"
    close_after_days: int | None = None


@dataclass(frozen=True, slots=True)
class CampaignPlan:
    template_key: str
    audience: Audience | None  # None: the people of `audience_file`
    audience_file: str | None
    recurrence: Recurrence
    remind_after_days: tuple[int, ...]
    close_after_days: int

    @property
    def first(self) -> datetime:
        return self.recurrence.occurrence(0)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request: which field, what (a catalogue code), the details.
    The CLI says it after the flag's name, the form after the field's label, in the reader's
    language (cards/strings/campaign.toml, `problem_<code>`)."""

    field: str  # template | audience | start | every | remind_after | close_after
    code: str
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, field: str, code: str, **params: object) -> Problem:
        return cls(field, code, tuple((k, str(v)) for k, v in params.items()))


class CampaignProblems(ValueError):
    """Everything wrong with a campaign request."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems


def parse_audience(text: str) -> tuple[Audience | None, str | None]:
    """'all', 'wave:<key>', 'file:<path>' or a department name."""
    value = text.strip()
    if value == "all":
        return Audience.everyone(), None
    if value.startswith("file:"):
        return None, value.removeprefix("file:").strip()
    if value.startswith("wave:"):
        return Audience("wave", value.removeprefix("wave:").strip()), None
    return Audience("department", value), None


def _reminders(text: str | None, close_after: int, problems: list[Problem]) -> tuple[int, ...]:
    if not text:
        return ()
    days: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not (part.isascii() and part.isdigit() and len(part) <= 3):
            problems.append(Problem.of("remind_after", "not_days", value=part[:20]))
            continue
        days.append(int(part))
    if len(days) > MAX_REMINDERS:
        problems.append(Problem.of("remind_after", "too_many", most=MAX_REMINDERS))
    if days != sorted(set(days)):
        problems.append(Problem.of("remind_after", "not_increasing"))
    late = [d for d in days if not 1 <= d < close_after]
    if late:
        problems.append(
            Problem.of(
                "remind_after", "after_close", days=", ".join(map(str, late)), close=close_after
            )
        )
    return tuple(days)


def plan_campaign(request: CampaignRequest, zone_name: str, now: datetime) -> CampaignPlan:
    """The campaign as it will run; raises CampaignProblems listing every problem."""
    problems: list[Problem] = []
    if request.template not in SHIPPED_TEMPLATES:
        problems.append(
            Problem.of(
                "template",
                "unknown_template",
                template=request.template[:40],
                known=", ".join(SHIPPED_TEMPLATES),
            )
        )
    audience: Audience | None = None
    audience_file: str | None = None
    try:
        audience, audience_file = parse_audience(request.audience)
    except AudienceError:
        problems.append(Problem.of("audience", "no_audience"))
    if audience_file == "":
        problems.append(Problem.of("audience", "file_without_path"))
    close_after = request.close_after_days or DEFAULT_CLOSE_AFTER_DAYS
    if not 1 <= close_after <= MAX_CLOSE_AFTER_DAYS:
        problems.append(Problem.of("close_after", "close_range", most=MAX_CLOSE_AFTER_DAYS))
    every: int | None = None
    if request.every:
        try:
            every = parse_every(request.every)
        except RecurrenceError:
            problems.append(Problem.of("every", "not_interval", value=request.every[:20]))
    if every is not None and close_after > every:
        problems.append(
            Problem.of("close_after", "longer_than_interval", close=close_after, every=every)
        )
    reminders = _reminders(request.remind_after, close_after, problems)
    recurrence: Recurrence | None = None
    try:
        start = parse_start(request.start, zone_name, now)
        recurrence = Recurrence(start, zone_name, every)
        if to_utc(start, recurrence.tz) < now - START_GRACE:
            problems.append(Problem.of("start", "in_the_past", value=request.start[:40]))
    except RecurrenceError:
        problems.append(Problem.of("start", "not_a_moment", value=request.start[:40]))
    if problems or recurrence is None:
        raise CampaignProblems(problems)
    return CampaignPlan(
        request.template, audience, audience_file, recurrence, reminders, close_after
    )


@dataclass(frozen=True, slots=True)
class RunStatus:
    run_id: int
    opened_at: datetime
    closes_at: datetime
    open: bool
    sent: int
    pending: int
    failed: int
    unreachable: int
    skipped: int
    answered: int
    recipients: int
