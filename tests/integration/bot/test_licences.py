"""Licences and Copilot end to end, counted by hand: an export folder of 16 people goes
through the real sync into the store, a facilitator asks over /api/messages, and the cards
say what the hand count says; no card and no log line names a person.

The organisation (report date 2026-11-20; a licence is idle when nothing it pays for was
used after 2026-10-23, i.e. in the 28 days up to the report date), k = 3:

| who | dept (wave) | licences | suite last use | Copilot last use, active days, prompts |
|---|---|---|---|---|
| L1 | Logistiek (3) | E3 + Copilot + Visio | 11-19 | 11-18, 14 days, 60 |
| L2 | Logistiek | E3 + Copilot + Visio | 11-19 | 11-10, 5 days, 10 |
| L3 | Logistiek | E3 + Copilot | 11-19 | 10-01, 0, 0 (idle) |
| L4 | Logistiek | E3 + Copilot | 11-19 | never (idle) |
| L5 | Logistiek | E3 + Copilot | 11-19 | never (idle) |
| L6 | Logistiek | E3 | 09-01 (idle E3) | - |
| L7 | Logistiek | E3 + Copilot, **blocked**: not counted | - | never |
| V1 | Verkoop (1) | E3 + Copilot + Visio | 11-19 | 11-19, 20 days, 80 |
| V2 | Verkoop | E3 + Copilot + Visio | 11-19 | 11-17, 12 days (habit: >= 12), 40 |
| V3 | Verkoop | E3 + Copilot + Visio | 11-19 | 10-23 (exactly 28 days: idle), 0, 0 |
| V4, V5 | Verkoop | E3 | 11-19 | - |
| I1 | IT (1) | E3 + Copilot | 11-19 | 11-19, 13 days, 50 |
| I2 | IT | E3 + Copilot | 11-19 | 11-12, 3 days, 6 |
| I3 | IT | E3 + Copilot | 11-19 | never (idle) |
| I4 | IT | E3 + "Power Automate Free" (no part number: left out) | 11-19 | - |

Hand count, Copilot (30.00 EUR a month): Logistiek 5 holders, 3 idle (L3-L5) = EUR 90, 2 active,
1 habitual, 70 prompts; Verkoop 3 holders, 1 idle = EUR 30, 2 habitual; IT 3 holders, 1 idle
= EUR 30, 1 habitual; organisation 11 holders, 5 idle = EUR 150, 4 habitual. E3 (35.00): 15
holders, 1 idle (L6, Logistiek) = EUR 35. Visio: Logistiek 2 holders (< k: hidden), so wave 3
(= Logistiek) is hidden too, and then wave 1 and Verkoop (complementary suppression); the
organisation's 5 show, "no usage signal". Subscriptions: Copilot 15 bought, 12 assigned (L7
counts: the licence is assigned) = 3 unassigned = EUR 90 a month; E3 16/16.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adoption.audience import Audience
from adoption.clock import utc_now
from adoption.licences import COPILOT
from adoption.scopes import TENANT, Scope
from graph.synthetic_rows import COPILOT_V2_HEADER
from store import audit, checkins, licences
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.fakes.connector import FakeConnector
from tests.integration.bot.conftest import SECRET, RunningBot
from tests.integration.bot.test_spine import texts
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings
from uptake.sync import run_sync

K = 3
DAY = "2026-11-20"
FACILITATOR = User("0b7c3e2a-9999-4c4c-9a9a-000000000009", "Fien Facilitator", "en-GB")
NL = User("0b7c3e2a-8888-4c4c-9a9a-000000000008", "Noor Facilitator", "nl-BE")
FR = User("0b7c3e2a-7777-4c4c-9a9a-000000000007", "Hugo Facilitateur", "fr-BE")

E3, CP, VISIO = "Microsoft 365 E3", "Microsoft 365 Copilot", "Visio Plan 2"
# key: (department, products, blocked, suite last use, copilot (last, days, prompts) or None)
PEOPLE: dict[str, tuple[str, list[str], bool, str, tuple[str, int, int] | None]] = {
    "L1": ("Logistiek", [E3, CP, VISIO], False, "2026-11-19", ("2026-11-18", 14, 60)),
    "L2": ("Logistiek", [E3, CP, VISIO], False, "2026-11-19", ("2026-11-10", 5, 10)),
    "L3": ("Logistiek", [E3, CP], False, "2026-11-19", ("2026-10-01", 0, 0)),
    "L4": ("Logistiek", [E3, CP], False, "2026-11-19", ("", 0, 0)),
    "L5": ("Logistiek", [E3, CP], False, "2026-11-19", ("", 0, 0)),
    "L6": ("Logistiek", [E3], False, "2026-09-01", None),
    "L7": ("Logistiek", [E3, CP], True, "", ("", 0, 0)),
    "V1": ("Verkoop", [E3, CP, VISIO], False, "2026-11-19", ("2026-11-19", 20, 80)),
    "V2": ("Verkoop", [E3, CP, VISIO], False, "2026-11-19", ("2026-11-17", 12, 40)),
    "V3": ("Verkoop", [E3, CP, VISIO], False, "2026-11-19", ("2026-10-23", 0, 0)),
    "V4": ("Verkoop", [E3], False, "2026-11-19", None),
    "V5": ("Verkoop", [E3], False, "2026-11-19", None),
    "I1": ("IT", [E3, CP], False, "2026-11-19", ("2026-11-19", 13, 50)),
    "I2": ("IT", [E3, CP], False, "2026-11-19", ("2026-11-12", 3, 6)),
    "I3": ("IT", [E3, CP], False, "2026-11-19", ("", 0, 0)),
    "I4": ("IT", [E3, "Power Automate Free"], False, "2026-11-19", None),
}
WAVES = {"Logistiek": "3", "Verkoop": "1", "IT": "1"}


def _name(key: str) -> str:
    return f"Persoon {key} Achternaam{key}"


def _upn(key: str) -> str:
    return f"person.{key.lower()}@contoso.be"


def _object_id(key: str) -> str:
    return f"00000000-0000-4000-8000-0000000000{ord(key[0]):02x}{key[1]}"[-36:]


def _csv(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def write_folder(folder: Path) -> None:
    folder.mkdir(parents=True)
    users = [
        {
            "User principal name": _upn(key),
            "Display name": _name(key),
            "Department": dept,
            "Object Id": _object_id(key),
            "Block credential": str(blocked),
            "Licenses": "+".join(products),
        }
        for key, (dept, products, blocked, _, _) in PEOPLE.items()
    ]
    header = ["Block credential", "Department", "Display name", "Licenses", "Object Id",
              "User principal name"]  # fmt: skip
    (folder / "users.csv").write_text(_csv(header, users), "utf-8")
    (folder / "waves.csv").write_text(
        "Department,Wave\n" + "".join(f"{d},{w}\n" for d, w in WAVES.items()), "utf-8"
    )
    (folder / "subscriptions.csv").write_text(
        "SKU part number,Enabled units,Consumed units\n"
        "Microsoft_365_Copilot,15,12\nSPE_E3,16,16\nVISIOCLIENT,5,5\n",
        "utf-8",
    )
    active_header = [
        "Report Refresh Date", "User Principal Name", "Display Name", "Is Deleted",
        "Deleted Date", "Has Exchange License", "Has OneDrive License", "Has SharePoint License",
        "Has Yammer License", "Has Teams License", "Exchange Last Activity Date",
        "OneDrive Last Activity Date", "SharePoint Last Activity Date",
        "Yammer Last Activity Date", "Teams Last Activity Date", "Assigned Products",
    ]  # fmt: skip
    active = [
        {
            "Report Refresh Date": DAY,
            "User Principal Name": _upn(key),
            "Display Name": _name(key),
            "Is Deleted": "False",
            **{h: "True" for h in active_header if h.startswith("Has ")},
            "Exchange Last Activity Date": last,
            "Teams Last Activity Date": last,
            "Assigned Products": "+".join(products),
        }
        for key, (_, products, _, last, _) in PEOPLE.items()
    ]
    (folder / "active.csv").write_text(_csv(active_header, active), "utf-8")
    copilot_header = COPILOT_V2_HEADER.split(", ")
    rows = [
        {
            "Report Refresh Date": DAY,
            "User Principal Name": _upn(key),
            "Display Name": _name(key),
            "Last Activity Date": copilot[0],
            "Copilot Chat Last Activity Date": copilot[0],
            "Prompts submitted for all apps": str(copilot[2]),
            "Active Usage Days for all apps": str(copilot[1]),
            "Report Period": "28",
        }
        for key, (_, _, _, _, copilot) in PEOPLE.items()
        if copilot is not None
    ]
    (folder / "copilot.csv").write_text(_csv(copilot_header, rows), "utf-8")


@pytest.fixture
async def lbot(
    database_url: str, tmp_path: Path, connector: FakeConnector, clean_environ: None
) -> AsyncIterator[RunningBot]:
    folder = tmp_path / "exports"
    write_folder(folder)
    prices = tmp_path / "prices.csv"
    prices.write_text(
        "sku,monthly_price,currency\nMicrosoft_365_Copilot,30.00,EUR\nSPE_E3,35.00,EUR\n", "utf-8"
    )
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret=SECRET,  # type: ignore[arg-type]
        min_group_size=K,
        reports_dir=folder,
        licence_prices=prices,
        facilitators=(FACILITATOR.aad_object_id, NL.aad_object_id, FR.aad_object_id),
    )
    runtime = await Runtime.start(settings, BotCredentials({}), migrate=True)
    await run_sync(settings, runtime.sessions, secret=runtime.secret)
    async with runtime.sessions.begin() as session:
        opened = await checkins.open_run(
            session,
            template_key="pulse",
            audience=Audience.everyone(),
            now=utc_now(),
            open_for=timedelta(days=7),
            min_group_size=K,
        )
        # Logistiek said: confidence 2, 2 and 3 (mean 2.3), main blocker "time".
        await checkins.save_responses(
            session,
            [
                {
                    "run_id": opened.run_id,
                    "respondent_key": f"key-{i}",
                    "department": "Logistiek",
                    "wave": "3",
                    "answers": {"confidence": c, "usefulness": 3, "blocker": b},
                    "submitted_on": utc_now().date(),
                }
                for i, (c, b) in enumerate([(2, "time"), (2, "time"), (3, "habits")])
            ],
        )
    server = TestServer(runtime.web_app(), host="127.0.0.1", port=0)
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        yield RunningBot(runtime, server, http, connector)
    await server.close()
    await runtime.close()


async def ask(bot: RunningBot, user: User, text: str) -> dict[str, Any]:
    before = len(bot.connector.sent_to(user.conversation_id))
    response = await bot.post(act.message(user, bot.service_url, text))
    assert response.status in (200, 202)
    replies = bot.connector.sent_to(user.conversation_id)
    assert len(replies) == before + 1
    card: dict[str, Any] = replies[-1].cards[0]
    return card


def _no_person_named(blob: str) -> None:
    for key in PEOPLE:
        for value in (_name(key), _upn(key), _object_id(key), f"Achternaam{key}"):
            assert value.casefold() not in blob.casefold(), value


async def test_stored_figures_match_the_hand_count(lbot: RunningBot) -> None:
    async with lbot.runtime.sessions() as session:
        found = {}
        for scope in (
            TENANT,
            Scope("department", "Logistiek"),
            Scope("department", "Verkoop"),
            Scope("department", "IT"),
            Scope("wave", "1"),
            Scope("wave", "3"),
        ):
            snapshot = await licences.latest_licences(session, scope)
            assert snapshot is not None and snapshot.copilot_version == "v2"
            found.update({(scope, r.sku): r.counts for r in snapshot.rows})
    logistiek, verkoop, it = (Scope("department", d) for d in ("Logistiek", "Verkoop", "IT"))
    copilot = {s: found[(s, COPILOT)] for s in (TENANT, logistiek, verkoop, it)}
    assert [(c.holders, c.idle, c.habitual, c.prompts) for c in copilot.values() if c] == [
        (11, 5, 4, 246),
        (5, 3, 1, 70),
        (3, 1, 2, 120),
        (3, 1, 1, 56),
    ]
    e3 = found[(TENANT, "SPE_E3")]
    assert e3 is not None and (e3.holders, e3.idle) == (15, 1)
    assert found[(logistiek, "SPE_E3")] is not None
    assert found[(logistiek, "SPE_E3")].idle == 1  # type: ignore[union-attr]
    # Visio: 2 holders in Logistiek hide it, wave 3, wave 1 and Verkoop; the tenant shows.
    for scope in (logistiek, verkoop, Scope("wave", "1"), Scope("wave", "3")):
        assert found[(scope, "VISIOCLIENT")] is None
    visio = found[(TENANT, "VISIOCLIENT")]
    assert visio is not None and (visio.holders, visio.idle) == (5, None)
    # "Power Automate Free" has no part number: it is nowhere.
    assert not any("Power" in sku for _, sku in found)


async def test_licences_card_per_department_with_costs_and_what_the_group_said(
    lbot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    card = await ask(lbot, FACILITATOR, "licences Logistiek")
    text = texts(card)
    assert "Licences in Logistiek" in text
    # 3 idle Copilot licences x EUR 30 = EUR 90: the suggestion, never who.
    assert "3 idle Copilot licences in Logistiek, €90 a month" in text
    assert "5 holders · 3 idle · €90 a month" in text
    assert "6 holders · 1 idle · €35 a month" in text  # E3: L6
    assert "Costs from your price list (EUR)." in text
    # Visio is hidden there (2 holders < k).
    assert "1 licence not shown" in text
    # The pulse: Logistiek's 3 answers, confidence 2.3, main blocker time.
    assert "2.3 / 5" in text
    organisation = texts(await ask(lbot, FACILITATOR, "licences"))
    assert "11 holders · 5 idle · €150 a month" in organisation
    assert "Paid for, assigned to nobody" in organisation
    assert "3 licences · €90 a month" in organisation
    assert "Visio Plan 2" in organisation and "no usage signal" in organisation
    nl = texts(await ask(lbot, NL, "licenties verkoop"))
    assert "Licenties in Verkoop" in nl and "3 houders · 1 ongebruikt · €\u00a030 per maand" in nl
    fr = texts(await ask(lbot, FR, "licences vague 3"))
    assert (
        "Licences dans la vague 3" in fr
        and "5 titulaires · 3 inutilisées · 90\u00a0€ par mois" in fr
    )
    every_card = json.dumps([r.cards for r in lbot.connector.received], ensure_ascii=False)
    _no_person_named(every_card)
    _no_person_named("\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records))


async def test_copilot_card_shows_use_habit_prompts_and_idle_cost(lbot: RunningBot) -> None:
    text = texts(await ask(lbot, FACILITATOR, "copilot Logistiek"))
    assert "Copilot in Logistiek" in text
    assert "3 idle Copilot licences in Logistiek, €90 a month" in text
    # 2 of 5 used it in 28 days (40 %), 1 of 5 is a habit (20 %), 70 prompts / 2 active = 35.
    assert "40%" in text and "20%" in text
    assert "Prompts per active user (28 days)\n35" in text
    assert "Idle licences, a month\n€90" in text
    it = texts(await ask(lbot, FACILITATOR, "copilot IT"))
    assert "Idle licences, a month\n€30" in it
    nl = texts(await ask(lbot, NL, "copilot golf 1"))
    assert "Copilot in golf 1" in nl and "€\u00a060" in nl  # Verkoop 1 + IT 1 idle
    await lbot.runtime.audit.flush()
    async with lbot.runtime.sessions() as session:
        questions = [e.question for e in await audit.audit_entries(session)]
    # Audited in their normalised form (bot.privacy): folded, never free text.
    assert {"copilot logistiek", "copilot it", "copilot golf 1"} <= set(questions)
