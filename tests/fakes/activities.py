"""Activities as Teams sends them, trimmed to what matters, with real field names."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

TENANT = "7c0c36f5-af83-4c24-8844-9962e0163719"
BOT_ID = "28:bot-app-id"
_ids = itertools.count(1)


@dataclass(frozen=True)
class User:
    aad_object_id: str
    name: str = "Test Person"
    locale: str = "nl-BE"

    @property
    def channel_id(self) -> str:
        return f"29:{self.aad_object_id}"

    @property
    def conversation_id(self) -> str:
        return f"a:personal-{self.aad_object_id}"


def _base(kind: str, user: User, service_url: str) -> dict[str, Any]:
    return {
        "type": kind,
        "id": f"in-{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2026-11-23T10:00:00.000Z",
        "locale": user.locale,
        "from": {"id": user.channel_id, "name": user.name, "aadObjectId": user.aad_object_id},
        "recipient": {"id": BOT_ID, "name": "uptake"},
        "conversation": {
            "id": user.conversation_id,
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "channelData": {"tenant": {"id": TENANT}},
    }


def bot_added(user: User, service_url: str) -> dict[str, Any]:
    activity = _base("conversationUpdate", user, service_url)
    activity["membersAdded"] = [{"id": BOT_ID}]
    return activity


def bot_removed(user: User, service_url: str) -> dict[str, Any]:
    activity = _base("conversationUpdate", user, service_url)
    activity["membersRemoved"] = [{"id": BOT_ID}]
    return activity


def installation(user: User, service_url: str, action: str = "add") -> dict[str, Any]:
    activity = _base("installationUpdate", user, service_url)
    activity["action"] = action
    return activity


def message(user: User, service_url: str, text: str) -> dict[str, Any]:
    activity = _base("message", user, service_url)
    activity["text"] = text
    return activity


def card_action(user: User, service_url: str, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    activity = _base("invoke", user, service_url)
    activity["name"] = "adaptiveCard/action"
    activity["value"] = {
        "action": {"type": "Action.Execute", "verb": verb, "data": data},
        "trigger": "manual",
    }
    return activity


def card_submit(
    user: User, service_url: str, data: dict[str, Any], reply_to: str
) -> dict[str, Any]:
    activity = _base("message", user, service_url)
    activity["value"] = data
    activity["replyToId"] = reply_to
    return activity
