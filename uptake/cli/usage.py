"""`uptake sync` and `uptake demo generate`: usage signals into snapshots, and a demo tenant."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from graph.errors import UsageDataError
from graph.reports import USAGE_REPORTS
from graph.sources import scan_folder
from graph.synthetic import generate_tenant
from graph.synthetic_export import write_export_folder
from uptake.cli.common import EXIT_FAILED, load_settings, run, say
from uptake.database import open_database
from uptake.settings import Settings
from uptake.sync import run_sync


async def _sync(settings: Settings) -> int:
    if settings.reports_dir is not None:
        try:
            steps = len(scan_folder(settings.reports_dir).batches)
        except UsageDataError as error:
            say("cli.sync_failed", err=True, reason=error)
            return EXIT_FAILED
    else:
        steps = len(USAGE_REPORTS) + 2  # reports, directory, storing
    from uptake.root import load_or_create_secret

    secret = load_or_create_secret(settings)
    database = await open_database(settings, secret=secret)
    try:
        with click.progressbar(length=steps, label="usage sync", file=sys.stderr) as bar:
            outcomes = await run_sync(
                settings, database.sessions, secret=secret, progress=lambda _step: bar.update(1)
            )
    except UsageDataError as error:
        say("cli.sync_failed", err=True, reason=error)
        return EXIT_FAILED
    finally:
        await database.close()
    for outcome in outcomes:
        key = "cli.sync_date_concealed" if outcome.concealed_reason else "cli.sync_date"
        say(
            key,
            day=outcome.report_date.isoformat(),
            outcome=outcome.outcome,
            people=outcome.population,
            reason=outcome.concealed_reason or "",
        )
    return 0


@click.command("sync")
@click.option(
    "--reports-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Read admin-center CSV exports from this folder (overrides UPTAKE_REPORTS_DIR).",
)
def sync(reports_dir: Path | None) -> None:
    """Fetch usage reports (Graph or export folder) and store one snapshot per report date."""
    settings = load_settings()
    if reports_dir is not None:
        settings = settings.model_copy(update={"reports_dir": reports_dir})
    run(lambda: _sync(settings))


@click.group("demo")
def demo() -> None:
    """A fictional tenant for demos and trials."""


@demo.command("generate")
@click.option("--people", type=click.IntRange(1, 1_000_000), default=500, show_default=True)
@click.option("--weeks", type=click.IntRange(1, 26), default=6, show_default=True)
@click.option("--seed", type=int, default=2024, show_default=True)
@click.option("--concealed", is_flag=True, help="Conceal names as Microsoft 365 does by default.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-exports"),
    show_default=True,
)
def generate(people: int, weeks: int, seed: int, concealed: bool, out: Path) -> None:
    """Write admin-center style CSV exports of a fictional organisation into OUT."""
    tenant = generate_tenant(people, seed=seed, concealed=concealed, weeks=weeks)
    try:
        files = write_export_folder(tenant, out)
    except OSError as error:
        say("cli.cannot_write", err=True, path=out, reason=error.strerror or error)
        raise SystemExit(EXIT_FAILED) from None
    say("cli.demo_generated", files=len(files), people=people, weeks=weeks, path=out)


COMMANDS: list[click.Command] = [sync, demo]
