"""The Teams app package: fill the manifest template, check it like Teams does, zip it.

`manifest/manifest.json` is a template. `{{name}}` placeholders take the deployment's values
(bot app id, version, domain...); `{{t:area.key}}` placeholders take user-visible text from the
one string catalogue, so the manifest speaks the same nl/fr/en as the bot. The English text goes
into manifest.json (Teams shows it to clients in any other language) and every language gets its
own localisation file, listed in a `localizationInfo` built here from the catalogue's languages.

The checks are the ones Teams' upload applies offline: the official manifest and localisation
JSON schemas (Draft 4, vendored from npm @microsoft/app-manifest into manifest/schemas/, so a
plain `pip install` validates without Node.js) and the icon rules the schema cannot state
(192x192 colour icon; 32x32 outline icon, white on transparent). Errors carry a catalogue key so
the CLI can say them in the reader's language. No click here: the CLI is a thin shell around it.
"""

from __future__ import annotations

import json
import re
import uuid
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

from cards.i18n import LOCALES, Locale, t
from uptake.manifest_icons import png_size, rgba_pixels

# The repository's manifest/ folder is a package of data only, so that every install carries the
# template, its icons and the official schemas (manifest/README.md says where those come from).
_SOURCES_PACKAGE: Final = "manifest"
# English in manifest.json: Teams falls back to it for every client language we do not ship.
DEFAULT_LANGUAGE: Final[Locale] = "en"
COLOR_ICON_SIZE: Final = 192
OUTLINE_ICON_SIZE: Final = 32
# Stable namespace: the same bot app id always yields the same Teams app id, so a rebuilt
# package updates the installed app instead of appearing as a second app.
_APP_ID_NAMESPACE: Final = uuid.UUID("5f0c8a2e-6c1b-4d7e-9a51-8b2f3c4d5e6f")
_GUID: Final = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_VERSION: Final = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN: Final = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+$", re.IGNORECASE)
_PLACEHOLDER: Final = re.compile(r"\{\{([a-z_]+|t:[a-z_]+\.[a-z0-9_]+)\}\}")


