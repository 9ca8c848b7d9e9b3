"""The API mock: every 401 and 403 cause, standard and custom APIs, trace headers, samples, faults."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
import requests

from mock_server import load_settings
from mock_server.config import Overrides
from mock_server.testing import VistaMock

from . import forge
from .conftest import EXAMPLE_CONFIG
from .rawhttp import Raw, send


@dataclass
class Call:
    """An API call under construction: replace, drop or add headers, pick the token."""

    method: str = "GET"
    path: str = "/api/v1/sites"
    client: str = "cinema-app"
    token: str | None = None
    drop: tuple[str, ...] = ()
    replace: dict[str, str] = field(default_factory=dict)
    extra: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None

    def headers(self, mock: VistaMock) -> list[tuple[str, str]]:
        env = mock.environment(self.client)
        token = self.token or forge.fetch_token(mock, self.client)
        base = {"Vista-Api-Key": env.api_key, "Vista-Api-Tenant": env.tenant_code, "Authorization": f"Bearer {token}"}
        base.update(self.replace)
        return [(k, v) for k, v in base.items() if k not in self.drop] + self.extra

    def send(self, mock: VistaMock) -> Raw:
        json_type = [("Content-Type", "application/json")] if self.body is not None else []
        return send(mock, self.method, self.path, [*self.headers(mock), *json_type], self.body)


def _rotated_out(mock: VistaMock) -> Call:
    old = forge.fetch_token(mock)
    mock.rotate_keys()
    return Call(token=old)


def _expired(mock: VistaMock) -> Call:
    token = forge.fetch_token(mock)
    mock.clock.advance(3600)  # exactly at exp: no longer valid
    return Call(token=token)


def _revoked(mock: VistaMock) -> Call:
    token = forge.fetch_token(mock)
    mock.revoke(jti=jwt.decode(token, options={"verify_signature": False})["jti"])
    return Call(token=token)


def _payload_changed(mock: VistaMock) -> Call:
    header, _, signature = forge.fetch_token(mock).split(".")
    tampered = forge.segment(forge.claims(mock, exp=int(mock.clock.now()) + 86_400 * 365))
    return Call(token=f"{header}.{tampered}.{signature}")


def _key(mock: VistaMock) -> str:
    return mock.state.keys.signing_key().kid


# (cause, status, WWW-Authenticate error or None for a bare challenge, words the detail must contain, how to build it)
CASES: list[tuple[str, int, str | None, str, Callable[[VistaMock], Call]]] = [
    ("api_key_missing", 401, None, "Vista-Api-Key header is missing", lambda m: Call(drop=("Vista-Api-Key",))),
    ("api_key_empty", 401, None, "Vista-Api-Key header is empty", lambda m: Call(replace={"Vista-Api-Key": ""})),
    ("api_key_unknown", 401, None, "not a configured API key", lambda m: Call(replace={"Vista-Api-Key": "guess"})),
    (
        "api_key_duplicate",
        401,
        None,
        "Vista-Api-Key was sent more than once",
        lambda m: Call(extra=[("Vista-Api-Key", m.environment("cinema-app").api_key)]),
    ),
    ("tenant_missing", 401, None, "Vista-Api-Tenant header is missing", lambda m: Call(drop=("Vista-Api-Tenant",))),
    ("tenant_empty", 401, None, "Vista-Api-Tenant header is empty", lambda m: Call(replace={"Vista-Api-Tenant": " "})),
    (
        "tenant_duplicate",
        401,
        None,
        "Vista-Api-Tenant was sent more than once",
        lambda m: Call(extra=[("Vista-Api-Tenant", "tenant-north")]),
    ),
    ("authorization_missing", 401, None, "Authorization header is missing", lambda m: Call(drop=("Authorization",))),
    (
        "authorization_not_bearer",
        401,
        "invalid_request",
        "Bearer scheme",
        lambda m: Call(replace={"Authorization": "Basic Y2luZW1hLWFwcDpzZWNyZXQ="}),
    ),
    ("token_empty", 401, "invalid_request", "no token", lambda m: Call(replace={"Authorization": "Bearer "})),
    (
        "authorization_duplicate",
        401,
        "invalid_request",
        "Authorization was sent more than once",
        lambda m: Call(extra=[("Authorization", f"Bearer {forge.fetch_token(m, 'cinema-app')}")]),
    ),
    ("token_malformed", 401, "invalid_token", "not a JWT", lambda m: Call(token="not-a-jwt")),
    ("token_malformed", 401, "invalid_token", "five parts", lambda m: Call(token="a.b.c.d.e")),
    (
        "token_malformed",
        401,
        "invalid_token",
        "header is not base64url-encoded JSON",
        lambda m: Call(token="bm90IGpzb24.e30.c2ln"),
    ),
    ("token_bad_signature", 401, "invalid_token", "signature does not verify", _payload_changed),
    (
        "token_unknown_kid",
        401,
        "invalid_token",
        "not (or no longer) in the JWKS",
        lambda m: Call(token=forge.signed_with(forge.foreign_key(), forge.claims(m, "cinema-app"), "not-ours")),
    ),
    ("token_unknown_kid", 401, "invalid_token", "not (or no longer) in the JWKS", _rotated_out),
    (
        "token_unknown_kid",
        401,
        "invalid_token",
        "no kid",
        lambda m: Call(
            token=forge.signed_with(m.state.keys.signing_key().private_key, forge.claims(m, "cinema-app"), None)
        ),
    ),
    (
        "token_alg_not_allowed",
        401,
        "invalid_token",
        "alg is 'none'",
        lambda m: Call(token=forge.unsigned(forge.claims(m, "cinema-app"), "none", _key(m))),
    ),
    (
        "token_alg_not_allowed",
        401,
        "invalid_token",
        "alg is 'HS256'",
        lambda m: Call(token=forge.hmac_signed(forge.claims(m, "cinema-app"), forge.public_pem(m), "HS256", _key(m))),
    ),
    (
        "token_alg_not_allowed",
        401,
        "invalid_token",
        "alg is 'HS256'",
        lambda m: Call(
            token=forge.hmac_signed(forge.claims(m, "cinema-app"), forge.public_jwk_json(m), "HS256", _key(m))
        ),
    ),
    (
        "token_header_key",
        401,
        "invalid_token",
        "'jku'",
        lambda m: Call(token=forge.signed(m, forge.claims(m, "cinema-app"), jku="https://evil.example/jwks.json")),
    ),
    ("token_expired", 401, "invalid_token", "expired 0.0 s ago by the mock's clock", _expired),
    (
        "token_not_yet_valid",
        401,
        "invalid_token",
        "iat is 3600 s in the future",
        lambda m: Call(
            token=forge.signed(
                m, forge.claims(m, "cinema-app", iat=int(m.clock.now()) + 3600, exp=int(m.clock.now()) + 7200)
            )
        ),
    ),
    (
        "token_not_yet_valid",
        401,
        "invalid_token",
        "nbf is 600 s in the future",
        lambda m: Call(token=forge.signed(m, forge.claims(m, "cinema-app", nbf=int(m.clock.now()) + 600))),
    ),
    (
        "token_wrong_audience",
        401,
        "invalid_token",
        "aud",
        lambda m: Call(token=forge.signed(m, forge.claims(m, "cinema-app", aud="https://partner.vista.co"))),
    ),
    (
        "token_wrong_issuer",
        401,
        "invalid_token",
        "iss",
        lambda m: Call(token=forge.signed(m, forge.claims(m, "cinema-app", iss="https://evil.example/"))),
    ),
    ("token_revoked", 401, "invalid_token", "was revoked", _revoked),
    (
        "tenant_mismatch",
        403,
        None,
        "issued for tenant 'tenant-north'",
        lambda m: Call(replace={"Vista-Api-Tenant": "tenant-south"}),
    ),
    (
        "api_key_mismatch",
        403,
        None,
        "belongs to client 'kiosk'",
        lambda m: Call(replace={"Vista-Api-Key": m.environment("kiosk").api_key}),
    ),
    (
        "api_key_mismatch",
        403,
        None,
        "belongs to client 'stock-sync'",
        lambda m: Call(replace={"Vista-Api-Key": m.environment("stock-sync").api_key}),
    ),
    (
        "api_not_allowed",
        403,
        None,
        "may not call POST /api/v1/stock-management/vendor-receipts",
        lambda m: Call(
            method="POST",
            path="/api/v1/stock-management/vendor-receipts",
            client="kiosk",
            body=b'{"siteId": "1", "requests": [{"clientRequestId": "a"}]}',
        ),
    ),
]


@pytest.mark.parametrize(
    ("cause", "status", "error", "mention", "build"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_each_401_and_403_cause(
    example: VistaMock, cause: str, status: int, error: str | None, mention: str, build: Callable[[VistaMock], Call]
) -> None:
    example.clock.freeze(True)
    example.clock.set(float(int(example.clock.now())))  # whole seconds: the details quote exact figures
    call = build(example)
    sent = call.headers(example) + ([("Content-Type", "application/json")] if call.body is not None else [])
    response = send(example, call.method, call.path, sent, call.body)

    assert response.status == status, response.body
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(problem)
    assert (problem["status"], problem["code"]) == (status, cause)
    assert mention in problem["detail"]
    challenge = response.headers.get("www-authenticate")
    if status == 401:
        assert challenge is not None and challenge.startswith('Bearer realm="vista-mock"')
        if error is None:
            assert "error=" not in challenge
        else:
            assert f'error="{error}"' in challenge
    else:
        assert challenge is None
    # Never echo a credential.
    for name, value in sent:
        if name in ("Vista-Api-Key", "Authorization") and len(value) > 8:
            assert value.split()[-1] not in response.body.decode()
    entry = example.requests(kind="api")[-1]
    assert (entry.status, entry.cause, entry.path) == (status, cause, call.path)
    assert "vista-api-key" in entry.headers or "Vista-Api-Key" in call.drop


def test_a_good_call_and_its_journal_entry(example: VistaMock) -> None:
    token = forge.fetch_token(example, "cinema-app")
    response = Call(token=token, extra=[("CorrelationId", "corr-42")]).send(example)
    assert response.status == 200
    assert response.headers["vista-correlation-id"] == "corr-42"
    assert len(response.headers["vista-trace-id"]) == 32
    claims = jwt.decode(token, options={"verify_signature": False})
    entry = example.requests(kind="api")[-1]
    assert (entry.client_id, entry.jti, entry.exp, entry.cause) == ("cinema-app", claims["jti"], claims["exp"], None)
    assert entry.details["auth"] == {
        "api_key": "ok",
        "api_key_client": "cinema-app",
        "tenant": "ok",
        "tenant_value": "tenant-north",
        "authorization": "bearer",
        "custom_api": False,
    }
    assert entry.details["correlation_id_sent"] is True
    assert token not in json.dumps(entry.as_dict())


def test_the_bearer_scheme_is_case_insensitive(example: VistaMock) -> None:
    token = forge.fetch_token(example, "cinema-app")
    for scheme in ("bearer", "BEARER", "Bearer"):
        assert Call(replace={"Authorization": f"{scheme} {token}"}).send(example).status == 200


def test_a_token_is_valid_until_one_second_before_exp(example: VistaMock) -> None:
    example.clock.freeze(True)
    token = forge.fetch_token(example, "cinema-app")
    example.clock.advance(3599)
    assert Call(token=token).send(example).status == 200
    example.clock.advance(1)
    assert Call(token=token).send(example).json()["code"] == "token_expired"


def test_iat_within_the_skew_allowance_is_accepted(example: VistaMock) -> None:
    now = int(example.clock.now())
    token = forge.signed(example, forge.claims(example, "cinema-app", iat=now + 20, nbf=now + 20))
    assert Call(token=token).send(example).status == 200


def test_custom_apis_need_no_tenant_but_a_sent_one_must_match(example: VistaMock) -> None:
    token = forge.fetch_token(example, "cinema-app")
    path = "/api/custom/sample-report"
    without = Call(path=path, token=token, drop=("Vista-Api-Tenant",)).send(example)
    assert without.status == 200
    report = without.json()
    assert set(report) == {"schema", "data", "dataTruncated"} and report["dataTruncated"] is False
    assert example.requests(kind="api")[-1].details["auth"]["tenant"] == "not_required"
    assert Call(path=path, token=token).send(example).status == 200
    wrong = Call(path=path, token=token, replace={"Vista-Api-Tenant": "tenant-south"}).send(example)
    assert (wrong.status, wrong.json()["code"]) == (403, "tenant_mismatch")
    # The other two headers are still required on custom APIs.
    missing_key = Call(path=path, token=token, drop=("Vista-Api-Key",)).send(example)
    assert (missing_key.status, missing_key.json()["code"]) == (401, "api_key_missing")


def test_allowed_apis_follow_the_config(example: VistaMock) -> None:
    token = forge.fetch_token(example, "kiosk")
    assert Call(client="kiosk", token=token).send(example).status == 200  # GET /api/v1/sites is allowed
    films = Call(client="kiosk", token=token, path="/api/v1/film-management/films?pageSize=1000").send(example)
    assert films.status == 200
    custom = Call(client="kiosk", token=token, path="/api/custom/sample-report").send(example)
    assert (custom.status, custom.json()["code"]) == (403, "api_not_allowed")
    stock = forge.fetch_token(example, "stock-sync")
    assert Call(client="stock-sync", token=stock, path="/api/custom/sample-report").send(example).status == 200
    assert Call(client="stock-sync", token=stock).send(example).json()["code"] == "api_not_allowed"


def test_authentication_comes_before_not_found(example: VistaMock) -> None:
    unauthenticated = send(example, "GET", "/api/v1/no-such-thing", [])
    assert (unauthenticated.status, unauthenticated.json()["code"]) == (401, "api_key_missing")
    found = Call(path="/api/v1/no-such-thing").send(example)
    assert (found.status, found.json()["code"]) == (404, "not_found")
    assert found.headers["content-type"] == "application/problem+json"
    wrong_method = Call(method="DELETE").send(example)
    assert wrong_method.status == 405 and "GET" in wrong_method.headers["allow"]


def test_trace_and_correlation_headers_on_every_answer(example: VistaMock) -> None:
    for headers in ([], [("correlationid", "lower-case-ok")], [("CorrelationId", "x" * 500)]):
        response = send(example, "GET", "/api/v1/sites", headers)
        assert response.status == 401
        assert len(response.headers["vista-trace-id"]) == 32
        correlation = response.headers["vista-correlation-id"]
        if headers and headers[0][1] == "lower-case-ok":
            assert correlation == "lower-case-ok"
        else:
            assert len(correlation) == 36  # a generated UUID (none sent, or not a usable value)
    traces = {send(example, "GET", "/api/v1/sites", []).headers["vista-trace-id"] for _ in range(5)}
    assert len(traces) == 5
    assert "vista-trace-id" not in {k.lower() for k in requests.get(example.url + "/healthz", timeout=10).headers}


# -- sample data and paging ---------------------------------------------------------------------------


@pytest.fixture
def api(example: VistaMock) -> Iterator[Callable[..., requests.Response]]:
    env = example.environment("cinema-app")
    token = forge.fetch_token(example, "cinema-app")
    headers = {"Vista-Api-Key": env.api_key, "Vista-Api-Tenant": env.tenant_code, "Authorization": f"Bearer {token}"}
    with requests.Session() as session:
        session.headers.update(headers)

        def call(method: str, path: str, **kwargs: Any) -> requests.Response:
            return session.request(method, example.url + path, timeout=10, **kwargs)

        yield call


def test_films_page_through_all_2500_with_cursors(api: Callable[..., requests.Response]) -> None:
    first = api("GET", "/api/v1/film-management/films").json()
    assert len(first["data"]) == 2000 and first["nextPageCursor"]
    second = api("GET", "/api/v1/film-management/films", params={"cursor": first["nextPageCursor"]}).json()
    assert len(second["data"]) == 500 and second["nextPageCursor"] is None
    ids, cursor = [], None
    while True:
        page = api("GET", "/api/v1/film-management/films", params={"pageSize": 1000, "cursor": cursor}).json()
        ids += [film["id"] for film in page["data"]]
        cursor = page["nextPageCursor"]
        if cursor is None:
            break
    assert len(ids) == len(set(ids)) == 2500
    sites = api("GET", "/api/v1/sites", params={"pageSize": 100000}).json()
    assert len(sites["data"]) == 12 and sites["nextPageCursor"] is None


@pytest.mark.parametrize(
    ("params", "mention"),
    [
        ({"pageSize": 999}, "pageSize must be a whole number from 1,000 to 100,000"),
        ({"pageSize": 100001}, "pageSize"),
        ({"pageSize": "2k"}, "pageSize"),
        ({"pageSize": ""}, "pageSize"),
        ({"cursor": "garbage"}, "cursor is not a nextPageCursor"),
        ({"cursor": ""}, "cursor"),
    ],
)
def test_bad_paging_is_a_400_problem(
    api: Callable[..., requests.Response], params: dict[str, Any], mention: str
) -> None:
    response = api("GET", "/api/v1/film-management/films", params=params)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert mention in response.json()["detail"] and response.json()["code"] == "invalid_paging"


def test_a_cursor_only_works_for_its_own_collection(api: Callable[..., requests.Response]) -> None:
    cursor = api("GET", "/api/v1/film-management/films", params={"pageSize": 1000}).json()["nextPageCursor"]
    assert api("GET", "/api/v1/sites", params={"cursor": cursor}).status_code == 400


def test_vendor_receipts_answer_an_operation_result_token_per_request(api: Callable[..., requests.Response]) -> None:
    body = {
        "siteId": "1",
        "requests": [{"clientRequestId": f"r-{i}", "lines": [{"itemId": "1", "quantity": 2}]} for i in range(3)],
    }
    response = api("POST", "/api/v1/stock-management/vendor-receipts", json=body)
    assert response.status_code == 202
    answers = response.json()["responses"]
    assert [a["clientRequestId"] for a in answers] == ["r-0", "r-1", "r-2"]
    assert len({a["operationResultToken"] for a in answers}) == 3


@pytest.mark.parametrize(
    ("body", "mention"),
    [
        ("not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"requests": [{"clientRequestId": "a"}]}', "'siteId' is a required property"),
        ('{"siteId": "1", "requests": []}', "requests: [] should be non-empty"),
        ('{"siteId": "1", "requests": [{}]}', "requests[0]: 'clientRequestId' is a required property"),
        (
            json.dumps({"siteId": "1", "requests": [{"clientRequestId": str(i)} for i in range(51)]}),
            "requests: has more than 50 items",
        ),
    ],
)
def test_vendor_receipts_reject_bad_bodies(api: Callable[..., requests.Response], body: str, mention: str) -> None:
    response = api(
        "POST", "/api/v1/stock-management/vendor-receipts", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert mention in response.json()["detail"]


# -- faults ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403, 404, 429, 500, 503])
def test_api_faults(example: VistaMock, api: Callable[..., requests.Response], status: int) -> None:
    example.add_fault(target="api", status=status, count=2)
    for _ in range(2):
        response = api("GET", "/api/v1/sites")
        assert response.status_code == status
        assert response.headers["Content-Type"] == "application/problem+json"
        assert "vista-trace-id" in response.headers
    assert api("GET", "/api/v1/sites").status_code == 200
    assert [e.cause for e in example.requests(kind="api")][-3:] == [f"fault_{status}"] * 2 + [None]
    if status == 429:
        assert response.headers["Retry-After"] == "5"
        assert response.json() == {
            "type": "https://tools.ietf.org/html/rfc6585#section-4",
            "title": "Too Many Requests",
            "status": 429,
        }
    if status == 401:
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_api_fault_with_retry_after_and_for_one_client(
    example: VistaMock, api: Callable[..., requests.Response]
) -> None:
    example.add_fault(target="api", status=429, retry_after=17, client_id="kiosk")
    assert api("GET", "/api/v1/sites").status_code == 200  # not kiosk: untouched
    token = forge.fetch_token(example, "kiosk")
    kiosk = Call(client="kiosk", token=token).send(example)
    assert (kiosk.status, kiosk.headers["retry-after"]) == (429, "17")


def test_api_faults_apply_after_authentication(example: VistaMock) -> None:
    example.add_fault(target="api", status=500)
    assert send(example, "GET", "/api/v1/sites", []).status == 401  # refused before the fault
    assert Call().send(example).status == 500


# -- configuration and the OpenAPI document ------------------------------------------------------------------


def test_custom_prefix_is_configurable_and_the_openapi_document_follows(tmp_path: Any) -> None:
    config = tmp_path / "vista.toml"
    config.write_text(
        EXAMPLE_CONFIG.read_text().replace('custom_api_prefix = "/api/custom/"', 'custom_api_prefix = "/api/reports/"')
    )
    with VistaMock.start(load_settings(config)) as mock:
        token = forge.fetch_token(mock, "cinema-app")
        assert Call(path="/api/reports/sample-report", token=token, drop=("Vista-Api-Tenant",)).send(mock).status == 200
        moved = Call(path="/api/custom/sample-report", token=token, drop=("Vista-Api-Tenant",)).send(mock)
        assert (moved.status, moved.json()["code"]) == (401, "tenant_missing")  # now just a standard path
        doc = requests.get(mock.url + "/openapi.json", timeout=10).json()
        assert "/api/reports/sample-report" in doc["paths"] and "/api/custom/sample-report" not in doc["paths"]
        assert doc["servers"] == [{"url": mock.url}]


def test_clock_skew_allowance_is_configurable() -> None:
    settings = load_settings(None, Overrides())
    assert settings.clock_skew == 30


def test_api_delay_fault_then_normal_answer(example: VistaMock, api: Callable[..., requests.Response]) -> None:
    example.add_fault(target="api", delay=0.3)
    response = api("GET", "/api/v1/sites")
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.3
    assert example.requests(kind="api")[-1].details["duration_ms"] >= 300
