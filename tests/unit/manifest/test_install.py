"""`uptake manifest build` from a plain install: a wheel, no checkout, no Node.js around.

Slower than the rest (a real wheel build and a fresh virtualenv, some seconds): the only test
that sees what `pip install uptake` really ships, which a source checkout hides.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import BOT_ID

REPO_ROOT = Path(__file__).resolve().parents[3]
# What a source checkout has and an installed wheel must not need.
_NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv*",
    "node_modules",
    "dist",
    "build",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".uptake",
    "devTools",
)


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and tools, fixed arguments
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding uptake from its wheel; returns the venv's bin folder."""
    root = tmp_path_factory.mktemp("install")
    # Build from a copy without node_modules, so nothing in the wheel can come from there.
    sources = Path(shutil.copytree(REPO_ROOT, root / "src", ignore=_NOT_SOURCES))
    wheels = root / "wheels"
    pip = (sys.executable, "-m", "pip")
    _run(*pip, "wheel", "-q", "--no-deps", "-w", wheels, sources, cwd=root)
    [wheel] = wheels.glob("uptake-*.whl")
    venv = root / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    python = venv / "bin" / "python"
    _run(*pip, "--python", python, "install", "-q", "--no-deps", wheel, cwd=root)
    # Dependencies come from this test environment instead of the network. A .pth line only
    # adds the folder to sys.path: the editable-install hook in that folder is not run, so
    # the checkout stays out of reach (checked below).
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site_packages = Path(_run(python, "-c", purelib, cwd=root).strip())
    dependency_dirs = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "test-dependencies.pth").write_text("\n".join(sorted(dependency_dirs)) + "\n")
    return venv / "bin"


def _user_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "UPTAKE_", "CONNECTIONS__", "AZURE_"))
    }
    env.update({"HOME": str(home), "LANG": "en_GB.UTF-8"})
    return env


def test_installed_code_does_not_come_from_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = _run(
        installed / "python",
        "-c",
        "import manifest, uptake.manifest_package\n"
        "print(manifest.__file__)\n"
        "print(uptake.manifest_package.__file__)",
        cwd=tmp_path,
        env=_user_env(tmp_path),
    )
    files = [Path(line) for line in where.splitlines()]
    assert len(files) == 2, where
    assert all(file.is_relative_to(installed.parent) for file in files), where


def test_build_works_from_a_plain_install_without_node(installed: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "empty"
    workdir.mkdir()
    output = _run(
        installed / "uptake",
        "manifest",
        "build",
        "--app-id",
        BOT_ID,
        "--domain",
        "uptake.contoso.com",
        "--lang",
        "en",
        cwd=workdir,
        env=_user_env(tmp_path),
    )
    assert output.count("\n") == 1, output
    assert "3 translations are valid" in output
    with zipfile.ZipFile(workdir / "dist" / "uptake-teams-app.zip") as archive:
        names = sorted(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert names == ["color.png", "en.json", "fr.json", "manifest.json", "nl.json", "outline.png"]
    assert manifest["bots"][0]["botId"] == BOT_ID
