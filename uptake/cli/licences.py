"""`uptake licences idle --export FILE`: idle licence holders by name, for the operator only.

The bot never names whom a licence lies idle with. Where an organisation decides it needs
the list (to reclaim licences), the operator turns it on (UPTAKE_ALLOW_IDLE_EXPORT=true) and
every export is written to the audit log: who ran it (the system account), when, how many
rows. The names go to the file only, never to a log.
"""

from __future__ import annotations

import csv
import getpass
import logging
from pathlib import Path

import click

from adoption.licences import idle_skus, sku_name
from adoption.signals import WORKLOADS
from store.audit import AuditRecord, write_audit
from store.licences import holders_with_usage
from uptake.cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    configure_logging,
    load_settings,
    run,
    runtime,
    say,
)

log = logging.getLogger("uptake.licences")

HEADER = ("User principal name", "Display name", "Department", "SKU part number", "Product")
_LAST_COLUMNS = tuple(f"{w.value}_last" for w in WORKLOADS)


def operator() -> str:
    """Who ran the export, as the audit log keeps it (the system account, not a person id)."""
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (OSError, KeyError):
        return "cli:unknown"


async def _export(file: Path) -> int:
    async with runtime() as started:
        async with started.sessions() as session:
            day, holders = await holders_with_usage(session, _LAST_COLUMNS)
        if day is None:
            say("cli.idle_export_no_usage", err=True)
            return EXIT_FAILED
        rows: list[tuple[str, str, str, str, str]] = []
        for holder in holders:
            last = (
                dict(zip(WORKLOADS, holder.last_activity, strict=True))
                if holder.last_activity
                else {}
            )
            for sku in idle_skus(holder.skus.split(), last, day):
                rows.append(
                    (
                        holder.upn,
                        holder.display_name or "",
                        holder.department or "",
                        sku,
                        sku_name(sku),
                    )
                )
        try:
            with file.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(HEADER)
                writer.writerows(rows)
        except OSError as error:
            say("cli.cannot_write", err=True, path=file, reason=error.strerror or error)
            return EXIT_FAILED
        async with started.sessions.begin() as session:
            await write_audit(
                session,
                [
                    AuditRecord(
                        started.clock(),
                        operator(),
                        "licences idle --export",
                        f"rows:{len(rows)}",
                    )
                ],
            )
        log.info("licences.idle_exported", extra={"rows": len(rows), "as_of": day.isoformat()})
        say("cli.idle_export_written", count=len(rows), path=file, day=day.isoformat())
        return 0


@click.group()
def licences() -> None:
    """Paid licences (the bot answers `licences` and `copilot` in chat)."""


@licences.command("idle")
@click.option(
    "--export",
    "file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the idle licence holders, by name, to this CSV file.",
)
def idle(file: Path) -> None:
    """List idle licence holders by name (only when UPTAKE_ALLOW_IDLE_EXPORT=true; audited)."""
    configure_logging("WARNING")
    if not load_settings().allow_idle_export:
        say("cli.idle_export_disabled", err=True)
        raise SystemExit(EXIT_USAGE)
    run(lambda: _export(file))


COMMANDS: list[click.Command] = [licences]
