"""The README's two first commands stay true: CI runs exactly its test command."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _first_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text("utf-8").splitlines()
    start = lines.index("```sh")
    return lines[start + 1 : start + 3]


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    run, test = _first_commands()
    assert run.endswith("uptake serve --demo")
    assert "python -m pytest" in test
    assert all(cmd.startswith("python3 -m venv .venv && ") for cmd in (run, test))


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _, test = _first_commands()
    ci_lines = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert test in ci_lines
