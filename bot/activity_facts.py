"""Facts read off an inbound activity, tolerant of what real clients omit."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from microsoft_agents.activity import Activity


def person_id(activity: Activity, *, local_mode: bool) -> str | None:
    """The Entra object id of the sender.

    Teams always sends `from.aadObjectId`. Local clients (the Agents Playground) may not; only
    in local mode do we fall back to the channel user id, so a real deployment never keys a
    person on something that is not their directory identity.
    """
    sender = activity.from_property
    if sender is None:
        return None
    aad = getattr(sender, "aad_object_id", None)
    if aad:
        return str(aad).lower()
    if local_mode and sender.id:
        return str(sender.id)
    return None


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None) if conversation else None
    # Teams sets "personal"; clients that set nothing are 1:1 unless they say it is a group.
    return kind in (None, "personal") and not getattr(conversation, "is_group", False)


def tenant_id(activity: Activity) -> str | None:
    conversation = activity.conversation
    tid = getattr(conversation, "tenant_id", None) if conversation else None
    if tid:
        return str(tid)
    data = activity.channel_data
    if isinstance(data, dict):
        tenant = data.get("tenant")
        if isinstance(tenant, dict) and tenant.get("id"):
            return str(tenant["id"])
    return None


def conversation_reference(activity: Activity) -> dict[str, Any]:
    """The reference needed to message this person later, as plain JSON."""
    reference = activity.get_conversation_reference()
    return reference.model_dump(mode="json", by_alias=True, exclude_none=True)


def known_zone(name: object) -> str | None:
    """An IANA zone name the client sent, if it is one (anything else is dropped)."""
    if not isinstance(name, str) or not name or len(name) > 64:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name
