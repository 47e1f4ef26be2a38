"""Facts read off an activity fit the columns they are kept in; odd values are dropped."""

from __future__ import annotations

from typing import Any

import pytest
from microsoft_agents.activity import Activity
from sqlalchemy import String

from bot.activity_facts import (
    ID_CHARS,
    LOCALE_CHARS,
    NAME_CHARS,
    display_name,
    language_tag,
    person_id,
    tenant_id,
)
from store.tables import Person
from tests.fakes import activities as act
from tests.fakes.activities import User

ALICE = User("0b7c3e2a-1111-4c4c-9a9a-000000000001")


def activity(**changes: Any) -> Activity:
    body = act.installation(ALICE, "https://smba.trafficmanager.net/emea/")
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = body
        for parent in parents:
            node = node[parent]
        node[leaf] = value
    return Activity.model_validate(body)


def test_bounds_are_the_person_tables_columns() -> None:
    columns = Person.__table__.c
    lengths = {name: columns[name].type for name in ("id", "tenant_id", "display_name", "locale")}
    assert all(isinstance(t, String) for t in lengths.values())
    assert [getattr(t, "length", None) for t in lengths.values()] == [
        ID_CHARS,
        ID_CHARS,
        NAME_CHARS,
        LOCALE_CHARS,
    ]


@pytest.mark.parametrize("tag", ["nl-BE", "fr", "en-US", "zh-Hant-TW", "de-CH-1996"])
def test_language_tags_teams_sends_are_kept(tag: str) -> None:
    assert language_tag(activity(locale=tag)) == tag


@pytest.mark.parametrize(
    "tag", ["\U0001f600" * 20, "x" * 17, "nl_BE", "1", "en-US-u-ca-gregory", "n\u0301l"]
)
def test_anything_else_or_longer_than_the_column_is_dropped(tag: str) -> None:
    assert language_tag(activity(locale=tag)) is None


def test_a_name_is_cut_to_fit() -> None:
    assert display_name(activity(from__name="A" * 1000)) == "A" * NAME_CHARS


def test_ids_that_cannot_be_directory_ids_are_no_ids() -> None:
    long_id = "a" * (ID_CHARS + 1)
    assert person_id(activity(from__aadObjectId=long_id), local_mode=False) is None
    assert person_id(activity(from__aadObjectId=None, from__id=long_id), local_mode=True) is None
    assert tenant_id(activity(conversation__tenantId=long_id)) == act.TENANT  # channelData's
    assert tenant_id(activity(conversation__tenantId=long_id, channelData={})) is None
    assert person_id(activity(), local_mode=False) == ALICE.aad_object_id
