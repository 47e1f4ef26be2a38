"""The Agents SDK glue: which activity goes to which dispatch, and how its answer is sent.

Activities become SDK-free `Turn`s for bot.dispatch.Router; every answer goes back the way
Teams expects it: a card in the chat, the replacement card of an invoke, an update of the
card that was submitted. Every activity gets an answer: an unknown invoke or card verb gets
a clear 200 answer instead of the SDK's default 501, and an exception becomes a localised
apology with a correlation id (never the exception text).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

import aiohttp
import pydantic
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeValue,
    Attachment,
    InvokeResponse,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    MemoryStorage,
    MessageFactory,
    RouteRank,
    TurnContext,
    TurnState,
)

from adoption.language import Locale
from bot.activity_facts import (
    conversation_reference,
    display_name,
    is_personal,
    known_zone,
    language_tag,
    person_id,
    tenant_id,
)
from bot.dispatch import Enclosure, FileConsent, Router, Turn
from cards.base import CARD_CONTENT_TYPE, Card
from cards.i18n import negotiate, t
from store.people import Installation

log = logging.getLogger("uptake.bot")

CARD_ACTION_INVOKE = "adaptiveCard/action"
FILE_CONSENT_INVOKE = "fileConsent/invoke"
MESSAGE_RESPONSE_TYPE = "application/vnd.microsoft.activity.message"
ERROR_RESPONSE_TYPE = "application/vnd.microsoft.error"


def card_activity(content: Card) -> Activity:
    activity: Activity = MessageFactory.attachment(
        Attachment(content_type=CARD_CONTENT_TYPE, content=content)
    )
    return activity


def enclosure_activity(enclosure: Enclosure) -> Activity:
    activity: Activity = MessageFactory.attachment(
        Attachment(
            content_type=enclosure.content_type,
            content=dict(enclosure.content) if enclosure.content is not None else None,
            name=enclosure.name,
            content_url=enclosure.content_url,
        )
    )
    return activity


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def file_consent_of(value: object) -> FileConsent | None:
    """The answer to a file consent card, or None when the invoke is not one."""
    if not isinstance(value, dict) or value.get("action") not in ("accept", "decline"):
        return None
    context = value.get("context")
    info = value.get("uploadInfo")
    info = info if isinstance(info, dict) else {}
    return FileConsent(
        accepted=value["action"] == "accept",
        context=context if isinstance(context, dict) else {},
        upload_url=_text(info.get("uploadUrl")),
        content_url=_text(info.get("contentUrl")),
        name=_text(info.get("name")),
        unique_id=_text(info.get("uniqueId")),
        file_type=_text(info.get("fileType")),
    )


def _card_body(card: Card) -> dict[str, Any]:
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}


def _message_body(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE_RESPONSE_TYPE, "value": text}


async def _invoke_reply(context: TurnContext, body: dict[str, Any], status: int = 200) -> None:
    await context.send_activity(
        Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=status, body=body))
    )


class Glue:
    """Turns activities into dispatch calls; one per process, built by the composition root."""

    def __init__(self, router: Router, *, default_locale: Locale, local_mode: bool) -> None:
        self._router = router
        self._default_locale = default_locale
        self._local_mode = local_mode

    def _turn(self, context: TurnContext) -> Turn:
        activity = context.activity
        return Turn(
            person_id=person_id(activity, local_mode=self._local_mode),
            locale=negotiate(activity.locale, self._default_locale),
            text=activity.text or "",
        )

    async def on_text(self, context: TurnContext) -> None:
        reply = await self._router.answer(self._turn(context))
        await context.send_activity(card_activity(reply.card))
        if reply.rejoin:
            await self.on_added(context, rejoin=True)
        for enclosure in reply.enclosures:
            await context.send_activity(enclosure_activity(enclosure))

    async def on_file_consent(self, context: TurnContext) -> None:
        """The person accepted or declined a file the bot offered (Teams file consent)."""
        turn = self._turn(context)
        consent = file_consent_of(context.activity.value)
        if consent is None:
            log.info("invoke.bad_request name=%s", FILE_CONSENT_INVOKE)
            body = {
                "statusCode": 400,
                "type": ERROR_RESPONSE_TYPE,
                "value": {
                    "code": "BadRequest",
                    "message": "value.action must be accept or decline",
                },
            }
            await _invoke_reply(context, body, HTTPStatus.BAD_REQUEST)
            return
        reply = await self._router.answer_file_consent(turn, consent)
        if reply is None:
            await context.send_activity(t(turn.locale, "errors.unknown_action"))
        else:
            if reply.enclosure is not None:
                await context.send_activity(enclosure_activity(reply.enclosure))
            if reply.text is not None:
                await context.send_activity(MessageFactory.text(reply.text))
        await _invoke_reply(context, {})

    async def on_card_action_invoke(self, context: TurnContext) -> None:
        """Action.Execute: answer the invoke with the replacement card."""
        turn = self._turn(context)
        try:
            value = AdaptiveCardInvokeValue.model_validate(context.activity.value)
        except pydantic.ValidationError:
            value = None
        action = value.action if value is not None else None
        if action is None or action.type != "Action.Execute":
            log.info("invoke.bad_request name=%s", CARD_ACTION_INVOKE)
            body = {
                "statusCode": 400,
                "type": ERROR_RESPONSE_TYPE,
                "value": {
                    "code": "BadRequest",
                    "message": "value.action must be an Action.Execute",
                },
            }
            await _invoke_reply(context, body, HTTPStatus.BAD_REQUEST)
            return
        data: Mapping[str, object] = action.data if isinstance(action.data, dict) else {}
        card = await self._router.answer_verb(turn, action.verb or "", data)
        if card is None:
            await _invoke_reply(context, _message_body(t(turn.locale, "errors.unknown_action")))
            return
        await _invoke_reply(context, _card_body(card))

    async def on_card_submit(self, context: TurnContext) -> None:
        """Action.Submit fallback: same dispatch, then replace the card the person answered."""
        turn = self._turn(context)
        value = context.activity.value
        data: Mapping[str, object] = value if isinstance(value, dict) else {}
        verb = data.get("verb")
        card = await self._router.answer_verb(turn, verb, data) if isinstance(verb, str) else None
        if card is None:
            await context.send_activity(t(turn.locale, "errors.unknown_action"))
            return
        reply = card_activity(card)
        if context.activity.reply_to_id:
            reply.id = context.activity.reply_to_id
            try:
                await context.update_activity(reply)
                return
            except Exception:  # noqa: BLE001 - an old client that cannot update still gets it
                log.info("submit.update_failed falling_back=send")
                reply.id = None
        await context.send_activity(reply)

    async def on_other_invoke(self, context: TurnContext) -> None:
        name = context.activity.name or ""
        log.info("invoke.unsupported name=%s", name[:64])
        locale = self._turn(context).locale
        text = t(locale, "errors.unsupported_request", name=name[:64] or "?")
        await _invoke_reply(context, _message_body(text))

    async def on_added(self, context: TurnContext, *, rejoin: bool = False) -> None:
        activity = context.activity
        if not is_personal(activity):
            log.info("install.ignored_scope")
            return
        pid = person_id(activity, local_mode=self._local_mode)
        if pid is None:
            log.warning("install.no_person_id activity=%s", activity.id)
            return
        install = Installation(
            person_id=pid,
            tenant_id=tenant_id(activity),
            display_name=display_name(activity),
            # The Teams client's language is what the person reads; keep it for proactive cards.
            locale=language_tag(activity),
            conversation=conversation_reference(activity),
            time_zone=known_zone(activity.local_timezone),
        )
        welcome = await self._router.added(install, self._default_locale, rejoin=rejoin)
        if welcome is not None:
            await context.send_activity(card_activity(welcome))
            await self._router.installed(pid)

    async def on_removed(self, context: TurnContext) -> None:
        pid = person_id(context.activity, local_mode=self._local_mode)
        if pid is not None:
            await self._router.removed(pid)

    async def on_conversation_update(self, context: TurnContext) -> None:
        activity = context.activity
        if _bot_is_among(activity, list(activity.members_added or [])):
            await self.on_added(context)
        elif _bot_is_among(activity, list(activity.members_removed or [])):
            await self.on_removed(context)

    async def on_installation_update(self, context: TurnContext) -> None:
        action = (context.activity.action or "").lower()
        if action in ("add", "add-upgrade"):
            await self.on_added(context)
        elif action == "remove":  # "remove-upgrade" is an app update, not a goodbye
            await self.on_removed(context)

    async def apologise(self, context: TurnContext, error: Exception) -> None:
        """Replace the SDK's default, which sends the exception text to the user."""
        activity = context.activity
        correlation = activity.request_id or activity.id or "-"
        if isinstance(error, aiohttp.ClientError):
            # The channel refused or could not be reached (a serviceUrl that does not answer,
            # a 4xx/5xx from it): an outcome to count, not a bug to trace.
            log.warning(
                "turn.failed correlation=%s type=%s error=%s status=%s",
                correlation,
                activity.type,
                type(error).__name__,
                getattr(error, "status", "-"),
            )
        else:
            log.error(
                "turn.failed correlation=%s type=%s error=%s",
                correlation,
                activity.type,
                type(error).__name__,
                exc_info=error,
            )
        text = t(self._turn(context).locale, "errors.apology", correlation_id=correlation)
        try:
            if activity.type == ActivityTypes.invoke:
                await _invoke_reply(context, _message_body(text))
            else:
                await context.send_activity(MessageFactory.text(text))
        except Exception:  # noqa: BLE001 - the channel itself may be what failed
            log.warning("turn.apology_failed correlation=%s", correlation)


