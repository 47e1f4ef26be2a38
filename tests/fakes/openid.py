"""A fake Bot Framework login host: OpenID metadata and a JWKS on an ephemeral loopback port,
and tokens signed (or forged) with locally generated RSA keys.

It counts the requests it serves and can be told to answer slowly or never, so the key
cache meets a silent host over real HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import hmac
import json
import time
from collections import Counter
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
METADATA_PATH = "/.well-known/openid-configuration"
KEYS_PATH = "/keys"


@functools.cache
def private_key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per name for the whole session (generating one takes ~50 ms)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeOpenId:
    def __init__(self, issuer: str = BOT_FRAMEWORK_ISSUER) -> None:
        self.issuer = issuer
        # kid -> channels the key is endorsed for ("published" keys are in the JWKS).
        self.published: dict[str, list[str]] = {"key-1": ["msteams"], "key-2": ["webchat"]}
        self.hits: Counter[str] = Counter()
        self.delay = 0.0  # seconds before each answer (a day: a host that never answers)
        self._released = asyncio.Event()
        self.server: TestServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    @property
    def metadata_url(self) -> str:
        return self.base_url + METADATA_PATH

    # --- tokens -----------------------------------------------------------------------------

    def claims(self, audience: str, service_url: str, **overrides: Any) -> dict[str, Any]:
        """Claims as the Bot Framework channel sends them to a bot."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "serviceurl": service_url,
            "nbf": now - 60,
            "exp": now + 3600,
            "iss": self.issuer,
            "aud": audience,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(
        self,
        audience: str,
        service_url: str,
        *,
        kid: str | None = "key-1",
        signed_by: str | None = None,
        **claims: Any,
    ) -> str:
        """RS256, signed by the key named `signed_by` (default: the one `kid` names)."""
        headers = {"kid": kid} if kid is not None else {}
        key = private_key(signed_by or kid or "key-1")
        return jwt.encode(
            self.claims(audience, service_url, **claims), key, "RS256", headers=headers
        )

    def raw_token(self, header: dict[str, Any], claims: dict[str, Any], signed_by: str) -> str:
        """RS256 over any header, even one PyJWT would refuse to write (a numeric kid)."""
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(
            signing_input.encode(), private_key(signed_by)
        )
        return f"{signing_input}.{_b64(signature)}"

    def unsigned_token(self, audience: str, service_url: str) -> str:
        """alg 'none': a token anyone can write."""
        header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": "key-1"}).encode())
        body = _b64(json.dumps(self.claims(audience, service_url)).encode())
        return f"{header}.{body}."

    def hmac_token(self, audience: str, service_url: str) -> str:
        """HS256 'signed' with the published public key as the secret: the classic confusion."""
        public = RSAAlgorithm.to_jwk(private_key("key-1").public_key())
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "key-1"}).encode())
        body = _b64(json.dumps(self.claims(audience, service_url)).encode())
        signature = hmac.new(public.encode(), f"{header}.{body}".encode(), hashlib.sha256)
        return f"{header}.{body}.{_b64(signature.digest())}"

    # --- the server -------------------------------------------------------------------------

    async def _wait(self) -> None:
        # Released at close, so a silent host does not hold the test server's shutdown.
        if self.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), self.delay)

    async def _metadata(self, _request: web.Request) -> web.Response:
        self.hits["metadata"] += 1
        await self._wait()
        return web.json_response(
            {
                "issuer": self.issuer,
                "jwks_uri": self.base_url + KEYS_PATH,
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        self.hits["keys"] += 1
        await self._wait()
        keys = []
        for kid, endorsements in self.published.items():
            jwk: dict[str, Any] = RSAAlgorithm.to_jwk(private_key(kid).public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "use": "sig", "endorsements": endorsements})
        return web.json_response({"keys": keys})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(METADATA_PATH, self._metadata)
        app.router.add_get(KEYS_PATH, self._keys)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()

    async def close(self) -> None:
        self._released.set()
        if self.server is not None:
            await self.server.close()
