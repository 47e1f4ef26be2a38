"""What a request must be before the Agents SDK sees it: a bounded JSON object, an activity.

The SDK parses with the standard library and trusts the result. A body nested a thousand deep
raises RecursionError, a number of 4,301 digits hits Python's int-string conversion limit
(ValueError), and both escape as 500s before any turn starts. NaN, Infinity, a lone surrogate or
a NUL parse fine here and break later, in a database or a serialiser. So the body is read
under a size cap, scanned for depth, and parsed with hooks that refuse what no Teams activity
carries; every refusal is a `Refused` the web adapter turns into a JSON 4xx.

Then the activity: the SDK builds a connector client from `serviceUrl` before the turn (so
"x", "file:" or "http://" failed outside any error handler), raises TypeError for an empty
`channelId`, cannot reply without `from` and `recipient`, and pastes conversation and activity
ids into connector URL paths unquoted. Those fields are checked here, then the SDK's model.
"""

from __future__ import annotations

import json
import logging
import math
import re
from http import HTTPStatus
from itertools import accumulate
from typing import Any, Final

import pydantic
from microsoft_agents.activity import Activity
from yarl import URL

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


# --- the activity -----------------------------------------------------------------------------

MAX_ID_CHARS: Final = 1024  # Teams ids are ~130 characters; the longest carry ";messageid=..."
MAX_SERVICE_URL_CHARS: Final = 2048
# A character that would move an id out of its URL path segment, or make it ambiguous there.
_PATH_UNSAFE = re.compile(r"[/?#\\%\s\x00-\x1f\x7f]")
# Agentic, skill and Copilot Studio roles take SDK token paths that fail before the turn; Teams
# sends a bot recipient with no role, or "bot".
_RECIPIENT_ROLES: Final = (None, "bot")
_SERVICE_URL_RULE = (
    "serviceUrl must be an absolute http(s) URL without credentials, query or fragment"
)


def _service_url_problem(value: object) -> str | None:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_SERVICE_URL_CHARS:
        return _SERVICE_URL_RULE
    # Printable ASCII only: yarl would quietly re-encode a space or an accent into another URL.
    if not (value.isascii() and value.isprintable()) or any(c in value for c in " ?#"):
        return _SERVICE_URL_RULE
    try:
        url = URL(value)
        port = url.port
    except ValueError:  # a port out of range, a broken IPv6 literal
        return _SERVICE_URL_RULE
    if url.scheme not in ("http", "https") or not url.host or not url.is_absolute():
        return _SERVICE_URL_RULE
    if url.raw_user is not None or url.raw_password is not None or port == 0:
        return _SERVICE_URL_RULE
    return None


def _id_problem(value: object, field: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_CHARS:
        return f"{field} must be a non-empty string of at most {MAX_ID_CHARS} characters"
    if _PATH_UNSAFE.search(value) or value in (".", ".."):
        return f"{field} contains characters no channel id has (/ ? # \\ % or spaces)"
    return None


def _account_problem(value: object, field: str) -> str | None:
    if not isinstance(value, dict):
        return f"an activity needs {field} with an id"
    account_id = value.get("id")
    if not isinstance(account_id, str) or not account_id.strip():
        return f"an activity needs {field} with an id"
    return None


def _shape_problem(body: dict[str, Any]) -> str | None:
    """The first field, in the order the SDK would trip on them, that it cannot work with."""
    kind = body.get("type")
    if not isinstance(kind, str) or not kind.strip():
        return "an activity needs a type"
    channel = body.get("channelId")
    if not isinstance(channel, str) or not channel.split(":", 1)[0].strip():
        return "an activity needs a channelId"
    problem = _service_url_problem(body.get("serviceUrl"))
    problem = problem or _account_problem(body.get("from"), "from")
    problem = problem or _account_problem(body.get("recipient"), "recipient")
    problem = problem or _account_problem(body.get("conversation"), "conversation")
    if problem:
        return problem
    if body["recipient"].get("role") not in _RECIPIENT_ROLES:
        return "recipient.role must be the bot"
    return (
        _id_problem(body["conversation"]["id"], "conversation.id", required=True)
        or _id_problem(body.get("id"), "id", required=False)
        or _id_problem(body.get("replyToId"), "replyToId", required=False)
    )


def _validation_details(error: pydantic.ValidationError) -> list[dict[str, str]]:
    # Field paths and messages only: echoing input values back could leak what was sent.
    return [
        {"field": ".".join(str(part) for part in item["loc"]), "problem": item["msg"]}
        for item in error.errors(include_url=False, include_input=False)[:10]
    ]


def activity_from(body: dict[str, Any]) -> Activity:
    """The SDK's Activity for a parsed body, or `Refused` naming the first field that is wrong."""
    problem = _shape_problem(body)
    if problem:
        raise Refused(problem)
    try:
        activity: Activity = Activity.model_validate(body)
    except pydantic.ValidationError as error:
        raise Refused("the activity is malformed", details=_validation_details(error)) from None
    except Exception:  # noqa: BLE001 - the model raises bare Exceptions (a contradicting productInfo)
        raise Refused("the activity is malformed") from None
    return activity


class _NoActivityValidationNoise(logging.Filter):
    """The SDK logs each invalid Activity at ERROR with a traceback and pydantic's text, which
    quotes the input: whatever a caller sent, in our logs, as often as they send it. The
    refusal is logged by the web adapter instead, without the input."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Validation error for Activity")


_SDK_ACTIVITY_LOGGER = "microsoft_agents.activity.activity"


def quiet_sdk_activity_validation() -> None:
    """Drop the SDK's log of invalid Activities (idempotent)."""
    logger = logging.getLogger(_SDK_ACTIVITY_LOGGER)
    if not any(isinstance(f, _NoActivityValidationNoise) for f in logger.filters):
        logger.addFilter(_NoActivityValidationNoise())
