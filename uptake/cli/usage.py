"""`uptake sync` and `uptake demo generate`: usage signals into snapshots, and a demo tenant."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click
from click._termui_impl import ProgressBar

from graph.errors import UsageDataError
from graph.reports import USAGE_REPORTS
from graph.sources import scan_folder
from graph.synthetic import generate_tenant, write_export_folder
from store.engine import make_engine, make_sessions
from uptake.cli.common import load_settings
from uptake.settings import Settings
from uptake.sync import SyncOutcome, run_sync

EXIT_FAILED = 1


async def _sync(settings: Settings, bar: ProgressBar[int]) -> list[SyncOutcome]:
    from store.schema import is_current

    engine = make_engine(settings.effective_database_url)
    try:
        if not await is_current(engine):
            raise click.ClickException(
                "the database schema is not current: run `uptake db upgrade`"
            )
        return await run_sync(settings, make_sessions(engine), progress=lambda _step: bar.update(1))
    finally:
        await engine.dispose()


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
    if settings.reports_dir is not None:
        try:
            steps = len(scan_folder(settings.reports_dir).batches)
        except UsageDataError as error:
            click.echo(f"sync failed: {error}", err=True)
            sys.exit(EXIT_FAILED)
    else:
        steps = len(USAGE_REPORTS) + 2  # reports, directory, storing
    with click.progressbar(length=steps, label="usage sync", file=sys.stderr) as bar:
        try:
            outcomes = asyncio.run(_sync(settings, bar))
        except UsageDataError as error:
            click.echo(f"\nsync failed: {error}", err=True)
            sys.exit(EXIT_FAILED)
    for outcome in outcomes:
        concealed = (
            f" (names concealed: {outcome.concealed_reason})" if outcome.concealed_reason else ""
        )
        click.echo(
            f"{outcome.report_date}: {outcome.outcome}, {outcome.population} people{concealed}"
        )


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
    files = write_export_folder(tenant, out)
    click.echo(f"wrote {len(files)} files for {people} people and {weeks} report dates to {out}")


COMMANDS: list[click.Command] = [sync, demo]
