"""Who may send an activity: the Bot Framework's bearer token, checked in one place.

This replaces the Agents SDK's `jwt_authorization_middleware`, which cannot be pointed at
another key host, waits 30 s per check behind a lock when the host is silent
(bot/openid_keys.py), answers 500 for a token without `kid` (a KeyError it does not catch),
accepts any issuer unless told otherwise, and only compares the `serviceurl` claim's host,
logging a warning when it differs. The SDK reads what we produce the way it read its own:
a `ClaimsIdentity` under the request's "claims_identity" key.

Every refusal is a 401 with the same body (the reason goes to the log, not to the caller);
keys that cannot be fetched at all give a 503, since no token could be judged then.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final

import jwt
from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import ClaimsIdentity
from yarl import URL

from bot.inbound import Refused
from bot.openid_keys import RETRY_AFTER_FAILURE_SECONDS, KeysUnavailable, OpenIdKeys

log = logging.getLogger("uptake.auth")

ALGORITHM: Final = "RS256"  # the only one the Bot Framework signs with
CLOCK_SKEW_SECONDS: Final = 300  # what the Bot Framework SDKs allow
SERVICE_URL_CLAIM: Final = "serviceurl"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Unauthenticated(Exception):
    """A token we refuse; `reason` is a short code for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Caller:
    """A verified token's claims, and the channels its signing key is endorsed for."""

    claims: dict[str, Any]
    endorsements: frozenset[str] | None


CALLER: Final = web.RequestKey("uptake_caller", Caller)


def _bearer_token(header: str | None) -> str:
    if header is None:
        raise Unauthenticated("missing")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
        raise Unauthenticated("not_bearer")
    return token


def _audience_matches(audience: object, app_id: str) -> bool:
    # Case-insensitive, as the SDK compared it: app ids are GUIDs people paste in any case.
    return isinstance(audience, str) and audience.casefold() == app_id.casefold()


class TokenVerifier:
    def __init__(self, app_id: str, keys: OpenIdKeys) -> None:
        self._app_id = app_id
        self._keys = keys

    async def verify(self, header: str | None) -> Caller:
        """The caller a valid Bot Framework token names; Unauthenticated or KeysUnavailable."""
        token = _bearer_token(header)
        try:
            head = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("not_a_jwt") from None
        # Refused before any key lookup: 'none', HS256 and friends never cost a fetch.
        if head.get("alg") != ALGORITHM:
            raise Unauthenticated("algorithm")
        kid = head.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("no_key_id")
        issuer, key = await self._keys.issuer_and_key(kid)
        if key is None:
            raise Unauthenticated("unknown_key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                issuer=issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"], "verify_aud": False},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(type(error).__name__) from None
        if not _audience_matches(claims.get("aud"), self._app_id):
            raise Unauthenticated("audience")
        return Caller(claims, key.endorsements)


def _unauthorized() -> web.Response:
    return web.json_response(
        {"error": "unauthorized", "message": "a valid Bot Framework token is required"},
        status=HTTPStatus.UNAUTHORIZED,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _keys_unavailable() -> web.Response:
    return web.json_response(
        {"error": "keys_unavailable", "message": "tokens cannot be checked now; retry later"},
        status=HTTPStatus.SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(int(RETRY_AFTER_FAILURE_SECONDS))},
    )


def token_middleware(verifier: TokenVerifier | None) -> Any:
    """Every request to the API carries a valid token; without an app id (local mode) none may.

    A token sent to a bot with no app id is refused, as the SDK did: there is nothing to check
    its audience against, and an anonymous turn must not look like an authenticated one.
    """

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        header = request.headers.get("Authorization")
        if verifier is None:
            if header is not None:
                log.info("auth.refused reason=token_in_local_mode")
                return _unauthorized()
            request["claims_identity"] = ClaimsIdentity()  # anonymous, as the SDK reads it
            return await handler(request)
        try:
            caller = await verifier.verify(header)
        except Unauthenticated as refused:
            log.info("auth.refused reason=%s", refused.reason)
            return _unauthorized()
        except KeysUnavailable:
            log.warning("auth.keys_unavailable")
            return _keys_unavailable()
        # The SDK's own key; its turn code reads the claims (audience, app id) from here.
        request["claims_identity"] = ClaimsIdentity(caller.claims, "Bearer")
        request[CALLER] = caller
        return await handler(request)

    return authenticate


def _service_url_key(value: str) -> tuple[str, str | None, int | None, str] | None:
    try:
        url = URL(value)
        return (url.scheme, url.host, url.port, url.path.rstrip("/"))
    except ValueError:
        return None


def admit(caller: Caller | None, activity: Activity) -> None:
    """A token is for one service URL and, when its key says so, for some channels only.

    Refused (401) otherwise: a token lifted from one conversation's traffic must not carry a
    turn whose replies go elsewhere. Anonymous (local mode) callers have no token to match.
    """
    if caller is None:
        return
    claimed = caller.claims.get(SERVICE_URL_CLAIM)
    expected = _service_url_key(claimed) if isinstance(claimed, str) else None
    if expected is None or expected != _service_url_key(activity.service_url or ""):
        log.info("auth.refused reason=service_url_mismatch")
        raise _not_admitted()
    channel = activity.channel_id.channel if activity.channel_id else ""
    if caller.endorsements is not None and channel not in caller.endorsements:
        log.info("auth.refused reason=channel_not_endorsed")
        raise _not_admitted()


def _not_admitted() -> Refused:
    return Refused(
        "a valid Bot Framework token is required",
        status=HTTPStatus.UNAUTHORIZED,
        error="unauthorized",
    )
