"""The logs of a whole scenario carry no secret, token, UPN, display name or answer text.

With bot credentials and signed tokens (a fake OpenID host), one scenario goes through every
flow that touches personal data: install and welcome, a check-in card sent proactively and
answered with free text, a facilitator's status question, an ambassador added by UPN, a usage
sync whose directory has everyone's UPN and name, and the sends after it. Every record of
every logger is kept at DEBUG, formatted with its arguments and any traceback, and searched
for the forbidden strings.

Two configurations: what `configure_logging("DEBUG")` sets up (uptake at DEBUG; the SDK, aiohttp's
access log and the database drivers capped, as uptake/cli/common.py does), and the same with
the SDK, aiohttp (access log included), MSAL and urllib3 opened at DEBUG. The database drivers
stay capped in both: they log every statement's parameters, which is their job at DEBUG.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adoption.audience import Audience
from adoption.checkin import QuestionKind, shipped_template
from adoption.clock import utc_now
from graph.synthetic import generate_tenant
from graph.synthetic_export import write_export_folder
from store import checkins
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.fakes.connector import FakeConnector
from tests.fakes.openid import FakeOpenId
from tests.fakes.tokens import OUTBOUND_TOKEN, FixedTokenConnections
from tests.integration.bot.conftest import SECRET, start_bot
from uptake.cli.common import configure_logging
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings
from uptake.sync import run_sync

APP_ID = "00000000-0000-4000-8000-00000000b07a"
CLIENT_SECRET = "client-secret-Zq8~never-in-a-log"
FREE_TEXT = "Mijn wens: minder mails van mijn chef over het project Zonnebloem"
FACILITATOR = User("0b7c3e2a-3333-4c4c-9a9a-000000000003", "Fien Vermeulen", "nl-BE")


class FixedTokens:
    async def token_for(self, service_url: str) -> str:
        return OUTBOUND_TOKEN


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(params=["as_served", "sdk_and_access_open"])
def captured(request: pytest.FixtureRequest) -> Iterator[Collected]:
    root = logging.getLogger()
    loggers = [logging.getLogger(n) for n in list(logging.root.manager.loggerDict)]
    saved = {lg.name: lg.level for lg in [root, *loggers]}
    handler = Collected()
    root.addHandler(handler)
    configure_logging("DEBUG")  # root has handlers already: only the caps take effect
    root.setLevel(logging.DEBUG)
    if request.param == "sdk_and_access_open":
        for name in ("microsoft_agents", "aiohttp", "aiohttp.access", "msal", "urllib3"):
            logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in saved.items():
            (root if name == "root" else logging.getLogger(name)).setLevel(level)


@pytest.fixture
async def secured(
    tmp_path: Path, connector: FakeConnector, openid: FakeOpenId, clean_environ: None
) -> AsyncIterator[tuple[Runtime, str]]:
    credentials = BotCredentials(
        {
            "CONNECTIONS": {
                "SERVICE_CONNECTION": {
                    "SETTINGS": {
                        "CLIENTID": APP_ID,
                        "CLIENTSECRET": CLIENT_SECRET,
                        "TENANTID": act.TENANT,
                    }
                }
            }
        }
    )

    def prepare(runtime: Runtime) -> None:
        # MSAL would fetch both tokens from login.microsoftonline.com.
        runtime.connections = FixedTokenConnections(runtime.connections)
        runtime.sender._pool._tokens = FixedTokens()

    runtime, server = await start_bot(
        f"sqlite+aiosqlite:///{tmp_path / 'uptake.db'}",
        tmp_path,
        connector,
        credentials,
        prepare=prepare,
        bot_openid_metadata_url=openid.metadata_url,
        teams_service_hosts=("smba.trafficmanager.net", "127.0.0.1"),
        facilitators=(FACILITATOR.aad_object_id,),
    )
    try:
        yield runtime, str(server.make_url("/api/messages"))
    finally:
        await server.close()
        await runtime.close()


@pytest.fixture
async def openid() -> AsyncIterator[FakeOpenId]:
    fake = FakeOpenId()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


def _answers(run_id: int) -> dict[str, Any]:
    data: dict[str, Any] = {"run": run_id}
    for question in shipped_template("baseline").questions:
        if question.kind is QuestionKind.RATING:
            data[f"q_{question.id}"] = 4
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
            data[f"q_{question.id}"] = question.options[0].id
        else:
            data[f"q_{question.id}"] = FREE_TEXT
    return data


async def test_a_whole_scenario_logs_no_secret_token_upn_name_or_answer(
    captured: Collected,
    secured: tuple[Runtime, str],
    connector: FakeConnector,
    openid: FakeOpenId,
    alice: User,
    tmp_path: Path,
) -> None:
    runtime, endpoint = secured
    tenant = generate_tenant(40, seed=7, weeks=2)
    tokens: list[str] = []

    async with aiohttp.ClientSession() as http:

        async def post(activity: dict[str, Any]) -> aiohttp.ClientResponse:
            token = openid.token(APP_ID, connector.url)
            tokens.append(token)
            response = await http.post(
                endpoint, json=activity, headers={"Authorization": f"Bearer {token}"}
            )
            await response.read()
            assert response.status in (200, 202), response.status
            return response

        # Install and welcome, for an employee and for the facilitator.
        for user in (alice, FACILITATOR):
            await post(act.installation(user, connector.url))
            await post(act.bot_added(user, connector.url))
        # A usage sync with everyone's UPN and display name in the directory export.
        folder = tmp_path / "exports"
        write_export_folder(tenant, folder)
        await run_sync(Settings(reports_dir=folder, min_group_size=3), runtime.sessions)
        # A check-in sent proactively, answered with free text.
        async with runtime.sessions.begin() as session:
            opened = await checkins.open_run(
                session,
                template_key="baseline",
                audience=Audience.everyone(),
                now=utc_now(),
                open_for=timedelta(days=7),
                min_group_size=3,
            )
        report = await runtime.sender.drain()
        assert report.sent >= 2, dict(report.outcomes)
        answered = await post(
            act.card_action(alice, connector.url, "checkin.answer", _answers(opened.run_id))
        )
        assert FREE_TEXT in await answered.text()  # the thank-you card shows it back
        # The facilitator asks, and adds an ambassador by UPN.
        ambassador = tenant.people[0]
        department = ambassador.department
        for text in ("status", f"ambassador add {ambassador.upn} {department}", "ambassadors"):
            await post(act.message(FACILITATOR, connector.url, text))
        await runtime.sender.drain()

    assert len(connector.received) >= 6
    forbidden = {
        "client secret": CLIENT_SECRET,
        "UPTAKE_SECRET": SECRET,
        "outbound token": OUTBOUND_TOKEN,
        "answer text": FREE_TEXT,
        "answer text (part)": "Zonnebloem",
        "display name": alice.name,
        "facilitator's name": FACILITATOR.name,
    }
    for index, token in enumerate(tokens):
        forbidden[f"inbound token {index}"] = token
        forbidden[f"inbound token {index}, signature"] = token.rsplit(".", 1)[1]
    for person in tenant.people:
        forbidden[f"UPN of {person.id}"] = person.upn
        forbidden[f"name of {person.id}"] = person.display_name
    log = "\n".join(captured.lines)
    assert len(captured.lines) > 10  # the scenario did log
    leaks = {what: value for what, value in forbidden.items() if value.lower() in log.lower()}
    lines = [
        line for line in captured.lines if any(v.lower() in line.lower() for v in leaks.values())
    ]
    assert not leaks, f"{sorted(leaks)} in {lines[:5]}"
