"""Which worker runs the jobs: exactly one, the others wait as hot standbys.

On PostgreSQL the leader holds a session-level advisory lock on its own connection: if the
process dies the connection closes and the lock is free for a standby. On SQLite (one host)
an exclusive lock on a file next to the database does the same between processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger("uptake.leader")

# An arbitrary, fixed 64-bit key: "uptake" in ASCII. Every worker of a deployment uses it.
ADVISORY_KEY = 0x757074616B65
# How often a standby tries the lock and the leader checks it still holds it. A standby
# takes over at most this long after the leader's connection (or process) is gone; the cost
# is one trivial query per worker per check. 15 s made a take-over after a kill -9 take up to
# 15 s plus the start of sending; 5 s keeps it well inside the 30 s promised.
CHECK_EVERY_SECONDS = 5.0
KEEPALIVE = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}


class Leadership(Protocol):
    async def try_acquire(self) -> bool: ...
    async def still_held(self) -> bool: ...
    async def release(self) -> None: ...


class PostgresLeadership:
    def __init__(self, engine: AsyncEngine, key: int = ADVISORY_KEY) -> None:
        self._engine = engine
        self._key = key
        self._connection: AsyncConnection | None = None

    async def try_acquire(self) -> bool:
        try:
            if self._connection is None:
                self._connection = await self._engine.connect()
                # A leader whose host dies without closing the socket would keep the lock
                # until the OS's keepalive notices (two hours by default): ask the server to
                # probe this connection after 10 s of silence, three times 5 s apart.
                for setting, seconds in KEEPALIVE.items():
                    await self._connection.execute(text(f"SET {setting} = {seconds}"))
            got = await self._connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
            await self._connection.commit()  # end the implicit transaction; the lock stays
        except Exception:
            log.warning("leader.acquire_failed", exc_info=True)
            await self._drop()
            return False
        if not got:
            await self._drop()
        return bool(got)

    async def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
        except Exception:  # noqa: BLE001 - the connection (and with it the lock) is gone
            log.warning("leader.connection_lost")
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
                )
                await self._connection.commit()
        await self._drop()

    async def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None


class FileLeadership:
    """For SQLite: an exclusive, non-blocking flock that the kernel frees if the process dies."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    async def try_acquire(self) -> bool:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def still_held(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


async def lead(
    leadership: Leadership,
    on_elected: Callable[[], Awaitable[None]] | Callable[[], None],
    on_deposed: Callable[[], Awaitable[None]] | Callable[[], None],
    stop: asyncio.Event,
    every: float = CHECK_EVERY_SECONDS,
) -> None:
    """Until `stop`: become leader when the lock is free, step down when it is lost."""
    leading = False
    standing_by = False
    try:
        while not stop.is_set():
            if not leading and await leadership.try_acquire():
                leading = True
                log.info("leader.elected")
                await _call(on_elected)
            elif not leading and not standing_by:
                standing_by = True  # said once: it tries again every `every` seconds
                log.info("leader.standby every=%s", every)
            elif leading and not await leadership.still_held():
                leading = False
                log.warning("leader.deposed")
                await _call(on_deposed)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)
    finally:
        if leading:
            await _call(on_deposed)
        await leadership.release()


async def _call(callback: Callable[[], Awaitable[None]] | Callable[[], None]) -> None:
    result = callback()
    if result is not None:
        await result
