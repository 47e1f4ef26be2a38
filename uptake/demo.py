"""`uptake serve --demo`: a fictional organisation a newcomer can explore in the Playground.

The demo lives in its own folder (`.uptake/demo/`) so it never mixes with real data. People
come from the deterministic synthetic tenant (the same one `uptake demo generate` writes);
its usage reports end two days before today (Microsoft's reports lag as much), and are
written afresh when they have grown older than a week. The Agents Playground's signed-in user
joins it as a facilitator and as an ambassador of Logistiek: like anyone who installs while a
check-in is open, they are sent the open pulse right after the welcome, and then this week's
tip, the facilitators' digest and Logistiek's nudge (its habit stands still). Licences come
with example prices; Logistiek holds Copilot licences from a pilot that never started, so
`licences` and `copilot` show idle Copilot cost per department.
"""

from __future__ import annotations

import asyncio
import logging
import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.audience import Audience
from adoption.checkin import respondent_key
from graph.synthetic import DEPARTMENTS, DemoPerson, generate_tenant
from graph.synthetic_export import write_export_folder
from store import ambassadors, checkins, usage, waves
from store.tables import Person
from uptake.prices import EXAMPLE_PRICES
from uptake.root import Runtime
from uptake.settings import Settings
from uptake.sync import run_sync

log = logging.getLogger("uptake.demo")

DEMO_PEOPLE = 240
DEMO_SEED = 2024
# Reports arrive 24-48 hours late; regenerated once they are older than this.
REPORT_LAG = timedelta(days=2)
STALE_AFTER = timedelta(days=7)
END_MARKER = "END"
# The user the Microsoft 365 Agents Playground signs in as (its bundled default profile).
PLAYGROUND_USER_ID = "00000000-0000-0000-0000-0000000000020"
PLAYGROUND_USER_DEPARTMENT = "Communicatie"
# The Playground user also champions Logistiek: its habit stands still in the synthetic data
# while nearly everyone holds a licence, so they see a nudge besides the weekly tip.
PLAYGROUND_USER_CHAMPIONS = "Logistiek"
WAVE_NAMES = {"1": "pilot", "2": "key figures", "3": "everyone"}


@dataclass(frozen=True)
class DemoSummary:
    people: int
    departments: int
    run_id: int


def demo_settings(settings: Settings) -> Settings:
    """The same settings, pointed at the demo folder, with the Playground user as facilitator."""
    folder = settings.data_dir / "demo"
    return settings.model_copy(
        update={
            "data_dir": folder,
            "database_url": None,
            "reports_dir": folder / "reports",
            "facilitators": (*settings.facilitators, PLAYGROUND_USER_ID),
            # The demo's example prices: every licence card says they are examples.
            "licence_prices": EXAMPLE_PRICES,
        }
    )


def _stale(end: date | None, today: date) -> bool:
    return end is None or today - REPORT_LAG - end >= STALE_AFTER


