"""Rollout waves: their names and order, for cards that say "wave 1 (pilot)"."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.waves import WaveName, WaveRules
from store.tables import Person, Wave, WaveRule


async def wave_names(session: AsyncSession) -> dict[str, WaveName]:
    """Every known wave by key, in rollout order."""
    rows = await session.scalars(select(Wave).order_by(Wave.position, Wave.key))
    return {w.key: WaveName(w.key, w.name, w.position) for w in rows}


async def name_waves(session: AsyncSession, names: Mapping[str, str | None]) -> None:
    """Replace the known waves with `names` (key -> name or None), ordered as given."""
    await session.execute(delete(Wave))
    rows = [
        {"key": key, "name": name, "position": position}
        for position, (key, name) in enumerate(names.items(), start=1)
    ]
    if rows:
        await session.execute(insert(Wave), rows)


async def assign(session: AsyncSession, kind: str, assignments: Mapping[str, str]) -> None:
    """Set wave rules (`kind` "person" or "department", subject -> wave key), make every wave
    named in them known, and recompute everyone's wave."""
    if kind not in ("person", "department"):
        raise ValueError(f"no wave rule of kind {kind!r}")
    subjects = list(assignments)
    for start in range(0, len(subjects), 500):
        chunk = subjects[start : start + 500]
        await session.execute(
            delete(WaveRule).where(WaveRule.kind == kind, WaveRule.subject.in_(chunk))
        )
    if assignments:
        await session.execute(
            insert(WaveRule),
            [{"kind": kind, "subject": s, "wave": w} for s, w in assignments.items()],
        )
    await _know(session, set(assignments.values()))
    await apply(session)


async def _know(session: AsyncSession, keys: set[str]) -> None:
    known = set((await session.scalars(select(Wave.key))).all())
    position = int(await session.scalar(select(func.max(Wave.position))) or 0)
    for key in sorted(keys - known):
        position += 1
        session.add(Wave(key=key, name=None, position=position))
    await session.flush()


async def rename(session: AsyncSession, key: str, name: str | None) -> bool:
    wave = await session.get(Wave, key)
    if wave is None:
        return False
    wave.name = name
    return True


async def apply(session: AsyncSession) -> None:
    """Everyone's wave from the rules: their own, else their department's, else none."""
    own = (
        select(WaveRule.wave)
        .where(WaveRule.kind == "person", WaveRule.subject == Person.id)
        .scalar_subquery()
    )
    departments = (
        select(WaveRule.wave)
        .where(WaveRule.kind == "department", WaveRule.subject == Person.department)
        .scalar_subquery()
    )
    await session.execute(update(Person).values(wave=func.coalesce(own, departments)))


async def wave_rules(session: AsyncSession) -> WaveRules:
    """Every wave rule: per department and per person."""
    rows = (await session.execute(select(WaveRule.kind, WaveRule.subject, WaveRule.wave))).all()
    return WaveRules(
        {s: w for kind, s, w in rows if kind == "department"},
        {s: w for kind, s, w in rows if kind == "person"},
    )


async def department_waves(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(
        select(WaveRule.subject, WaveRule.wave).where(WaveRule.kind == "department")
    )
    return {subject: wave for subject, wave in rows.all()}


async def sizes(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Person.wave, func.count()).where(Person.wave.is_not(None)).group_by(Person.wave)
    )
    return {str(wave): int(n) for wave, n in rows.all()}
