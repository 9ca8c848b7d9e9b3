"""RS256 signing keys: generation, rotation and the JWKS document."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

__all__ = ["InMemoryKeyStore", "KeyStore", "SigningKey", "generate_signing_key"]


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair with its key id (the RFC 7638 thumbprint of the public key)."""

    kid: str
    private_key: rsa.RSAPrivateKey = field(repr=False)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """The public half."""
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        """The public key as a JWK for the JWKS document."""
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}


def _thumbprint(public_key: rsa.RSAPublicKey) -> str:
    jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def generate_signing_key() -> SigningKey:
    """A fresh RSA 2048 key pair."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return SigningKey(_thumbprint(private_key.public_key()), private_key)


class KeyStore(Protocol):
    """Where signing keys live (in memory today; a shared store for several workers later)."""

    def signing_key(self) -> SigningKey:
        """The key new tokens are signed with."""
        ...

    def verification_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """The public key published under ``kid``, or None if it is unknown or rotated out."""
        ...

    def jwks(self) -> dict[str, Any]:
        """The JWKS document: every published public key."""
        ...

    def rotate(self, keep_previous: bool = False) -> tuple[SigningKey, list[str]]:
        """Sign with a new key from now on; return it and the kids that left the JWKS."""
        ...

    def reset(self) -> None:
        """Back to the key set the store started with."""
        ...


class InMemoryKeyStore:
    """Keys held in this process. Starts with one key and keeps it to restore on ``reset``."""

    def __init__(self, initial: SigningKey | None = None) -> None:
        self._initial = initial or generate_signing_key()
        self._lock = threading.Lock()
        self._current = self._initial
        self._published: dict[str, SigningKey] = {self._initial.kid: self._initial}

    def signing_key(self) -> SigningKey:
        """The current signing key."""
        return self._current

    def verification_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """The published public key for ``kid``."""
        key = self._published.get(kid)
        return key.public_key if key else None

    def jwks(self) -> dict[str, Any]:
        """Every published key, current one first."""
        with self._lock:
            keys = sorted(self._published.values(), key=lambda k: k is not self._current)
            return {"keys": [k.public_jwk() for k in keys]}

    def rotate(self, keep_previous: bool = False) -> tuple[SigningKey, list[str]]:
        """Generate a key and sign with it; old keys leave the JWKS unless ``keep_previous``."""
        new = generate_signing_key()
        with self._lock:
            retired = [] if keep_previous else list(self._published)
            if not keep_previous:
                self._published = {}
            self._published[new.kid] = new
            self._current = new
        return new, retired

    def reset(self) -> None:
        """Only the initial key again."""
        with self._lock:
            self._current = self._initial
            self._published = {self._initial.kid: self._initial}
