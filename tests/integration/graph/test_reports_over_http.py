"""The real msgraph-sdk against the fake Graph over real HTTP: redirects, retries, errors."""

from __future__ import annotations

import pytest

from graph.client import GraphConnection, StaticTokenCredential, build_connection
from graph.directory import concealed_names_setting, read_directory, subscribed_skus
from graph.errors import GraphForbidden, GraphThrottled, ReportFormatError
from graph.reports import COPILOT, TEAMS_ACTIVITY, TEAMS_DEVICES
from graph.sources import download_report, fetch_graph_batch
from graph.synthetic import DemoTenant
from tests.fakes.graph import TOKEN, FakeGraph


async def test_report_follows_redirect_and_drops_token_on_download_host(
    graph: GraphConnection, fake_graph: FakeGraph
) -> None:
    data = await download_report(graph, TEAMS_ACTIVITY)
    assert data.startswith(b"\xef\xbb\xbf")
    api = [s for s in fake_graph.seen if s.host == "api"]
    downloads = [s for s in fake_graph.seen if s.host == "download"]
    assert api[0].authorization == f"Bearer {TOKEN}"
    assert api[0].path == "/v1.0/reports/getTeamsUserActivityUserDetail(period='D7')"
    assert len(downloads) == 1
    assert downloads[0].authorization is None


async def test_copilot_report_answers_csv_directly(
    graph: GraphConnection, fake_graph: FakeGraph
) -> None:
    data = await download_report(graph, COPILOT)
    assert b"Copilot Chat Last Activity Date" in data
    assert not [s for s in fake_graph.seen if s.host == "download"]


async def test_throttled_once_is_retried_after_retry_after(
    graph: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.faults["getTeamsDeviceUsageUserDetail"] = [429]
    data = await download_report(graph, TEAMS_DEVICES)
    assert b"Used Web" in data
    assert fake_graph.calls["getTeamsDeviceUsageUserDetail"] == 2


async def test_server_error_is_retried(graph: GraphConnection, fake_graph: FakeGraph) -> None:
    fake_graph.faults["getTeamsUserActivityUserDetail"] = [503]
    await download_report(graph, TEAMS_ACTIVITY)
    assert fake_graph.calls["getTeamsUserActivityUserDetail"] == 2


async def test_throttling_beyond_retries_is_typed_with_retry_after(
    fake_graph: FakeGraph,
) -> None:
    fake_graph.faults["getTeamsUserActivityUserDetail"] = [429, 429]
    connection = build_connection(
        fake_graph.base_url, StaticTokenCredential(TOKEN), max_retries=1, retry_delay=0.0
    )
    try:
        with pytest.raises(GraphThrottled) as caught:
            await download_report(connection, TEAMS_ACTIVITY)
    finally:
        await connection.aclose()
    assert caught.value.retry_after == 1.0


async def test_expired_download_link_is_asked_for_again(
    graph: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.expire_first_download.add("getTeamsUserActivityUserDetail")
    data = await download_report(graph, TEAMS_ACTIVITY)
    assert b"Meeting Count" in data
    assert fake_graph.calls["getTeamsUserActivityUserDetail"] == 2


async def test_forbidden_names_the_missing_permission(
    graph: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.forbidden.add("getTeamsUserActivityUserDetail")
    with pytest.raises(GraphForbidden) as caught:
        await download_report(graph, TEAMS_ACTIVITY)
    assert caught.value.permission == "Reports.Read.All"
    assert "Reports.Read.All" in str(caught.value)


async def test_a_refused_token_is_typed_and_not_retried(fake_graph: FakeGraph) -> None:
    connection = build_connection(
        fake_graph.base_url, StaticTokenCredential("expired-or-revoked"), retry_delay=0.0
    )
    try:
        with pytest.raises(GraphForbidden) as caught:
            await download_report(connection, TEAMS_ACTIVITY)
    finally:
        await connection.aclose()
    assert caught.value.status == 401
    assert fake_graph.calls["getTeamsUserActivityUserDetail"] == 0  # refused before counting
    assert len([s for s in fake_graph.seen if s.host == "api"]) == 1  # asked once, no retry
    assert "expired-or-revoked" not in str(caught.value)


async def test_malformed_csv_is_a_format_error_naming_the_report(
    graph: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.malformed.add("getTeamsUserActivityUserDetail")
    batch = await fetch_graph_batch(graph)
    with pytest.raises(ReportFormatError) as caught, batch.reports["teams_activity"].open() as r:
        list(r.rows())
    assert caught.value.report == "getTeamsUserActivityUserDetail"


async def test_missing_column_names_report_and_column(
    graph: GraphConnection, fake_graph: FakeGraph
) -> None:
    fake_graph.drop_header["getEmailActivityUserDetail"] = "Send Count"
    with pytest.raises(ReportFormatError, match=r"getEmailActivityUserDetail.*'Send Count'"):
        await fetch_graph_batch(graph)


async def test_directory_pages_then_delta_and_restarts_when_expired(
    graph: GraphConnection, fake_graph: FakeGraph, tenant: DemoTenant
) -> None:
    first = await read_directory(graph)
    assert first.full
    assert len(first.users) == len(tenant.people)
    assert fake_graph.calls["delta"] == 3  # 120 people in pages of 50
    assert first.delta_link is not None
    assert "deltatoken=t1" in first.delta_link
    incremental = await read_directory(graph, first.delta_link)
    assert not incremental.full
    assert incremental.users == ()
    fake_graph.expired_delta_tokens.add("t1")
    restarted = await read_directory(graph, first.delta_link)
    assert restarted.full
    assert len(restarted.users) == len(tenant.people)


async def test_teams_detected_by_service_plan(graph: GraphConnection, tenant: DemoTenant) -> None:
    from adoption.signals import Workload, workload_bit

    users = {u.id: u for u in (await read_directory(graph)).users}
    for person in tenant.people:
        has_teams = bool(users[person.id].licensed & workload_bit(Workload.TEAMS))
        assert has_teams == (Workload.TEAMS in person.licensed)


async def test_skus_and_concealment_setting(graph: GraphConnection, fake_graph: FakeGraph) -> None:
    skus = await subscribed_skus(graph)
    assert skus[0].part_number == "SPE_E3"
    assert skus[0].has_teams
    assert await concealed_names_setting(graph) is False
    fake_graph.forbidden.add("reportSettings")
    assert await concealed_names_setting(graph) is None