class _NoDuplicateTurnError(logging.Filter):
    """The SDK logs every turn error at ERROR with a traceback and the exception's text (a
    pydantic error quotes its input, a connector error the URL) before calling our handler,
    which logs the same failure with a correlation id and without the text."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("An error occurred in the AgentApplication")


def _quiet_sdk_turn_errors() -> None:
    logger = logging.getLogger("microsoft_agents.hosting.core.app.agent_application")
    if not any(isinstance(f, _NoDuplicateTurnError) for f in logger.filters):
        logger.addFilter(_NoDuplicateTurnError())


def _bot_is_among(activity: Activity, members: list[object] | None) -> bool:
    recipient = activity.recipient.id if activity.recipient else None
    return any(getattr(member, "id", None) == recipient for member in members or [])


def _is(kind: str) -> Callable[[TurnContext], bool]:
    return lambda context: context.activity.type == kind


def _is_card_action_invoke(context: TurnContext) -> bool:
    return (
        context.activity.type == ActivityTypes.invoke
        and context.activity.name == CARD_ACTION_INVOKE
    )


def _is_file_consent(context: TurnContext) -> bool:
    return (
        context.activity.type == ActivityTypes.invoke
        and context.activity.name == FILE_CONSENT_INVOKE
    )


def _is_card_submit(context: TurnContext) -> bool:
    activity = context.activity
    return (
        activity.type == ActivityTypes.message and not activity.text and activity.value is not None
    )


def _bind(
    handler: Callable[[TurnContext], Awaitable[None]],
) -> Callable[[TurnContext, TurnState], Awaitable[None]]:
    async def route(context: TurnContext, _state: TurnState) -> None:
        await handler(context)

    return route


def build_agent(glue: Glue, connection_manager: Any) -> AgentApplication[TurnState]:
    """The application with every route; nothing here touches the network until a turn runs."""
    agent: AgentApplication[TurnState] = AgentApplication[TurnState](
        storage=MemoryStorage(),
        connection_manager=connection_manager,
        start_typing_timer=False,
    )
    # The first matching route wins; the SDK orders by invoke-ness, then rank (a heap, so equal
    # ranks have no guaranteed order): catch-alls are ranked LAST.
    agent.add_route(_is_card_action_invoke, _bind(glue.on_card_action_invoke), is_invoke=True)
    agent.add_route(_is_file_consent, _bind(glue.on_file_consent), is_invoke=True)
    agent.add_route(
        _is(ActivityTypes.invoke), _bind(glue.on_other_invoke), is_invoke=True, rank=RouteRank.LAST
    )
    agent.add_route(_is(ActivityTypes.installation_update), _bind(glue.on_installation_update))
    agent.add_route(_is(ActivityTypes.conversation_update), _bind(glue.on_conversation_update))
    agent.add_route(_is_card_submit, _bind(glue.on_card_submit))
    agent.add_route(_is(ActivityTypes.message), _bind(glue.on_text), rank=RouteRank.LAST)
    agent.error(glue.apologise)
    _quiet_sdk_turn_errors()
    return agent
