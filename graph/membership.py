"""Entra group membership through Graph: POST /users/{id}/checkMemberGroups."""

from __future__ import annotations

from typing import Any

from graph.client import GraphAccess, open_graph


class GraphGroupMembership:
    """Asks Graph whether a user is a (transitive) member of a group; callers cache."""

    def __init__(self, access: GraphAccess) -> None:
        self._access = access

    async def is_member(self, person_id: str, group_id: str) -> bool:
        from msgraph.generated.users.item.check_member_groups.check_member_groups_post_request_body import (  # noqa: E501
            CheckMemberGroupsPostRequestBody,
        )

        async with open_graph(self._access, max_retries=1, retry_delay=1.0) as connection:
            body = CheckMemberGroupsPostRequestBody(group_ids=[group_id])
            builder: Any = connection.client.users.by_user_id(person_id).check_member_groups
            result = await builder.post(body)
        values = [str(v).lower() for v in (getattr(result, "value", None) or [])]
        return group_id.lower() in values