class PackageError(Exception):
    """A package cannot be built; `key`/`params` name the message in the catalogue."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def text(self, locale: Locale) -> str:
        return t(locale, self.key, **self.params)

    def __str__(self) -> str:
        return self.text(DEFAULT_LANGUAGE)


def shipped_template() -> Traversable:
    """The installed manifest/ folder: manifest.json and the icons it names."""
    try:
        return resources.files(_SOURCES_PACKAGE)
    # Only a broken install gets here: the data package left out (ModuleNotFoundError), or
    # shadowed by some other plain module named `manifest` (TypeError: not a package).
    except (ModuleNotFoundError, TypeError) as exc:
        raise PackageError("manifest.err_not_installed") from exc


def shipped_schemas() -> Traversable:
    """The official schemas shipped with uptake, one folder per manifest version (`v1.24`)."""
    return shipped_template().joinpath("schemas")


@dataclass(frozen=True)
class PackageOptions:
    """The deployment-specific values of a package, already validated (use `package_options`)."""

    bot_id: str
    version: str
    domain: str
    teams_app_id: str
    graph_app_id: str
    developer_name: str
    website_url: str
    privacy_url: str
    terms_url: str

    def values(self) -> dict[str, str]:
        return {
            "bot_id": self.bot_id,
            "version": self.version,
            "domain": self.domain,
            "teams_app_id": self.teams_app_id,
            "graph_app_id": self.graph_app_id,
            "developer_name": self.developer_name,
            "website_url": self.website_url,
            "privacy_url": self.privacy_url,
            "terms_url": self.terms_url,
        }


def default_version() -> str:
    try:
        return installed_version("uptake")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0"


def _guid(field_name: str, value: str) -> str:
    if not _GUID.match(value):
        raise PackageError("manifest.err_bad_guid", field=field_name, value=value)
    return value.lower()


def _https(field_name: str, value: str) -> str:
    if not value.lower().startswith("https://") or len(value) > 2048:
        raise PackageError("manifest.err_bad_url", field=field_name, value=value)
    return value


def package_options(
    *,
    bot_id: str | None,
    domain: str | None,
    version: str | None = None,
    teams_app_id: str | None = None,
    graph_app_id: str | None = None,
    developer_name: str = "uptake",
    website_url: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> PackageOptions:
    """Validate what the operator gave and derive the rest (see `PackageOptions`)."""
    if not bot_id:
        raise PackageError("manifest.err_missing_app_id")
    bot_id = _guid("--app-id", bot_id.strip())
    if not domain:
        raise PackageError("manifest.err_missing_domain")
    domain = domain.strip().lower()
    if not _DOMAIN.match(domain):
        raise PackageError("manifest.err_bad_domain", value=domain)
    version = (version or default_version()).strip()
    if not _VERSION.match(version):
        raise PackageError("manifest.err_bad_version", value=version)
    base = f"https://{domain}"
    return PackageOptions(
        bot_id=bot_id,
        version=version,
        domain=domain,
        teams_app_id=_guid("--teams-app-id", teams_app_id)
        if teams_app_id
        else str(uuid.uuid5(_APP_ID_NAMESPACE, bot_id)),
        # One Entra app for bot and Graph is the common case; webApplicationInfo must name the
        # app that calls Graph, because TeamsAppInstallation.ReadWriteSelfForUser lets an app
        # install only the Teams app that declares it there.
        graph_app_id=_guid("--graph-app-id", graph_app_id) if graph_app_id else bot_id,
        developer_name=developer_name[:32],
        website_url=_https("--website-url", website_url or f"{base}/"),
        privacy_url=_https("--privacy-url", privacy_url or f"{base}/privacy"),
        terms_url=_https("--terms-url", terms_url or f"{base}/terms"),
    )


# --- rendering the template ----------------------------------------------------------------


@dataclass
class Package:
    """The files of the zip, by name at its root."""

    manifest: dict[str, Any]
    localisations: dict[str, dict[str, str]] = field(default_factory=dict)
    icons: dict[str, bytes] = field(default_factory=dict)

    def files(self) -> Iterator[tuple[str, bytes]]:
        yield "manifest.json", _json_bytes(self.manifest)
        for name, content in sorted(self.localisations.items()):
            yield name, _json_bytes(content)
        yield from sorted(self.icons.items())


def _json_bytes(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _path(parts: tuple[str | int, ...]) -> str:
    # The localisation files address strings as `bots[0].commandLists[0].commands[3].title`.
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _fill(
    node: Any, values: Mapping[str, str], texts: dict[str, str], at: tuple[str | int, ...]
) -> Any:
    if isinstance(node, dict):
        return {k: _fill(v, values, texts, (*at, k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, values, texts, (*at, i)) for i, v in enumerate(node)]
    if not isinstance(node, str):
        return node
    whole = _PLACEHOLDER.fullmatch(node)
    if whole and whole.group(1).startswith("t:"):
        key = whole.group(1)[2:]
        texts[_path(at)] = key
        return t(DEFAULT_LANGUAGE, key)

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise PackageError("manifest.err_template", reason=f"unknown placeholder {match[0]}")
        return values[name]

    filled = _PLACEHOLDER.sub(substitute, node)
    if "{{" in filled:
        raise PackageError("manifest.err_template", reason=f"malformed placeholder in {node!r}")
    return filled


def _localisation_schema_url(manifest_version: str) -> str:
    return (
        "https://developer.microsoft.com/en-us/json-schemas/teams/"
        f"v{manifest_version}/MicrosoftTeams.Localization.schema.json"
    )


def render(options: PackageOptions, template_dir: Traversable | None = None) -> Package:
    """The filled manifest, one localisation file per language and the icon bytes."""
    if template_dir is None:
        template_dir = shipped_template()
    try:
        template = json.loads(template_dir.joinpath("manifest.json").read_text("utf-8"))
    except FileNotFoundError as exc:
        raise PackageError("manifest.err_missing_file", name="manifest.json") from exc
    except json.JSONDecodeError as exc:
        raise PackageError("manifest.err_template", reason=str(exc)) from exc
    texts: dict[str, str] = {}
    manifest: dict[str, Any] = _fill(template, options.values(), texts, ())
    manifest_version = str(manifest.get("manifestVersion", ""))
    package = Package(manifest=manifest)
    for locale in LOCALES:
        localisation = {"$schema": _localisation_schema_url(manifest_version)}
        localisation.update({path: t(locale, key) for path, key in texts.items()})
        package.localisations[f"{locale}.json"] = localisation
    manifest["localizationInfo"] = {
        "defaultLanguageTag": DEFAULT_LANGUAGE,
        "defaultLanguageFile": f"{DEFAULT_LANGUAGE}.json",
        "additionalLanguages": [
            {"languageTag": locale, "file": f"{locale}.json"}
            for locale in LOCALES
            if locale != DEFAULT_LANGUAGE
        ],
    }
    for name in sorted(set(manifest.get("icons", {}).values())):
        try:
            package.icons[name] = template_dir.joinpath(name).read_bytes()
        except FileNotFoundError as exc:
            raise PackageError("manifest.err_missing_file", name=name) from exc
    return package


# --- checks --------------------------------------------------------------------------------


def _load_schema(path: Traversable) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        raise PackageError("manifest.err_schema_missing", path=str(path)) from exc
    try:
        loaded: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError:
        # Some releases of the schema carry a regex `\a` escape, which is not valid JSON; it
        # means the BEL character, which JSON spells \u0007. The shipped copies are clean: this
        # is for other releases given with --schema-root.
        loaded = json.loads(re.sub(r"(?<!\\)\\a", r"\\u0007", text))
    return loaded


def schema_problems(document: Mapping[str, Any], schema_path: Traversable) -> list[str]:
    """The official schema's complaints about `document`, one line each (empty: valid)."""
    from jsonschema import Draft4Validator  # imported here: only the package build needs it

    validator = Draft4Validator(_load_schema(schema_path))
    return [
        f"{_path(tuple(error.absolute_path)) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]


def _check_icon(name: str, data: bytes, expected: int) -> None:
    size = png_size(data)
    if size is None:
        raise PackageError("manifest.err_icon_not_png", name=name)
    if size != (expected, expected):
        raise PackageError(
            "manifest.err_icon_size", name=name, width=size[0], height=size[1], expected=expected
        )


def _check_outline(name: str, data: bytes) -> None:
    try:
        pixels = rgba_pixels(data)
    except (ValueError, KeyError, zlib.error, IndexError) as exc:
        raise PackageError(
            "manifest.err_outline_not_transparent", name=name, reason=str(exc)
        ) from exc
    transparent = sum(1 for *_, alpha in pixels if alpha == 0)
    if transparent < len(pixels) // 4:
        reason = f"only {transparent} of {len(pixels)} pixels are transparent"
        raise PackageError("manifest.err_outline_not_transparent", name=name, reason=reason)
    # Anti-aliased edges are white with partial alpha; a coloured shape is not allowed.
    coloured = sum(1 for r, g, b, alpha in pixels if alpha >= 128 and min(r, g, b) < 0xE0)
    if coloured:
        reason = f"{coloured} visible pixels are not white"
        raise PackageError("manifest.err_outline_not_transparent", name=name, reason=reason)


def validate(package: Package, schema_root: Traversable | None = None) -> None:
    """Raise `PackageError` on the first file Teams would refuse."""
    if schema_root is None:
        schema_root = shipped_schemas()
    version_dir = schema_root.joinpath(f"v{package.manifest.get('manifestVersion', '')}")
    problems = schema_problems(package.manifest, version_dir.joinpath("MicrosoftTeams.schema.json"))
    if problems:
        raise PackageError(
            "manifest.err_schema",
            name="manifest.json",
            schema=version_dir.name,
            details="\n".join(problems),
        )
    localisation_schema = version_dir.joinpath("MicrosoftTeams.Localization.schema.json")
    for name, content in sorted(package.localisations.items()):
        problems = schema_problems(content, localisation_schema)
        if problems:
            raise PackageError(
                "manifest.err_schema",
                name=name,
                schema=version_dir.name,
                details="\n".join(problems),
            )
    icons = package.manifest["icons"]
    _check_icon(icons["color"], package.icons[icons["color"]], COLOR_ICON_SIZE)
    _check_icon(icons["outline"], package.icons[icons["outline"]], OUTLINE_ICON_SIZE)
    _check_outline(icons["outline"], package.icons[icons["outline"]])


def write_zip(package: Package, destination: Path) -> Path:
    """Write the zip with every file at its root; same input, same bytes (fixed timestamps)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in package.files():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return destination


def build(
    options: PackageOptions,
    destination: Path,
    *,
    template_dir: Traversable | None = None,
    schema_root: Traversable | None = None,
) -> Package:
    """Render, validate, and only then write the zip (default: the shipped template, schemas)."""
    package = render(options, template_dir)
    validate(package, schema_root)
    write_zip(package, destination)
    return package
