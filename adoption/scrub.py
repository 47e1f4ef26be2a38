"""Free-text answers shown to facilitators, without what could identify someone.

Anonymous answers can still name people: "ask Jan Peeters", "mail me at jan@contoso.com",
"call 0475 12 34 56". Before a facilitator reads a text it goes through `scrub`, which
replaces e-mail addresses, phone numbers, known people's names and name-like tokens
(a capitalised word that does not start a sentence) with a neutral mark.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

MARK: Final = "[…]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Belgian and international numbers: +32 475 12 34 56, 0032..., 0475/12.34.56, 02 123 45 67.
_PHONE = re.compile(r"(?<![\w])(?:\+|00)?\d[\d ./()-]{6,}\d(?![\w])")
_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*", re.UNICODE)
# Capitalised words that are products or common sentence words, not people.
_ALLOWED: Final = frozenset(
    {
        "teams",
        "outlook",
        "onedrive",
        "sharepoint",
        "copilot",
        "excel",
        "word",
        "powerpoint",
        "onenote",
        "loop",
        "viva",
        "engage",
        "planner",
        "microsoft",
        "office",
        "windows",
        "ik",
        "i",
        "je",
        "we",
        "wij",
        "nous",
        "il",
        "elle",
        "on",
    }
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_tokens(display_names: Iterable[str]) -> frozenset[str]:
    """Folded words of known people's names (of at least 3 letters), for `scrub`."""
    tokens: set[str] = set()
    for name in display_names:
        for word in _WORD.findall(name or ""):
            if len(word) >= 3:
                tokens.add(_fold(word))
    return frozenset(tokens - _ALLOWED)


def _phone_like(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return MARK if digits >= 8 else match.group(0)


def scrub(text: str, known_names: frozenset[str] = frozenset()) -> str:
    """`text` with e-mails, phone numbers and names replaced by a mark.

    A word is treated as a name when it is one of `known_names` (any case) or when it is
    capitalised and not the first word of a sentence. Consecutive marks are merged.
    """
    text = _EMAIL.sub(MARK, text)
    text = _PHONE.sub(_phone_like, text)
    out: list[str] = []
    position = 0
    sentence_start = True
    for match in _WORD.finditer(text):
        between = text[position : match.start()]
        out.append(between)
        if any(c in ".!?\n" for c in between) or (position == 0 and not between.strip()):
            sentence_start = sentence_start or any(c in ".!?\n" for c in between)
        word = match.group(0)
        folded = _fold(word)
        capitalised = word[0].isupper() and not word.isupper()
        is_name = folded in known_names or (
            capitalised and not sentence_start and folded not in _ALLOWED
        )
        out.append(MARK if is_name else word)
        sentence_start = False
        position = match.end()
    out.append(text[position:])
    result = "".join(out)
    merged = re.sub(rf"(?:{re.escape(MARK)}[\s,]*)+{re.escape(MARK)}", MARK, result)
    return " ".join(merged.split())
