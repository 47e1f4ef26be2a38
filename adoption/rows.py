"""Reading operators' CSV files of people: a campaign's audience, waves, ambassadors.

A row names a person by UPN (`an.peeters@contoso.be`) or Entra object id (a GUID), and may
carry one more value (a wave, a department). A header row is optional and recognised by its
words. Every problem is reported with its line number, and a file with any problem is used
for nothing: callers refuse it whole, so nothing half-imports.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

_GUID: Final = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_UPN: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HEADER_WORDS: Final = frozenset(
    {"upn", "user principal name", "userprincipalname", "object id", "objectid", "id",
     "email", "mail", "person", "wave", "golf", "vague", "department", "afdeling", "service"}
)  # fmt: skip
MAX_ROWS: Final = 200_000


@dataclass(frozen=True, slots=True)
class PersonRow:
    line: int
    ref: str  # lower-cased UPN or object id
    value: str = ""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong at `line` (0: the file as a whole): a catalogue code (cards/strings/
    rows.toml, `problem_<code>`) and its details."""

    line: int
    code: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RowsRead:
    rows: tuple[PersonRow, ...] = ()
    problems: tuple[RowProblem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def is_person_ref(text: str) -> bool:
    return bool(_GUID.match(text) or _UPN.match(text))


def read_people(text: str, *, with_value: bool = False) -> RowsRead:
    """Rows of one person each; `with_value`: a second column (a wave, a department) is
    required.

    Duplicates are problems too: a person listed twice with two waves is a mistake the
    operator must see, not a coin to toss."""
    problems: list[RowProblem] = []
    rows: list[PersonRow] = []
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        _read(reader, rows, problems, seen, with_value)
    except csv.Error:
        problems.append(RowProblem(reader.line_num, "unreadable"))
    if not rows and not problems:
        problems.append(RowProblem(0, "empty"))
    return RowsRead(tuple(rows), tuple(problems))


def _read(
    reader: Iterator[list[str]],
    rows: list[PersonRow],
    problems: list[RowProblem],
    seen: dict[str, int],
    with_value: bool,
) -> None:
    for line, cells in enumerate(reader, start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if line == 1 and all(c.casefold() in _HEADER_WORDS for c in cells if c):
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(RowProblem(0, "too_many", str(MAX_ROWS)))
            break
        ref = cells[0].lower()
        if not is_person_ref(ref):
            problems.append(RowProblem(line, "not_a_person", cells[0][:80]))
            continue
        extra = cells[1] if len(cells) > 1 else ""
        if with_value and not extra:
            problems.append(RowProblem(line, "value_missing"))
            continue
        if not with_value and any(cells[1:]):
            problems.append(RowProblem(line, "one_column"))
            continue
        if ref in seen:
            problems.append(RowProblem(line, "twice", str(seen[ref])))
            continue
        seen[ref] = line
        rows.append(PersonRow(line, ref, extra[:128]))
