"""`uptake ...`: one click group; each area registers its commands in its own module."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="uptake")
def main() -> None:
    """uptake: carry a Microsoft 365 adoption programme from Teams."""


def _register() -> None:
    # Imported here, not at module top, so `import uptake.cli` builds nothing else.
    from uptake.cli import ambassadors, campaign, checkin, db, jobs, serve, tips, usage, waves
    from uptake.cli import licences as licences_cli
    from uptake.cli import manifest as manifest_cli
    from uptake.cli import outbox as outbox_cli

    for module in (
        serve,
        db,
        checkin,
        campaign,
        waves,
        usage,
        ambassadors,
        tips,
        jobs,
        outbox_cli,
        manifest_cli,
        licences_cli,
    ):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
