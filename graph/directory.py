"""Directory and licences from Graph: users (full, then delta), subscribed SKUs, app installs."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from adoption.signals import Workload, workload_bit
from graph.client import GraphConnection
from graph.errors import DeltaExpired, GraphError, GraphNotFound, graph_call
from graph.licences import TEAMS1, mask_from_ids, skus_from_ids

log = logging.getLogger(__name__)

USER_FIELDS = [
    "id", "userPrincipalName", "displayName", "department",
    "accountEnabled", "assignedLicenses", "assignedPlans",
]  # fmt: skip


class DirectoryPerson(Protocol):
    """What folding usage needs of a directory entry (a DirectoryUser, or a stored one)."""

    @property
    def id(self) -> str: ...
    @property
    def upn(self) -> str: ...
    @property
    def department(self) -> str | None: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def licensed(self) -> int: ...
    @property
    def skus(self) -> str: ...


class DirectoryUser(NamedTuple):
    """A user as far as usage and the bot are concerned: object id and UPN lower-case,
    `licensed` a workload mask, `skus` the assigned SKU part numbers (sorted, space-separated,
    graph.licences.join_skus). The display name is kept for the people the bot shows
    (ambassadors) and the names free-text answers are scrubbed of; never logged.

    A NamedTuple, not a dataclass: a sync makes 100,000 of them, and a frozen dataclass
    costs ten times as much to build."""

    id: str
    upn: str
    display_name: str | None
    department: str | None
    enabled: bool
    licensed: int
    skus: str = ""


@dataclass(frozen=True, slots=True)
class DirectoryChanges:
    """One directory read: `full` means `users` is the whole directory (removed is empty)."""

    users: tuple[DirectoryUser, ...]
    removed: tuple[str, ...]
    delta_link: str | None
    full: bool


@dataclass(frozen=True, slots=True)
class Sku:
    """A subscribed SKU with its seat counts and what it contains."""

    sku_id: str
    part_number: str
    enabled_units: int
    consumed_units: int
    has_teams: bool
    is_copilot: bool
    service_plans: tuple[str, ...] = ()  # service plan names (TEAMS1, EXCHANGE_S_ENTERPRISE...)


def user_from_graph(
    user: Any, part_numbers: Mapping[str, str] | None = None
) -> DirectoryUser | None:
    """Convert an SDK `User`; None when it lacks an id or a UPN (nothing to join on).
    `part_numbers` maps SKU ids (lower-case) to part numbers (the tenant's subscribed SKUs)."""
    uid = getattr(user, "id", None)
    upn = getattr(user, "user_principal_name", None)
    if not isinstance(uid, str) or not isinstance(upn, str) or not uid or not upn:
        return None
    plans = [
        str(plan.service_plan_id)
        for plan in getattr(user, "assigned_plans", None) or []
        if getattr(plan, "capability_status", None) == "Enabled" and plan.service_plan_id
    ]
    skus = [str(lic.sku_id) for lic in getattr(user, "assigned_licenses", None) or [] if lic.sku_id]
    department = getattr(user, "department", None)
    name = getattr(user, "display_name", None)
    return DirectoryUser(
        id=uid.lower(),
        upn=upn.lower(),
        display_name=name.strip() or None if isinstance(name, str) else None,
        department=department.strip() or None if isinstance(department, str) else None,
        enabled=getattr(user, "account_enabled", True) is not False,
        licensed=mask_from_ids(plans, skus),
        skus=skus_from_ids(skus, part_numbers or {}),
    )


def _is_removed(user: Any) -> bool:
    extra = getattr(user, "additional_data", None) or {}
    return "@removed" in extra


async def read_directory(
    graph: GraphConnection,
    delta_link: str | None = None,
    part_numbers: Mapping[str, str] | None = None,
) -> DirectoryChanges:
    """Read users through `users/delta`: everything without a link, changes with one.
    `part_numbers` (SKU id -> part number) names each user's assigned SKUs.

    An expired delta link (older than about 7 days: `syncStateNotFound`) restarts a full read.
    msgraph-core's PageIterator leaves the delta link empty, so the pages are followed here.
    """
    from msgraph.generated.users.delta.delta_request_builder import DeltaRequestBuilder

    builder = graph.client.users.delta
    full = delta_link is None
    if delta_link is not None:
        try:
            page = await graph_call(
                builder.with_url(delta_link).get(), what="users delta", permission="User.Read.All"
            )
        except DeltaExpired:
            log.info("graph.delta_expired_restart")
            return await read_directory(graph, None, part_numbers)
    else:
        query = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(select=USER_FIELDS)
        config = DeltaRequestBuilder.DeltaRequestBuilderGetRequestConfiguration(
            query_parameters=query
        )
        page = await graph_call(
            builder.get(request_configuration=config), what="users", permission="User.Read.All"
        )
    users: list[DirectoryUser] = []
    removed: list[str] = []
    while page is not None:
        for item in page.value or []:
            if _is_removed(item):
                removed.append(str(item.id))
                continue
            user = user_from_graph(item, part_numbers)
            if user is not None:
                users.append(user)
        if page.odata_next_link:
            page = await graph_call(
                builder.with_url(page.odata_next_link).get(),
                what="users page",
                permission="User.Read.All",
            )
            continue
        log.info("graph.directory_read", extra={"users": len(users), "full": full})
        return DirectoryChanges(tuple(users), tuple(removed), page.odata_delta_link, full)
    raise GraphError("users delta: empty answer")


async def subscribed_skus(graph: GraphConnection) -> list[Sku]:
    """The tenant's subscribed SKUs (Organization.Read.All)."""
    from graph.licences import COPILOT_SKU

    answer = await graph_call(
        graph.client.subscribed_skus.get(),
        what="subscribedSkus",
        permission="Organization.Read.All",
    )
    skus: list[Sku] = []
    for item in getattr(answer, "value", None) or []:
        plans = {str(p.service_plan_id).lower() for p in item.service_plans or []}
        sku_id = str(item.sku_id).lower()
        skus.append(
            Sku(
                sku_id=sku_id,
                part_number=item.sku_part_number or "",
                enabled_units=(item.prepaid_units.enabled or 0) if item.prepaid_units else 0,
                consumed_units=item.consumed_units or 0,
                has_teams=TEAMS1 in plans,
                is_copilot=sku_id == COPILOT_SKU,
                service_plans=tuple(
                    sorted(
                        str(p.service_plan_name)
                        for p in item.service_plans or []
                        if p.service_plan_name
                    )
                ),
            )
        )
    return skus


async def concealed_names_setting(graph: GraphConnection) -> bool | None:
    """The tenant's `displayConcealedNames` report setting; None when it cannot be read
    (then concealment is detected from the report values themselves)."""
    try:
        settings = await graph_call(
            graph.client.admin.report_settings.get(),
            what="reportSettings",
            permission="ReportSettings.Read.All",
        )
    except GraphError as exc:
        log.info("graph.report_settings_unavailable", extra={"error": type(exc).__name__})
        return None
    value = getattr(settings, "display_concealed_names", None)
    return value if isinstance(value, bool) else None


async def app_installed_for(graph: GraphConnection, user_id: str, teams_app_id: str) -> bool:
    """Whether the Teams app `teams_app_id` is installed in the personal scope of a user."""
    request = graph.client.users.by_user_id(user_id).teamwork.installed_apps
    try:
        answer = await graph_call(
            request.get(),
            what="installedApps",
            permission="TeamsAppInstallation.ReadForUser.All",
        )
    except GraphNotFound:
        return False
    for item in getattr(answer, "value", None) or []:
        definition = getattr(item, "teams_app_definition", None)
        app_id = getattr(definition, "teams_app_id", None)
        app = getattr(item, "teams_app", None)
        if teams_app_id in {app_id, getattr(app, "id", None)}:
            return True
    return False


def teams_licensed(users: Iterable[DirectoryUser]) -> int:
    """How many enabled users hold the Teams service plan."""
    bit = workload_bit(Workload.TEAMS)
    return sum(1 for user in users if user.enabled and user.licensed & bit)
