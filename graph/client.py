"""The Microsoft Graph client factory: msgraph-sdk over azure-identity, base URL injectable.

Credentials follow azure-identity's environment conventions (AZURE_TENANT_ID, AZURE_CLIENT_ID
with AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, workload identity, or a managed
identity); developer-tool credentials (CLI, VS Code...) are excluded so a server never picks
up a person's login by accident. A fixed token (UPTAKE_GRAPH_TOKEN) exists for fakes and tests
and is refused unless the base URL is loopback. Retries of 429/503/504 are kiota's
RetryHandler, configured here, not re-implemented.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken

from adoption.endpoints import is_loopback_url

# A retry whose computed delay reaches 180 s is skipped by kiota: throttling that long is
# surfaced as GraphThrottled and the scheduler's next run picks it up.
DEFAULT_MAX_RETRIES = 3


class StaticTokenCredential:
    """A credential returning one fixed bearer token: only for loopback fakes and tests."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **_: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)

    async def close(self) -> None:
        return None


def default_credential() -> Any:
    """azure-identity's async chain limited to service identities (env, workload, managed)."""
    from azure.identity.aio import DefaultAzureCredential

    return DefaultAzureCredential(
        exclude_cli_credential=True,
        exclude_developer_cli_credential=True,
        exclude_powershell_credential=True,
        exclude_visual_studio_code_credential=True,
        exclude_shared_token_cache_credential=True,
    )


@dataclass(slots=True)
class GraphConnection:
    """An SDK client plus what must be closed with it; `base_url` builds report URLs."""

    client: Any  # msgraph.GraphServiceClient (untyped package)
    base_url: str
    _http: Any
    _credential: Any

    async def aclose(self) -> None:
        await self._http.aclose()
        # msgraph-core's AsyncGraphTransport wraps httpx's transport without forwarding
        # aclose(), so the pooled sockets would leak: close the wrapped transport ourselves.
        inner = getattr(getattr(self._http, "_transport", None), "transport", None)
        if inner is not None:
            await inner.aclose()
        close = getattr(self._credential, "close", None)
        if close is not None:
            await close()


def build_connection(
    base_url: str,
    credential: Any,
    *,
    max_retries: int = DEFAULT_MAX_RETRIES,
    retry_delay: float = 3.0,
) -> GraphConnection:
    """A GraphServiceClient against `base_url` authenticating with `credential`.

    The token is sent only to the base URL's host; report downloads are redirects to another
    host, where kiota's RedirectHandler drops the Authorization header.
    """
    from kiota_http.middleware.options import RetryHandlerOption
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph.graph_request_adapter import options as sdk_options
    from msgraph.graph_service_client import GraphServiceClient
    from msgraph_core import GraphClientFactory
    from msgraph_core.authentication import AzureIdentityAuthenticationProvider

    parts = urlsplit(base_url)
    if parts.scheme != "https" and not is_loopback_url(base_url):
        raise ValueError("UPTAKE_GRAPH_BASE_URL must be https (plain http only for loopback)")
    if not parts.hostname:
        raise ValueError(f"UPTAKE_GRAPH_BASE_URL has no host: {base_url!r}")
    base_url = base_url.rstrip("/")
    scope = f"{parts.scheme}://{parts.netloc}/.default"
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=[scope], allowed_hosts=[parts.hostname.lower()]
    )
    retry = RetryHandlerOption(delay=retry_delay, max_retries=max_retries)
    http = GraphClientFactory.create_with_default_middleware(
        options={**sdk_options, RetryHandlerOption.get_key(): retry}
    )
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = base_url
    return GraphConnection(GraphServiceClient(request_adapter=adapter), base_url, http, credential)


@dataclass(frozen=True, slots=True)
class GraphAccess:
    """Where Graph is and how to authenticate: the narrow values a connection needs.

    `token` is a fixed bearer token for loopback fakes and tests (UPTAKE_GRAPH_TOKEN); without
    it, azure-identity's service credentials are used.
    """

    base_url: str
    token: str | None = None


@asynccontextmanager
async def open_graph(access: GraphAccess, **options: Any) -> AsyncIterator[GraphConnection]:
    """Open a Graph connection; closed (with its credential) on exit."""
    if access.token is not None:
        if not is_loopback_url(access.base_url):
            raise ValueError("UPTAKE_GRAPH_TOKEN is only accepted with a loopback base URL")
        credential: Any = StaticTokenCredential(access.token)
    else:
        credential = default_credential()
    connection = build_connection(access.base_url, credential, **options)
    try:
        yield connection
    finally:
        await connection.aclose()
