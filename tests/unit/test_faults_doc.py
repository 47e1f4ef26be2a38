"""docs/faults.md: every fault of issue 11 has a row, and every row names tests that exist."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "faults.md"
NODE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
REQUIRED = (
    "connector 429",
    "connector 5xx",
    "connector 403 blocked",
    "connector 404",
    "connector timeout",
    "connector connection refused",
    "Graph 429",
    "Graph 503",
    "Graph 401",
    "Graph expired download link",
    "Graph malformed CSV",
    "Graph concealed names",
    "database unavailable at start",
    "database unavailable during a campaign",
    "disk full on SQLite",
)


def rows() -> dict[str, list[str]]:
    """fault -> the cells after it, for each row of the table (header and rule left out)."""
    found: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or line.startswith(("| fault ", "|---")):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        found[cells[0]] = cells[1:]
    return found


@cache
def defined_tests(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    )


def test_every_fault_of_the_issue_has_a_row() -> None:
    assert set(REQUIRED) <= set(rows()), set(REQUIRED) - set(rows())


def test_every_row_has_how_what_and_tests_that_exist() -> None:
    for fault, (injected, outcome, tests) in rows().items():
        assert injected and outcome, fault
        named = NODE.findall(tests)
        assert named, f"{fault}: no test node id"
        for path, name in named:
            assert (ROOT / path).is_file(), f"{fault}: no file {path}"
            assert name in defined_tests(path), f"{fault}: no {path}::{name}"
