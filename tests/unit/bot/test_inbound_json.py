"""The body parser refuses what would crash or poison later layers, and nothing a card sends."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest

from bot.inbound import (
    MAX_ACTIVITY_BYTES,
    MAX_JSON_DEPTH,
    MAX_NUMBER_CHARS,
    Refused,
    parse_activity_json,
)


def nested(depth: int) -> bytes:
    return ('{"v":' + "[" * (depth - 1) + "]" * (depth - 1) + "}").encode()


def test_depth_up_to_the_limit_parses() -> None:
    assert "v" in parse_activity_json(nested(MAX_JSON_DEPTH))


def test_one_level_more_is_refused_with_the_reason() -> None:
    with pytest.raises(Refused) as refused:
        parse_activity_json(nested(MAX_JSON_DEPTH + 1))

    assert refused.value.status == HTTPStatus.BAD_REQUEST
    assert "nested deeper" in refused.value.message


@pytest.mark.parametrize(
    "text",
    ['"[[[[{{{{"', '"\\"[[[[[["', '"\\\\"', '"a\\\\\\"[[["', '"\\u005b\\u005b"'],
    ids=["brackets", "escaped-quote", "escaped-backslash", "both", "escaped-brackets"],
)
def test_brackets_inside_strings_are_not_depth(text: str) -> None:
    body = '{"t": ' + text + ', "v": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    assert parse_activity_json((body + "}").encode())["t"] == json.loads(text)


def test_numbers_up_to_the_limit_parse() -> None:
    digits = "9" * MAX_NUMBER_CHARS
    body = parse_activity_json(f'{{"i": {digits}, "f": 1.5e300, "n": -0.0}}'.encode())
    assert body["i"] == int(digits)


@pytest.mark.parametrize(
    "number",
    ["9" * (MAX_NUMBER_CHARS + 1), "9" * 4301, "1e309", "-1e309", "0." + "1" * MAX_NUMBER_CHARS],
)
def test_longer_or_infinite_numbers_are_refused(number: str) -> None:
    with pytest.raises(Refused, match="number"):
        parse_activity_json(f'{{"v": [{number}]}}'.encode())


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_refused(constant: str) -> None:
    with pytest.raises(Refused, match="NaN"):
        parse_activity_json(f'{{"v": {constant}}}'.encode())


@pytest.mark.parametrize("escaped", ["\\u0000", "\\ud800", "\\udc00", "\\ud800\\u0041"])
def test_strings_no_database_stores_are_refused(escaped: str) -> None:
    with pytest.raises(Refused, match="string"):
        parse_activity_json(f'{{"v": "a{escaped}b"}}'.encode())


def test_escapes_that_decode_to_ordinary_text_parse() -> None:
    body = parse_activity_json(b'{"v": "\\ud83d\\ude00 \\u00e9 \\\\u0000"}')
    assert body["v"] == "\U0001f600 \u00e9 \\u0000"


def test_a_body_over_the_limit_is_413() -> None:
    with pytest.raises(Refused) as refused:
        parse_activity_json(b" " * (MAX_ACTIVITY_BYTES + 1))
    assert refused.value.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE


def test_refusals_never_echo_the_input() -> None:
    secret = "alice@contoso.example"
    for body in (f'{{"{secret}": NaN}}', f'["{secret}"]', f'{{"{secret}"'):
        with pytest.raises(Refused) as refused:
            parse_activity_json(body.encode())
        assert secret not in json.dumps(refused.value.body())
