"""Facilitator group membership through the real msgraph-sdk against the fake Graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.membership import GraphGroupMembership
from tests.fakes.graph import TOKEN, FakeGraph
from uptake.settings import Settings

GROUP = "9d2c9b4e-0000-4000-8000-00000000feed"
MEMBER = "0b7c3e2a-1111-4c4c-9a9a-000000000001"
OTHER = "0b7c3e2a-2222-4c4c-9a9a-000000000002"


async def test_check_member_groups_tells_members_from_others(
    fake_graph: FakeGraph, tmp_path: Path, clean_environ: None
) -> None:
    fake_graph.groups[GROUP] = {MEMBER}
    settings = Settings(
        data_dir=tmp_path,
        graph_base_url=fake_graph.base_url,
        graph_token=TOKEN,  # type: ignore[arg-type]
    )
    membership = GraphGroupMembership(settings.graph_access)

    assert await membership.is_member(MEMBER, GROUP) is True
    assert await membership.is_member(OTHER, GROUP) is False
    assert any(s.path.endswith(f"/users/{MEMBER}/checkMemberGroups") for s in fake_graph.seen)


async def test_graph_refusal_raises_so_access_fails_closed(
    fake_graph: FakeGraph, tmp_path: Path, clean_environ: None
) -> None:
    fake_graph.forbidden.add("checkMemberGroups")
    settings = Settings(
        data_dir=tmp_path,
        graph_base_url=fake_graph.base_url,
        graph_token=TOKEN,  # type: ignore[arg-type]
    )
    with pytest.raises(Exception):  # noqa: B017, PT011 - any SDK error type will do
        await GraphGroupMembership(settings.graph_access).is_member(MEMBER, GROUP)
