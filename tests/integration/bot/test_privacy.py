"""Privacy rights end to end through /api/messages: "my data" (card and JSON file through
Teams file consent), "forget me" and coming back, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from adoption.rights import tombstone, tombstone_key
from adoption.signals import WORKLOADS, PersonUsage
from bot.dispatch import Turn
from cards.privacy import FILE_CONSENT_TYPE, FILE_INFO_TYPE, FORGET_VERB, KEEP_VERB
from graph.identity import pseudonym, pseudonym_key
from graph.synthetic import generate_tenant
from graph.synthetic_export import write_export_folder
from store import ambassadors, outbox, usage, waves
from store import tips as tips_store
from store.base import Base
from store.outbox import NewMessage
from store.tables import (
    AuditEntry,
    CampaignMember,
    CheckinRun,
    DirectoryEntry,
    Forgotten,
    Message,
    Person,
    Response,
    RunRecipient,
    TipFeedback,
    TipSent,
    UsagePerson,
    WaveRule,
)
from tests.fakes import activities as act
from tests.fakes.activities import User
from tests.fakes.onedrive import FakeOneDrive
from tests.integration.bot.conftest import SECRET, RunningBot
from tests.integration.bot.test_spine import texts
from uptake.settings import Settings
from uptake.sync import run_sync

UPN = "alice.peeters@contoso.be"
NOW = datetime.now(UTC)
DAYS = [NOW.date() - timedelta(days=n) for n in (9, 8, 7, 2)]


@pytest.fixture
async def onedrive() -> AsyncIterator[FakeOneDrive]:
    fake = FakeOneDrive()
    await fake.start()
    yield fake
    await fake.close()


def _last(**days: date) -> list[date | None]:
    return [days.get(w.value) for w in WORKLOADS]


async def _seed(bot: RunningBot, alice: User) -> str:
    """Alice installed, with a row of every kind that names her; returns her pseudonym."""
    await bot.post(act.bot_added(alice, bot.service_url))
    alias = pseudonym(UPN, pseudonym_key(SECRET.encode()))
    pid = alice.aad_object_id
    async with bot.runtime.sessions.begin() as session:
        person = await session.get(Person, pid)
        assert person is not None
        person.upn, person.department, person.wave = UPN, "HR", "pilot"
        session.add(
            DirectoryEntry(
                id=pid, upn=UPN, display_name=alice.name, department="HR", enabled=True, licensed=1
            )
        )
        await waves.assign(session, "person", {pid: "pilot"})
        await ambassadors.add_ambassador(session, pid, ["HR", "IT"], NOW)
        await outbox.enqueue(
            session,
            [
                NewMessage(
                    "tip", pid, {"week": "2026-W01"}, f"tip:a:{pid}", NOW + timedelta(days=30)
                ),
                NewMessage(
                    "nudge", pid, {"week": "2026-W02"}, f"nudge:b:{pid}", NOW + timedelta(days=30)
                ),
            ],
            NOW,
        )
        run = CheckinRun(
            template_key="pulse",
            template_source="",
            audience="all",
            opened_at=NOW,
            closes_at=NOW + timedelta(days=7),
            min_group_size=3,
        )
        session.add(run)
        await session.flush()
        session.add(RunRecipient(run_id=run.id, person_id=pid))
        session.add(
            Response(
                run_id=run.id,
                respondent_key="r" * 64,
                department="HR",
                answers={"q": 4},
                submitted_on=NOW.date(),
            )
        )
        await tips_store.choose(session, pid, "2026-W01", "tip-a", NOW)
        await tips_store.give_verdict(session, pid, "2026-W01", "tip-a", "shared", NOW)
        for index, day in enumerate(DAYS):
            key = pid if index < 3 else alias
            people = [
                PersonUsage(key, "HR", last_activity=_last(teams=day, onedrive=day)),
                PersonUsage("someone-else", "HR", last_activity=_last(teams=day)),
            ]
            await usage.save_snapshot(
                session,
                report_date=day,
                origin="graph",
                population=2,
                concealed_reason=None,
                digest=day.isoformat(),
                people=people,
                funnels=[],
            )
    return alias


def _consent(alice: User, bot: RunningBot, action: str, upload_url: str) -> dict[str, Any]:
    activity = act._base("invoke", alice, bot.service_url)
    activity["name"] = "fileConsent/invoke"
    activity["value"] = {
        "type": "fileUpload",
        "action": action,
        "context": {"kind": "my_data"},
        "uploadInfo": {
            "contentUrl": "https://contoso-my.sharepoint.com/personal/alice/uptake-my-data.json",
            "name": "uptake-my-data.json",
            "uploadUrl": upload_url,
            "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
            "fileType": "json",
        },
    }
    return activity


def _attachments(bot: RunningBot, user: User, content_type: str) -> list[dict[str, Any]]:
    return [
        a
        for r in bot.connector.sent_to(user.conversation_id)
        for a in r.body.get("attachments", [])
        if a.get("contentType") == content_type
    ]


def _texts_sent(bot: RunningBot, user: User) -> list[str]:
    return [
        str(r.body.get("text"))
        for r in bot.connector.sent_to(user.conversation_id)
        if r.body.get("text")
    ]


async def test_my_data_shows_every_kind_of_row_and_offers_the_file(
    bot: RunningBot, alice: User
) -> None:
    await _seed(bot, alice)
    await bot.post(act.message(alice, bot.service_url, "Mijn gegevens?"))
    card_text = texts(bot.connector.sent_to(alice.conversation_id)[-2].cards[0])
    for expected in (
        "Wat ik over je bewaar",
        UPN,
        "HR",
        "pilot",
        "Ambassadeur voor",
        "HR, IT",
        "bewaard, om je berichten te kunnen sturen",
        "Tips",
        "1 gepland",
        "Signalen over je groep",
        "4 dagrijen",
        "Teams, OneDrive",
        "Je stond op de lijst van 1 check-in.",
        "zonder je naam of id",
        "niet tonen of apart wissen",
    ):
        assert expected in card_text, expected
    (offer,) = _attachments(bot, alice, FILE_CONSENT_TYPE)
    assert offer["name"].startswith("uptake-my-data-") and offer["name"].endswith(".json")
    assert offer["content"]["acceptContext"] == {"kind": "my_data"}
    assert offer["content"]["sizeInBytes"] > 500


async def test_accepting_the_file_puts_the_json_and_shows_the_file_card(
    bot: RunningBot, alice: User, onedrive: FakeOneDrive
) -> None:
    await _seed(bot, alice)
    response = await bot.post(_consent(alice, bot, "accept", onedrive.url()))
    assert response.status == 200
    (upload,) = onedrive.uploads
    document = json.loads(upload.body)
    assert upload.content_range == f"bytes 0-{len(upload.body) - 1}/{len(upload.body)}"
    assert upload.authorization is None  # the URL is pre-authorised: no bot token leaves
    assert document["person"]["object_id"] == alice.aad_object_id
    assert document["person"]["department"] == "HR"
    assert document["ambassador_for_departments"] == ["HR", "IT"]
    assert document["usage"]["daily_rows"] == 4
    assert [d["report_date"] for d in document["usage"]["days"]] == [d.isoformat() for d in DAYS]
    assert sorted((m["kind"], m["state"]) for m in document["messages"]) == [
        ("nudge", "pending"),
        ("tip", "pending"),
    ]
    assert "someone-else" not in upload.body.decode()
    (info,) = _attachments(bot, alice, FILE_INFO_TYPE)
    assert info["contentUrl"].endswith("uptake-my-data.json")
    assert info["content"] == {
        "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C8C",
        "fileType": "json",
    }


async def test_declining_the_file_says_so_and_uploads_nothing(
    bot: RunningBot, alice: User, onedrive: FakeOneDrive
) -> None:
    await _seed(bot, alice)
    response = await bot.post(_consent(alice, bot, "decline", onedrive.url()))
    assert response.status == 200
    assert onedrive.uploads == []
    assert any("ik bewaar geen bestand" in text for text in _texts_sent(bot, alice))
    assert _attachments(bot, alice, FILE_INFO_TYPE) == []


@pytest.mark.parametrize(
    "make_url",
    [
        lambda fake: "https://contoso-my.sharepoint.com.evil.example/upload",
        lambda fake: fake.url().replace("http://", "http://user:secret@"),
        lambda fake: fake.url().replace("http://", "file://"),
    ],
    ids=["other-host", "credentials", "not-http"],
)
async def test_an_upload_url_off_the_allow_list_is_refused(
    bot: RunningBot,
    alice: User,
    onedrive: FakeOneDrive,
    make_url: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _seed(bot, alice)
    response = await bot.post(_consent(alice, bot, "accept", make_url(onedrive)))
    assert response.status == 200
    # Refused before any connection is tried (not merely failed against the test guard).
    assert any(r.getMessage().startswith("upload.refused") for r in caplog.records)
    assert onedrive.uploads == []
    assert any("kon niet in je OneDrive" in text for text in _texts_sent(bot, alice))
    assert _attachments(bot, alice, FILE_INFO_TYPE) == []


async def test_a_redirecting_upload_url_is_not_followed(
    bot: RunningBot, alice: User, onedrive: FakeOneDrive
) -> None:
    await _seed(bot, alice)
    onedrive.redirect_to = onedrive.url("/landing")
    await bot.post(_consent(alice, bot, "accept", onedrive.url()))
    assert onedrive.uploads == []
    assert any("kon niet in je OneDrive" in text for text in _texts_sent(bot, alice))


async def _count(bot: RunningBot, model: type[Base], *where: Any) -> int:
    async with bot.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _forget(bot: RunningBot, alice: User) -> str:
    await bot.post(act.message(alice, bot.service_url, "vergeet mij"))
    confirm = bot.connector.sent_to(alice.conversation_id)[-1].cards[0]
    assert "Je anonieme check-in-antwoorden blijven" in texts(confirm)
    assert [a["verb"] for a in confirm["actions"]] == [FORGET_VERB, KEEP_VERB]
    response = await bot.post(act.card_action(alice, bot.service_url, FORGET_VERB, {}))
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return texts(body["value"])


async def test_forget_me_deletes_every_row_naming_the_person_and_keeps_answers(
    bot: RunningBot, alice: User
) -> None:
    alias = await _seed(bot, alice)
    pid = alice.aad_object_id
    # Her questions as a facilitator, audited under her id.
    async with bot.runtime.sessions.begin() as session:
        session.add(AuditEntry(asked_at=NOW, person_id=pid, question="status", outcome="answered"))

    done = await _forget(bot, alice)

    assert "Ik heb alles gewist wat jou noemt" in done
    assert "Typ dan **start**" in done
    for model, column in (
        (Person, Person.id),
        (DirectoryEntry, DirectoryEntry.id),
        (Message, Message.person_id),
        (RunRecipient, RunRecipient.person_id),
        (CampaignMember, CampaignMember.person_id),
        (TipSent, TipSent.person_id),
        (TipFeedback, TipFeedback.person_id),
        (WaveRule, WaveRule.subject),
        (AuditEntry, AuditEntry.person_id),
    ):
        assert await _count(bot, model, column == pid) == 0, model.__tablename__
    async with bot.runtime.sessions() as session:
        assert await ambassadors.ambassadors(session) == []
    assert await _count(bot, UsagePerson, UsagePerson.person_key.in_([pid, alias])) == 0
    assert await _count(bot, UsagePerson) == len(DAYS)  # someone else's rows stay
    assert await _count(bot, Response) == 1
    assert await _count(bot, AuditEntry) == 1  # kept, without her id
    async with bot.runtime.sessions() as session:
        tokens = set(await session.scalars(select(Forgotten.token)))
    key = tombstone_key(SECRET.encode())
    assert tokens == {tombstone(key, pid), tombstone(key, alias)}
    assert not any(pid in token for token in tokens)


async def test_cancelling_forget_me_deletes_nothing(bot: RunningBot, alice: User) -> None:
    await _seed(bot, alice)
    await bot.post(act.message(alice, bot.service_url, "forget me"))
    response = await bot.post(act.card_action(alice, bot.service_url, KEEP_VERB, {}))
    assert "Niets gewist" in texts((await response.json())["value"])
    assert await _count(bot, Person) == 1
    assert await _count(bot, Forgotten) == 0


async def test_a_forgotten_person_is_not_recreated_by_installs_and_start_brings_them_back(
    bot: RunningBot, alice: User
) -> None:
    await _seed(bot, alice)
    await _forget(bot, alice)
    before = len(bot.connector.sent_to(alice.conversation_id))

    await bot.post(act.installation(alice, bot.service_url, "add-upgrade"))
    await bot.post(act.bot_added(alice, bot.service_url))
    assert await _count(bot, Person) == 0
    assert len(bot.connector.sent_to(alice.conversation_id)) == before  # no welcome

    for text in ("help", "mijn gegevens", "status"):
        await bot.post(act.message(alice, bot.service_url, text))
        notice = texts(bot.connector.sent_to(alice.conversation_id)[-1].cards[0])
        assert "Je vroeg me om je te vergeten" in notice
    assert await _count(bot, Person) == 0

    await bot.post(act.message(alice, bot.service_url, "start"))
    sent = bot.connector.sent_to(alice.conversation_id)
    assert "Welkom terug" in texts(sent[-2].cards[0])
    assert "Welkom bij uptake" in texts(sent[-1].cards[0])
    assert await _count(bot, Person, Person.id == alice.aad_object_id) == 1
    assert await _count(bot, Forgotten) == 0
    await bot.post(act.message(alice, bot.service_url, "help"))
    assert "Je vroeg me" not in texts(bot.connector.sent_to(alice.conversation_id)[-1].cards[0])


async def test_forget_me_through_the_router_needs_a_person(bot: RunningBot) -> None:
    card = await bot.runtime.router.answer_text(Turn(None, "en", "forget me"))
    assert "I store nothing that names you" in texts(card)


async def test_the_next_sync_does_not_recreate_a_forgotten_person(
    bot: RunningBot, tmp_path: Path
) -> None:
    tenant = generate_tenant(12, weeks=2, end=NOW.date() - timedelta(days=3))
    first, both = tmp_path / "first", tmp_path / "both"
    write_export_folder(tenant, first, dates=tenant.report_dates[:1])
    write_export_folder(tenant, both)
    secret = SECRET.encode()
    await run_sync(Settings(reports_dir=first), bot.runtime.sessions, secret=secret)
    person = tenant.people[0]
    assert await _count(bot, Person, Person.id == person.id) == 1
    assert await _count(bot, UsagePerson, UsagePerson.person_key == person.id) == 1
    user = User(person.id, person.display_name, "nl-BE")

    assert "Ik heb alles gewist" in await _forget(bot, user)
    await run_sync(Settings(reports_dir=both), bot.runtime.sessions, secret=secret)

    assert await _count(bot, Person, Person.id == person.id) == 0
    assert await _count(bot, DirectoryEntry, DirectoryEntry.id == person.id) == 0
    assert await _count(bot, UsagePerson, UsagePerson.person_key == person.id) == 0
    others = tenant.people[1].id
    assert await _count(bot, UsagePerson, UsagePerson.person_key == others) == 2
    assert await _count(bot, Person) == len(tenant.people) - 1
