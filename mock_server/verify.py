"""Verifying presented tokens: signature, algorithm, key id, time claims by the mock's clock, revocation.

PyJWT checks the signature; every time-dependent check is done here with the injected clock,
because PyJWT reads the wall clock.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

import jwt

from .clock import LATEST
from .config import AUDIENCE
from .keys import KeyStore
from .tokens import TENANT_CLAIM, TokenRegistry, fingerprint

__all__ = ["TokenRejected", "TokenVerifier", "VerifiedToken"]

MAX_TOKEN_LENGTH = 16_384
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")  # base64url, unpadded
_HEADER_KEY_PARAMETERS = ("jku", "jwk", "x5u", "x5c")


class TokenRejected(Exception):
    """A presented token that is not acceptable: a stable ``cause`` code and a precise ``detail``.

    ``claims`` holds the unverified claims when the token could be decoded (for the journal).
    """

    def __init__(self, cause: str, detail: str, claims: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.cause, self.detail = cause, detail
        self.claims = claims or {}


@dataclass(frozen=True)
class VerifiedToken:
    """A token that passed every check."""

    client_id: str
    tenant_code: str
    jti: str
    exp: int
    claims: dict[str, Any] = field(repr=False)
    fingerprint: str


def _number(claims: dict[str, Any], name: str, *, required: bool) -> float | None:
    """A NumericDate as the mock issues them: whole seconds, from the epoch to the end of year 9999."""
    if name not in claims:
        if required:
            raise TokenRejected("token_malformed", f"The token has no {name} claim.", claims)
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LATEST:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise TokenRejected(
            "token_malformed",
            f"The token's {name} claim must be whole seconds since the epoch (up to year 9999), got {shown}.",
            claims,
        )
    return float(value)


def _canonical(segment: str) -> bool:
    """Unpadded base64url that decodes and re-encodes to itself (no padding, no stray bits)."""
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        return False
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return False
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == segment


def _unverified_claims(token: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims if isinstance(claims, dict) else {}


class TokenVerifier:
    """Decides whether a presented bearer token is one the mock issued and still honours."""

    def __init__(self, keys: KeyStore, tokens: TokenRegistry, *, clock_skew: float = 30.0) -> None:
        self._keys = keys
        self._tokens = tokens
        self._skew = clock_skew

    def verify(self, token: str, *, now: float, issuer: str) -> VerifiedToken:
        """The verified token, or ``TokenRejected`` saying exactly what is wrong."""
        header = self._header(token)
        claims = _unverified_claims(token)
        alg = header.get("alg")
        if alg != "RS256":
            raise TokenRejected(
                "token_alg_not_allowed", f"The token's alg is {str(alg)[:20]!r}; only RS256 is accepted.", claims
            )
        supplied = [name for name in _HEADER_KEY_PARAMETERS if name in header]
        if supplied:
            raise TokenRejected(
                "token_header_key",
                f"The token header carries {supplied[0]!r}; keys come only from the mock's JWKS.",
                claims,
            )
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("token_unknown_kid", "The token header has no kid.", claims)
        key = self._keys.verification_key(kid)
        if key is None:
            raise TokenRejected(
                "token_unknown_kid",
                f"The token was signed with key {kid[:64]!r}, which is not (or no longer) in the JWKS.",
                claims,
            )
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_sub": False,
                    "verify_jti": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise TokenRejected("token_bad_signature", "The token's signature does not verify.", claims) from None
        except jwt.PyJWTError as exc:
            raise TokenRejected("token_malformed", f"The token cannot be decoded: {str(exc)[:120]}.", claims) from None
        return self._check_claims(claims, now=now, issuer=issuer, token=token)

    @staticmethod
    def _header(token: str) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenRejected("token_malformed", f"The token is longer than {MAX_TOKEN_LENGTH} characters.")
        parts = token.split(".")
        if len(parts) == 5:
            raise TokenRejected(
                "token_malformed", "The token has five parts (an encrypted JWE); a signed JWT has three."
            )
        if len(parts) != 3 or not all(parts[:2]):
            raise TokenRejected(
                "token_malformed", "The token is not a JWT: expected three base64url parts separated by dots."
            )
        if not all(_canonical(part) for part in parts):
            raise TokenRejected(
                "token_malformed",
                "The token's parts must be unpadded base64url (no '=', '+', '/', spaces or stray bits).",
            )
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, binascii.Error, ValueError, json.JSONDecodeError):
            raise TokenRejected("token_malformed", "The token's header is not base64url-encoded JSON.") from None
        if not isinstance(header, dict):
            raise TokenRejected("token_malformed", "The token's header is not a JSON object.")
        return header

    def _check_claims(self, claims: dict[str, Any], *, now: float, issuer: str, token: str) -> VerifiedToken:
        exp = _number(claims, "exp", required=True)
        nbf = _number(claims, "nbf", required=False)
        iat = _number(claims, "iat", required=True)
        assert exp is not None
        if now >= exp:
            raise TokenRejected(
                "token_expired",
                f"The token expired {now - exp:.1f} s ago by the mock's clock (exp {exp:.0f}, now {now:.1f}).",
                claims,
            )
        for name, value in (("nbf", nbf), ("iat", iat)):
            if value is not None and value > now + self._skew:
                raise TokenRejected(
                    "token_not_yet_valid",
                    f"The token's {name} is {value - now:.0f} s in the future by the mock's clock "
                    f"(more than the {self._skew:g} s allowed for clock skew).",
                    claims,
                )
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if AUDIENCE not in audiences:
            raise TokenRejected(
                "token_wrong_audience", f"The token's aud is {str(aud)[:80]!r}, not {AUDIENCE!r}.", claims
            )
        if claims.get("iss") != issuer:
            raise TokenRejected(
                "token_wrong_issuer", f"The token's iss is {str(claims.get('iss'))[:80]!r}, not {issuer!r}.", claims
            )
        jti, client_id, tenant = claims.get("jti"), claims.get("azp"), claims.get(TENANT_CLAIM)
        for name, value in (("jti", jti), ("azp", client_id), (TENANT_CLAIM, tenant)):
            if not isinstance(value, str) or not value:
                raise TokenRejected("token_malformed", f"The token has no {name} claim.", claims)
        if self._tokens.is_revoked(jti):  # type: ignore[arg-type]
            raise TokenRejected("token_revoked", f"The token {jti} was revoked.", claims)
        return VerifiedToken(client_id, tenant, jti, int(exp), claims, fingerprint(token))  # type: ignore[arg-type]
