"""The built Teams app package: official schemas, languages, icons, zip layout.

Everything here uses the template and schemas shipped in the `manifest` package, as
`uptake manifest build` does by default: no node_modules needed.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from cards.i18n import LOCALES, t
from uptake.manifest_icons import png_size, rgba_pixels
from uptake.manifest_package import (
    PackageError,
    PackageOptions,
    build,
    render,
    schema_problems,
    shipped_schemas,
    validate,
)

from .conftest import encode_png

FACILITATOR_AND_EMPLOYEE_COMMANDS = [
    "status",
    "scenario",
    "check-in",
    "trend",
    "ambassadors",
    "waves",
    "campaign",
    "my ambassador",
    "my data",
    "help",
]


def test_every_placeholder_is_filled(options: PackageOptions) -> None:
    package = render(options)
    assert "{{" not in json.dumps(package.manifest)
    assert package.manifest["version"] == "1.4.0"
    assert package.manifest["bots"][0]["botId"] == options.bot_id
    assert package.manifest["webApplicationInfo"]["id"] == options.graph_app_id
    assert package.manifest["validDomains"] == ["uptake.contoso.com"]


def test_bot_is_personal_with_the_main_questions_in_its_menu(options: PackageOptions) -> None:
    bot = render(options).manifest["bots"][0]
    assert bot["scopes"] == ["personal"]
    [commands] = bot["commandLists"]
    assert commands["scopes"] == ["personal"]
    assert [c["title"] for c in commands["commands"]] == FACILITATOR_AND_EMPLOYEE_COMMANDS


def test_bot_may_send_files_for_my_data(options: PackageOptions) -> None:
    # Teams shows a file consent card only for bots that declare file support.
    assert render(options).manifest["bots"][0]["supportsFiles"] is True


def test_localisation_files_cover_the_same_fields_in_every_language(
    options: PackageOptions, template_dir: Path
) -> None:
    package = render(options)
    assert sorted(package.localisations) == sorted(f"{locale}.json" for locale in LOCALES)
    fields = {name: set(content) for name, content in package.localisations.items()}
    assert len({frozenset(f) for f in fields.values()}) == 1, fields
    template = (template_dir / "manifest.json").read_text("utf-8")
    # One field per catalogue placeholder in the template, plus "$schema".
    assert len(fields["en.json"]) == template.count("{{t:") + 1
    for name, content in package.localisations.items():
        assert all(isinstance(text, str) and text.strip() for text in content.values()), name


def test_languages_really_differ(options: PackageOptions) -> None:
    texts = render(options).localisations
    descriptions = {texts[f"{locale}.json"]["description.full"] for locale in LOCALES}
    assert len(descriptions) == len(LOCALES)
    assert texts["fr.json"]["bots[0].commandLists[0].commands[9].title"] == t(
        "fr", "manifest.cmd_help_title"
    )


def test_manifest_speaks_the_default_language_file(options: PackageOptions) -> None:
    package = render(options)
    info = package.manifest["localizationInfo"]
    assert info["defaultLanguageTag"] == "en"
    assert {lang["languageTag"] for lang in info["additionalLanguages"]} == {"nl", "fr"}
    assert package.manifest["name"]["full"] == package.localisations["en.json"]["name.full"]


def test_built_package_passes_the_official_schemas(options: PackageOptions, tmp_path: Path) -> None:
    destination = tmp_path / "uptake.zip"
    build(options, destination)
    with zipfile.ZipFile(destination) as archive:
        names = sorted(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert names == sorted(
        ["manifest.json", "color.png", "outline.png", "en.json", "nl.json", "fr.json"]
    )
    schema = shipped_schemas().joinpath("v1.24", "MicrosoftTeams.schema.json")
    assert schema_problems(manifest, schema) == []


def test_zip_is_reproducible(options: PackageOptions, tmp_path: Path) -> None:
    build(options, tmp_path / "a.zip")
    build(options, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_schema_violation_is_refused_before_writing(
    options: PackageOptions, template_copy: Path, tmp_path: Path
) -> None:
    template = json.loads((template_copy / "manifest.json").read_text("utf-8"))
    template["accentColor"] = "teal"
    (template_copy / "manifest.json").write_text(json.dumps(template), "utf-8")
    with pytest.raises(PackageError) as raised:
        build(options, tmp_path / "x.zip", template_dir=template_copy)
    assert raised.value.key == "manifest.err_schema"
    assert "accentColor" in str(raised.value)
    assert not (tmp_path / "x.zip").exists()


def test_localisation_with_an_unknown_field_is_refused(options: PackageOptions) -> None:
    package = render(options)
    package.localisations["nl.json"]["bots[0].nonsense"] = "x"
    with pytest.raises(PackageError, match=r"nl\.json"):
        validate(package)


def test_missing_schema_is_one_line_naming_the_file(
    options: PackageOptions, tmp_path: Path
) -> None:
    with pytest.raises(PackageError) as raised:
        validate(render(options), tmp_path)
    assert raised.value.key == "manifest.err_schema_missing"
    for locale in LOCALES:
        message = raised.value.text(locale)
        assert "\n" not in message
        assert str(tmp_path / "v1.24" / "MicrosoftTeams.schema.json") in message
        assert "npm" not in message  # the schemas ship with uptake: Node.js is no remedy


def test_unknown_placeholder_is_refused(options: PackageOptions, template_copy: Path) -> None:
    text = (template_copy / "manifest.json").read_text("utf-8")
    (template_copy / "manifest.json").write_text(text.replace("{{domain}}", "{{host}}"), "utf-8")
    with pytest.raises(PackageError, match="host"):
        render(options, template_copy)


# --- icons ---------------------------------------------------------------------------------


def test_shipped_icons_have_the_sizes_teams_requires(template_dir: Path) -> None:
    assert png_size((template_dir / "color.png").read_bytes()) == (192, 192)
    assert png_size((template_dir / "outline.png").read_bytes()) == (32, 32)


def test_shipped_outline_icon_is_white_on_transparent(template_dir: Path) -> None:
    pixels = rgba_pixels((template_dir / "outline.png").read_bytes())
    assert pixels[0][3] == 0  # top-left corner is background
    visible = [p for p in pixels if p[3] >= 128]
    assert visible
    assert all(min(p[:3]) >= 0xE0 for p in visible)


def test_colour_icon_of_the_wrong_size_is_refused(
    options: PackageOptions, template_copy: Path
) -> None:
    (template_copy / "color.png").write_bytes((template_copy / "outline.png").read_bytes())
    with pytest.raises(PackageError) as raised:
        validate(render(options, template_copy))
    assert raised.value.key == "manifest.err_icon_size"
    message = raised.value.text("nl")
    assert "32\N{MULTIPLICATION SIGN}32" in message
    assert "192\N{MULTIPLICATION SIGN}192" in message


def test_icon_that_is_not_a_png_is_refused(options: PackageOptions, template_copy: Path) -> None:
    (template_copy / "color.png").write_bytes(b"<svg/>")
    with pytest.raises(PackageError) as raised:
        validate(render(options, template_copy))
    assert raised.value.key == "manifest.err_icon_not_png"


@pytest.mark.parametrize(
    ("description", "pixel"),
    [
        ("opaque background", lambda x, y: (255, 255, 255, 255) if x < 16 else (0, 0, 0, 255)),
        ("coloured shape", lambda x, y: (220, 30, 30, 255) if 8 < x < 24 else (0, 0, 0, 0)),
    ],
)
def test_outline_icon_must_be_white_on_transparent(
    options: PackageOptions,
    template_copy: Path,
    description: str,
    pixel: object,
) -> None:
    (template_copy / "outline.png").write_bytes(encode_png(32, 32, pixel))  # type: ignore[arg-type]
    with pytest.raises(PackageError) as raised:
        validate(render(options, template_copy))
    assert raised.value.key == "manifest.err_outline_not_transparent", description


def test_white_on_transparent_outline_drawn_here_is_accepted(
    options: PackageOptions, template_copy: Path
) -> None:
    # The decoder handles what the encoder above writes: the refusals are not decoder failures.
    icon = encode_png(32, 32, lambda x, y: (255, 255, 255, 255) if 8 < x < 24 else (0, 0, 0, 0))
    (template_copy / "outline.png").write_bytes(icon)
    validate(render(options, template_copy))
