"""The Bot Framework's token signing keys, from its OpenID metadata: bounded, cached, shared.

The Agents SDK 1.9 fetches keys with PyJWKClient: urllib with a 30 s timeout, in a thread,
under a lock held across the fetch, from URLs that are constants keyed by the token's
unverified issuer. With the key host silent, every token check waited 30 s behind the
previous one (4 forged tokens: 30, 60, 90, 120 s), and no test could point it at a fake.

Here the metadata URL is a value (UPTAKE_BOT_OPENID_METADATA_URL), both requests share one
deadline of a few seconds, concurrent checks wait on the same fetch instead of queueing, a
failure is remembered for a few seconds so a flood of tokens does not become a flood of
fetches, and the last good keys are kept when a refresh fails. A token naming a key we do not
have triggers a refresh at most every few minutes (keys roll over; forged kids do not earn a
fetch each).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
from jwt import PyJWK, PyJWKError
from yarl import URL

log = logging.getLogger("uptake.auth.keys")

BOT_FRAMEWORK_METADATA_URL: Final = (
    "https://login.botframework.com/v1/.well-known/openidconfiguration"
)
FETCH_TIMEOUT_SECONDS: Final = 5.0
MAX_AGE_SECONDS: Final = 24 * 3600.0  # Microsoft rolls keys over days; a daily refresh is enough
UNKNOWN_KEY_REFRESH_SECONDS: Final = 300.0
RETRY_AFTER_FAILURE_SECONDS: Final = 10.0
_MAX_DOCUMENT_BYTES: Final = 1024 * 1024


class KeysUnavailable(Exception):
    """No signing keys at all: the key host failed and nothing good was fetched before."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    key: PyJWK
    # The channels the Bot Framework endorses this key for ("msteams", ...); None if unsaid.
    endorsements: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class KeySet:
    issuer: str
    keys: Mapping[str, SigningKey]
    fetched_at: float


class _FetchFailed(Exception):
    """One reason, safe to log, why the metadata or the keys could not be used."""


def _same_origin(url: URL, origin: URL) -> bool:
    return (url.scheme, url.host, url.port) == (origin.scheme, origin.host, origin.port)


async def _get_json(session: aiohttp.ClientSession, url: URL) -> Any:
    # No redirects: keys come from where the operator said, not where a response points.
    async with session.get(url, allow_redirects=False) as response:
        if response.status != 200:
            raise _FetchFailed(f"status_{response.status}")
        body = await response.content.read(_MAX_DOCUMENT_BYTES + 1)
    if len(body) > _MAX_DOCUMENT_BYTES:
        raise _FetchFailed("too_large")
    try:
        return json.loads(body)
    except ValueError:
        raise _FetchFailed("not_json") from None


def _signing_key(raw: object) -> tuple[str, SigningKey] | None:
    if not isinstance(raw, dict) or raw.get("kty") != "RSA" or raw.get("use", "sig") != "sig":
        return None
    kid = raw.get("kid")
    if not isinstance(kid, str) or not kid or raw.get("alg", "RS256") != "RS256":
        return None
    try:
        key = PyJWK(raw, algorithm="RS256")
    except PyJWKError:
        return None
    endorsements = raw.get("endorsements")
    channels = (
        frozenset(e for e in endorsements if isinstance(e, str))
        if isinstance(endorsements, list)
        else None
    )
    return kid, SigningKey(key, channels)


def parse_key_set(metadata: object, jwks: object, fetched_at: float) -> KeySet:
    """The issuer and the usable RS256 keys, or _FetchFailed saying what is missing."""
    issuer = metadata.get("issuer") if isinstance(metadata, dict) else None
    if not isinstance(issuer, str) or not issuer:
        raise _FetchFailed("no_issuer")
    raw_keys = jwks.get("keys") if isinstance(jwks, dict) else None
    keys = dict(filter(None, map(_signing_key, raw_keys if isinstance(raw_keys, list) else [])))
    if not keys:
        raise _FetchFailed("no_usable_keys")
    return KeySet(issuer, keys, fetched_at)


class OpenIdKeys:
    def __init__(
        self,
        metadata_url: str = BOT_FRAMEWORK_METADATA_URL,
        *,
        timeout: float = FETCH_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._metadata_url = URL(metadata_url)
        self._timeout = timeout
        self._clock = clock
        self._current: KeySet | None = None
        self._failed_at: float | None = None
        self._refreshing: asyncio.Task[None] | None = None

    async def issuer_and_key(self, kid: str) -> tuple[str, SigningKey | None]:
        """The expected issuer and the key named `kid` (None when the key set has no such key).

        Raises KeysUnavailable only when no key set was ever fetched and fetching fails now.
        """
        current = self._current
        if current is None or self._worth_refreshing(current, kid):
            current = await self._refreshed()
        return current.issuer, current.keys.get(kid)

    def _worth_refreshing(self, current: KeySet, kid: str) -> bool:
        age = self._clock() - current.fetched_at
        return age > MAX_AGE_SECONDS or (
            kid not in current.keys and age > UNKNOWN_KEY_REFRESH_SECONDS
        )

    async def _refreshed(self) -> KeySet:
        failed_at = self._failed_at
        recently_failed = failed_at is not None and (
            self._clock() - failed_at < RETRY_AFTER_FAILURE_SECONDS
        )
        if self._refreshing is None and not recently_failed:
            self._refreshing = asyncio.create_task(self._fetch())
        if self._refreshing is not None:
            # Shielded: one caller giving up (its client hung up) must not cancel the others'.
            await asyncio.shield(self._refreshing)
        if self._current is None:
            raise KeysUnavailable
        return self._current

    async def _fetch(self) -> None:
        """Never raises: the outcome is the new key set, or a remembered failure."""
        try:
            async with asyncio.timeout(self._timeout), aiohttp.ClientSession() as session:
                metadata = await _get_json(session, self._metadata_url)
                jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
                if not isinstance(jwks_uri, str) or not _same_origin(
                    URL(jwks_uri), self._metadata_url
                ):
                    raise _FetchFailed("jwks_uri_elsewhere")
                jwks = await _get_json(session, URL(jwks_uri))
            self._current = parse_key_set(metadata, jwks, self._clock())
            self._failed_at = None
            log.info("auth.keys_fetched keys=%s", len(self._current.keys))
        except (_FetchFailed, TimeoutError, aiohttp.ClientError, ValueError) as error:
            self._failed_at = self._clock()
            reason = str(error) if isinstance(error, _FetchFailed) else type(error).__name__
            log.warning("auth.keys_fetch_failed reason=%s kept=%s", reason, bool(self._current))
        finally:
            self._refreshing = None

    async def close(self) -> None:
        """Stop a fetch in flight (at shutdown)."""
        refreshing = self._refreshing
        if refreshing is not None:
            refreshing.cancel()
            await asyncio.gather(refreshing, return_exceptions=True)
