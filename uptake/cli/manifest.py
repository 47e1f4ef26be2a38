"""`uptake manifest build`: the Teams app package an IT department uploads to its catalogue."""

from __future__ import annotations

from pathlib import Path

import click

from cards.i18n import LOCALES, Locale, t
from uptake.cli.common import reader_locale
from uptake.manifest_package import PackageError, build, package_options

# The Agents SDK's own name for the bot's app id (see architecture.md, configuration contract).
BOT_APP_ID_ENV = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"


@click.group()
def manifest() -> None:
    """Build and check the Teams app package."""


@manifest.command("build")
@click.option("--app-id", envvar=BOT_APP_ID_ENV, help=f"Bot app id (default: ${BOT_APP_ID_ENV}).")
@click.option(
    "--domain",
    envvar="UPTAKE_PUBLIC_DOMAIN",
    help="Public host name of the bot, e.g. uptake.contoso.com ($UPTAKE_PUBLIC_DOMAIN).",
)
@click.option("--version", "app_version", help="Package version x.y.z (default: uptake's).")
@click.option("--teams-app-id", help="Teams app id (default: derived from the bot app id).")
@click.option(
    "--graph-app-id", envvar="AZURE_CLIENT_ID", help="Entra app calling Graph ($AZURE_CLIENT_ID)."
)
@click.option("--developer-name", default="uptake", show_default=True)
@click.option("--website-url", help="Default: https://<domain>/")
@click.option("--privacy-url", help="Default: https://<domain>/privacy")
@click.option("--terms-url", help="Default: https://<domain>/terms")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("dist/uptake-teams-app.zip"),
    show_default=True,
)
# Both default to the copies installed with uptake: a plain `pip install` is enough.
@click.option(
    "--template-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder with manifest.json and its icons (default: the one installed with uptake).",
)
@click.option(
    "--schema-root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of official schemas, v1.NN/*.schema.json (default: the copy shipped).",
)
@click.option("--lang", type=click.Choice(LOCALES), default=None, help="Language of the messages.")
def build_command(
    app_id: str | None,
    domain: str | None,
    app_version: str | None,
    teams_app_id: str | None,
    graph_app_id: str | None,
    developer_name: str,
    website_url: str | None,
    privacy_url: str | None,
    terms_url: str | None,
    output: Path,
    template_dir: Path | None,
    schema_root: Path | None,
    lang: Locale | None,
) -> None:
    """Fill, validate and zip the Teams app package."""
    locale = lang or reader_locale()
    try:
        options = package_options(
            bot_id=app_id,
            domain=domain,
            version=app_version,
            teams_app_id=teams_app_id,
            graph_app_id=graph_app_id,
            developer_name=developer_name,
            website_url=website_url,
            privacy_url=privacy_url,
            terms_url=terms_url,
        )
        package = build(options, output, template_dir=template_dir, schema_root=schema_root)
    except PackageError as error:
        raise click.ClickException(error.text(locale)) from error
    click.echo(
        t(
            locale,
            "manifest.cli_built",
            path=output,
            version=options.version,
            bot_id=options.bot_id,
            languages=len(package.localisations),
        )
    )


COMMANDS: list[click.Command] = [manifest]
