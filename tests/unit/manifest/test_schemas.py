"""The official schemas shipped in manifest/schemas/: the ones used, copied verbatim from npm.

CI runs `npm ci`, so a bump of @microsoft/app-manifest in package.json that forgets to copy
the new schemas (and to say so in manifest/README.md) fails here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from uptake.manifest_package import shipped_schemas

REPO_ROOT = Path(__file__).resolve().parents[3]
NPM_PACKAGE = REPO_ROOT / "node_modules" / "@microsoft" / "app-manifest"
NPM_SCHEMAS = NPM_PACKAGE / "build" / "json-schemas" / "teams"


@pytest.fixture(scope="module")
def shipped(template_dir: Path) -> Path:
    folder = shipped_schemas()
    assert isinstance(folder, Path), folder
    assert folder.is_relative_to(template_dir)
    return folder


@pytest.fixture(scope="module")
def npm_version() -> str:
    """The installed npm package's version: skip without node_modules, fail in CI."""
    if not (NPM_PACKAGE / "package.json").is_file():
        reason = f"{NPM_PACKAGE} is not installed: run `npm ci --ignore-scripts` to compare"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    version: str = json.loads((NPM_PACKAGE / "package.json").read_text("utf-8"))["version"]
    return version


def _files(root: Path) -> list[Path]:
    return sorted(path.relative_to(root) for path in root.rglob("*") if path.is_file())


def test_only_the_schemas_of_the_templates_manifest_version_are_shipped(
    shipped: Path, template_dir: Path
) -> None:
    template = json.loads((template_dir / "manifest.json").read_text("utf-8"))
    version = f"v{template['manifestVersion']}"
    assert _files(shipped) == [
        Path(version, "MicrosoftTeams.Localization.schema.json"),
        Path(version, "MicrosoftTeams.schema.json"),
    ]


def test_shipped_schemas_are_the_npm_packages_byte_for_byte(
    shipped: Path, npm_version: str
) -> None:
    for relative in _files(shipped):
        official = NPM_SCHEMAS / relative
        assert official.is_file(), f"@microsoft/app-manifest {npm_version} has no {relative}"
        assert (shipped / relative).read_bytes() == official.read_bytes(), (
            f"manifest/schemas/{relative} differs from @microsoft/app-manifest {npm_version}: "
            "copy it again (see manifest/README.md)"
        )


def test_readme_names_the_npm_version_the_schemas_come_from(
    template_dir: Path, npm_version: str
) -> None:
    readme = (template_dir / "README.md").read_text("utf-8")
    assert f"`@microsoft/app-manifest` {npm_version}" in readme
