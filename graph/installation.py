"""Installing uptake for a person through Graph, so a message can reach someone who never
opened the bot.

`POST /users/{id}/teamwork/installedApps` with the app's catalogue id; 409 means it is
installed already, which is as good. The application permission is
TeamsAppInstallation.ReadWriteSelfForUser.All: the app can install itself only. Teams then
also tells the bot (an installationUpdate), which welcomes the person as usual.
"""

from __future__ import annotations

import logging
from typing import Literal

from graph.client import GraphConnection
from graph.errors import GraphError, graph_call

log = logging.getLogger(__name__)

PERMISSION = "TeamsAppInstallation.ReadWriteSelfForUser.All"
Installed = Literal["installed", "already"]


async def install_for(graph: GraphConnection, user_id: str, catalog_app_id: str) -> Installed:
    """Install the app `catalog_app_id` in `user_id`'s personal scope; raises GraphError."""
    from msgraph.generated.models.user_scope_teams_app_installation import (
        UserScopeTeamsAppInstallation,
    )

    body = UserScopeTeamsAppInstallation(
        additional_data={
            "teamsApp@odata.bind": f"{graph.base_url}/appCatalogs/teamsApps/{catalog_app_id}"
        }
    )
    request = graph.client.users.by_user_id(user_id).teamwork.installed_apps
    try:
        await graph_call(request.post(body), what="installedApps", permission=PERMISSION)
    except GraphError as error:
        if error.status == 409:
            return "already"
        raise
    return "installed"


async def chat_id_for(graph: GraphConnection, user_id: str, catalog_app_id: str) -> str:
    """The id of the 1:1 chat between the user and the installed app: the conversation id a
    proactive message is sent to."""
    from msgraph.generated.users.item.teamwork.installed_apps.installed_apps_request_builder import (  # noqa: E501
        InstalledAppsRequestBuilder,
    )

    request = graph.client.users.by_user_id(user_id).teamwork.installed_apps
    query = InstalledAppsRequestBuilder.InstalledAppsRequestBuilderGetQueryParameters(
        expand=["teamsApp"], filter=f"teamsApp/id eq '{catalog_app_id}'"
    )
    config = InstalledAppsRequestBuilder.InstalledAppsRequestBuilderGetRequestConfiguration(
        query_parameters=query
    )
    answer = await graph_call(
        request.get(request_configuration=config), what="installedApps", permission=PERMISSION
    )
    installation = next(iter(getattr(answer, "value", None) or []), None)
    installation_id = getattr(installation, "id", None)
    if not installation_id:
        raise GraphError("installedApps: the app is not installed for this user")
    chat = await graph_call(
        request.by_user_scope_teams_app_installation_id(installation_id).chat.get(),
        what="installedApps chat",
        permission=PERMISSION,
    )
    chat_id = getattr(chat, "id", None)
    if not isinstance(chat_id, str) or not chat_id:
        raise GraphError("installedApps chat: no chat id")
    return chat_id
