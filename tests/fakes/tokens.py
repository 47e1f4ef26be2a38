"""Outbound tokens without Entra: the SDK's connection manager, but every token provider hands
out a fixed string. An authenticated turn asks for one before it runs (the SDK builds its
connector client first), and MSAL would call login.microsoftonline.com."""

from __future__ import annotations

from typing import Any

OUTBOUND_TOKEN = "fake-outbound-token"


class FixedTokenProvider:
    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        return OUTBOUND_TOKEN


class FixedTokenConnections:
    """Delegates configuration to the real connection manager; tokens are fixed."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def get_token_provider(self, claims_identity: Any, service_url: str) -> FixedTokenProvider:
        return FixedTokenProvider()

    def get_default_connection(self) -> FixedTokenProvider:
        return FixedTokenProvider()

    def get_connection(self, connection_name: str | None) -> FixedTokenProvider:
        return FixedTokenProvider()

    def get_default_connection_configuration(self) -> Any:
        return self._real.get_default_connection_configuration()
