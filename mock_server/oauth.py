"""The identity service's rules for ``POST /oauth/token``: validate, authenticate, budget, issue."""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .config import AUDIENCE
from .errors import MockError
from .faults import Fault
from .state import MockState
from .tokens import IssuedToken

__all__ = ["EXHAUSTED", "TOKEN_FIELDS", "TokenGrant", "grant_token"]

TOKEN_FIELDS = ("client_id", "client_secret", "grant_type", "audience", "tenant_code")
EXHAUSTED = "The account has exhausted allocated token requests."
MAX_FIELD_LENGTH = 4096

_FAULT_ERRORS = {
    429: ("too_many_requests", "Too many requests (injected fault)."),
    500: ("server_error", "Internal server error (injected fault)."),
    503: ("temporarily_unavailable", "The identity service is unavailable (injected fault)."),
}


@dataclass(frozen=True)
class TokenGrant:
    """A successful token answer."""

    issued: IssuedToken
    expires_in: int

    def body(self) -> dict[str, Any]:
        """The JSON answer Vista's identity service gives."""
        return {"access_token": self.issued.token, "token_type": "Bearer", "expires_in": self.expires_in}


def _validated(fields: Mapping[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in TOKEN_FIELDS:
        if name not in fields:
            raise MockError(400, "invalid_request", f"Missing required parameter: {name}.", cause="missing_field")
        value = fields[name]
        if not isinstance(value, str):
            raise MockError(
                400,
                "invalid_request",
                f"Parameter {name} must be a string, got {_json_type(value)}.",
                cause="invalid_field",
            )
        if not value.strip():
            raise MockError(400, "invalid_request", f"Parameter {name} must not be empty.", cause="invalid_field")
        if len(value) > MAX_FIELD_LENGTH:
            raise MockError(
                400,
                "invalid_request",
                f"Parameter {name} is longer than {MAX_FIELD_LENGTH} characters.",
                cause="invalid_field",
            )
        values[name] = value
    return values


def inspect_fields(state: MockState, fields: Mapping[str, Any]) -> dict[str, str]:
    """Each of the five fields judged on its own (ok, missing, invalid or wrong), for the journal.

    The decision stops at the first problem; this says everything a client got wrong at once.
    """
    verdicts: dict[str, str] = {}
    for name in TOKEN_FIELDS:
        value = fields.get(name)
        if name not in fields:
            verdicts[name] = "missing"
        elif not isinstance(value, str) or not value.strip() or len(value) > MAX_FIELD_LENGTH:
            verdicts[name] = "invalid"
        else:
            verdicts[name] = "ok"
    client = state.settings.client(fields["client_id"]) if verdicts["client_id"] == "ok" else None
    if verdicts["client_id"] == "ok" and client is None:
        verdicts["client_id"] = "wrong"
    expected = {
        "grant_type": "client_credentials",
        "audience": AUDIENCE,
        "client_secret": client.client_secret if client else None,
        "tenant_code": client.tenant_code if client else None,
    }
    for name, want in expected.items():
        if verdicts[name] == "ok" and want is not None and not _same(fields[name], want):
            verdicts[name] = "wrong"
    return verdicts


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _apply_fault(fault: Fault) -> None:
    if fault.delay:
        # An injected network delay, in real time: the client under test has to wait it out.
        time.sleep(fault.delay)
    if fault.status is None:
        return
    error, description = _FAULT_ERRORS[fault.status]
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    raise MockError(fault.status, error, description, cause=f"fault_{fault.status}", headers=headers)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def grant_token(state: MockState, fields: Mapping[str, Any], request_base_url: str) -> TokenGrant:
    """Decide one token request, in the order the identity service would."""
    raw_client_id = fields.get("client_id")
    fault = state.faults.take("token", raw_client_id if isinstance(raw_client_id, str) else None)
    if fault is not None:
        _apply_fault(fault)

    values = _validated(fields)
    if values["grant_type"] != "client_credentials":
        raise MockError(
            400,
            "unsupported_grant_type",
            f"Unsupported grant_type {values['grant_type'][:64]!r}; only client_credentials is supported.",
            cause="unsupported_grant_type",
        )

    client = state.settings.client(values["client_id"])
    # Compare against something even for an unknown client id, so timing does not tell them apart.
    secret_ok = _same(values["client_secret"], client.client_secret if client else "\0unknown-client\0")
    if client is None:
        raise MockError(
            401,
            "access_denied",
            f"Unknown client_id {state.redact(values['client_id'][:64])!r}.",
            cause="unknown_client",
        )
    if not secret_ok:
        raise MockError(
            401, "access_denied", f"Wrong client_secret for client {client.client_id!r}.", cause="wrong_secret"
        )
    if values["audience"] != AUDIENCE:
        raise MockError(
            403,
            "access_denied",
            f"Service not enabled within domain: audience must be {AUDIENCE!r} (with the trailing slash).",
            cause="wrong_audience",
        )
    if values["tenant_code"] != client.tenant_code:
        raise MockError(
            403,
            "access_denied",
            f"tenant_code is not the one configured for client {client.client_id!r}.",
            cause="wrong_tenant",
        )

    now = state.clock.now()
    if not state.budget.acquire(client.client_id, client.token_limit, now).allowed:
        raise MockError(400, "invalid_request", EXHAUSTED, cause="budget_exhausted")
    issued = state.issuer.issue(client, state.issuer_url(request_base_url), now, client.token_lifetime)
    state.tokens.add(issued.record)
    return TokenGrant(issued, client.token_lifetime)
