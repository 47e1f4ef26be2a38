"""The leaf values of the fuzz test (tests/integration/bot/hostile.py): odd strings, junk
JSON, ids, run ids and ratings, as Hypothesis strategies over fixed pools.

Leaf values come from pools built once with a fixed seed: drawing one is a single cheap
Hypothesis choice, where generating each string or structure character by character cost
~8 ms a probe (80 s for the run). Hypothesis still decides every combination and shrinks.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from bot.inbound import MAX_NUMBER_CHARS

ODD = [
    "\u202eevil",  # right-to-left override
    "zero\u200bwidth",
    "\ufeffbom",
    "e\u0301\u0301\u0301",
    "\U0001f1e7\U0001f1ea",
    "\u0661\u0662\u0663",  # Arabic-Indic digits
    "\U0001d7d9\U0001d7da",  # mathematical digits
    "\u216b",
    "\u0130stanbul",
    "stra\u00dfe",
    "\u03a9",
    "\U0001f600" * 20,
    "<script>alert(1)</script>",
    "'; DROP TABLE person; --",
    "${jndi:ldap://127.0.0.1/a}",
    "%s%s%n",
    "\\u0000",  # the six characters, not a NUL
    "null",
    "",
    " ",
]
COMMANDS = [
    "help",
    "status",
    "status Finance",
    "hoe staat het ervoor?",
    "how are we doing?",
    "où en sommes-nous ?",
    "scenario co-authoring",
    "survey baseline",
    "trend Teams 90d",
    "trend Teams 99999999999999d",
    "ambassadors Sales",
    "who is my ambassador?",
    "my data",
    "forget me",
]
INVOKE_NAMES = [
    "adaptiveCard/action",
    "signin/verifyState",
    "signin/tokenExchange",
    "task/fetch",
    "composeExtension/query",
    "actionableMessage/executeAction",
    "healthCheck",
    "",
]
VERBS = ["checkin.answer", "checkin.edit", "status", "help", "unknown.verb", ""]
TYPES = ["message", "invoke", "installationUpdate", "conversationUpdate", "event", "typing"]
ENTITY_TYPES = ["mention", "clientInfo", "ProductInfo", "streaminfo", "https://schema.org/Message"]

_seeded = random.Random(20261201)
_PLANES = [
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x370, 0x6FF),
    (0x900, 0x97F),
    (0x3040, 0x30FF),
    (0x4E00, 0x4FFF),
    (0xFE00, 0xFEFF),
    (0x1F300, 0x1FAFF),
    (0x10000, 0x1007F),
    (0x1, 0x1F),
    (0x200B, 0x202F),
    (0xE000, 0xE0FF),
    (0x10FFF0, 0x10FFFF),
]


def _random_text(size: int) -> str:
    chars = []
    for _ in range(size):
        low, high = _seeded.choice(_PLANES)
        chars.append(chr(_seeded.randint(low, high)))
    return "".join(chars)


def _random_json(depth: int) -> Any:
    pick = _seeded.random()
    if depth <= 0 or pick < 0.5:
        return _seeded.choice(
            [
                None,
                True,
                False,
                _seeded.randint(-(10**15), 10**15),
                int("9" * _seeded.randint(16, MAX_NUMBER_CHARS)),  # long but allowed
                _seeded.uniform(-1e300, 1e300),  # (a span of 2e308 is inf)
                _seeded.choice([0.0, -0.0, 5e-324, 1.7976931348623157e308]),
                _seeded.choice(TEXTS),
            ]
        )
    if pick < 0.75:
        return [_random_json(depth - 1) for _ in range(_seeded.randint(0, 4))]
    return {_seeded.choice(KEYS + TEXTS[:50]): _random_json(depth - 1) for _ in range(4)}


KEYS = ["run", "verb", "q_confidence", "q_usefulness", "q_blocker", "q_tools", "id", "type"]
TEXTS = ODD + COMMANDS + [_random_text(_seeded.randint(0, 40)) for _ in range(600)]
TEXTS += [_random_text(_seeded.randint(500, 4000)) for _ in range(10)]
JUNK = [_random_json(_seeded.randint(0, 6)) for _ in range(800)]
_ID_CHARS = "abcXYZ0189:-_.@;=\u00e9\u00df\u0416\u05d0\u0661\u4e2d\u3042"
IDS = [
    "".join(_seeded.choice(_ID_CHARS) for _ in range(_seeded.randint(1, 60))) for _ in range(300)
]
IDS = [i for i in IDS if i not in (".", "..")]

text = st.sampled_from(TEXTS) | st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12
)
# Fields the SDK's model types as non-empty strings when present.
filled = text.filter(bool)
json_values = st.sampled_from(JUNK)
safe_ids = st.sampled_from(IDS)
run_ids = (
    st.integers(-5, 12)
    | st.sampled_from(
        ["1", " 1 ", "\u0661", "1e3", "1.0", "00000000001", "9" * 40, True, None, 10**9, 2**63, 0.5]
    )
    | json_values
)
ratings = st.integers(-3, 9) | st.sampled_from(["3", "\u0663", "3.0", "", [3], {"v": 3}]) | text
checkin_data = st.fixed_dictionaries(
    {"run": run_ids},
    optional={
        "verb": st.sampled_from(VERBS),
        "q_confidence": ratings,
        "q_usefulness": ratings,
        "q_blocker": st.sampled_from(["time", "habits", "training", "technical", "x"]) | text,
        "q_tools": st.sampled_from([["teams"], ["teams", "x"], [], "teams", [1]]) | text,
        "q_wish": text,
        "extra": json_values,
    },
)
scalars = st.sampled_from([j for j in JUNK if not isinstance(j, list | dict)])
keys = st.sampled_from(KEYS)
