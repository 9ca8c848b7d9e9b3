"""Who may call what: the API's 401 (missing, expired or invalid header values) and 403 decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import ClientConfig
from .errors import MockError
from .state import MockState
from .verify import TokenRejected, VerifiedToken

__all__ = ["ApiRequest", "Decision", "HeaderFacts", "evaluate"]

REALM = "vista-mock"


@dataclass(frozen=True)
class ApiRequest:
    """The parts of an API request that authentication looks at (raw header values, duplicates joined)."""

    method: str
    path: str
    api_key: str | None
    tenant: str | None
    authorization: str | None


@dataclass(frozen=True)
class HeaderFacts:
    """Each security header judged on its own, whatever the final decision (journalled as is).

    ``api_key``: ok, missing, empty, duplicate, unknown. ``tenant``: ok, missing, empty, duplicate,
    or not_required (custom API, not sent). ``authorization``: bearer, missing, not_bearer,
    empty_token, duplicate.
    """

    api_key: str
    tenant: str
    authorization: str
    custom_api: bool
    api_key_client: str | None = None
    tenant_value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """For the journal (no header values but the tenant code, which is not a secret)."""
        return {
            "api_key": self.api_key,
            "api_key_client": self.api_key_client,
            "tenant": self.tenant,
            "tenant_value": self.tenant_value,
            "authorization": self.authorization,
            "custom_api": self.custom_api,
        }


@dataclass
class Decision:
    """The outcome: ``error`` is None when the caller may proceed as ``client``."""

    facts: HeaderFacts
    error: MockError | None = None
    client: ClientConfig | None = None
    token: VerifiedToken | None = None
    token_claims: dict[str, Any] = field(default_factory=dict)

    @property
    def client_id(self) -> str | None:
        """The best-known caller: the verified token's, else the token's unverified claim, else the key's."""
        if self.token is not None:
            return self.token.client_id
        azp = self.token_claims.get("azp")
        return azp if isinstance(azp, str) else self.facts.api_key_client


def _single(value: str | None) -> tuple[str, str | None]:
    """Classify a header value: (missing|empty|duplicate|present, stripped value)."""
    if value is None:
        return "missing", None
    stripped = value.strip()
    if not stripped:
        return "empty", None
    if "," in stripped and sum(1 for part in stripped.split(",") if part.strip()) > 1:
        return "duplicate", None
    return "present", stripped


def inspect(state: MockState, request: ApiRequest) -> tuple[HeaderFacts, str | None]:
    """Judge the three headers; also return the bearer token if one was sent well-formed."""
    custom = request.path.startswith(state.settings.custom_api_prefix)

    key_state, key = _single(request.api_key)
    key_client = None
    if request.api_key is not None and state.settings.client_for_api_key(request.api_key.strip()):
        key_state, key = "present", request.api_key.strip()  # an exact configured key, even with a comma
    if key_state == "present":
        owner = state.settings.client_for_api_key(key or "")
        key_state, key_client = ("ok", owner.client_id) if owner else ("unknown", None)

    tenant_state, tenant = _single(request.tenant)
    if tenant_state == "present":
        tenant_state = "ok"
    elif tenant_state == "missing" and custom:
        tenant_state = "not_required"

    auth_state, token = "missing", None
    if request.authorization is not None:
        scheme, _, rest = request.authorization.strip().partition(" ")
        if "," in request.authorization:
            auth_state = "duplicate"
        elif scheme.lower() != "bearer":
            auth_state = "not_bearer"
        elif not rest.strip():
            auth_state = "empty_token"
        else:
            auth_state, token = "bearer", rest.strip()
    return HeaderFacts(key_state, tenant_state, auth_state, custom, key_client, tenant), token


def _challenge(error: str | None = None, description: str | None = None) -> dict[str, str]:
    value = f'Bearer realm="{REALM}"'
    if error:
        value += f', error="{error}"'
    if description:
        value += ', error_description="' + description.replace('"', "'").replace("\\", "/") + '"'
    return {"WWW-Authenticate": value}


