"""Who answers what, without the SDK: the registry every audience module fills, and dispatch.

Each audience module (bot/lifecycle.py, bot/checkin.py, bot/facilitator.py,
bot/ambassador.py) has a `register(router, ...)` that adds its chat commands, card verbs,
help card and install hooks here. The Agents SDK glue (bot/app.py) turns an activity into a
`Turn` and calls `answer_text`, `answer_verb` or `installed`; tests call them directly.

A command belongs to exactly one handler and one audience: registering it twice fails at
start, a command nobody registered fails at start (`check_complete`), and a question that
matches no command gets the not-understood card. Nothing falls through to another card.
The router also gates every command by its audience (a facilitator's question from an
employee is refused, with no figure) and audits every question from a gated audience.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from adoption.language import Locale
from adoption.questions import Command, Question, Unknown, parse
from adoption.rights import audit_form
from cards.base import Card
from store.audit import AuditRecord
from store.people import Installation

log = logging.getLogger("uptake.bot.dispatch")

Audience = Literal["everyone", "ambassador", "facilitator"]
# Most privileged first: the help card a person gets is the first whose audience they are in.
AUDIENCES: Final[tuple[Audience, ...]] = ("facilitator", "ambassador", "everyone")


@dataclass(frozen=True, slots=True)
class Turn:
    """What a handler needs from an activity, without the SDK."""

    person_id: str | None
    locale: Locale
    text: str = ""


@dataclass(frozen=True, slots=True)
class Enclosure:
    """An attachment that is not an Adaptive Card (a Teams file consent or file info card),
    sent as a message of its own after the reply."""

    content_type: str
    content: Mapping[str, object] | None
    name: str | None = None
    content_url: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A card to send back and a short outcome code for logs and the audit.

    `enclosures` follow the card, each in a message of its own; `rejoin` asks the glue to
    record the person as if they had just installed (a forgotten person said "start")."""

    card: Card
    outcome: str = "answered"
    enclosures: tuple[Enclosure, ...] = ()
    rejoin: bool = False


@dataclass(frozen=True, slots=True)
class FileConsent:
    """The answer to a file consent card (the `fileConsent/invoke` value)."""

    accepted: bool
    context: Mapping[str, object]
    upload_url: str | None = None
    content_url: str | None = None
    name: str | None = None
    unique_id: str | None = None
    file_type: str | None = None


@dataclass(frozen=True, slots=True)
class FileReply:
    """What follows a file consent answer: a short text, a file card, or both."""

    text: str | None = None
    enclosure: Enclosure | None = None


