"""Facts read off an inbound activity, tolerant of what real clients omit.

Each fact fits where it is kept (the person table's columns): PostgreSQL refuses an install
whose locale has 17 characters, so a value no Teams client sends is dropped (or a name cut),
never passed on to fail the turn.
"""

from __future__ import annotations

import re
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from microsoft_agents.activity import Activity

# The person table's column sizes (tests/unit/bot/test_activity_facts.py keeps them equal).
ID_CHARS: Final = 64
NAME_CHARS: Final = 256
LOCALE_CHARS: Final = 16
# A BCP 47 language tag as Teams sends them: "nl-BE", "fr", "zh-Hant-TW".
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


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
        return str(aad).lower() if len(str(aad)) <= ID_CHARS else None
    if local_mode and sender.id and len(sender.id) <= ID_CHARS:
        return str(sender.id)
    return None


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None) if conversation else None
    # Teams sets "personal"; clients that set nothing are 1:1 unless they say it is a group.
    return kind in (None, "personal") and not getattr(conversation, "is_group", False)


def tenant_id(activity: Activity) -> str | None:
    conversation = activity.conversation
    data = activity.channel_data
    tenant = data.get("tenant") if isinstance(data, dict) else None
    candidates = (
        getattr(conversation, "tenant_id", None) if conversation else None,
        tenant.get("id") if isinstance(tenant, dict) else None,
    )
    return next((str(t) for t in candidates if t and len(str(t)) <= ID_CHARS), None)


def display_name(activity: Activity) -> str | None:
    name = activity.from_property.name if activity.from_property else None
    return name[:NAME_CHARS] if name else None


def language_tag(activity: Activity) -> str | None:
    """The client's language tag, if it is one that fits; negotiation copes with the rest."""
    tag = activity.locale
    if tag and len(tag) <= LOCALE_CHARS and _LANGUAGE_TAG.fullmatch(tag):
        return tag
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
