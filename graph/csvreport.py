"""Reading usage-report CSV by header name: one streaming parser for Graph and for exports.

Real exports reorder columns, start with a UTF-8 BOM, and at least one has a double space in
a header; so headers are matched after collapsing whitespace and ignoring case. Values are
converted per column kind (dates, Yes/No and True/False, ISO-8601 durations, `+`-joined
product lists). Extra columns are ignored; a missing required one is an error naming it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from graph.errors import ReportFormatError


class Kind(Enum):
    TEXT = "text"
    DATE = "date"
    BOOL = "bool"
    INT = "int"
    DURATION = "duration"
    PRODUCTS = "products"


@dataclass(frozen=True, slots=True)
class Column:
    """A column we read: the row field name, its documented header and its kind."""

    field: str
    header: str
    kind: Kind
    required: bool = True


def normalise_header(header: str) -> str:
    """Header comparison key: no BOM, whitespace collapsed, case folded."""
    return " ".join(header.replace("\ufeff", "").split()).casefold()


_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})
_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_bool(value: str) -> bool:
    lowered = value.strip().casefold()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def parse_date(value: str) -> date | None:
    value = value.strip()
    # Exports sometimes carry a time part or a US-style date; Graph CSV is ISO.
    if not value:
        return None
    if len(value) > 10 and value[10] in "T ":
        value = value[:10]
    if "/" in value:
        month, day, year = value.split("/")
        return date(int(year), int(month), int(day))
    return date.fromisoformat(value)


def parse_int(value: str) -> int:
    value = value.strip()
    return int(value) if value else 0


def parse_duration(value: str) -> int:
    """ISO-8601 duration (`PT1H2M3S`, `PT0S`) to whole seconds; empty is 0."""
    value = value.strip()
    if not value:
        return 0
    match = _DURATION.match(value)
    if match is None or value in {"P", "PT"}:
        raise ValueError(f"not an ISO-8601 duration: {value!r}")
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    return round(parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"])


def parse_products(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split("+") if p.strip())


_CONVERTERS: dict[Kind, Callable[[str], Any]] = {
    Kind.TEXT: str.strip,
    Kind.DATE: parse_date,
    Kind.BOOL: parse_bool,
    Kind.INT: parse_int,
    Kind.DURATION: parse_duration,
    Kind.PRODUCTS: parse_products,
}

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each wanted column sits in one file's header row."""

    report: str
    fields: tuple[tuple[str, int, Callable[[str], Any], str], ...]
    width: int


def layout_for(report: str, header: list[str], columns: Iterable[Column]) -> Layout:
    """Map columns to positions by name; raise naming the report and the first missing one."""
    positions = {normalise_header(h): i for i, h in enumerate(header)}
    fields: list[tuple[str, int, Callable[[str], Any], str]] = []
    for column in columns:
        index = positions.get(normalise_header(column.header))
        if index is None:
            if column.required:
                raise ReportFormatError(report, f"missing required column {column.header!r}")
            continue
        fields.append((column.field, index, _CONVERTERS[column.kind], column.header))
    return Layout(report, tuple(fields), len(header))


def iter_rows(layout: Layout, rows: Iterator[list[str]], first_line: int = 2) -> Iterator[Row]:
    """Convert CSV records to typed rows; blank records are skipped."""
    line = first_line - 1
    try:
        for record in rows:
            line += 1
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) != layout.width:
                raise ReportFormatError(
                    layout.report,
                    f"line {line}: {len(record)} fields where the header has {layout.width}",
                )
            row: Row = {}
            for name, index, convert, header in layout.fields:
                try:
                    row[name] = convert(record[index])
                except ValueError as exc:
                    raise ReportFormatError(
                        layout.report, f"line {line}, column {header!r}: {exc}"
                    ) from None
            yield row
    except csv.Error as exc:
        raise ReportFormatError(layout.report, f"line {line}: malformed CSV ({exc})") from None


def text_stream(data: bytes) -> io.TextIOWrapper:
    """Decode report bytes lazily (the BOM is dropped), one line at a time."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")


def read_header(reader: Iterator[list[str]], source: str) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise ReportFormatError(source, "empty file: no header row") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ReportFormatError(source, f"unreadable header row ({exc})") from None
    return header