def _unauthorised(cause: str, detail: str, error: str | None = None) -> MockError:
    return MockError(401, cause, detail, headers=_challenge(error, detail if error else None))


_KEY_PROBLEMS = {
    "missing": "The Vista-Api-Key header is missing.",
    "empty": "The Vista-Api-Key header is empty.",
    "duplicate": "Vista-Api-Key was sent more than once; send it exactly once.",
    "unknown": "The Vista-Api-Key value is not a configured API key.",
}
_AUTH_PROBLEMS = {
    "missing": (
        "authorization_missing",
        "The Authorization header is missing; send 'Authorization: Bearer <token>'.",
        None,
    ),
    "duplicate": (
        "authorization_duplicate",
        "Authorization was sent more than once; send it exactly once.",
        "invalid_request",
    ),
    "not_bearer": (
        "authorization_not_bearer",
        "The Authorization header must use the Bearer scheme.",
        "invalid_request",
    ),
    "empty_token": ("token_empty", "The Authorization header has the Bearer scheme but no token.", "invalid_request"),
}
_TENANT_PROBLEMS = {
    "missing": "The Vista-Api-Tenant header is missing; standard APIs need it (your tenant code).",
    "empty": "The Vista-Api-Tenant header is empty.",
    "duplicate": "Vista-Api-Tenant was sent more than once; send it exactly once.",
}


def evaluate(state: MockState, request: ApiRequest, *, issuer: str) -> Decision:
    """Authenticate (401) then authorise (403) one API request. Never raises."""
    facts, bearer = inspect(state, request)
    decision = Decision(facts)
    token_error: MockError | None = None
    if bearer is not None:
        try:
            decision.token = state.verifier.verify(bearer, now=state.clock.now(), issuer=issuer)
            decision.token_claims = decision.token.claims
        except TokenRejected as rejected:
            decision.token_claims = rejected.claims
            token_error = _unauthorised(rejected.cause, rejected.detail, "invalid_token")

    # 401: missing, expired or invalid header values, in the order a gateway checks them.
    if facts.api_key != "ok":
        decision.error = _unauthorised(f"api_key_{facts.api_key}", _KEY_PROBLEMS[facts.api_key])
    elif facts.authorization != "bearer":
        cause, detail, error = _AUTH_PROBLEMS[facts.authorization]
        decision.error = _unauthorised(cause, detail, error)
    elif token_error is not None:
        decision.error = token_error
    elif facts.tenant in _TENANT_PROBLEMS:
        decision.error = _unauthorised(f"tenant_{facts.tenant}", _TENANT_PROBLEMS[facts.tenant])
    if decision.error is not None:
        return decision

    token = decision.token
    assert token is not None
    client = state.settings.client(token.client_id)
    if client is None:
        decision.error = _unauthorised(
            "token_unknown_client", f"The token's client {token.client_id!r} is not configured.", "invalid_token"
        )
        return decision
    decision.client = client

    # 403: the request breaks the partner's authorisation configuration.
    if facts.tenant_value is not None and facts.tenant_value != token.tenant_code:
        decision.error = MockError(
            403,
            "tenant_mismatch",
            f"Vista-Api-Tenant is {facts.tenant_value[:64]!r} "
            f"but the token was issued for tenant {token.tenant_code!r}.",
        )
    elif facts.api_key_client != client.client_id:
        decision.error = MockError(
            403,
            "api_key_mismatch",
            f"The Vista-Api-Key belongs to client {facts.api_key_client!r}, "
            f"but the token was issued to {client.client_id!r}.",
        )
    elif not client.may_call(request.method, request.path):
        allowed = ", ".join(str(rule) for rule in client.allowed_apis)
        decision.error = MockError(
            403,
            "api_not_allowed",
            f"Client {client.client_id!r} may not call {request.method} {request.path[:120]} (allowed: {allowed}).",
        )
    return decision
