"""What a request body must be before the Agents SDK sees it: bounded, plain JSON, one object.

The SDK parses with the standard library and trusts the result. A body nested a thousand deep
raises RecursionError, a number of 4,301 digits hits Python's int-string conversion limit
(ValueError), and both escape as 500s before any turn starts. NaN, Infinity, a lone surrogate or
a NUL parse fine here and break later, in a database or a serialiser. So the body is read
under a size cap, scanned for depth, and parsed with hooks that refuse what no Teams activity
carries; every refusal is a `Refused` the web adapter turns into a JSON 4xx.
"""

from __future__ import annotations

import json
import math
import re
from http import HTTPStatus
from itertools import accumulate
from typing import Any, Final

MAX_ACTIVITY_BYTES: Final = 256 * 1024  # cards we receive are small; Teams caps messages ~100 KB
# Adaptive Card data nests a few levels (body > container > columns > items); 64 is ample and
# far below the interpreter's recursion limit that the SDK's parsing and validation rely on.
MAX_JSON_DEPTH: Final = 64
# The longest number a double prints as is 24 characters ("-2.2250738585072014e-308"); ints in
# activities are small. Beyond this a literal is junk, and Python refuses ints of 4,301 digits.
MAX_NUMBER_CHARS: Final = 40

# A JSON string literal, escapes included; what is left once they are gone is structure.
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Outside strings, every bracket becomes "[" or "]" and every other byte goes: UTF-8 never
# uses bytes below 0x80 inside a multi-byte character, so no bracket is invented.
_AS_SQUARE = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")
_STEP = {ord("["): 1, ord("]"): -1}
# Escapes that may decode to a NUL or half a surrogate pair (a cheap pre-filter, then exact).
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


class Refused(Exception):
    """A request answered with a 4xx before the SDK sees it; the message never echoes input."""

    def __init__(
        self,
        message: str,
        *,
        status: HTTPStatus = HTTPStatus.BAD_REQUEST,
        error: str = "bad_request",
        details: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error = error
        self.details = details

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


def too_large() -> Refused:
    return Refused(
        f"the activity is larger than {MAX_ACTIVITY_BYTES} bytes",
        status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        error="payload_too_large",
    )


class _Junk(Exception):
    """Raised by the parser hooks; json.loads lets it through unchanged."""


def _parse_int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _Junk("a number in the body is too long")
    return int(literal)


def _parse_float(literal: str) -> float:
    value = float(literal) if len(literal) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):  # 1e999 parses as inf, which no JSON column or reply holds
        raise _Junk("a number in the body is too long")
    return value


def _refuse_constant(_literal: str) -> float:
    raise _Junk("NaN and Infinity are not JSON")


def _check_string(literal: str) -> None:
    """A string with \\u escapes may decode to what no database stores (a NUL, half a pair)."""
    text: str = json.loads(literal)
    if "\x00" in text:
        raise _Junk("a string in the body contains NUL")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Junk("a string in the body is not valid Unicode (a lone surrogate)") from None


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than MAX_JSON_DEPTH.

    C loops (re, bytes.translate, accumulate) do the counting: a Python loop over each bracket
    of a 256 KB body held the event loop for 60 ms; this takes less than parsing.
    """
    structure = _STRINGS.sub("", text).encode().translate(_AS_SQUARE, _NOT_BRACKET)
    return max(accumulate(map(_STEP.__getitem__, structure)), default=0) > MAX_JSON_DEPTH


def _check_structure(text: str) -> None:
    """Refuse, before parsing, what the parser would recurse on or a database would refuse."""
    if _too_deep(text):
        raise _Junk(f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels")
    if _SUSPECT_ESCAPE.search(text):
        for match in _STRINGS.finditer(text):
            if _SUSPECT_ESCAPE.search(match.group()):
                _check_string(match.group())


def parse_activity_json(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or `Refused` saying what is wrong with it."""
    if len(raw) > MAX_ACTIVITY_BYTES:
        raise too_large()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("the body is not valid UTF-8") from None
    try:
        _check_structure(text)
        body = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_refuse_constant,
        )
    except _Junk as junk:
        raise Refused(str(junk)) from None
    except ValueError:  # JSONDecodeError, and a malformed string seen by _check_string
        raise Refused("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise Refused("the body must be a JSON object (an activity)")
    return body
