"""POST /oauth/token, JWKS and discovery, over real HTTP against the session's mock."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
import requests

from mock_server import AUDIENCE
from mock_server.oauth import EXHAUSTED
from mock_server.testing import VistaMock
from mock_server.tokens import TENANT_CLAIM

from .conftest import token_body

GetToken = Callable[..., requests.Response]


def test_issues_a_bearer_token_with_no_store(get_token: GetToken) -> None:
    response = get_token()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600


def test_accepts_a_urlencoded_form_too(vista_mock: VistaMock, http: requests.Session) -> None:
    response = http.post(vista_mock.token_url, data=token_body(), timeout=10)
    assert response.status_code == 200, response.text
    assert vista_mock.requests(kind="token")[-1].details["format"] == "form"


def test_token_header_and_claims(vista_mock: VistaMock, get_token: GetToken) -> None:
    vista_mock.clock.freeze(True)
    now = vista_mock.clock.set(1_900_000_000.7)
    token = get_token().json()["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"] == vista_mock.state.keys.signing_key().kid
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims == {
        "iss": vista_mock.url + "/",
        "sub": "mock-client@clients",
        "aud": AUDIENCE,
        "azp": "mock-client",
        "iat": 1_900_000_000,
        "exp": 1_900_003_600,
        "jti": claims["jti"],
        "gty": "client-credentials",
        TENANT_CLAIM: "mock-tenant",
    }
    assert int(now) == claims["iat"]


def test_every_token_has_its_own_jti(get_token: GetToken) -> None:
    tokens = [get_token().json()["access_token"] for _ in range(5)]
    jtis = {jwt.decode(t, options={"verify_signature": False})["jti"] for t in tokens}
    assert len(jtis) == 5


def test_verifies_with_plain_pyjwt_against_the_published_jwks(vista_mock: VistaMock, get_token: GetToken) -> None:
    token = get_token().json()["access_token"]
    discovery = requests.get(vista_mock.url + "/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == vista_mock.url + "/"
    assert discovery["token_endpoint"] == vista_mock.token_url
    jwks = requests.get(discovery["jwks_uri"], timeout=10).json()
    (key,) = jwks["keys"]
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    assert len(jwt.utils.base64url_decode(key["n"])) * 8 == 2048
    signing_key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    # Plain PyJWT, reading the wall clock: the mock's clock follows it by default.
    claims = jwt.decode(token, signing_key.key, algorithms=["RS256"], audience=AUDIENCE, issuer=discovery["issuer"])
    assert claims["azp"] == "mock-client"


def test_lifetime_and_iat_follow_the_mock_clock(vista_mock: VistaMock, get_token: GetToken) -> None:
    vista_mock.clock.advance(7 * 86_400)
    claims = jwt.decode(get_token().json()["access_token"], options={"verify_signature": False})
    assert abs(claims["iat"] - vista_mock.clock.now()) < 2
    assert claims["exp"] - claims["iat"] == 3600


# -- errors -------------------------------------------------------------------------------------

FIELDS = ["client_id", "client_secret", "grant_type", "audience", "tenant_code"]


def _post_raw(mock: VistaMock, data: bytes | str, content_type: str | None) -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return requests.post(mock.token_url, data=data, headers=headers, timeout=10)


def _assert_oauth_error(response: requests.Response, status: int, error: str, *mentions: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    for text in mentions:
        assert text in body["error_description"]
    return body


@pytest.mark.parametrize(
    ("data", "content_type", "mention"),
    [
        ("{not json", "application/json", "not valid JSON"),
        ("[1, 2]", "application/json", "must be a JSON object"),
        ('"text"', "application/json", "must be a JSON object"),
        ("", "application/json", "empty"),
        ('{"client_id": "a", "client_id": "b"}', "application/json", "'client_id' appears more than once"),
        ("client_id=a&client_id=b", "application/x-www-form-urlencoded", "'client_id' appears more than once"),
        ("client_id=mock-client", "text/plain", "application/json"),
        (b"\xff\xfe", "application/x-www-form-urlencoded", "not valid UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "application/json", "nested too deeply"),
    ],
)
def test_unreadable_bodies_are_invalid_request(
    vista_mock: VistaMock, data: str, content_type: str, mention: str
) -> None:
    _assert_oauth_error(_post_raw(vista_mock, data, content_type), 400, "invalid_request", mention)


@pytest.mark.parametrize("field", FIELDS)
def test_missing_field_is_named(get_token: GetToken, field: str) -> None:
    _assert_oauth_error(get_token(**{field: None}), 400, "invalid_request", f"Missing required parameter: {field}")


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize(
    ("value", "described"), [(7, "a number"), (["x"], "an array"), ({"a": 1}, "an object"), (True, "a boolean")]
)
def test_wrong_type_is_named(
    vista_mock: VistaMock, http: requests.Session, field: str, value: Any, described: str
) -> None:
    response = http.post(vista_mock.token_url, json=token_body(**{field: value}), timeout=10)
    _assert_oauth_error(response, 400, "invalid_request", field, described)


@pytest.mark.parametrize("field", FIELDS)
def test_null_and_empty_are_named(vista_mock: VistaMock, http: requests.Session, field: str) -> None:
    body = token_body()
    body[field] = None
    _assert_oauth_error(http.post(vista_mock.token_url, json=body, timeout=10), 400, "invalid_request", field, "null")
    body[field] = "  "
    _assert_oauth_error(http.post(vista_mock.token_url, json=body, timeout=10), 400, "invalid_request", field, "empty")


@pytest.mark.parametrize(
    ("overrides", "status", "error", "mention", "cause"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type", "client_credentials", "unsupported_grant_type"),
        ({"client_id": "someone-else"}, 401, "access_denied", "Unknown client_id", "unknown_client"),
        ({"client_secret": "wrong"}, 401, "access_denied", "client_secret", "wrong_secret"),
        ({"audience": "https://partner.vista.co"}, 403, "access_denied", "trailing slash", "wrong_audience"),
        ({"tenant_code": "other-tenant"}, 403, "access_denied", "tenant_code", "wrong_tenant"),
    ],
)
def test_refusals(
    vista_mock: VistaMock,
    get_token: GetToken,
    overrides: dict[str, str],
    status: int,
    error: str,
    mention: str,
    cause: str,
) -> None:
    _assert_oauth_error(get_token(**overrides), status, error, mention)
    (entry,) = vista_mock.requests(kind="token")
    assert (entry.status, entry.cause, entry.jti) == (status, cause, None)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_other_methods_are_405_in_the_oauth_shape(vista_mock: VistaMock, method: str) -> None:
    response = requests.request(method, vista_mock.token_url, timeout=10)
    _assert_oauth_error(response, 405, "invalid_request", method)
    assert response.headers["Allow"] == "POST"


def test_oversized_body_is_413_not_a_crash(vista_mock: VistaMock) -> None:
    response = _post_raw(vista_mock, '{"client_id": "' + "x" * 2_000_000 + '"}', "application/json")
    _assert_oauth_error(response, 413, "invalid_request", "larger than")


# -- the token budget -----------------------------------------------------------------------------


def test_25_tokens_then_the_exact_exhausted_answer_then_a_slot_frees(
    vista_mock: VistaMock, get_token: GetToken
) -> None:
    vista_mock.clock.freeze(True)
    assert all(get_token().status_code == 200 for _ in range(25))
    refused = get_token()
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_request", "error_description": EXHAUSTED}
    assert EXHAUSTED == "The account has exhausted allocated token requests."
    vista_mock.clock.advance(899)
    assert get_token().status_code == 400
    vista_mock.clock.advance(1)  # all 25 were issued at one (frozen) instant: they leave together
    assert [get_token().status_code for _ in range(26)] == [200] * 25 + [400]
    assert vista_mock.requests(kind="token")[-1].cause == "budget_exhausted"


def test_sliding_window_frees_slots_one_by_one(vista_mock: VistaMock, get_token: GetToken) -> None:
    vista_mock.clock.freeze(True)
    for _ in range(25):
        assert get_token().status_code == 200
        vista_mock.clock.advance(10)  # tokens at t, t+10, ..., t+240
    vista_mock.clock.advance(900 - 250)  # now t+900: only the first token has left the window
    assert get_token().status_code == 200
    assert get_token().status_code == 400
    vista_mock.clock.advance(10)
    assert get_token().status_code == 200


def test_only_issued_tokens_count(vista_mock: VistaMock, get_token: GetToken) -> None:
    for _ in range(30):
        assert get_token(client_secret="wrong").status_code == 401
    assert all(get_token().status_code == 200 for _ in range(25))


def test_100_concurrent_requests_give_exactly_25_tokens(vista_mock: VistaMock) -> None:
    def ask(_: int) -> int:
        return requests.post(vista_mock.token_url, json=token_body(), timeout=30).status_code

    with ThreadPoolExecutor(100) as pool:
        statuses = list(pool.map(ask, range(100)))
    assert statuses.count(200) == 25
    assert statuses.count(400) == 75
    assert len(vista_mock.requests(kind="token")) == 100


# -- several clients --------------------------------------------------------------------------------


def _example_token(mock: VistaMock, client_id: str) -> requests.Response:
    env = mock.environment(client_id)
    body = token_body(client_id=env.client_id, client_secret=env.client_secret, tenant_code=env.tenant_code)
    return requests.post(mock.token_url, json=body, timeout=10)


def test_clients_and_tenants_side_by_side(example: VistaMock) -> None:
    example.clock.freeze(True)
    kiosk = [_example_token(example, "kiosk").status_code for _ in range(11)]
    assert kiosk == [200] * 10 + [400]  # its own 10/900 budget
    assert _example_token(example, "cinema-app").status_code == 200  # unaffected
    assert all(_example_token(example, "stock-sync").status_code == 200 for _ in range(40))  # no limit
    claims = jwt.decode(
        _example_token(example, "stock-sync").json()["access_token"], options={"verify_signature": False}
    )
    assert (claims["azp"], claims[TENANT_CLAIM]) == ("stock-sync", "tenant-south")
    short = _example_token(example, "cinema-app").json()
    assert short["expires_in"] == 3600
    # A tenant code is bound to its client: cinema-app's tenant is not stock-sync's.
    env = example.environment("stock-sync")
    wrong = token_body(client_id="stock-sync", client_secret=env.client_secret, tenant_code="tenant-north")
    assert requests.post(example.token_url, json=wrong, timeout=10).status_code == 403


# -- faults -------------------------------------------------------------------------------------------


def test_injected_503_then_normal_service(vista_mock: VistaMock, get_token: GetToken) -> None:
    vista_mock.add_fault(target="token", status=503, count=2)
    for _ in range(2):
        _assert_oauth_error(get_token(), 503, "temporarily_unavailable")
    assert get_token().status_code == 200
    assert [e.cause for e in vista_mock.requests(kind="token")] == ["fault_503", "fault_503", None]


def test_injected_429_carries_retry_after(get_token: GetToken, vista_mock: VistaMock) -> None:
    vista_mock.add_fault(status=429, retry_after=42)
    response = get_token()
    _assert_oauth_error(response, 429, "too_many_requests")
    assert response.headers["Retry-After"] == "42"


def test_fault_for_one_client_leaves_others_alone(example: VistaMock) -> None:
    example.add_fault(status=500, client_id="kiosk")
    assert _example_token(example, "cinema-app").status_code == 200
    assert _example_token(example, "kiosk").status_code == 500
    assert _example_token(example, "kiosk").status_code == 200


def test_injected_delay(vista_mock: VistaMock, get_token: GetToken) -> None:
    vista_mock.add_fault(delay=0.3)
    response = get_token()
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.3
