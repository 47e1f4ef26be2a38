"""Facilitator questions end to end: activities over HTTP to /api/messages, cards read back
from the fake Bot Connector, on SQLite and PostgreSQL, in nl, fr and en."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adoption.audience import Audience
from adoption.clock import utc_now
from adoption.funnel import Subject, publish, subjects, tenant_only
from adoption.scenarios import catalogue
from bot.access import FacilitatorAccess
from store import ambassadors, audit, checkins, usage
from store.tables import Person
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.fakes.connector import FakeConnector
from tests.integration.bot.conftest import SECRET, RunningBot
from tests.integration.bot.test_spine import texts
from uptake.root import Runtime
from uptake.settings import BotCredentials, Settings

K = 3
REPORT = date(2026, 11, 21)
ALICE = User("0b7c3e2a-1111-4c4c-9a9a-000000000001", "Alice Peeters", "nl-BE")
BRUNO = User("0b7c3e2a-2222-4c4c-9a9a-000000000002", "Bruno Lambert", "fr-BE")
CARLA = User("0b7c3e2a-3333-4c4c-9a9a-000000000003", "Carla Smith", "en-GB")
EMPLOYEE = User("0b7c3e2a-4444-4c4c-9a9a-000000000004", "Eva Janssens", "nl-BE")
# (department, wave, people): Directie has k-1 people; Verkoop is the smallest other part of
# wave 1, so it must hide too or Directie = wave 1 - IT - Verkoop.
DEPARTMENTS = [("IT", "1", 10), ("Verkoop", "1", 6), ("Directie", "1", K - 1), ("HR", "2", 8)]


def _tally() -> dict[tuple[str, str], dict[Subject, list[int]]]:
    tally: dict[tuple[str, str], dict[Subject, list[int]]] = {}
    for department, wave, size in DEPARTMENTS:
        tally[(department, wave)] = {
            s: [size, size, size - 1, size // 2, size // 3] for s in subjects(catalogue())
        }
    return tally


async def _seed(runtime: Runtime) -> None:
    async with runtime.sessions.begin() as session:
        for day in (REPORT - timedelta(days=7), REPORT):
            await usage.save_snapshot(
                session,
                report_date=day,
                origin="graph",
                population=26,
                concealed_reason=None,
                digest=day.isoformat(),
                people=[],
                funnels=publish(_tally(), K),
            )
        session.add(Person(id=EMPLOYEE.aad_object_id, department="HR", display_name="Eva Janssens"))
        session.add(Person(id="amb-1", department="HR", display_name="Hanne Ambassadeur"))
        session.add(Person(id=CARLA.aad_object_id, upn="carla@contoso.com", department="IT"))
        await ambassadors.add_ambassador(session, "amb-1", ["HR"], utc_now())


@pytest.fixture
async def fbot(
    database_url: str, tmp_path: Path, connector: FakeConnector, clean_environ: None
) -> AsyncIterator[RunningBot]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret=SECRET,  # type: ignore[arg-type]
        min_group_size=K,
        # Alice and Bruno by object id, Carla by UPN.
        facilitators=(ALICE.aad_object_id.upper(), BRUNO.aad_object_id, "Carla@Contoso.com"),
    )
    runtime = await Runtime.start(settings, BotCredentials({}), migrate=True)
    await _seed(runtime)
    server = TestServer(runtime.web_app(), host="127.0.0.1", port=0)
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        yield RunningBot(runtime, server, http, connector)
    await server.close()
    await runtime.close()


async def ask(bot: RunningBot, user: User, text: str) -> str:
    before = len(bot.connector.sent_to(user.conversation_id))
    response = await bot.post(act.message(user, bot.service_url, text))
    assert response.status in (200, 202)
    replies = bot.connector.sent_to(user.conversation_id)
    assert len(replies) == before + 1
    card: dict[str, Any] = replies[-1].cards[0]
    assert card["version"] == "1.5"
    return texts(card)


def _chart_types(bot: RunningBot, user: User) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Chart."):
                assert isinstance(node.get("fallback"), dict)
                found.add(node["type"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bot.connector.sent_to(user.conversation_id)[-1].cards[0])
    return found


QUESTIONS = {
    "nl": {
        "status": ("status", "Adoptie in de organisatie"),
        "status_department": ("Status it", "Adoptie in afdeling IT"),
        "scenario": ("scenario co-authoring", "Samen bewerken"),
        "trend": ("trend Teams 90d", "laatste 90 dagen"),
        "waves": ("golven", "Golf 1"),
        "ambassadors": ("ambassadeurs", "Hanne Ambassadeur"),
        "checkin": ("check-in pulse", "Pulscheck"),
        "help": ("help", "Vraag me hoe de adoptie ervoor staat"),
        "unknown": ("statsu?", "Adoptie in de organisatie"),
        "nonsense": ("blablabla", "Dat begrijp ik niet"),
    },
    "fr": {
        "status": ("Statut", "Adoption dans l'organisation"),
        "status_department": ("statut vague 2", "Adoption dans la vague 2"),
        "scenario": ("scénario Se réunir dans Teams", "Se réunir dans Teams"),
        "trend": ("tendance teams 90j", "90 derniers jours"),
        "waves": ("vagues", "Vague 1"),
        "ambassadors": ("ambassadeurs HR", "Hanne Ambassadeur"),
        "checkin": ("check-in pouls", "Pouls"),
        "help": ("aide", "Demandez-moi où en est l'adoption"),
        "unknown": ("STATUT", "Adoption dans l'organisation"),
        "nonsense": ("bonjour", "Je n'ai pas compris"),
    },
    "en": {
        "status": ("status", "Adoption across the organisation"),
        "status_department": ("status wave 1", "Adoption in wave 1"),
        "scenario": ("scenario meet in teams", "Meet in Teams"),
        "trend": ("trend Copilot 28d", "last 28 days"),
        "waves": ("waves", "Wave 2"),
        "ambassadors": ("ambassadors", "Departments without an ambassador"),
        "checkin": ("checkin pulse", "Pulse check"),
        "help": ("help", "Ask me how adoption stands"),
        "unknown": ("stauts", "Adoption across the organisation"),
        "nonsense": ("weather today", "I did not understand that"),
    },
}
USERS = {"nl": ALICE, "fr": BRUNO, "en": CARLA}


@pytest.mark.parametrize("locale", ["nl", "fr", "en"])
async def test_every_question_answers_with_a_card_in_the_askers_language(
    fbot: RunningBot, locale: str
) -> None:
    user = USERS[locale]
    await _pulse(fbot, [("IT", 4, "time")] * 4)
    for name, (text, expected) in QUESTIONS[locale].items():
        answer = await ask(fbot, user, text)
        assert expected in answer, (name, text, answer[:400])
    await fbot.runtime.audit.flush()
    async with fbot.runtime.sessions() as session:
        entries = await audit.audit_entries(session)
    mine = [e for e in entries if e.person_id == user.aad_object_id]
    # help is not audited; everything else is, with the normalised question and no free text
    assert len(mine) == len(QUESTIONS[locale]) - 1
    assert {e.outcome for e in mine} >= {"answered", "unknown"}
    assert all("blabla" not in e.question and "weather" not in e.question for e in mine)


async def test_status_card_has_a_chart_with_a_fallback_and_the_data_date(
    fbot: RunningBot,
) -> None:
    answer = await ask(fbot, CARLA, "status")
    assert "Usage data as of 21 November 2026" in answer
    assert {"Chart.HorizontalBar.Stacked", "Chart.HorizontalBar"} <= _chart_types(fbot, CARLA)
    nl = await ask(fbot, ALICE, "status")
    assert "Gebruiksgegevens van 21 november 2026" in nl


async def test_non_facilitator_is_refused_politely_and_gets_no_figures(fbot: RunningBot) -> None:
    for text in ("status", "statut HR", "trend teams", "golven", "check-in pulse"):
        answer = await ask(fbot, EMPLOYEE, text)
        assert "Dit is voor facilitators" in answer
        assert "%" not in answer
    await fbot.runtime.audit.flush()
    async with fbot.runtime.sessions() as session:
        entries = await audit.audit_entries(session)
    assert [e.outcome for e in entries if e.person_id == EMPLOYEE.aad_object_id] == ["refused"] * 5


async def test_employee_help_and_who_is_my_ambassador(fbot: RunningBot) -> None:
    help_text = await ask(fbot, EMPLOYEE, "help")
    assert "mijn ambassadeur" in help_text
    assert "Vraag me hoe" not in help_text
    mine = await ask(fbot, EMPLOYEE, "Wie is mijn ambassadeur?")
    assert "Hanne Ambassadeur" in mine and "HR" in mine


async def test_department_below_k_is_hidden(fbot: RunningBot) -> None:
    answer = await ask(fbot, CARLA, "status Directie")
    assert "fewer than 3 people" in answer
    assert "%" not in answer


async def test_department_derivable_by_subtraction_is_hidden_too(fbot: RunningBot) -> None:
    # Verkoop has 6 >= k people, but showing it would give Directie away (wave 1 - IT - Verkoop).
    answer = await ask(fbot, CARLA, "status Verkoop")
    assert "fewer than 3 people" in answer
    assert "%" not in answer
    assert "%" in await ask(fbot, CARLA, "status IT")
    tenant = await ask(fbot, CARLA, "status")
    assert "Directie" not in tenant and "Verkoop" not in tenant


async def test_unknown_department_gets_the_closest_suggestion(fbot: RunningBot) -> None:
    answer = await ask(fbot, CARLA, "status Verkop Noord")
    assert "Did you mean “Verkoop”?" in answer or "I know no" in answer


async def _pulse(
    bot: RunningBot,
    answers: Sequence[tuple[str | None, int, str]],
    audience: Audience | None = None,
    waves: Sequence[str | None] = (),
) -> int:
    async with bot.runtime.sessions.begin() as session:
        opened = await checkins.open_run(
            session,
            template_key="pulse",
            audience=audience or Audience.everyone(),
            now=utc_now(),
            open_for=timedelta(days=7),
            min_group_size=K,
            alongside=True,
        )
        await checkins.save_responses(
            session,
            [
                {
                    "run_id": opened.run_id,
                    "respondent_key": f"key-{opened.run_id}-{i}",
                    "department": department,
                    "wave": waves[i] if i < len(waves) else None,
                    "answers": {"confidence": confidence, "usefulness": 4, "blocker": blocker},
                    "submitted_on": utc_now().date(),
                }
                for i, (department, confidence, blocker) in enumerate(answers)
            ],
        )
    return opened.run_id


async def test_checkin_with_fewer_than_k_answers_shows_nothing(fbot: RunningBot) -> None:
    await _pulse(fbot, [("IT", 5, "time"), ("IT", 1, "habits")])
    answer = await ask(fbot, CARLA, "checkin pulse")
    assert "Fewer than 3 answers" in answer
    assert "average" not in answer
    status = await ask(fbot, CARLA, "status")
    assert "No pulse check with at least 3 answers" in status


async def test_checkin_department_derivable_by_subtraction_is_hidden(fbot: RunningBot) -> None:
    # HR has k-1 answers: hidden; IT would then equal the total minus nothing: hidden too.
    run = await _pulse(
        fbot,
        [
            ("IT", 4, "time"),
            ("IT", 4, "time"),
            ("IT", 5, "habits"),
            ("IT", 3, "time"),
            ("HR", 1, "technical"),
            ("HR", 1, "technical"),
        ],
    )
    answer = await ask(fbot, CARLA, f"checkin pulse {run}")
    assert "6 answers" in answer
    assert "By department" not in answer
    assert "2 departments not shown" in answer
    status = await ask(fbot, CARLA, "status")
    assert "No time to learn it" in status  # the most named blocker, tenant-wide
    assert "No pulse check" in await ask(fbot, CARLA, "status HR")
    assert "No pulse check" in await ask(fbot, CARLA, "status IT")


async def test_group_membership_admits_and_expires(fbot: RunningBot) -> None:
    class Group:
        def __init__(self) -> None:
            self.members = {EMPLOYEE.aad_object_id}
            self.asked = 0

        async def is_member(self, person_id: str, group_id: str) -> bool:
            self.asked += 1
            return person_id in self.members

    now = [0.0]
    group = Group()
    access = FacilitatorAccess(
        fbot.runtime.sessions, frozenset(), "group-id", group, ttl=60, clock=lambda: now[0]
    )
    assert await access.allows(EMPLOYEE.aad_object_id)
    assert await access.allows(EMPLOYEE.aad_object_id)
    assert group.asked == 1
    group.members = set()
    now[0] = 61.0
    assert not await access.allows(EMPLOYEE.aad_object_id)
    assert group.asked == 2


async def test_a_wave_shows_what_its_people_said(fbot: RunningBot) -> None:
    # Before: answers kept no wave, so "status wave 1" never had a pulse with k answers.
    await _pulse(
        fbot, [("IT", 5, "time")] * 4 + [("HR", 2, "habits")] * 4, waves=["1"] * 4 + ["2"] * 4
    )
    answer = await ask(fbot, CARLA, "status wave 1")
    assert "Adoption in wave 1" in answer
    assert "5 / 5" in answer
    assert "No pulse check" not in answer


async def test_a_department_pulse_does_not_hide_the_organisations_sentiment(
    fbot: RunningBot,
) -> None:
    # Before: the organisation's status read the latest pulse, even one sent to one department.
    await _pulse(fbot, [("IT", 4, "time")] * 3 + [("HR", 2, "habits")] * 3)
    await _pulse(fbot, [("HR", 1, "technical")] * 3, audience=Audience("department", "HR"))
    tenant = await ask(fbot, CARLA, "status")
    assert "3 / 5" in tenant and "Pulse check 1," in tenant
    hr = await ask(fbot, CARLA, "status HR")
    assert "1 / 5" in hr and "Pulse check 2," in hr


async def test_ambassadors_of_one_department_answer_for_that_department(
    fbot: RunningBot,
) -> None:
    # Before: "ambassadors IT" said "There are no ambassadors yet" (HR has one), and a covered
    # department said "Every department has an ambassador".
    it = await ask(fbot, CARLA, "ambassadors IT")
    assert "IT has no ambassador yet" in it
    assert "There are no ambassadors yet" not in it
    hr = await ask(fbot, CARLA, "ambassadors HR")
    assert "Ambassadors of HR" in hr and "Hanne Ambassadeur" in hr
    assert "Every department" not in hr


async def test_a_trend_says_the_range_it_covers_and_draws_no_line_from_two_points(
    fbot: RunningBot,
) -> None:
    # Before: titled "last 90 days" over two report dates, drawn as a line.
    answer = await ask(fbot, CARLA, "trend teams 90d")
    assert "2 report dates from 14 November 2026 to 21 November 2026" in answer
    assert "Too few report dates for a trend" in answer
    assert "Chart.Line" not in _chart_types(fbot, CARLA)


async def test_a_group_asked_of_a_concealed_tenant_gets_the_organisation_and_why(
    fbot: RunningBot,
) -> None:
    # Before: "No usage data yet ... the first sync has not happened".
    async with fbot.runtime.sessions.begin() as session:
        await usage.save_snapshot(
            session,
            report_date=REPORT + timedelta(days=1),
            origin="graph",
            population=26,
            concealed_reason="report_setting",
            digest="concealed",
            people=[],
            funnels=tenant_only({"teams": [25, 20, 12]}, 26, K),
        )
    answer = await ask(fbot, CARLA, "status Finance")
    assert "You asked about “Finance”" in answer
    assert "conceals names" in answer
    assert "Adoption across the organisation" in answer
    assert "No usage data yet" not in answer


async def test_status_waves_compares_the_waves_side_by_side(fbot: RunningBot) -> None:
    for text in ("status waves", "statut vagues", "status golven"):
        answer = await ask(fbot, CARLA, text)
        assert "Roll-out waves side by side" in answer, text
        assert "Wave 1" in answer and "Wave 2" in answer


async def test_the_audit_card_shows_who_asked_what_normalised(fbot: RunningBot) -> None:
    async with fbot.runtime.sessions.begin() as session:
        session.add(
            Person(id="p-lotte", upn="lotte@contoso.be", display_name="Lotte", department="IT")
        )
    await ask(fbot, CARLA, "status Verkoop")
    await ask(fbot, CARLA, "ambassador add lotte@contoso.be IT")
    await ask(fbot, CARLA, "status my manager hates this tool")
    await ask(fbot, ALICE, "golven")
    await ask(fbot, EMPLOYEE, "audit")  # refused: employees do not read the audit
    await fbot.runtime.audit.flush()

    card = await ask(fbot, BRUNO, "journal")

    assert "Qui a demandé quoi" in card
    assert "`status verkoop`" in card
    assert "`ambassadors add <person> it`" in card
    assert "`status …`" in card
    assert "`waves`" in card
    for free_text in ("lotte@contoso.be", "manager", "hates", "Verkoop`"):
        assert free_text not in card
    assert "3 questions" in card  # Carla's, over 30 days
    assert "Dit is voor facilitators" in await ask(fbot, EMPLOYEE, "audit")
