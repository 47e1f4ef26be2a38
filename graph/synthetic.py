"""A realistic fictional tenant for demos, tests and the benchmark (deterministic by seed).

A Flemish organisation: mostly Dutch-speaking, some French and English; departments adopting
at different speeds and in rollout waves; several weeks of history. It writes the same CSV an
admin-center export (or a Graph download) holds: BOM, the real headers, a reordered report and
the double-space header seen in the wild, and concealed names on request.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta

from adoption.licences import COPILOT
from adoption.signals import WORKLOADS, Workload

FIRST = ["Jan", "Els", "Pieter", "An", "Tom", "Sofie", "Wout", "Lien", "Bram", "Noor", "Marc",
         "Julie", "Luc", "Fien", "Arne", "Camille", "Louis", "Emma", "Hugo", "Lucas"]  # fmt: skip
LAST = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
        "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Smith", "Vermeulen"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Department:
    name: str
    wave: str
    weight: float  # share of headcount
    speed: float  # how readily people adopt (0..1)


DEPARTMENTS: tuple[Department, ...] = (
    Department("IT", "1", 0.08, 0.95),
    Department("Verkoop", "1", 0.18, 0.75),
    Department("Financiën", "1", 0.10, 0.35),
    Department("HR", "2", 0.07, 0.55),
    Department("Communicatie", "2", 0.06, 0.70),
    Department("Juridische Zaken", "2", 0.04, 0.40),
    Department("Productie", "3", 0.30, 0.20),
    Department("Logistiek", "3", 0.16, 0.30),
    Department("Directie", "1", 0.01, 0.60),  # tiny: exercises the minimum group size
)
DOMAIN = "contoso.be"
DEFAULT_END = date(2026, 11, 16)
# Copilot licences handed out for a pilot that never started, per department: their holders
# never use Copilot, so the licences and Copilot cards show idle Copilot cost there.
IDLE_COPILOT_PILOT = {"Logistiek": 0.30, "Productie": 0.05}
VISIO_SHARE = 0.05  # Visio Plan 2: a SKU no usage report covers ("no usage signal")


@dataclass(frozen=True, slots=True)
class DemoPerson:
    """A fictional employee: what the lead's person table needs."""

    id: str
    upn: str
    display_name: str
    department: str
    locale: str
    wave: str
    licensed: frozenset[Workload]
    skus: tuple[str, ...] = ()  # assigned SKU part numbers

    def copilot_week_days(self, report_date: date) -> int:
        """On how many days of the week ending `report_date` a Copilot user used it (2-6),
        fixed per person and week, so every report of the same tenant agrees."""
        digest = hashlib.blake2b(f"{self.id}|{report_date}".encode(), digest_size=2).digest()
        return 2 + int.from_bytes(digest) % 5


def suite_skus(licensed: frozenset[Workload]) -> tuple[str, ...]:
    """The part numbers of the licences a synthetic person's workloads come from (an E1
    without Teams has no part number the admin center names: it stays unmapped)."""
    skus: list[str] = []
    if Workload.APPS in licensed:
        skus.append("SPE_E3" if Workload.TEAMS in licensed else "SPE_E3_NOTEAMS")
    elif Workload.TEAMS in licensed:
        skus.append("STANDARDPACK")
    if Workload.COPILOT in licensed:
        skus.append(COPILOT)
    return tuple(skus)


@dataclass(slots=True)
class WeekUsage:
    last: list[date | None]  # per workload
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class DemoTenant:
    """People plus their simulated weekly usage; `report_dates` oldest first."""

    people: tuple[DemoPerson, ...]
    report_dates: tuple[date, ...]
    concealed: bool
    seed: int
    weeks: tuple[tuple[WeekUsage, ...], ...]  # weeks[i][j]: report date i, person j

    @property
    def waves(self) -> dict[str, str]:
        return {d.name: d.wave for d in DEPARTMENTS}

    def copilot_activity(self, person: int, report_date: date) -> tuple[int, int]:
        """(active days, prompts) of person `person` in the 28 days ending at `report_date`
        (the v2 Copilot report, D28): days of each of the four weeks they used Copilot."""
        index = self.report_dates.index(report_date)
        who = self.people[person]
        days = 0
        for i in range(max(0, index - 3), index + 1):
            week_end = self.report_dates[i]
            last = self.weeks[i][person].last[WORKLOADS.index(Workload.COPILOT)]
            if last is not None and last > week_end - timedelta(days=7):
                days += who.copilot_week_days(week_end)
        return days, days * (2 + who.copilot_week_days(report_date))


