"""Install and removal: remember the person, welcome them exactly once, stop when they leave."""

from __future__ import annotations

import logging

from microsoft_agents.activity import Activity, Attachment
from microsoft_agents.hosting.core import MessageFactory, TurnContext

from bot.activity_facts import conversation_reference, is_personal, locale_of, person_id, tenant_id
from bot.services import BotServices
from cards.base import CARD_CONTENT_TYPE, Card
from cards.lifecycle import help_card, welcome_card
from store import people
from store.tables import Person

log = logging.getLogger("uptake.bot.lifecycle")


def card_activity(content: Card) -> Activity:
    activity: Activity = MessageFactory.attachment(
        Attachment(content_type=CARD_CONTENT_TYPE, content=content)
    )
    return activity


def _bot_is_among(activity: Activity, members: list[object] | None) -> bool:
    recipient = activity.recipient.id if activity.recipient else None
    return any(getattr(member, "id", None) == recipient for member in members or [])


async def on_installed(context: TurnContext, services: BotServices) -> None:
    """Store the person and conversation, then welcome once per install."""
    activity = context.activity
    if not is_personal(activity):
        log.info(
            "install.ignored_scope conversation_type=%s", activity.conversation.conversation_type
        )
        return
    pid = person_id(activity, local_mode=services.local_mode)
    if pid is None:
        log.warning("install.no_person_id activity=%s", activity.id)
        return
    now = services.clock()
    install = people.Installation(
        person_id=pid,
        tenant_id=tenant_id(activity),
        display_name=activity.from_property.name if activity.from_property else None,
        # The Teams client's language is what the person reads; keep it for proactive cards.
        locale=activity.locale or None,
        conversation=conversation_reference(activity),
    )
    async with services.sessions.begin() as session:
        await people.record_installation(session, install, now)
        first = await people.claim_welcome(session, pid, now)
        person = await session.get(Person, pid)
        stored_locale = person.locale if person is not None else None
    log.info("install.recorded person=%s welcome=%s", pid, first)
    if first:
        locale = locale_of(activity, stored_locale, services.default_locale)
        await context.send_activity(card_activity(welcome_card(locale, services.min_group_size)))
        if services.after_install is not None:
            await services.after_install(pid)


async def on_removed(context: TurnContext, services: BotServices) -> None:
    pid = person_id(context.activity, local_mode=services.local_mode)
    if pid is None:
        return
    async with services.sessions.begin() as session:
        found = await people.mark_unreachable(session, pid, services.clock())
    log.info("uninstall.recorded person=%s known=%s", pid, found)


async def on_conversation_update(context: TurnContext, services: BotServices) -> None:
    activity = context.activity
    if _bot_is_among(activity, list(activity.members_added or [])):
        await on_installed(context, services)
    elif _bot_is_among(activity, list(activity.members_removed or [])):
        await on_removed(context, services)


async def on_installation_update(context: TurnContext, services: BotServices) -> None:
    action = (context.activity.action or "").lower()
    if action in ("add", "add-upgrade"):
        await on_installed(context, services)
    elif action == "remove":  # "remove-upgrade" is an app update, not a goodbye
        await on_removed(context, services)


async def on_help(context: TurnContext, services: BotServices) -> None:
    locale = locale_of(context.activity, None, services.default_locale)
    await context.send_activity(card_activity(help_card(locale)))