CommandHandler = Callable[[Turn, Question], Awaitable[Reply]]
VerbHandler = Callable[[Turn, Mapping[str, object]], Awaitable[Card]]
InstallHook = Callable[[str], Awaitable[None]]
Added = Callable[[Installation, Locale], Awaitable[Card | None]]
Removed = Callable[[str], Awaitable[None]]
HelpCard = Callable[[Locale], Card]
Membership = Callable[[str], Awaitable[bool]]
Audit = Callable[[AuditRecord], object]
ConsentHandler = Callable[[Turn, FileConsent], Awaitable[FileReply]]
IsForgotten = Callable[[str], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class _Route:
    audience: Audience
    handler: CommandHandler


@dataclass(frozen=True, slots=True)
class _Verb:
    audience: Audience
    handler: VerbHandler


@dataclass(frozen=True, slots=True)
class Fallbacks:
    """The cards the router itself sends: refusal per audience, and not understood."""

    refused: Callable[[str, Locale], Card]
    unknown: Callable[[Command | None, Locale], Card]


class Router:
    def __init__(self, fallbacks: Fallbacks, audit: Audit, clock: Callable[[], datetime]) -> None:
        self._fallbacks = fallbacks
        self._audit = audit
        self._clock = clock
        self._commands: dict[Command, _Route] = {}
        self._verbs: dict[str, _Verb] = {}
        self._help: dict[Audience, HelpCard] = {}
        self._members: dict[Audience, Membership] = {}
        self._install_hooks: list[InstallHook] = []
        self._lifecycle: tuple[Added, Removed] | None = None
        self._consents: dict[str, ConsentHandler] = {}
        self._forgotten: tuple[IsForgotten, HelpCard, Command] | None = None

    # --- registration (at start) ----------------------------------------------------------

    def audience(self, audience: Audience, membership: Membership) -> None:
        """How to tell whether a person belongs to a gated audience."""
        if audience == "everyone":
            raise ValueError("everyone needs no membership check")
        self._members[audience] = membership

    def command(self, command: Command, audience: Audience, handler: CommandHandler) -> None:
        if command in self._commands or command is Command.HELP:
            raise ValueError(f"command {command.value!r} is registered already")
        self._commands[command] = _Route(audience, handler)

    def verb(self, verb: str, handler: VerbHandler, audience: Audience = "everyone") -> None:
        """A card verb; a gated audience's verbs are refused to others, like commands."""
        if verb in self._verbs:
            raise ValueError(f"card verb {verb!r} is registered already")
        self._verbs[verb] = _Verb(audience, handler)

    def help(self, audience: Audience, build: HelpCard) -> None:
        if audience in self._help:
            raise ValueError(f"a help card for {audience} is registered already")
        self._help[audience] = build

    def lifecycle(self, added: Added, removed: Removed) -> None:
        """Who records installs and removals (bot/lifecycle.py)."""
        if self._lifecycle is not None:
            raise ValueError("the lifecycle is registered already")
        self._lifecycle = (added, removed)

    def file_consent(self, kind: str, handler: ConsentHandler) -> None:
        """Who answers a file consent card whose context names `kind`."""
        if kind in self._consents:
            raise ValueError(f"a file consent for {kind!r} is registered already")
        self._consents[kind] = handler

    def forgetting(self, is_forgotten: IsForgotten, notice: HelpCard, rejoin: Command) -> None:
        """People who asked to be forgotten: their installs are not recorded, and whatever
        they say gets `notice` (how to be known again), except the `rejoin` command."""
        if self._forgotten is not None:
            raise ValueError("forgetting is registered already")
        self._forgotten = (is_forgotten, notice, rejoin)

    async def _forgotten_notice(self, turn: Turn, command: Command | None = None) -> Card | None:
        if self._forgotten is None or turn.person_id is None:
            return None
        is_forgotten, notice, rejoin = self._forgotten
        if command is rejoin or not await is_forgotten(turn.person_id):
            return None
        log.info("question.forgotten_person")
        return notice(turn.locale)

    def on_installed(self, hook: InstallHook) -> None:
        """Called with the person id after a first install (the welcome is sent already)."""
        self._install_hooks.append(hook)

    def check_complete(self) -> None:
        """Every command has a handler, every gated audience a membership, and everyone a help
        card: fail at start, not in front of a user."""
        missing = [c.value for c in Command if c is not Command.HELP and c not in self._commands]
        if missing:
            raise RuntimeError(f"no handler for command(s): {', '.join(missing)}")
        used = {r.audience for r in self._commands.values()} | {
            v.audience for v in self._verbs.values()
        }
        ungated = used - {"everyone", *self._members}
        if ungated:
            raise RuntimeError(f"no membership check for audience(s): {', '.join(ungated)}")
        if "everyone" not in self._help:
            raise RuntimeError("no help card for everyone")
        if self._lifecycle is None:
            raise RuntimeError("nobody records installs")

    # --- dispatch -------------------------------------------------------------------------

    async def is_in(self, audience: Audience, person_id: str | None) -> bool:
        if audience == "everyone":
            return True
        membership = self._members.get(audience)
        return person_id is not None and membership is not None and await membership(person_id)

    async def help_card(self, turn: Turn) -> Card:
        for audience in AUDIENCES:
            build = self._help.get(audience)
            if build is not None and await self.is_in(audience, turn.person_id):
                return build(turn.locale)
        raise RuntimeError("no help card for everyone")  # check_complete rules this out

    async def answer_text(self, turn: Turn) -> Card:
        """The card answering one chat message."""
        return (await self.answer(turn)).card

    async def answer(self, turn: Turn) -> Reply:
        """The reply to one chat message: its card, and what follows it."""
        parsed = parse(turn.text)
        notice = await self._forgotten_notice(
            turn, None if isinstance(parsed, Unknown) else parsed.command
        )
        if notice is not None:
            return Reply(notice, "forgotten")
        if isinstance(parsed, Unknown):
            return Reply(await self._not_understood(turn, parsed), "unknown")
        if parsed.command is Command.HELP:
            return Reply(await self.help_card(turn), "help")
        route = self._commands[parsed.command]
        gated = route.audience != "everyone"
        if not await self.is_in(route.audience, turn.person_id):
            reply = Reply(self._fallbacks.refused(route.audience, turn.locale), "refused")
        else:
            reply = await route.handler(turn, parsed)
        log.info("question.asked command=%s outcome=%s", parsed.command.value, reply.outcome)
        if gated and turn.person_id is not None:
            self._record(turn.person_id, parsed.canonical, reply.outcome)
        return reply

    async def _not_understood(self, turn: Turn, parsed: Unknown) -> Card:
        """Help for people with no gated command; for the others, the closest command they
        may use (never one that would only be refused)."""
        person = turn.person_id
        gated = [a for a in self._members if await self.is_in(a, person)]
        if person is None or not gated:
            return await self.help_card(turn)
        suggestion = parsed.suggestion
        route = self._commands.get(suggestion) if suggestion is not None else None
        if route is not None and route.audience not in ("everyone", *gated):
            suggestion = None
        log.info("question.asked command=? outcome=unknown")
        self._record(person, "?", "unknown")
        return self._fallbacks.unknown(suggestion, turn.locale)

    async def answer_verb(self, turn: Turn, verb: str, data: Mapping[str, object]) -> Card | None:
        """The replacement card for a card action; None when no module knows the verb."""
        found = self._verbs.get(verb)
        if found is None:
            log.info("card.unknown_verb")
            return None
        notice = await self._forgotten_notice(turn)
        if notice is not None:
            return notice
        if not await self.is_in(found.audience, turn.person_id):
            log.info("card.refused audience=%s", found.audience)
            return self._fallbacks.refused(found.audience, turn.locale)
        card = await found.handler(turn, data)
        if found.audience != "everyone" and turn.person_id is not None:
            self._record(turn.person_id, verb, "answered")
        return card

    async def added(
        self, install: Installation, default_locale: Locale, *, rejoin: bool = False
    ) -> Card | None:
        """Record an install; the welcome card when this is the install's first activity.
        A forgotten person's install is not recorded (an app update re-sends installs):
        only their own "start" (`rejoin`, after the tombstone was lifted) brings them back."""
        if self._lifecycle is None:
            raise RuntimeError("nobody records installs")
        forgotten = self._forgotten
        if not rejoin and forgotten is not None and await forgotten[0](install.person_id):
            log.info("install.forgotten_person_ignored")
            return None
        return await self._lifecycle[0](install, default_locale)

    async def answer_file_consent(self, turn: Turn, consent: FileConsent) -> FileReply | None:
        """What follows a file consent answer; None when no module offered such a file."""
        kind = consent.context.get("kind")
        handler = self._consents.get(kind) if isinstance(kind, str) else None
        if handler is None:
            log.info("file_consent.unknown_kind")
            return None
        if await self._forgotten_notice(turn) is not None:
            return FileReply()
        return await handler(turn, consent)

    async def removed(self, person_id: str) -> None:
        if self._lifecycle is None:
            raise RuntimeError("nobody records installs")
        await self._lifecycle[1](person_id)

    async def installed(self, person_id: str) -> None:
        """Run the install hooks of every module (after the welcome was sent)."""
        for hook in self._install_hooks:
            await hook(person_id)

    def _record(self, person_id: str, question: str, outcome: str) -> None:
        # Normalised: a command and the names it resolved, never the free text typed.
        self._audit(AuditRecord(self._clock(), person_id, audit_form(question, outcome), outcome))
