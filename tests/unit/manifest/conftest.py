"""Fixtures for the Teams app package: options, the shipped sources, PNGs to break rules with."""

from __future__ import annotations

import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from uptake.manifest_package import PackageOptions, package_options, shipped_template

BOT_ID = "11111111-2222-3333-4444-555555555555"
Pixel = tuple[int, int, int, int]


@pytest.fixture
def options() -> PackageOptions:
    return package_options(bot_id=BOT_ID, domain="uptake.contoso.com", version="1.4.0")


@pytest.fixture(scope="session")
def template_dir() -> Path:
    """manifest/ as the code finds it; a folder on disk in a checkout or a plain install."""
    found = shipped_template()
    assert isinstance(found, Path), found
    return found


@pytest.fixture
def template_copy(template_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of manifest/ for tests that swap a file."""
    return Path(shutil.copytree(template_dir, tmp_path / "manifest"))


def encode_png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """A minimal 8-bit RGBA PNG, so tests can draw exactly the icon they need."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
