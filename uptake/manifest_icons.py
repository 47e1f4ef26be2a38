"""Just enough PNG to check Teams' icon rules without an image library.

Teams wants a 192x192 colour icon and a 32x32 outline icon that is white on a transparent
background. Size is in the IHDR header; transparency needs the pixels, so this decodes the
8-bit RGBA / grey+alpha, non-interlaced PNGs that icon tools and browsers write.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Final

_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the IHDR chunk, or None when `data` is not a PNG."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    offset = len(_PNG_SIGNATURE)
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        yield kind, data[offset + 8 : offset + 8 + length]
        offset += 12 + length


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def rgba_pixels(data: bytes) -> list[tuple[int, int, int, int]]:
    """Decode an 8-bit RGBA or grey+alpha, non-interlaced PNG (what icon tools write).

    Enough PNG to answer "is the background transparent and the shape white" without an image
    library; anything else is reported as not transparent by the caller.
    """
    header = dict(_chunks(data))[b"IHDR"]
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    channels = {6: 4, 4: 2}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"PNG colour type {colour}, depth {depth}: no 8-bit alpha channel")
    raw = zlib.decompress(b"".join(body for kind, body in _chunks(data) if kind == b"IDAT"))
    stride = width * channels
    previous = bytearray(stride)
    pixels: list[tuple[int, int, int, int]] = []
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            predictor = (0, left, up, (left + up) // 2, _paeth(left, up, up_left))[kind]
            line[i] = (line[i] + predictor) & 0xFF
        for x in range(0, stride, channels):
            if channels == 4:
                pixels.append((line[x], line[x + 1], line[x + 2], line[x + 3]))
            else:
                pixels.append((line[x], line[x], line[x], line[x + 1]))
        previous = line
    return pixels
