"""Reading usage-report CSV by header name: one streaming parser for Graph and for exports.

Real exports reorder columns, start with a UTF-8 BOM, and at least one has a double space in
a header; so headers are matched after collapsing whitespace and ignoring case. Values are
converted per column kind (dates, Yes/No and True/False, ISO-8601 durations, `+`-joined
product lists). Extra columns are ignored; a missing required one is an error naming it.
"""

from __future__ import annotations

import csv
import io
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
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
Values = list[Any]

# Converted values are memoised per column kind for one read: a report holds few distinct
# dates, booleans and small counts, so most values cost one dict lookup instead of a parse.
# The bound keeps a file full of distinct values (large counts, names) from growing memory.
_MEMO_LIMIT = 1 << 16


class _Memo(dict[str, Any]):
    """raw text -> converted value; a miss converts (and remembers while there is room)."""

    __slots__ = ("convert",)

    def __init__(self, convert: Callable[[str], Any]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, raw: str) -> Any:
        value = self.convert(raw)
        if len(self) < _MEMO_LIMIT:
            self[raw] = value
        return value


class _Absent(dict[str, Any]):
    """Stands in for an optional column the file lacks: every value reads as None."""

    __slots__ = ()

    def __missing__(self, raw: str) -> None:
        return None


class _Strip:
    """Text cells: `lookup[raw]` is `raw.strip()`, called from C (no Python frame per cell)."""

    __slots__ = ()
    __getitem__ = staticmethod(str.strip)


_ABSENT, _STRIP = _Absent(), _Strip()


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each wanted column sits in one file's header row.

    `names` are the row field names in value order; `fields` holds, per field, its position in
    the file (None when an optional column is absent), its converter and its header.
    """

    report: str
    fields: tuple[tuple[str, int | None, Callable[[str], Any], str, Kind], ...]
    width: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f[0] for f in self.fields)

    def has(self, name: str) -> bool:
        """Whether the file holds the (optional) column of field `name`."""
        return any(f[0] == name and f[1] is not None for f in self.fields)


def layout_for(report: str, header: list[str], columns: Iterable[Column]) -> Layout:
    """Map columns to positions by name; raise naming the report and the first missing one."""
    positions = {normalise_header(h): i for i, h in enumerate(header)}
    fields: list[tuple[str, int | None, Callable[[str], Any], str, Kind]] = []
    for column in columns:
        index = positions.get(normalise_header(column.header))
        if index is None and column.required:
            raise ReportFormatError(report, f"missing required column {column.header!r}")
        fields.append((column.field, index, _CONVERTERS[column.kind], column.header, column.kind))
    return Layout(report, tuple(fields), len(header))


def _value_error(
    layout: Layout, names: Sequence[str], record: list[str], line: int
) -> ReportFormatError:
    """The error for the first value of fields `names` in `record` that does not convert."""
    by_name = {f[0]: f for f in layout.fields}
    for name in names:
        _name, index, convert, header, _kind = by_name[name]
        if index is None:
            continue
        try:
            convert(record[index])
        except ValueError as exc:
            return ReportFormatError(layout.report, f"line {line}, column {header!r}: {exc}")
    raise AssertionError("a value failed to convert but converts on its own")  # pragma: no cover


def iter_values(
    layout: Layout, rows: Iterator[list[str]], names: Sequence[str] | None = None
) -> Iterator[Values]:
    """Convert CSV records to lists of the typed values of fields `names` (all of the
    layout's by default), in that order; blank records are skipped. Only those values are
    converted, hence checked: a large report reads just the columns it uses. Text cells are
    stripped; the others go through per-kind memos (one dict lookup per cell, as a report
    holds few distinct dates, flags and counts)."""
    names = layout.names if names is None else names
    by_name = {f[0]: f for f in layout.fields}
    memos: dict[Kind, _Memo] = {}
    lookups: list[Any] = []
    indices: list[int] = []
    for name in names:
        _name, index, convert, _header, kind = by_name[name]
        if index is None:
            lookups.append(_ABSENT)
            indices.append(0)  # any cell: _ABSENT ignores it
        elif kind is Kind.TEXT:
            lookups.append(_STRIP)
            indices.append(index)
        else:
            memo = memos.get(kind)
            if memo is None:
                memo = memos[kind] = _Memo(convert)
            lookups.append(memo)
            indices.append(index)
    pick = _picker(indices)
    width = layout.width
    getitem = operator.getitem
    line = 1
    try:
        for record in rows:
            line += 1
            if len(record) != width or width == 1:
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue
                if len(record) != width:
                    raise ReportFormatError(
                        layout.report,
                        f"line {line}: {len(record)} fields where the header has {width}",
                    )
            try:
                yield list(map(getitem, lookups, pick(record)))
            except ValueError:
                raise _value_error(layout, names, record, line) from None
    except csv.Error as exc:
        raise ReportFormatError(layout.report, f"line {line}: malformed CSV ({exc})") from None


def _picker(indices: list[int]) -> Callable[[list[str]], Iterable[str]]:
    """The cells at `indices` of a record, in that order (itemgetter of one index returns the
    cell itself, not a tuple; of none, it is refused)."""
    if not indices:
        return lambda record: ()
    if len(indices) == 1:
        only = indices[0]
        return lambda record: (record[only],)
    return operator.itemgetter(*indices)


def iter_rows(layout: Layout, rows: Iterator[list[str]]) -> Iterator[Row]:
    """Typed rows as dicts by field name, every wanted column converted (absent optional
    columns are left out)."""
    present = [f[0] for f in layout.fields if f[1] is not None]
    for values in iter_values(layout, rows, present):
        yield dict(zip(present, values, strict=True))


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
