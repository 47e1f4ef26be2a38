"""Who a report row is about: concealed names, and the keyed pseudonyms of unjoined rows.

Concealed values (the tenant's default) are detected, never reversed. A row no directory can
join is keyed by a pseudonym made with a key derived from the server secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_HEX32 = re.compile(r"^[0-9A-F]{32}$")


def looks_concealed(upn: str) -> bool:
    """True for the concealed forms of a UPN: 32 upper-case hex, `<PII:...>`, `(Unknown)`."""
    return bool(_HEX32.match(upn)) or upn.startswith("<PII:") or upn == "(Unknown)"


PSEUDONYM_PURPOSE = b"usage-pseudonym"


def pseudonym_key(secret: bytes) -> bytes:
    """The key of usage pseudonyms, derived from the server secret for this purpose alone
    (domain separation: check-in respondent keys use the secret itself)."""
    return hmac.new(secret, PSEUDONYM_PURPOSE, hashlib.sha256).digest()


def pseudonym(upn: str, key: bytes) -> str:
    """A stable stand-in key for a UPN the directory does not know.

    "k:" + HMAC-SHA256(key, blake2b-128(upn)), cut to 128 bits. Without the key, a list of
    the tenant's UPNs cannot be hashed into these keys (the unkeyed "h:" + blake2b they
    replace could). The HMAC is taken over the old unkeyed digest, so migration 0005 could
    re-key stored "h:" rows without knowing any UPN, and habit history continues.
    """
    digest = hashlib.blake2b(upn.encode(), digest_size=16).digest()
    return "k:" + hmac.new(key, digest, hashlib.sha256).hexdigest()[:32]