def generate_tenant(
    people: int,
    seed: int = 2024,
    concealed: bool = False,
    weeks: int = 6,
    end: date = DEFAULT_END,
) -> DemoTenant:
    """A deterministic fictional tenant of `people` with `weeks` weekly report dates ending
    at `end`. Adoption grows week over week, faster in quicker departments."""
    if people < 1 or weeks < 1:
        raise ValueError("people and weeks must be at least 1")
    rng = random.Random(seed)  # noqa: S311 - fiction, not security
    names = [d.name for d in DEPARTMENTS]
    weights = [d.weight for d in DEPARTMENTS]
    by_name = {d.name: d for d in DEPARTMENTS}
    persons: list[DemoPerson] = []
    speeds: list[float] = []
    for index in range(people):
        dept = by_name[rng.choices(names, weights)[0]]
        given, family = rng.choice(FIRST), rng.choice(LAST)
        locale = rng.choices(["nl", "fr", "en"], [0.78, 0.17, 0.05])[0]
        licensed = {Workload.EXCHANGE, Workload.ONEDRIVE, Workload.SHAREPOINT}
        if rng.random() < 0.97:
            licensed.add(Workload.TEAMS)
        if rng.random() < 0.9:
            licensed.add(Workload.APPS)
        if rng.random() < 0.6:
            licensed.add(Workload.ENGAGE)
        if rng.random() < (0.5 if dept.name == "IT" else 0.12):
            licensed.add(Workload.COPILOT)
        slug = f"{given}.{family}".lower().replace(" ", "")
        persons.append(
            DemoPerson(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                upn=f"{slug}.{index}@{DOMAIN}",
                display_name=f"{given} {family}",
                department=dept.name,
                locale=locale,
                wave=dept.wave,
                licensed=frozenset(licensed),
            )
        )
        speeds.append(min(1.0, max(0.05, rng.gauss(dept.speed, 0.15))))
    dates = tuple(end - timedelta(days=7 * (weeks - 1 - i)) for i in range(weeks))
    history: list[tuple[WeekUsage, ...]] = []
    previous: list[list[date | None]] = [[None] * len(WORKLOADS) for _ in persons]
    for i, report_date in enumerate(dates):
        growth = 0.45 + 0.55 * (i + 1) / weeks
        week: list[WeekUsage] = []
        for j, person in enumerate(persons):
            last = list(previous[j])
            counts: dict[str, int] = {}
            for w, workload in enumerate(WORKLOADS):
                if workload not in person.licensed:
                    continue
                base = 0.9 if workload is Workload.EXCHANGE else speeds[j] * growth
                if rng.random() < base:
                    last[w] = report_date - timedelta(days=rng.randrange(7))
                    counts[workload.value] = 1 + rng.randrange(40)
            previous[j] = last
            week.append(WeekUsage(last, counts))
        history.append(tuple(week))
    # Licences come from a random stream of their own: the usage above stays what it was
    # for a seed, whatever is added here.
    extra = random.Random(seed * 7919 + 1)  # noqa: S311 - fiction, not security
    for j, person in enumerate(persons):
        held = person.licensed
        pilot = IDLE_COPILOT_PILOT.get(person.department, 0.0)
        if Workload.COPILOT not in held and extra.random() < pilot:
            held = held | {Workload.COPILOT}
        skus = suite_skus(held)
        if extra.random() < VISIO_SHARE:
            skus = (*skus, "VISIOCLIENT")
        persons[j] = replace(person, licensed=held, skus=skus)
    return DemoTenant(tuple(persons), dates, concealed, seed, tuple(history))
