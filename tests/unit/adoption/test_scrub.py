"""Free texts lose e-mails, phone numbers and names before a facilitator reads them."""

from __future__ import annotations

import pytest

from adoption.scrub import MARK, name_tokens, scrub


@pytest.mark.parametrize(
    "text",
    [
        "mail me: jan.peeters@contoso.be please",
        "bel me op +32 475 12 34 56",
        "bel me op 0475/12.34.56",
        "bel 0032 2 123 45 67",
    ],
)
def test_emails_and_phone_numbers_are_removed(text: str) -> None:
    cleaned = scrub(text)
    assert MARK in cleaned
    assert "@" not in cleaned
    assert not any(run in cleaned for run in ("475", "123 45"))


def test_capitalised_name_like_tokens_are_removed_but_not_sentence_starts() -> None:
    assert scrub("Vraag het aan Jan Peeters. Teams werkt.") == f"Vraag het aan {MARK}. Teams werkt."


def test_known_names_are_removed_in_any_case() -> None:
    names = name_tokens(["Marie Dubois"])
    assert scrub("marie helped me", names) == f"{MARK} helped me"


def test_products_and_numbers_stay() -> None:
    assert scrub("Ik gebruik OneDrive en Teams 3 keer per week") == (
        "Ik gebruik OneDrive en Teams 3 keer per week"
    )
