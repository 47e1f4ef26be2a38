"""`uptake serve --demo`: a fictional organisation a newcomer can explore in the Playground.

The demo lives in its own folder (`.uptake/demo/`) so it never mixes with real data. People
come from the deterministic synthetic tenant (the same one `uptake demo generate` writes);
the Agents Playground's signed-in user joins it as a facilitator.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.checkin import respondent_key
from bot.services import utc_now
from graph.synthetic import DEPARTMENTS, generate_tenant, write_export_folder
from store import checkins, facilitation
from store.tables import Person
from uptake.root import Runtime
from uptake.settings import Settings
from uptake.sync import run_sync

log = logging.getLogger("uptake.demo")

DEMO_PEOPLE = 240
DEMO_SEED = 2024
# The user the Microsoft 365 Agents Playground signs in as (its bundled default profile).
PLAYGROUND_USER_ID = "00000000-0000-0000-0000-0000000000020"
PLAYGROUND_USER_DEPARTMENT = "Communicatie"


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
        }
    )


async def prepare_demo(runtime: Runtime) -> DemoSummary:
    """Seed the fictional people (idempotent: a restart keeps installs and answers)."""
    tenant = generate_tenant(DEMO_PEOPLE, seed=DEMO_SEED)
    async with runtime.sessions.begin() as session:
        known = set((await session.scalars(select(Person.id))).all())
        for person in tenant.people:
            if person.id not in known:
                session.add(
                    Person(
                        id=person.id,
                        upn=person.upn,
                        display_name=person.display_name,
                        department=person.department,
                        locale=person.locale,
                    )
                )
        if PLAYGROUND_USER_ID not in known:
            session.add(Person(id=PLAYGROUND_USER_ID, department=PLAYGROUND_USER_DEPARTMENT))
        now = utc_now()
        run_id = await checkins.latest_open_run(session, "pulse", now)
        if run_id is None:
            opened = await checkins.open_run(
                session,
                template_key="pulse",
                department=None,
                now=now,
                open_for=timedelta(days=14),
                min_group_size=runtime.settings.min_group_size,
            )
            run_id = opened.run_id
            await _seed_answers(session, runtime.services.secret, run_id, tenant.people, now)
        await _seed_ambassadors(session, tenant.people, now)
    reports = runtime.settings.reports_dir
    if reports is not None:
        if not reports.exists():
            await asyncio.to_thread(write_export_folder, tenant, reports)
        # Idempotent: an unchanged report date is recognised and left as it is.
        await run_sync(runtime.settings, runtime.sessions)
    departments = {p.department for p in tenant.people}
    log.info(
        "demo.seeded people=%s departments=%s run=%s", len(tenant.people), len(departments), run_id
    )
    return DemoSummary(len(tenant.people), len(departments), run_id)


async def _seed_answers(
    session: AsyncSession, secret: bytes, run_id: int, people: Sequence[Any], now: datetime
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
                "answers": {
                    "confidence": confidence,
                    "usefulness": max(1, min(5, confidence + rng.choice((-1, 0, 0, 1)))),
                    "blocker": rng.choice(blockers),
                },
                "submitted_on": now.date(),
            }
        )
    await checkins.save_responses(session, rows)


async def _seed_ambassadors(session: AsyncSession, people: Sequence[Any], now: datetime) -> None:
    """The first person of most departments champions it; Productie is left uncovered so the
    facilitator sees a gap, and one ambassador covers two departments."""
    if await facilitation.ambassadors(session):
        return
    firsts: dict[str, str] = {}
    for person in people:
        firsts.setdefault(person.department, person.id)
    covered = sorted(d for d in firsts if d != "Productie")
    for department in covered:
        extra = ["Directie"] if department == "IT" and "Directie" in firsts else []
        if department == "Directie":
            continue
        await facilitation.add_ambassador(session, firsts[department], [department, *extra], now)


def send_pulse_on_install(runtime: Runtime, run_id: int) -> None:
    """In the demo, whoever installs gets the open pulse right after the welcome."""

    async def hook(person_id: str) -> None:
        async with runtime.sessions.begin() as session:
            added = await checkins.add_recipient(session, run_id, person_id, utc_now())
        if added:
            await runtime.sender.drain()

    runtime.services = replace(runtime.services, after_install=hook)
