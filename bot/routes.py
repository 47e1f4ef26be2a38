"""The Agents SDK application: which activity goes to which handler.

Every activity gets an answer: lifecycle events are handled, card actions are dispatched by
verb, text gets help, an unknown invoke or verb gets a clear 200 answer instead of the SDK's
default 501, and an exception becomes a localised apology with a correlation id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

import pydantic
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeValue,
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

from bot import checkin, facilitator, lifecycle
from bot.activity_facts import locale_of, person_id
from bot.services import BotServices
from cards.base import CARD_CONTENT_TYPE, Card
from cards.checkin import ANSWER_VERB, EDIT_VERB
from cards.i18n import Locale, t

log = logging.getLogger("uptake.bot")

CARD_ACTION_INVOKE = "adaptiveCard/action"
MESSAGE_RESPONSE_TYPE = "application/vnd.microsoft.activity.message"
ERROR_RESPONSE_TYPE = "application/vnd.microsoft.error"

CardAction = Callable[[BotServices, str, Mapping[str, object], Locale], Awaitable[checkin.Outcome]]
CARD_ACTIONS: Mapping[str, CardAction] = {ANSWER_VERB: checkin.answer, EDIT_VERB: checkin.edit}


def _card_body(card: Card) -> dict[str, Any]:
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}


def _message_body(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE_RESPONSE_TYPE, "value": text}


async def _invoke_reply(context: TurnContext, body: dict[str, Any], status: int = 200) -> None:
    await context.send_activity(
        Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=status, body=body))
    )


def _locale(context: TurnContext, services: BotServices) -> Locale:
    return locale_of(context.activity, None, services.default_locale)


async def on_card_action_invoke(context: TurnContext, services: BotServices) -> None:
    """Action.Execute: answer the invoke with the replacement card."""
    locale = _locale(context, services)
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
            "value": {"code": "BadRequest", "message": "value.action must be an Action.Execute"},
        }
        await _invoke_reply(context, body, HTTPStatus.BAD_REQUEST)
        return
    handler = CARD_ACTIONS.get(action.verb or "")
    who = person_id(context.activity, local_mode=services.local_mode)
    data = action.data if isinstance(action.data, dict) else {}
    if handler is None or who is None:
        log.info("invoke.unknown_verb known_person=%s", who is not None)
        await _invoke_reply(context, _message_body(t(locale, "errors.unknown_action")))
        return
    outcome = await handler(services, who, data, locale)
    await _invoke_reply(context, _card_body(outcome.card))


async def on_card_submit(context: TurnContext, services: BotServices) -> None:
    """Action.Submit fallback: same dispatch, then replace the card the person answered."""
    locale = _locale(context, services)
    value = context.activity.value
    data: Mapping[str, object] = value if isinstance(value, dict) else {}
    verb = data.get("verb")
    handler = CARD_ACTIONS.get(verb) if isinstance(verb, str) else None
    who = person_id(context.activity, local_mode=services.local_mode)
    if handler is None or who is None:
        await context.send_activity(t(locale, "errors.unknown_action"))
        return
    outcome = await handler(services, who, data, locale)
    reply = lifecycle.card_activity(outcome.card)
    if context.activity.reply_to_id:
        reply.id = context.activity.reply_to_id
        try:
            await context.update_activity(reply)
            return
        except Exception:  # noqa: BLE001 - an old client that cannot update still gets the card
            log.info("submit.update_failed falling_back=send")
            reply.id = None
    await context.send_activity(reply)


async def on_other_invoke(context: TurnContext, services: BotServices) -> None:
    name = context.activity.name or ""
    log.info("invoke.unsupported name=%s", name[:64])
    text = t(_locale(context, services), "errors.unsupported_request", name=name[:64] or "?")
    await _invoke_reply(context, {"statusCode": 200, "type": MESSAGE_RESPONSE_TYPE, "value": text})


async def on_text(context: TurnContext, services: BotServices) -> None:
    """A chat message: a question (facilitators), "my ambassador", or help."""
    activity = context.activity
    asked = facilitator.Asked(
        person_id=person_id(activity, local_mode=services.local_mode),
        text=activity.text,
        locale=_locale(context, services),
    )
    await context.send_activity(lifecycle.card_activity(await facilitator.respond(asked, services)))


def apology_handler(services: BotServices) -> Callable[[TurnContext, Exception], Awaitable[None]]:
    """Replace the SDK's default, which sends the exception text to the user."""

    async def on_error(context: TurnContext, error: Exception) -> None:
        activity = context.activity
        correlation = activity.request_id or activity.id or "-"
        log.error(
            "turn.failed correlation=%s type=%s error=%s",
            correlation,
            activity.type,
            type(error).__name__,
            exc_info=error,
        )
        text = t(_locale(context, services), "errors.apology", correlation_id=correlation)
        try:
            if activity.type == ActivityTypes.invoke:
                await _invoke_reply(context, _message_body(text))
            else:
                await context.send_activity(MessageFactory.text(text))
        except Exception:  # noqa: BLE001 - the channel itself may be what failed
            log.warning("turn.apology_failed correlation=%s", correlation)

    return on_error


def _is(kind: str) -> Callable[[TurnContext], bool]:
    return lambda context: context.activity.type == kind


def _is_card_action_invoke(context: TurnContext) -> bool:
    return (
        context.activity.type == ActivityTypes.invoke
        and context.activity.name == CARD_ACTION_INVOKE
    )


def _is_card_submit(context: TurnContext) -> bool:
    activity = context.activity
    return (
        activity.type == ActivityTypes.message and not activity.text and activity.value is not None
    )


def _bind(
    handler: Callable[[TurnContext, BotServices], Awaitable[None]], services: BotServices
) -> Callable[[TurnContext, TurnState], Awaitable[None]]:
    async def route(context: TurnContext, _state: TurnState) -> None:
        await handler(context, services)

    return route


def build_agent(services: BotServices, connection_manager: Any) -> AgentApplication[TurnState]:
    """The application with every route; nothing here touches the network until a turn runs."""
    agent: AgentApplication[TurnState] = AgentApplication[TurnState](
        storage=MemoryStorage(),
        connection_manager=connection_manager,
        start_typing_timer=False,
    )
    # The first matching route wins; the SDK orders by invoke-ness, then rank (a heap, so equal
    # ranks have no guaranteed order): catch-alls are ranked LAST.
    agent.add_route(_is_card_action_invoke, _bind(on_card_action_invoke, services), is_invoke=True)
    agent.add_route(
        _is(ActivityTypes.invoke),
        _bind(on_other_invoke, services),
        is_invoke=True,
        rank=RouteRank.LAST,
    )
    agent.add_route(
        _is(ActivityTypes.installation_update), _bind(lifecycle.on_installation_update, services)
    )
    agent.add_route(
        _is(ActivityTypes.conversation_update), _bind(lifecycle.on_conversation_update, services)
    )
    agent.add_route(_is_card_submit, _bind(on_card_submit, services))
    agent.add_route(_is(ActivityTypes.message), _bind(on_text, services), rank=RouteRank.LAST)
    agent.error(apology_handler(services))
    return agent
