"""Whom a check-in run is for, and which scopes its answers speak for.

A run goes to everyone, to one department, to one wave, or to a list of people (a campaign's
CSV, named by the campaign's id). Its answers speak for a scope (the
organisation, a department, a wave) only when the run asked every member of that scope: an
organisation-wide run covers every department and wave, a department's run covers that
department alone. A status card therefore shows, per scope, the latest run that covers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from adoption.scopes import TENANT, Scope

AudienceKind = Literal["all", "department", "wave", "list"]
_KINDS: tuple[AudienceKind, ...] = ("all", "department", "wave", "list")


class AudienceError(ValueError):
    """An audience that cannot be read (a stored value or a typed one)."""


@dataclass(frozen=True, slots=True)
class Audience:
    kind: AudienceKind
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind == "all" and self.name:
            raise AudienceError("the audience 'all' takes no name")
        if self.kind != "all" and not self.name.strip():
            raise AudienceError(f"a {self.kind} audience needs a name")

    @classmethod
    def everyone(cls) -> Audience:
        return cls("all")

    def encode(self) -> str:
        """The stored form: 'all', 'department:<name>' or 'wave:<name>'."""
        return "all" if self.kind == "all" else f"{self.kind}:{self.name}"

    @classmethod
    def decode(cls, text: str) -> Audience:
        if text == "all":
            return cls.everyone()
        kind, separator, name = text.partition(":")
        if not separator or kind not in _KINDS or kind == "all":
            raise AudienceError(f"unknown audience {text!r}")
        return cls(kind, name)

    def includes(self, department: str | None, wave: str | None) -> bool:
        """Whether a person of `department` and `wave` belongs to this audience (a list's
        members are known to the store only: never by group)."""
        if self.kind == "all":
            return True
        if self.kind == "list":
            return False
        return (department if self.kind == "department" else wave) == self.name

    def covers(self, scope: Scope) -> bool:
        """Whether a run for this audience asked every member of `scope` (a list: none)."""
        if self.kind == "all":
            return True
        return scope.kind == self.kind and scope.key == self.name

    def scope_in_run(self, scope: Scope) -> Scope:
        """How `scope` is found in this run's results: a department's own run answers for the
        department as a whole (its total), an organisation-wide run through the breakdown."""
        return scope if self.kind == "all" else TENANT