async def prepare_demo(runtime: Runtime) -> DemoSummary:
    """Seed the fictional organisation (idempotent: a restart keeps installs and answers)."""
    now = runtime.clock()
    end = now.date() - REPORT_LAG
    reports = runtime.settings.reports_dir
    marker = reports / END_MARKER if reports is not None else None
    written = (
        date.fromisoformat(marker.read_text("utf-8").strip())
        if marker is not None and marker.is_file()
        else None
    )
    fresh = _stale(written, now.date())
    tenant = generate_tenant(DEMO_PEOPLE, seed=DEMO_SEED, end=end if fresh else written or end)
    async with runtime.sessions.begin() as session:
        await _seed_people(session, tenant.people)
        await waves.name_waves(
            session, {key: WAVE_NAMES.get(key) for key in sorted(tenant.waves.values())}
        )
        run_id = await checkins.latest_open_run(session, "pulse", now)
        if run_id is None:
            opened = await checkins.open_run(
                session,
                template_key="pulse",
                audience=Audience.everyone(),
                now=now,
                open_for=timedelta(days=14),
                min_group_size=runtime.settings.min_group_size,
            )
            run_id = opened.run_id
            await _seed_answers(session, runtime.secret, run_id, tenant.people, now)
        await _seed_ambassadors(session, tenant.people, now)
        await ambassadors.add_ambassador(
            session, PLAYGROUND_USER_ID, [PLAYGROUND_USER_CHAMPIONS], now
        )
        if fresh:
            # Older weeks of another end date would mix two series in the habit rule.
            await usage.delete_snapshots(session)
    if reports is not None and marker is not None:
        if fresh:
            await asyncio.to_thread(shutil.rmtree, reports, True)
            await asyncio.to_thread(write_export_folder, tenant, reports)
            marker.write_text(end.isoformat(), "utf-8")
        # Idempotent: an unchanged report date is recognised and left as it is.
        await run_sync(
            runtime.settings, runtime.sessions, secret=runtime.secret, waves=tenant.waves
        )
    # As after every sync: ambassadors whose group stalls or drops get this week's nudge; the
    # Playground user's at once, whatever the hour of the demo.
    await runtime.coaching.queue_nudges(at_once={PLAYGROUND_USER_ID})
    async with runtime.sessions.begin() as session:
        # The Playground user's first look: this week's tip and digest at once, not next
        # Monday at 09:00 (sent when they install, like anything queued for someone the bot
        # cannot reach yet). The weekly jobs find them queued: once a week at most.
        await runtime.coaching.queue_tip_now(session, PLAYGROUND_USER_ID)
        await runtime.digest.queue_now(session, PLAYGROUND_USER_ID)
    departments = {p.department for p in tenant.people}
    log.info(
        "demo.seeded people=%s departments=%s run=%s", len(tenant.people), len(departments), run_id
    )
    return DemoSummary(len(tenant.people), len(departments), run_id)


async def _seed_people(session: AsyncSession, people: Sequence[DemoPerson]) -> None:
    known = set((await session.scalars(select(Person.id))).all())
    for person in people:
        if person.id not in known:
            session.add(
                Person(
                    id=person.id,
                    upn=person.upn,
                    display_name=person.display_name,
                    department=person.department,
                    wave=person.wave,
                    locale=person.locale,
                )
            )
    if PLAYGROUND_USER_ID not in known:
        wave = next(d.wave for d in DEPARTMENTS if d.name == PLAYGROUND_USER_DEPARTMENT)
        session.add(Person(id=PLAYGROUND_USER_ID, department=PLAYGROUND_USER_DEPARTMENT, wave=wave))


async def _seed_answers(
    session: AsyncSession,
    secret: bytes,
    run_id: int,
    people: Sequence[DemoPerson],
    now: datetime,
) -> None:
    """Fictional pulse answers, so the facilitator's cards show sentiment from the start.

    About seven in ten answer; confidence follows how readily the department adopts (the
    synthetic tenant's `speed`), and slow departments name time and habits as blockers.
    """
    rng = random.Random(DEMO_SEED)  # noqa: S311 - fiction, not security
    speed = {d.name: d.speed for d in DEPARTMENTS}
    rows = []
    for person in people:
        if rng.random() > 0.7:
            continue
        pace = speed.get(person.department, 0.5)
        confidence = max(1, min(5, round(1 + 4 * pace + rng.uniform(-1.2, 1.2))))
        blockers = ("nothing", "training") if pace > 0.6 else ("time", "habits", "technical")
        rows.append(
            {
                "run_id": run_id,
                "respondent_key": respondent_key(secret, run_id, person.id),
                "department": person.department,
                "wave": person.wave,
                "answers": {
                    "confidence": confidence,
                    "usefulness": max(1, min(5, confidence + rng.choice((-1, 0, 0, 1)))),
                    "blocker": rng.choice(blockers),
                },
                "submitted_on": now.date(),
            }
        )
    await checkins.save_responses(session, rows)


async def _seed_ambassadors(
    session: AsyncSession, people: Sequence[DemoPerson], now: datetime
) -> None:
    """The first person of most departments champions it; Productie is left uncovered so the
    facilitator sees a gap, and one ambassador covers two departments."""
    if await ambassadors.ambassadors(session):
        return
    firsts: dict[str, str] = {}
    for person in people:
        firsts.setdefault(person.department, person.id)
    covered = sorted(d for d in firsts if d != "Productie")
    for department in covered:
        extra = ["Directie"] if department == "IT" and "Directie" in firsts else []
        if department == "Directie":
            continue
        await ambassadors.add_ambassador(session, firsts[department], [department, *extra], now)
