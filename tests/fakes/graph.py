"""A fake Microsoft Graph: an aiohttp app on port 0 plus a download host on another port.

It serves the synthetic tenant the way Graph does: report calls answer 302 to a pre-signed
download URL on a different origin (which must arrive without Authorization), CSV with a BOM,
reordered columns and a double-space header; Copilot answers 200 with CSV directly, version 2
(`version='v2'`, D28) unless `copilot_v2` is off (then 400, as a tenant without it). Faults
are switched on per test: 429 with Retry-After, 503, an expired download link, malformed CSV,
a missing column, 403 for a missing permission, an expired users delta link.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from aiohttp import web

from adoption.signals import Workload
from graph import licences
from graph.synthetic import DemoTenant
from graph.synthetic_export import SPARE_UNITS, report_csv

_REPORT = re.compile(r"^/v1\.0/(?:copilot/)?reports/(\w+)(?:\((.*)\))?$")
_KEY_BY_NAME = {
    "getOffice365ActiveUserDetail": "active_users",
    "getTeamsUserActivityUserDetail": "teams_activity",
    "getTeamsDeviceUsageUserDetail": "teams_devices",
    "getOneDriveActivityUserDetail": "onedrive",
    "getSharePointActivityUserDetail": "sharepoint",
    "getEmailActivityUserDetail": "email",
    "getYammerActivityUserDetail": "engage",
    "getOffice365ActivationsUserDetail": "activations",
    "getM365AppUserDetail": "m365_apps",
    "getMicrosoft365CopilotUsageUserDetail": "copilot",
}
_PLANS = {
    Workload.TEAMS: [licences.TEAMS1],
    Workload.EXCHANGE: [licences.EXCHANGE_S_ENTERPRISE],
    Workload.SHAREPOINT: [licences.SHAREPOINT_ENTERPRISE],
    Workload.ENGAGE: [licences.YAMMER_ENTERPRISE],
    Workload.APPS: [licences.OFFICESUBSCRIPTION],
}
TOKEN = "fake-graph-token"
# SKU ids of the synthetic tenant's part numbers (Microsoft's "Product names and service plan
# identifiers for licensing"; the fake only needs them distinct and stable).
SKU_IDS = {
    "SPE_E3": "05e9a617-0261-4cee-bb44-138d3ef5d965",
    "SPE_E3_NOTEAMS": "dcf0408c-aaec-446c-afd4-43e3683943ea",
    "STANDARDPACK": "18181a46-0d4e-45cd-891e-60aabd171b4e",
    "Microsoft_365_Copilot": licences.COPILOT_SKU,
    "VISIOCLIENT": "c5928f49-12ba-48f7-ada3-0d743a3601d5",
}


@dataclass
class Seen:
    host: str
    path: str
    authorization: str | None


@dataclass
class FakeGraph:
    """Knobs and records of the fake; `base_url` is what UPTAKE_GRAPH_BASE_URL points at."""

    tenant: DemoTenant
    report_date: date | None = None
    concealed_setting: bool | None = False
    # report name -> statuses to answer first, in order (e.g. [429] or [503, 503])
    faults: dict[str, list[int]] = field(default_factory=dict)
    retry_after: str = "1"
    expire_first_download: set[str] = field(default_factory=set)
    malformed: set[str] = field(default_factory=set)
    drop_header: dict[str, str] = field(default_factory=dict)
    forbidden: set[str] = field(default_factory=set)
    expired_delta_tokens: set[str] = field(default_factory=set)
    page_size: int = 50
    copilot_v2: bool = True
    seen: list[Seen] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    # group id -> member object ids, answered by POST /users/{id}/checkMemberGroups
    groups: dict[str, set[str]] = field(default_factory=dict)
    base_url: str = ""
    download_url: str = ""
    _links: dict[str, tuple[str, bool]] = field(default_factory=dict)

    # -- Graph API -----------------------------------------------------------------------

    def _error(self, status: int, code: str, message: str) -> web.Response:
        headers = {"Retry-After": self.retry_after} if status in (429, 503) else {}
        body = {"error": {"code": code, "message": message}}
        return web.json_response(body, status=status, headers=headers)

    async def api(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(Seen("api", request.path, request.headers.get("Authorization")))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._error(401, "InvalidAuthenticationToken", "no or wrong token")
        path = request.path
        name = path.rsplit("/", 1)[-1].split("(")[0]
        self.calls[name] += 1
        pending = self.faults.get(name)
        if pending:
            status = pending.pop(0)
            return self._error(status, "TooManyRequests" if status == 429 else "Unavailable", "x")
        if name in self.forbidden:
            return self._error(403, "Authorization_RequestDenied", "Insufficient privileges")
        match = _REPORT.match(path)
        if match:
            return self._report(match.group(1), match.group(2) or "")
        if path == "/v1.0/admin/reportSettings":
            return web.json_response({"displayConcealedNames": self.concealed_setting})
        if path in ("/v1.0/users/delta()", "/v1.0/users/delta", "/v1.0/users"):
            return self._users(request)
        if path.startswith("/v1.0/users/") and path.endswith("/checkMemberGroups"):
            user = path.split("/")[3]
            asked = (await request.json()).get("groupIds", [])
            found = [g for g in asked if user in self.groups.get(g, set())]
            return web.json_response({"value": found})
        if path == "/v1.0/subscribedSkus":
            return web.json_response({"value": self._skus()})
        return self._error(404, "Request_ResourceNotFound", "no such resource")

    def _report(self, name: str, arguments: str) -> web.Response:
        key = _KEY_BY_NAME.get(name)
        if key is None:
            return self._error(400, "BadRequest", "unknown report")
        if key == "copilot":
            if "version='v2'" not in arguments:
                key = "copilot_v1"
            elif not self.copilot_v2:
                return self._error(400, "BadRequest", "Invalid version parameter")
            elif "period='D28'" not in arguments:
                return self._error(400, "BadRequest", "v2 periods are D7, D28, D90, D180, ALL")
        day = self.report_date or self.tenant.report_dates[-1]
        body = report_csv(self.tenant, key, day)
        if name in self.malformed:
            body = body + b'2026-11-16,"unterminated\n'
        if name in self.drop_header:
            body = body.replace(self.drop_header[name].encode(), b"Something Else", 1)
        if key.startswith("copilot"):  # the Copilot report answers the CSV directly
            return web.Response(body=body, content_type="application/octet-stream")
        token = secrets.token_hex(8)
        expired = name in self.expire_first_download
        self.expire_first_download.discard(name)
        self._links[token] = (key, expired)
        self._bodies[token] = body
        return web.Response(status=302, headers={"Location": f"{self.download_url}/dl/{token}"})

    def _user_json(self, index: int) -> dict[str, object]:
        person = self.tenant.people[index]
        plans = [p for w in person.licensed for p in _PLANS.get(w, [])]
        skus = [SKU_IDS[part] for part in person.skus]
        return {
            "id": person.id,
            "userPrincipalName": person.upn,
            "displayName": person.display_name,
            "department": person.department,
            "accountEnabled": True,
            "assignedLicenses": [{"skuId": s, "disabledPlans": []} for s in skus],
            "assignedPlans": [
                {"capabilityStatus": "Enabled", "servicePlanId": p, "service": "x"} for p in plans
            ],
        }

    def _users(self, request: web.Request) -> web.Response:
        delta_token = request.query.get("$deltatoken")
        if delta_token is not None:
            if delta_token in self.expired_delta_tokens:
                return self._error(410, "syncStateNotFound", "delta token expired")
            # No change since the last round.
            return web.json_response(
                {"value": [], "@odata.deltaLink": f"{self.base_url}/users/delta()?$deltatoken=t2"}
            )
        start = int(request.query.get("$skiptoken", "0"))
        end = min(start + self.page_size, len(self.tenant.people))
        body: dict[str, object] = {"value": [self._user_json(i) for i in range(start, end)]}
        if end < len(self.tenant.people):
            body["@odata.nextLink"] = f"{self.base_url}/users/delta()?$skiptoken={end}"
        else:
            body["@odata.deltaLink"] = f"{self.base_url}/users/delta()?$deltatoken=t1"
        return web.json_response(body)

    def _skus(self) -> list[dict[str, object]]:
        consumed = Counter(part for person in self.tenant.people for part in person.skus)
        plans = {"SPE_E3": [{"servicePlanId": licences.TEAMS1, "servicePlanName": "TEAMS1"}]}
        return [
            {
                "skuId": sku_id,
                "skuPartNumber": part,
                "consumedUnits": consumed[part],
                "prepaidUnits": {"enabled": consumed[part] + SPARE_UNITS.get(part, 0)},
                "servicePlans": plans.get(part, []),
            }
            for part, sku_id in SKU_IDS.items()
            if consumed[part]
        ]

    # -- download host -------------------------------------------------------------------

    async def download(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(Seen("download", request.path, request.headers.get("Authorization")))
        token = request.match_info["token"]
        link = self._links.pop(token, None)
        if link is None or link[1]:
            # What an expired pre-signed blob URL answers: XML, no Graph error JSON.
            xml = "<Error><Code>AuthenticationFailed</Code></Error>"
            return web.Response(status=403, text=xml, content_type="application/xml")
        return web.Response(body=self._bodies.pop(token), content_type="application/octet-stream")

    _bodies: dict[str, bytes] = field(default_factory=dict)


async def start_fake_graph(fake: FakeGraph) -> list[web.AppRunner]:
    """Start the API and the download host on ephemeral loopback ports."""
    runners: list[web.AppRunner] = []
    download = web.Application()
    download.router.add_get("/dl/{token}", fake.download)
    api = web.Application()
    api.router.add_route("*", "/{tail:.*}", fake.api)
    for app in (download, api):
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
    ports = [r.addresses[0][1] for r in runners]
    fake.download_url = f"http://127.0.0.1:{ports[0]}"
    fake.base_url = f"http://127.0.0.1:{ports[1]}/v1.0"
    return runners
