"""Someone a person may reach out to (an ambassador, a facilitator)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Contact:
    """Their name, UPN and Entra object id, as the directory knows them: for a Teams mention
    and a link that opens a chat with them."""

    person_id: str
    name: str | None
    upn: str | None
