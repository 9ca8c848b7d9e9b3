"""Building tokens for tests: genuine ones signed with the mock's key, and forgeries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mock_server import AUDIENCE
from mock_server.testing import VistaMock
from mock_server.tokens import TENANT_CLAIM


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: Any) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def claims(mock: VistaMock, client_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    """The claims the mock would issue to a client now; ``overrides`` replace or (None) remove claims."""
    client = mock.state.client(client_id) if client_id else mock.client
    now = int(mock.clock.now())
    result: dict[str, Any] = {
        "iss": mock.url + "/",
        "sub": f"{client.client_id}@clients",
        "aud": AUDIENCE,
        "azp": client.client_id,
        "iat": now,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
        "gty": "client-credentials",
        TENANT_CLAIM: client.tenant_code,
    }
    result.update(overrides)
    return {k: v for k, v in result.items() if v is not None}


def signed(mock: VistaMock, payload: dict[str, Any], **header: Any) -> str:
    """Signed RS256 with the mock's current key (a genuine signature over chosen claims)."""
    key = mock.state.keys.signing_key()
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT", **header})


def signed_raw(mock: VistaMock, payload: bytes) -> str:
    """An RS256 signature by the mock's key over an arbitrary payload (not necessarily JSON)."""
    key = mock.state.keys.signing_key()
    header = segment({"alg": "RS256", "typ": "JWT", "kid": key.kid})
    signing_input = f"{header}.{b64(payload)}".encode()
    signature = jwt.algorithms.RSAAlgorithm(jwt.algorithms.RSAAlgorithm.SHA256).sign(signing_input, key.private_key)
    return f"{signing_input.decode()}.{b64(signature)}"


def foreign_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def signed_with(private_key: rsa.RSAPrivateKey, payload: dict[str, Any], kid: str | None) -> str:
    headers = {"typ": "JWT", **({"kid": kid} if kid else {})}
    token = jwt.encode(payload, private_key, algorithm="RS256", headers=headers)
    if kid is None:  # PyJWT adds no kid unless asked; make sure none is there
        assert "kid" not in jwt.get_unverified_header(token)
    return token


def unsigned(payload: dict[str, Any], alg: str = "none", kid: str | None = None) -> str:
    """``alg: none`` (in any spelling), with an empty signature."""
    header = {"alg": alg, "typ": "JWT", **({"kid": kid} if kid else {})}
    return f"{segment(header)}.{segment(payload)}."


def hmac_signed(payload: dict[str, Any], secret: bytes, alg: str = "HS256", kid: str | None = None) -> str:
    """An HMAC token keyed with ``secret`` (e.g. the mock's public key: the classic confusion attack)."""
    header = {"alg": alg, "typ": "JWT", **({"kid": kid} if kid else {})}
    signing_input = f"{segment(header)}.{segment(payload)}"
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    return f"{signing_input}.{b64(hmac.new(secret, signing_input.encode(), digest).digest())}"


def public_pem(mock: VistaMock) -> bytes:
    return mock.state.keys.signing_key().public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_jwk_json(mock: VistaMock) -> bytes:
    return json.dumps(mock.state.keys.signing_key().public_jwk()).encode()


def fetch_token(mock: VistaMock, client_id: str | None = None) -> str:
    """A real token from the mock's token endpoint."""
    env = mock.environment(client_id)
    body = {
        "client_id": env.client_id,
        "client_secret": env.client_secret,
        "grant_type": "client_credentials",
        "audience": AUDIENCE,
        "tenant_code": env.tenant_code,
    }
    response = requests.post(mock.token_url, json=body, timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
