"""Hardening 1: forged and broken tokens are refused (401, or 403 where tenancy applies), never 200 or 500."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import jwt
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.testing import VistaMock
from mock_server.tokens import TENANT_CLAIM

from . import forge


@pytest.fixture(scope="module")
def mock() -> Iterator[VistaMock]:
    with VistaMock.start() as served:
        yield served


@pytest.fixture(autouse=True)
def _fresh(mock: VistaMock) -> Iterator[None]:
    yield
    mock.reset()


def call(mock: VistaMock, token: str, tenant: str = "mock-tenant") -> requests.Response:
    headers = {"Vista-Api-Key": "mock-api-key", "Vista-Api-Tenant": tenant, "Authorization": f"Bearer {token}"}
    return requests.get(mock.url + "/api/v1/sites", headers=headers, timeout=10)


def _segments(token: str) -> list[str]:
    return token.split(".")


def _kid(mock: VistaMock) -> str:
    return mock.state.keys.signing_key().kid


def _rotated(mock: VistaMock) -> str:
    token = forge.fetch_token(mock)
    mock.rotate_keys()
    return token


def _replace_segment(token: str, index: int, value: str) -> str:
    parts = _segments(token)
    parts[index] = value
    return ".".join(parts)


def _stray_bits(token: str) -> str:
    """Same signature bytes, non-canonical last character (bits the decoder ignores)."""
    header, payload, signature = _segments(token)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    unused = {2: 0b1111, 3: 0b11}[len(signature) % 4]
    tweaked = alphabet[last ^ 1] if unused & 1 else alphabet[last ^ unused]
    return f"{header}.{payload}.{signature[:-1]}{tweaked}"


FORGERIES: dict[str, Callable[[VistaMock], str]] = {
    "alg none": lambda m: forge.unsigned(forge.claims(m), "none", _kid(m)),
    "alg None": lambda m: forge.unsigned(forge.claims(m), "None", _kid(m)),
    "alg NONE": lambda m: forge.unsigned(forge.claims(m), "NONE", _kid(m)),
    "alg none with a copied signature": lambda m: _replace_segment(
        forge.unsigned(forge.claims(m), "none", _kid(m)), 2, _segments(forge.fetch_token(m))[2]
    ),
    **{
        f"{alg} keyed with the public key as {form}": (
            lambda m, alg=alg, key=key: forge.hmac_signed(forge.claims(m), key(m), alg, _kid(m))
        )
        for alg in ("HS256", "HS384", "HS512")
        for form, key in (("PEM", forge.public_pem), ("JWK", forge.public_jwk_json))
    },
    "a key not in the JWKS": lambda m: forge.signed_with(forge.foreign_key(), forge.claims(m), "not-ours"),
    "a key not in the JWKS, claiming our kid": lambda m: forge.signed_with(
        forge.foreign_key(), forge.claims(m), _kid(m)
    ),
    "a rotated-out key": _rotated,
    "no kid": lambda m: forge.signed_with(m.state.keys.signing_key().private_key, forge.claims(m), None),
    "a jku header": lambda m: forge.signed(m, forge.claims(m), jku="https://evil.example/jwks.json"),
    "an x5u header": lambda m: forge.signed(m, forge.claims(m), x5u="https://evil.example/cert.pem"),
    "an embedded jwk": lambda m: _embedded_jwk(m),  # noqa: PLW0108 - defined further down
    "the payload changed after signing": lambda m: _replace_segment(
        forge.fetch_token(m), 1, forge.segment(forge.claims(m, exp=int(m.clock.now()) + 10**6))
    ),
    "a truncated signature": lambda m: forge.fetch_token(m)[:-5],
    "no signature": lambda m: _replace_segment(forge.fetch_token(m), 2, ""),
    "no payload": lambda m: _replace_segment(forge.fetch_token(m), 1, ""),
    "padding on the signature": lambda m: forge.fetch_token(m) + "==",
    "padding on the payload": lambda m: _replace_segment(
        forge.fetch_token(m), 1, _segments(forge.fetch_token(m))[1] + "="
    ),
    "standard base64 characters": lambda m: forge.fetch_token(m).replace("-", "+").replace("_", "/") + "+/",
    "stray bits in the signature": lambda m: _stray_bits(forge.fetch_token(m)),
    "five parts, like a JWE": lambda m: forge.fetch_token(m) + ".e30.e30",
    "a header that is not JSON": lambda m: _replace_segment(forge.fetch_token(m), 0, forge.b64(b"{not json")),
    "a payload that is not JSON": lambda m: forge.signed_raw(m, b"not json"),
    "a payload that is a JSON list": lambda m: forge.signed_raw(m, b"[1, 2]"),
    "over 64 KiB": lambda m: forge.signed(m, forge.claims(m, padding="x" * 70_000)),
    "a whitespace inside": lambda m: forge.fetch_token(m).replace(".", ". ", 1),
    **{
        f"{claim} as {kind}": (lambda m, claim=claim, make=make: _with_claim(m, claim, make(m)))
        for claim in ("exp", "nbf", "iat")
        for kind, make in (
            ("a string", lambda m: str(int(m.clock.now()) + 3600)),
            ("a float", lambda m: m.clock.now() + 3600.5),
            ("a negative number", lambda m: -5),
            ("a huge number", lambda m: 10**40),
            ("past year 9999", lambda m: 253_402_300_800),
            ("a boolean", lambda m: True),
            ("null", lambda m: None),
        )
    },
    "no iat": lambda m: forge.signed(m, forge.claims(m, iat=None)),
    "no exp": lambda m: forge.signed(m, forge.claims(m, exp=None)),
    "another audience": lambda m: forge.signed(m, forge.claims(m, aud="https://other.example/")),
    "an audience list without ours": lambda m: forge.signed(
        m, forge.claims(m, aud=["https://a.example/", "https://b.example/"])
    ),
    "another issuer": lambda m: forge.signed(m, forge.claims(m, iss="https://login.example/")),
    "an issuer without the trailing slash": lambda m: forge.signed(m, forge.claims(m, iss=m.url)),
}


def _with_claim(mock: VistaMock, name: str, value: object) -> str:
    """Genuinely signed, with one time claim set to exactly ``value`` (JSON null included)."""
    payload = forge.claims(mock)
    payload[name] = value
    return forge.signed(mock, payload)


def _embedded_jwk(mock: VistaMock) -> str:
    key = forge.foreign_key()
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return jwt.encode(forge.claims(mock), key, algorithm="RS256", headers={"kid": _kid(mock), "jwk": public})


@pytest.mark.parametrize("name", list(FORGERIES))
def test_forged_or_broken_tokens_are_401(mock: VistaMock, name: str) -> None:
    token = FORGERIES[name](mock)
    response = call(mock, token)
    assert response.status_code == 401, (name, response.status_code, response.text)
    problem = response.json()
    assert problem["status"] == 401 and problem["code"].startswith("token_")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert token not in response.text


def test_a_genuine_token_of_another_tenant_is_403(mock: VistaMock) -> None:
    token = forge.signed(mock, forge.claims(mock, **{TENANT_CLAIM: "someone-else"}))
    response = call(mock, token)
    assert (response.status_code, response.json()["code"]) == (403, "tenant_mismatch")


def test_the_genuine_token_still_works(mock: VistaMock) -> None:
    """The control: every forgery above is refused for what it changed, not because tokens are refused."""
    assert call(mock, forge.fetch_token(mock)).status_code == 200


@pytest.fixture(scope="module")
def genuine(mock: VistaMock) -> str:
    return forge.fetch_token(mock)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True
)
@given(data=st.data())
def test_any_change_to_a_token_is_refused(mock: VistaMock, genuine: str, data: st.DataObject) -> None:
    token = genuine
    position = data.draw(st.integers(0, 9_999), label="where") * len(token) // 10_000
    edit = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate"]), label="edit")
    char = data.draw(st.sampled_from("ABCabc012-_.=+/ \x00é"), label="char")
    mutated = {
        "replace": token[:position] + char + token[position + 1 :],
        "insert": token[:position] + char + token[position:],
        "delete": token[:position] + token[position + 1 :],
        "truncate": token[:position],
    }[edit]
    response = call(mock, mutated) if "\x00" not in mutated else None
    if response is None or mutated.strip() == token:  # spaces around the token are header syntax (1*SP, OWS)
        return
    assert response.status_code == 401, (edit, position, repr(char), response.text)
