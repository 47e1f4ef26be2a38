"""`uptake manifest build` from the operator's side: environment, messages, exit codes."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from uptake.cli.manifest import BOT_APP_ID_ENV, manifest

from .conftest import BOT_ID


def test_build_takes_the_bot_id_from_the_agents_sdk_environment(tmp_path: Path) -> None:
    output = tmp_path / "dist" / "uptake.zip"
    result = CliRunner().invoke(
        manifest,
        [
            "build",
            "--domain",
            "uptake.contoso.com",
            "--output",
            str(output),
            "--lang",
            "en",
        ],
        env={BOT_APP_ID_ENV: BOT_ID, "AZURE_CLIENT_ID": None},
    )
    assert result.exit_code == 0, result.output
    assert "3 translations" in result.output
    with zipfile.ZipFile(output) as archive:
        assert BOT_ID in archive.read("manifest.json").decode("utf-8")


def test_missing_app_id_fails_with_a_message_in_the_readers_language(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        manifest,
        ["build", "--domain", "uptake.contoso.com", "--output", str(tmp_path / "x.zip")],
        env={BOT_APP_ID_ENV: None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "fr_BE.UTF-8"},
    )
    assert result.exit_code == 1
    assert "Aucun identifiant d'application du bot" in result.output
    assert not (tmp_path / "x.zip").exists()


def test_bad_version_fails_before_anything_is_written(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        manifest,
        [
            "build",
            "--app-id",
            BOT_ID,
            "--domain",
            "uptake.contoso.com",
            "--version",
            "2",
            "--output",
            str(tmp_path / "x.zip"),
            "--lang",
            "nl",
        ],
    )
    assert result.exit_code == 1
    assert "drie getallen" in result.output


def _build_in_english(tmp_path: Path, *extra: str) -> tuple[int, str]:
    arguments = ["build", "--app-id", BOT_ID, "--domain", "uptake.contoso.com", "--lang", "en"]
    output = tmp_path / "x.zip"
    result = CliRunner().invoke(manifest, [*arguments, "--output", str(output), *extra])
    assert not output.exists()
    return result.exit_code, result.output


def test_missing_schema_is_one_line_without_a_traceback(tmp_path: Path) -> None:
    code, output = _build_in_english(tmp_path, "--schema-root", str(tmp_path))
    assert code == 1
    assert output.startswith("Error: The Teams manifest schema ")
    assert output.count("\n") == 1, output


def test_install_without_the_template_package_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a wheel that left out the `manifest` data package would look like to the code.
    monkeypatch.setitem(sys.modules, "manifest", None)
    code, output = _build_in_english(tmp_path)
    assert code == 1
    assert "installed without its Teams app template" in output
    assert output.count("\n") == 1, output
