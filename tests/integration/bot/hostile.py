"""Hypothesis strategies for what reaches /api/messages: Teams-shaped activities with odd but
legal values ("plausible": any answer below 500), and the same with one mutation that no
valid activity has ("hostile": a 4xx, and nothing stored or sent).

Built around the real shapes of tests/fakes/activities.py. Service URLs are loopback or
invalid: the session refuses any other connection, so an accepted activity can never make
the bot call out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from bot.inbound import MAX_ACTIVITY_BYTES, MAX_JSON_DEPTH, MAX_NUMBER_CHARS
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.integration.bot.fuzz_values import (
    COMMANDS,
    ENTITY_TYPES,
    INVOKE_NAMES,
    ODD,
    TYPES,
    VERBS,
    checkin_data,
    filled,
    json_values,
    keys,
    safe_ids,
    scalars,
    text,
)


@dataclass(frozen=True)
class Probe:
    body: bytes
    content_type: str
    hostile: str | None  # the mutation that must be refused; None for a plausible activity

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        return f"Probe(hostile={self.hostile!r}, body={self.body[:600]!r})"


RAW = "\x01RAW\x01"  # a placeholder value replaced by raw JSON text after dumping
_RAW_DUMPED = json.dumps(RAW)

users = st.sampled_from(
    [
        User("0b7c3e2a-1111-4c4c-9a9a-000000000001", "Alice Peeters", "nl-BE"),
        User("0b7c3e2a-2222-4c4c-9a9a-000000000002", "Bruno Lambert", "fr-BE"),
        User("0b7c3e2a-3333-4c4c-9a9a-000000000003", "Chloe Martin", "en-GB"),
    ]
) | st.builds(User, safe_ids, text, text)
# Strategies are built once, here: building one inside a draw costs more than the draw.
kinds = st.sampled_from(["message", "invoke", "submit", "install", "added", "other"])
message_texts = st.sampled_from(COMMANDS) | text
verbs = st.sampled_from(VERBS) | text
plain_verbs = st.sampled_from(VERBS)
card_data = checkin_data | st.dictionaries(keys | text, json_values, max_size=4)
invoke_names = st.sampled_from(INVOKE_NAMES) | filled
install_actions = st.sampled_from(["add", "remove", "add-upgrade", "remove-upgrade"]) | text
member_changes = st.sampled_from([act.bot_added, act.bot_removed])
members = st.lists(st.fixed_dictionaries({"id": st.just(act.BOT_ID) | safe_ids}), max_size=3)
types = st.sampled_from(TYPES) | text.filter(str.strip)
locales = st.sampled_from(["nl-BE", "fr", "en-US", "xx", "\u0661"]) | filled
conversation_types = st.sampled_from(["personal", "groupChat", "channel"]) | filled
maybe_ids = st.none() | safe_ids | filled
entities = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(ENTITY_TYPES) | filled},
        optional={"id": filled, "text": text, "locale": filled},
    ),
    max_size=3,
)
activity_ids = st.sampled_from(["in-1", "1:1ab", "f:0123456789"]) | safe_ids
# Which optional parts of an activity are made odd, as one draw.
TWEAKS = ("locale", "conversation", "from", "channelData", "entities", "extra")
tweaks = st.sets(st.sampled_from(TWEAKS))


@st.composite
def plausible_activity(
    draw: st.DrawFn, urls: st.SearchStrategy[str], run_id: int
) -> dict[str, Any]:
    """A Teams-shaped activity whose every field is legal, though possibly odd."""
    user, url, kind = draw(users), draw(urls), draw(kinds)
    activity: dict[str, Any]
    if kind == "message":
        activity = act.message(user, url, draw(message_texts))
    elif kind == "invoke":
        verb, data = draw(verbs), draw(card_data)
        if draw(st.booleans()):
            data["run"] = run_id  # the open run: answers are validated and stored
        activity = act.card_action(user, url, verb, data)
        odd = draw(st.sampled_from(["", "name", "value"]))
        if odd == "name":
            activity["name"] = draw(invoke_names)
        elif odd == "value":
            activity["value"] = draw(json_values)
    elif kind == "submit":
        data = draw(checkin_data)
        data.setdefault("verb", draw(plain_verbs))
        if draw(st.booleans()):
            data["run"] = run_id
        activity = act.card_submit(user, url, data, draw(safe_ids))
    elif kind == "install":
        activity = act.installation(user, url, draw(install_actions))
    elif kind == "added":
        activity = draw(member_changes)(user, url)
        activity["membersAdded"] = draw(members)
    else:
        activity = act.message(user, url, draw(text))
        activity["type"] = draw(types)

    # The builders number activities from a global counter: a re-drawn example must not
    # change length (Hypothesis replays examples and checks they draw the same).
    activity["id"] = draw(activity_ids)
    chosen = draw(tweaks)
    if "locale" in chosen:
        activity["locale"] = draw(locales)
    if "conversation" in chosen:
        activity["conversation"]["id"] = draw(safe_ids)
        activity["conversation"]["conversationType"] = draw(conversation_types)
        activity["conversation"]["isGroup"] = draw(st.booleans())
    if "from" in chosen:
        activity["from"]["aadObjectId"] = draw(maybe_ids)
        name = draw(st.none() | filled)
        if name is None:
            del activity["from"]["name"]  # absent, as some clients send it (null is refused)
        else:
            activity["from"]["name"] = name
    if "channelData" in chosen:
        activity["channelData"] = draw(json_values)
    if "entities" in chosen:
        activity["entities"] = draw(entities)
    if "extra" in chosen:
        key = draw(text)
        if key not in activity:
            activity[key] = draw(json_values)
    return activity


def _dump(activity: dict[str, Any], raw: str | None = None) -> bytes:
    body = json.dumps(activity, ensure_ascii=False)
    if raw is not None:
        body = body.replace(_RAW_DUMPED, raw, 1)
    return body.encode("utf-8")


def plausible(activities: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Probe]:
    return st.builds(
        lambda activity, ascii_only: Probe(
            json.dumps(activity, ensure_ascii=ascii_only).encode(), "application/json", None
        ),
        activities,
        st.booleans(),  # Teams sends UTF-8; some clients escape everything
    )


# --- hostile mutations: each one makes the activity invalid, whatever else it holds -----------

bad_service_urls = st.one_of(
    st.sampled_from(
        [
            "x",
            "file:///etc/passwd",
            "ftp://127.0.0.1/",
            "javascript:alert(1)",
            "http://",
            "https://",
            "http:/127.0.0.1/",
            "//127.0.0.1/",
            "http://127.0.0.1:99999/",
            "http://127.0.0.1:0/",
            "http://[::1/",
            "gopher://127.0.0.1:70/",
            "",
            " ",
        ]
    ),
    st.builds(lambda q: f"http://127.0.0.1:1/?{q}", text),
    st.builds(lambda f: f"http://127.0.0.1:1/#{f}", text),
    st.builds(lambda u: f"http://{u}@127.0.0.1:1/", safe_ids),
    st.builds(lambda p: f"http://127.0.0.1:1/{p}/", st.sampled_from(ODD[:12])),
    st.builds(
        lambda s: f"{s}://127.0.0.1:1/",
        safe_ids.filter(lambda s: s.lower() not in ("http", "https")),
    ),
    st.integers()
    | st.lists(text, max_size=2)
    | st.dictionaries(text, text, max_size=2)
    | st.none(),
)
bad_channel_ids = st.sampled_from(["", "   ", ":", ":teams", " :x"]) | st.integers() | st.none()
bad_accounts: st.SearchStrategy[object] = st.sampled_from(
    [None, "x", [], {}, {"id": ""}, {"id": "  "}, {"id": 5}, {"name": "n"}]
)
unsafe_ids = st.builds(
    lambda a, c, b: a + c + b,
    safe_ids,
    st.sampled_from(["/", "?", "#", "\\", "%", " ", "\n", "\t", "\x7f", "/../"]),
    safe_ids,
) | st.sampled_from([".", "..", "x" * 1025])
# Types pydantic refuses for these fields (it would coerce an int to a datetime, not to a str).
wrong_types: dict[str, st.SearchStrategy[Any]] = {
    "text": st.integers() | st.lists(text, min_size=1, max_size=2) | st.booleans(),
    "locale": st.integers() | st.lists(text, max_size=2) | st.dictionaries(text, text, max_size=1),
    "type": st.integers() | st.lists(text, max_size=2),
    "name": st.integers() | st.lists(text, min_size=1, max_size=2),
    "timestamp": st.sampled_from(["garbage", "2026-13-45T99:00:00Z", "yesterday", "\u221e"]),
    "attachments": text | st.integers() | st.just([5]),
    "membersAdded": text | st.integers() | st.just([5]) | st.just(["x"]),
    "entities": text.filter(lambda s: s != "") | st.integers(),
    "id": st.integers() | st.lists(text, max_size=1),
    "replyToId": st.integers() | st.booleans(),
}
AGENTIC_ROLES = ["agenticUser", "agenticAppInstance", "connectoruser", "skill"]


def _raw_numbers() -> st.SearchStrategy[str]:
    digits = st.integers(MAX_NUMBER_CHARS + 1, 6000)
    return st.one_of(
        st.builds(lambda n: "9" * n, digits),
        st.builds(lambda n: "-" + "1" * n, digits),
        st.builds(lambda n: "0." + "5" * n, digits),
        st.sampled_from(["1e400", "-1e400", "1E999", "NaN", "Infinity", "-Infinity"]),
    )


def _raw_deep() -> st.SearchStrategy[str]:
    depth = st.integers(MAX_JSON_DEPTH + 1, 5000)
    return st.one_of(
        st.builds(lambda n: "[" * n + "]" * n, depth),
        st.builds(lambda n: '{"a":' * n + "1" + "}" * n, depth),
        st.builds(lambda n: '[{"a":' * (n // 2 + 1) + "1" + "}]" * (n // 2 + 1), depth),
    )


_raw_strings = st.sampled_from(
    ['"\\u0000"', '"a\\u0000b"', '"\\ud800"', '"x\\udfffy"', '"\\ud83d"', '"\\uDBFF\\u0041"']
)


MUTATIONS = (
    "service_url",
    "channel_id",
    "account",
    "path_id",
    "wrong_type",
    "role",
    "too_deep",
    "junk_number",
    "bad_string",
    "not_json",
    "not_object",
    "content_type",
    "too_large",
)
mutations = st.sampled_from(MUTATIONS)
splice_fields = st.sampled_from(["value", "channelData", "text", "x-junk", "locale"])
raw_fragments = {
    "too_deep": _raw_deep(),
    "junk_number": _raw_numbers(),
    "bad_string": _raw_strings,
}
accounts = st.sampled_from(["from", "recipient", "conversation"])
id_fields = st.sampled_from(["conversation", "id", "replyToId"])
wrong_type_fields = st.sampled_from(sorted(wrong_types))
content_types = st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "", "json"])
not_objects = st.lists(json_values, max_size=3) | scalars


@st.composite
def hostile(draw: st.DrawFn, activities: st.SearchStrategy[dict[str, Any]]) -> Probe:
    activity = draw(activities)
    mutation = draw(mutations)
    json_type = "application/json"
    if mutation == "not_json":
        valid = _dump(activity)
        how = draw(st.sampled_from(["binary", "truncated", "bom", "utf16", "two"]))
        if how == "binary":
            body = draw(st.binary(max_size=200))
        elif how == "truncated":
            body = valid[: draw(st.integers(0, len(valid) - 1))]
        else:
            body = {"bom": b"\xef\xbb\xbf" + valid, "utf16": b"\xff\xfe" + valid}.get(
                how, valid + b"{}"
            )
        return Probe(body, json_type, mutation)
    if mutation == "not_object":
        return Probe(json.dumps(draw(not_objects)).encode(), json_type, mutation)
    if mutation in raw_fragments:
        activity[draw(splice_fields)] = RAW
        return Probe(_dump(activity, draw(raw_fragments[mutation])), json_type, mutation)
    if mutation == "too_large":
        activity["text"] = "a" * (MAX_ACTIVITY_BYTES + draw(st.integers(1, 500_000)))
        return Probe(_dump(activity), json_type, mutation)
    if mutation == "service_url":
        activity["serviceUrl"] = draw(bad_service_urls)
    elif mutation == "channel_id":
        if draw(st.booleans()):
            del activity["channelId"]
        else:
            activity["channelId"] = draw(bad_channel_ids)
    elif mutation == "account":
        field = draw(accounts)
        if draw(st.booleans()):
            del activity[field]
        else:
            activity[field] = draw(bad_accounts)
    elif mutation == "path_id":
        field = draw(id_fields)
        if field == "conversation":
            activity["conversation"]["id"] = draw(unsafe_ids)
        else:
            activity[field] = draw(unsafe_ids)
    elif mutation == "wrong_type":
        field = draw(wrong_type_fields)
        activity[field] = draw(wrong_types[field])
    elif mutation == "role":
        activity["recipient"]["role"] = draw(st.sampled_from(AGENTIC_ROLES))
    elif mutation == "content_type":
        return Probe(_dump(activity), draw(content_types), mutation)
    return Probe(_dump(activity), json_type, mutation)


def probes(service_url: str, run_id: int) -> st.SearchStrategy[Probe]:
    """Plausible and hostile probes for a bot whose fake connector is at `service_url`."""
    urls = st.sampled_from(
        [service_url, service_url + "/", service_url + "/emea/", "http://127.0.0.1:1/"]
    )
    activities = plausible_activity(urls, run_id)
    return plausible(activities) | hostile(activities)
