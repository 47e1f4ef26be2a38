"""Employees' privacy rights in chat: "my data", "forget me", and "start" after forgetting.

- "my data": a card with every row that names the person (adoption.rights.MyData), and a
  Teams file consent card offering the same as a JSON file; accepted, the file is built
  again and PUT to the upload URL Teams gives (bot.uploads checks its host), then a file
  info card links it; declined, a short sentence.
- "forget me": a confirmation card; confirmed, every row naming the person is deleted in
  one transaction (store.rights.forget), and tombstones (keyed hashes of their object id
  and usage pseudonyms, never the id) keep the directory sync and installs from recreating
  them. Their anonymous answers stay, and the cards say so.
- Afterwards whatever they say gets a notice saying how to come back: "start" lifts the
  tombstones and records them as a first install would (welcome card included). Only their
  own word brings them back: an install activity alone (Teams re-sends them on app updates)
  does not.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adoption.clock import Clock
from adoption.questions import Command, Question
from adoption.rights import (
    MyData,
    RetentionPolicy,
    export_document,
    tombstone,
    tombstone_key,
)
from bot.dispatch import Enclosure, FileConsent, FileReply, Reply, Router, Turn
from bot.uploads import FileUploads, UploadError
from cards import privacy as pc
from cards.base import Card
from cards.i18n import t
from graph.identity import pseudonym, pseudonym_key
from store import directory, rights

log = logging.getLogger("uptake.bot.privacy")

# The audit keeps a forgotten facilitator's questions under this prefix and a short token.
FORGOTTEN_ALIAS = "forgotten:"


class Privacy:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        secret: bytes,
        clock: Clock,
        uploads: FileUploads,
        *,
        min_group_size: int,
        policy: RetentionPolicy,
    ) -> None:
        self._sessions = sessions
        self._tombstone_key = tombstone_key(secret)
        self._pseudonym_key = pseudonym_key(secret)
        self._clock = clock
        self._uploads = uploads
        self._k = min_group_size
        self._policy = policy

    def person_token(self, person_id: str) -> str:
        return tombstone(self._tombstone_key, person_id)

    async def _usage_keys(self, session: AsyncSession, person_id: str) -> set[str]:
        """Their usage row keys: the object id, and the keyed pseudonym of each known UPN."""
        upns = await rights.usage_subjects(session, person_id)
        return {person_id, *(pseudonym(upn, self._pseudonym_key) for upn in upns)}

    async def _data(self, person_id: str) -> MyData:
        async with self._sessions() as session:
            keys = await self._usage_keys(session, person_id)
            return await rights.my_data(session, person_id, keys)

    def _document(self, data: MyData) -> bytes:
        document = export_document(data, self._clock())
        return json.dumps(document, ensure_ascii=False, indent=2).encode()

    def _file_name(self) -> str:
        return f"uptake-my-data-{self._clock().date().isoformat()}.json"

    # --- "my data" ------------------------------------------------------------------------

    async def my_data(self, turn: Turn, _question: Question) -> Reply:
        if turn.person_id is None:
            return Reply(pc.sentence("my_data_nothing", turn.locale), "none")
        data = await self._data(turn.person_id)
        log.info("privacy.my_data rows=%s", len(data.messages) + len(data.usage_days))
        offer = Enclosure(
            pc.FILE_CONSENT_TYPE,
            pc.file_consent_content(turn.locale, len(self._document(data))),
            name=self._file_name(),
        )
        card = pc.my_data_card(data, turn.locale, self._k, self._policy)
        return Reply(card, "answered", enclosures=(offer,))

    async def file_consent(self, turn: Turn, consent: FileConsent) -> FileReply:
        """Accepted: upload the file, fresh, and show it; declined: say so."""
        if not consent.accepted or turn.person_id is None:
            log.info("privacy.file_declined")
            return FileReply(text=t(turn.locale, "privacy.file_declined"))
        if consent.upload_url is None:
            log.info("privacy.file_failed reason=no_upload_url")
            return FileReply(text=t(turn.locale, "privacy.file_failed"))
        body = self._document(await self._data(turn.person_id))
        try:
            await self._uploads.put(consent.upload_url, body)
        except UploadError as error:
            log.info("privacy.file_failed reason=%s", error.reason)
            return FileReply(text=t(turn.locale, "privacy.file_failed"))
        log.info("privacy.file_uploaded bytes=%s", len(body))
        info = Enclosure(
            pc.FILE_INFO_TYPE,
            {"uniqueId": consent.unique_id, "fileType": consent.file_type or "json"},
            name=consent.name or self._file_name(),
            content_url=consent.content_url,
        )
        return FileReply(enclosure=info)

    # --- "forget me" ----------------------------------------------------------------------

    async def forget_me(self, turn: Turn, _question: Question) -> Reply:
        if turn.person_id is None:
            return Reply(pc.sentence("my_data_nothing", turn.locale), "none")
        data = await self._data(turn.person_id)
        return Reply(pc.forget_card(data, turn.locale), "answered")

    async def confirm(self, turn: Turn, _data: Mapping[str, object]) -> Card:
        if turn.person_id is None:
            return pc.sentence("my_data_nothing", turn.locale)
        person_token = self.person_token(turn.person_id)
        async with self._sessions.begin() as session:
            keys = await self._usage_keys(session, turn.person_id)
            pseudonyms = [tombstone(self._tombstone_key, k) for k in keys - {turn.person_id}]
            done = await rights.forget(
                session,
                turn.person_id,
                keys,
                person_token,
                pseudonyms,
                FORGOTTEN_ALIAS + person_token[:16],
                self._clock().date(),
            )
        log.info("privacy.forgotten rows=%s", done.total)
        return pc.forgotten_card(turn.locale)

    async def keep(self, turn: Turn, _data: Mapping[str, object]) -> Card:
        log.info("privacy.forget_cancelled")
        return pc.sentence("forget_kept", turn.locale)

    # --- after forgetting -----------------------------------------------------------------

    async def is_forgotten(self, person_id: str) -> bool:
        async with self._sessions() as session:
            return await rights.is_forgotten(session, self.person_token(person_id))

    async def start(self, turn: Turn, _question: Question) -> Reply:
        """A forgotten person asks to be known again: tombstones lifted, recorded as at a
        first install (the glue does that on `rejoin`)."""
        if turn.person_id is None or not await self.is_forgotten(turn.person_id):
            return Reply(pc.sentence("not_forgotten", turn.locale), "none")
        async with self._sessions.begin() as session:
            await rights.lift(session, self.person_token(turn.person_id))
            # The delta read never lists an unchanged user again: the next sync reads the
            # whole directory, so the mirror and their department come back.
            await directory.set_state(session, directory.DELTA_LINK_KEY, None)
        log.info("privacy.rejoined")
        return Reply(pc.sentence("rejoined", turn.locale), "answered", rejoin=True)


def register(router: Router, privacy: Privacy) -> None:
    router.command(Command.MY_DATA, "everyone", privacy.my_data)
    router.command(Command.FORGET_ME, "everyone", privacy.forget_me)
    router.command(Command.START, "everyone", privacy.start)
    router.verb(pc.FORGET_VERB, privacy.confirm)
    router.verb(pc.KEEP_VERB, privacy.keep)
    router.file_consent(pc.MY_DATA_FILE, privacy.file_consent)
    router.forgetting(privacy.is_forgotten, pc.forgotten_notice_card, Command.START)
