"""Rollout waves: their names and order, for cards that say "wave 1 (pilot)"."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adoption.waves import WaveName
from store.tables import Wave


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
