"""Issuing partner-account JWTs, and the registry of issued and revoked tokens."""

from __future__ import annotations

import hashlib
import math
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

from .config import AUDIENCE, ClientConfig
from .keys import KeyStore

__all__ = [
    "TENANT_CLAIM",
    "InMemoryTokenRegistry",
    "IssuedToken",
    "TokenIssuer",
    "TokenRecord",
    "TokenRegistry",
    "fingerprint",
]

# The claim carrying the partner's tenant code. Vista does not publish its token's claims; the
# mock follows Auth0's rule that custom claims are namespaced with a URL.
TENANT_CLAIM = "https://partner.vista.co/tenant_code"


def fingerprint(token: str) -> str:
    """A short, non-reversible label for a token, safe to log and journal."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:12]


@dataclass(frozen=True)
class TokenRecord:
    """What the mock remembers about a token it issued (never the token itself)."""

    jti: str
    client_id: str
    tenant_code: str
    kid: str
    iat: int
    exp: int
    fingerprint: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "jti": self.jti,
            "client_id": self.client_id,
            "tenant_code": self.tenant_code,
            "kid": self.kid,
            "iat": self.iat,
            "exp": self.exp,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class IssuedToken:
    """A freshly signed token and its record."""

    token: str
    record: TokenRecord


class TokenIssuer:
    """Signs RS256 partner-account tokens with the key store's current key."""

    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys

    def issue(self, client: ClientConfig, issuer: str, now: float, lifetime: int) -> IssuedToken:
        """A token for ``client`` issued at ``now`` (whole seconds) living ``lifetime`` seconds."""
        key = self._keys.signing_key()
        iat = math.floor(now)
        jti = uuid.uuid4().hex
        claims: dict[str, Any] = {
            "iss": issuer,
            "sub": f"{client.client_id}@clients",
            "aud": AUDIENCE,
            "azp": client.client_id,
            "iat": iat,
            "exp": iat + lifetime,
            "jti": jti,
            "gty": "client-credentials",
            TENANT_CLAIM: client.tenant_code,
        }
        token = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})
        record = TokenRecord(
            jti=jti,
            client_id=client.client_id,
            tenant_code=client.tenant_code,
            kid=key.kid,
            iat=iat,
            exp=iat + lifetime,
            fingerprint=fingerprint(token),
        )
        return IssuedToken(token, record)


class TokenRegistry(Protocol):
    """Issued tokens and revocations (in memory today; a shared store later)."""

    def add(self, record: TokenRecord) -> None:
        """Remember an issued token."""
        ...

    def get(self, jti: str) -> TokenRecord | None:
        """The record of an issued token, if still remembered."""
        ...

    def revoke(self, jti: str) -> None:
        """Revoke one token by its ``jti``."""
        ...

    def revoke_client(self, client_id: str) -> list[str]:
        """Revoke every remembered token of ``client_id``; return their ``jti``s."""
        ...

    def is_revoked(self, jti: str) -> bool:
        """Whether ``jti`` was revoked."""
        ...

    def reset(self) -> None:
        """Forget every token and revocation."""
        ...


class InMemoryTokenRegistry:
    """A bounded registry: the oldest records are forgotten first past ``max_records``."""

    def __init__(self, max_records: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._max = max_records
        self._records: OrderedDict[str, TokenRecord] = OrderedDict()
        self._revoked: set[str] = set()

    def add(self, record: TokenRecord) -> None:
        """Remember ``record``."""
        with self._lock:
            self._records[record.jti] = record
            while len(self._records) > self._max:
                self._records.popitem(last=False)

    def get(self, jti: str) -> TokenRecord | None:
        """The record for ``jti``."""
        return self._records.get(jti)

    def revoke(self, jti: str) -> None:
        """Revoke ``jti`` (known or not: a test may revoke ahead of time)."""
        with self._lock:
            self._revoked.add(jti)

    def revoke_client(self, client_id: str) -> list[str]:
        """Revoke all remembered tokens of ``client_id``."""
        with self._lock:
            jtis = [r.jti for r in self._records.values() if r.client_id == client_id]
            self._revoked.update(jtis)
            return jtis

    def is_revoked(self, jti: str) -> bool:
        """Whether ``jti`` is revoked."""
        return jti in self._revoked

    def reset(self) -> None:
        """Empty."""
        with self._lock:
            self._records.clear()
            self._revoked.clear()
