"""The admin API: journal, reset, clock, budget, revocation, keys, faults, and who may use it."""

from __future__ import annotations

import json
from collections.abc import Callable

import jwt
import pytest
import requests

from mock_server import create_app, load_settings
from mock_server.config import ClientConfig, Overrides
from mock_server.oauth import EXHAUSTED
from mock_server.server import MockServer
from mock_server.testing import VistaMock

from .conftest import token_body

GetToken = Callable[..., requests.Response]


def admin(mock: VistaMock, method: str, path: str, body: object = None, **kwargs: object) -> requests.Response:
    return requests.request(method, f"{mock.url}/__admin/{path}", json=body, timeout=10, **kwargs)  # type: ignore[arg-type]


def _assert_problem(response: requests.Response, status: int, *mentions: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    for text in mentions:
        assert text in body["detail"]


# -- journal ------------------------------------------------------------------------------------


def test_journal_records_every_request_with_the_facts_and_no_secret(vista_mock: VistaMock, get_token: GetToken) -> None:
    token = get_token().json()["access_token"]
    get_token(client_secret="not-the-secret-8d1f")
    requests.get(
        f"{vista_mock.url}/healthz?secret=mock-secret", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    response = admin(vista_mock, "GET", "requests")
    raw = response.text
    for secret in ("mock-secret", "not-the-secret-8d1f", token, token.split(".")[2]):
        assert secret not in raw
    entries = response.json()["requests"]
    issued, refused, health, _listing = entries if len(entries) == 4 else (*entries, None)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert issued["kind"] == "token" and issued["status"] == 200
    assert (issued["client_id"], issued["jti"], issued["exp"]) == ("mock-client", claims["jti"], claims["exp"])
    assert issued["details"]["fields"] == sorted(token_body())
    assert "content-type" in issued["headers"] and "authorization" not in issued["headers"]
    assert (refused["status"], refused["cause"], refused["jti"]) == (401, "wrong_secret", None)
    assert health["kind"] == "health" and "authorization" in health["headers"]
    assert health["details"]["query_params"] == ["secret"]
    assert issued["time"] <= refused["time"] <= health["time"]


def test_journal_filters_and_clear(vista_mock: VistaMock, get_token: GetToken) -> None:
    vista_mock.clock.freeze(True)
    get_token()
    vista_mock.clock.advance(100)
    marker = vista_mock.clock.now()
    get_token()
    requests.get(vista_mock.url + "/healthz", timeout=10)
    assert admin(vista_mock, "GET", "requests?kind=token").json()["count"] == 2
    assert admin(vista_mock, "GET", "requests?client_id=mock-client").json()["count"] == 2
    assert admin(vista_mock, "GET", "requests?client_id=nobody").json()["count"] == 0
    assert [e["kind"] for e in admin(vista_mock, "GET", f"requests?since={marker}").json()["requests"]][:2] == [
        "token",
        "health",
    ]
    after = vista_mock.requests()[1].seq
    assert admin(vista_mock, "GET", f"requests?after={after}&kind=health").json()["count"] == 1
    _assert_problem(admin(vista_mock, "GET", "requests?since=yesterday"), 400, "since")
    assert admin(vista_mock, "DELETE", "requests").json() == {"cleared": True}
    kinds = [e.kind for e in vista_mock.requests()]
    assert kinds == ["admin"]  # only the DELETE itself, recorded after clearing


def test_journal_is_bounded(vista_mock: VistaMock) -> None:
    journal = vista_mock.journal
    assert journal.maxlen == 10_000  # type: ignore[attr-defined]


# -- reset --------------------------------------------------------------------------------------


def test_reset_puts_everything_back(vista_mock: VistaMock, get_token: GetToken) -> None:
    first_kid = vista_mock.state.keys.signing_key().kid
    token = get_token().json()["access_token"]
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    vista_mock.set_budget(0)
    admin(vista_mock, "POST", "revoke", {"jti": jti})
    admin(vista_mock, "POST", "rotate-keys")
    admin(vista_mock, "POST", "clock", {"advance": 5000, "freeze": True})
    admin(vista_mock, "POST", "faults", {"status": 503, "count": 5})

    response = admin(vista_mock, "POST", "reset")
    assert response.status_code == 200 and response.json()["reset"] is True

    state = vista_mock.state
    assert [e.kind for e in vista_mock.requests()] == ["admin"]  # only the reset itself
    assert state.clock.snapshot()["frozen"] is False and abs(state.clock.offset) < 1  # type: ignore[attr-defined]
    assert not state.tokens.is_revoked(jti)
    assert state.faults.pending() == []
    assert state.keys.signing_key().kid == first_kid
    assert get_token().status_code == 200  # budget fresh and no fault pending


# -- clock --------------------------------------------------------------------------------------


def test_clock_advance_set_freeze(vista_mock: VistaMock) -> None:
    before = admin(vista_mock, "GET", "clock").json()
    assert before["frozen"] is False
    moved = admin(vista_mock, "POST", "clock", {"advance": 3600}).json()
    assert moved["now"] >= before["now"] + 3600
    assert admin(vista_mock, "POST", "clock", {"set": 2_000_000_000, "freeze": True}).json()["now"] == 2_000_000_000
    assert admin(vista_mock, "POST", "clock", {"advance": 1.5}).json()["now"] == 2_000_000_001.5
    assert vista_mock.clock.now() == 2_000_000_001.5
    resumed = admin(vista_mock, "POST", "clock", {"freeze": False}).json()
    assert resumed["frozen"] is False and resumed["now"] >= 2_000_000_001.5


@pytest.mark.parametrize(
    ("body", "mention"),
    [
        ({}, "should be non-empty"),
        ({"advance": "60"}, "advance: '60' is not of type 'number'"),
        ({"advance": None}, "advance: None is not of type 'number'"),
        ({"set": -5}, "set: -5 is less than the minimum of 0"),
        ({"freeze": "yes"}, "freeze: 'yes' is not of type 'boolean'"),
        ({"rewind": 5}, "('rewind' was unexpected)"),
    ],
)
def test_clock_rejects_bad_input(vista_mock: VistaMock, body: dict[str, object], mention: str) -> None:
    _assert_problem(admin(vista_mock, "POST", "clock", body), 400, mention)


def test_clock_rejects_non_json(vista_mock: VistaMock) -> None:
    response = requests.post(
        f"{vista_mock.url}/__admin/clock", data="advance=5", headers={"Content-Type": "application/json"}, timeout=10
    )
    _assert_problem(response, 400, "not valid JSON")
    overflow = requests.post(
        f"{vista_mock.url}/__admin/clock",
        data='{"advance": 1e400}',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    _assert_problem(overflow, 400, "advance: inf is greater than the maximum")


def test_clock_at_its_last_instant_still_takes_a_zero_advance(vista_mock: VistaMock) -> None:
    response = admin(vista_mock, "POST", "clock", {"set": 253402300799, "advance": 0.0, "freeze": False})
    assert response.status_code == 200, response.text
    assert admin(vista_mock, "POST", "clock", {"advance": 5}).status_code == 409


def test_clock_refuses_to_leave_its_range_without_moving(vista_mock: VistaMock) -> None:
    before = vista_mock.clock.now()
    response = admin(vista_mock, "POST", "clock", {"advance": -3_000_000_000, "freeze": True})
    _assert_problem(response, 409, "year 9999")
    assert not vista_mock.clock.frozen and abs(vista_mock.clock.now() - before) < 5  # type: ignore[attr-defined]


# -- budget -------------------------------------------------------------------------------------


def test_budget_can_start_a_client_near_exhaustion(vista_mock: VistaMock, get_token: GetToken) -> None:
    response = admin(vista_mock, "POST", "budget", {"client_id": "mock-client", "remaining": 2})
    assert response.json()["remaining"] == 2 and response.json()["limit"] == "25/900"
    assert [get_token().status_code for _ in range(3)] == [200, 200, 400]
    status = admin(vista_mock, "GET", "budget").json()["budgets"][0]
    assert status["remaining"] == 0 and status["frees_at"] is not None
    assert get_token().json()["error_description"] == EXHAUSTED


@pytest.mark.parametrize(
    ("body", "status", "mention"),
    [
        ({"client_id": "nobody", "remaining": 1}, 404, "nobody"),
        ({"client_id": "mock-client", "remaining": 26}, 409, "between 0 and 25"),
        ({"client_id": "mock-client", "remaining": -1}, 400, "minimum of 0"),
        ({"client_id": "mock-client", "remaining": "3"}, 400, "not of type 'integer'"),
        ({"client_id": "mock-client"}, 400, "'remaining' is a required property"),
    ],
)
def test_budget_rejects_bad_input(vista_mock: VistaMock, body: dict[str, object], status: int, mention: str) -> None:
    _assert_problem(admin(vista_mock, "POST", "budget", body), status, mention)


# -- revocation and keys ----------------------------------------------------------------------------


def test_revoke_by_jti_and_by_client(vista_mock: VistaMock, get_token: GetToken) -> None:
    jtis = [
        jwt.decode(get_token().json()["access_token"], options={"verify_signature": False})["jti"] for _ in range(3)
    ]
    assert admin(vista_mock, "POST", "revoke", {"jti": jtis[0]}).json() == {"revoked": [jtis[0]]}
    assert vista_mock.state.tokens.is_revoked(jtis[0]) and not vista_mock.state.tokens.is_revoked(jtis[1])
    assert sorted(admin(vista_mock, "POST", "revoke", {"client_id": "mock-client"}).json()["revoked"]) == sorted(jtis)
    assert all(vista_mock.state.tokens.is_revoked(j) for j in jtis)
    later = jwt.decode(get_token().json()["access_token"], options={"verify_signature": False})["jti"]
    assert not vista_mock.state.tokens.is_revoked(later)  # only tokens issued before the revocation
    _assert_problem(admin(vista_mock, "POST", "revoke", {"client_id": "nobody"}), 404, "nobody")
    _assert_problem(admin(vista_mock, "POST", "revoke", {}), 400, "should be non-empty")
    _assert_problem(
        admin(vista_mock, "POST", "revoke", {"jti": "a", "client_id": "b"}), 400, "has more than 1 property"
    )
    _assert_problem(admin(vista_mock, "POST", "revoke", {"jti": 5}), 400, "not of type 'string'")


def test_rotate_keys_retires_the_old_key_from_the_jwks(vista_mock: VistaMock, get_token: GetToken) -> None:
    jwks_url = vista_mock.url + "/.well-known/jwks.json"
    old_token = get_token().json()["access_token"]
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    rotated = admin(vista_mock, "POST", "rotate-keys").json()
    assert rotated["retired"] == [old_kid] and rotated["kid"] != old_kid
    kids = [k["kid"] for k in requests.get(jwks_url, timeout=10).json()["keys"]]
    assert kids == [rotated["kid"]]
    new_token = get_token().json()["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == rotated["kid"]
    assert jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(new_token).key_id == rotated["kid"]
    with pytest.raises(jwt.PyJWKClientError):
        jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(old_token)


def test_rotate_keys_takes_no_body_but_not_a_blank_one(vista_mock: VistaMock) -> None:
    assert requests.post(f"{vista_mock.url}/__admin/rotate-keys", timeout=10).status_code == 200
    blank = requests.post(
        f"{vista_mock.url}/__admin/rotate-keys", data=" ", headers={"Content-Type": "application/json"}, timeout=10
    )
    _assert_problem(blank, 400, "empty")


def test_rotate_keys_can_keep_the_previous_key_published(vista_mock: VistaMock) -> None:
    old_kid = vista_mock.state.keys.signing_key().kid
    rotated = admin(vista_mock, "POST", "rotate-keys", {"keep_previous": True}).json()
    assert rotated["retired"] == []
    kids = [k["kid"] for k in requests.get(vista_mock.url + "/.well-known/jwks.json", timeout=10).json()["keys"]]
    assert kids == [rotated["kid"], old_kid]


# -- faults -------------------------------------------------------------------------------------


def test_faults_listed_consumed_and_cleared(vista_mock: VistaMock, get_token: GetToken) -> None:
    created = admin(vista_mock, "POST", "faults", {"target": "token", "status": 500, "count": 2})
    assert created.status_code == 201 and created.json()["count"] == 2
    assert get_token().status_code == 500
    assert admin(vista_mock, "GET", "faults").json()["faults"][0]["count"] == 1
    assert admin(vista_mock, "DELETE", "faults").json() == {"cleared": True}
    assert get_token().status_code == 200


@pytest.mark.parametrize(
    ("body", "mention"),
    [
        ({"status": 418}, "418 is not one of [429, 500, 503]"),
        ({"target": "token", "status": 401}, "401 is not one of [429, 500, 503]"),
        ({"target": "dns", "status": 500}, "'dns' is not one of ['token', 'api']"),
        ({"status": 500, "count": 0}, "count: 0 is less than the minimum of 1"),
        ({"status": 500, "retry_after": 5}, "status: 429 was expected"),
        ({"delay": 3600}, "delay: 3600 is greater than the maximum of 60"),
        ({"delay": 0}, "delay: 0 is less than or equal to the minimum of 0"),
        ({}, "not valid under any of the given schemas"),
        ({"status": 500, "colour": 1}, "('colour' was unexpected)"),
    ],
)
def test_faults_reject_bad_input(vista_mock: VistaMock, body: dict[str, object], mention: str) -> None:
    _assert_problem(admin(vista_mock, "POST", "faults", body), 400, mention)


def test_unknown_admin_path_is_a_404_problem(vista_mock: VistaMock) -> None:
    _assert_problem(admin(vista_mock, "GET", "nothing-here"), 404, "No such endpoint")


def test_healthz(vista_mock: VistaMock) -> None:
    assert requests.get(vista_mock.url + "/healthz", timeout=10).json() == {"status": "ok"}


# -- who may use the admin API ------------------------------------------------------------------------


def test_without_an_admin_token_only_loopback_clients_are_served() -> None:
    client = create_app().test_client()
    assert client.get("/__admin/clock", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/__admin/clock", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/__admin/clock", environ_base={"REMOTE_ADDR": "::ffff:127.0.0.1"}).status_code == 200
    refused = client.get("/__admin/clock", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert refused.status_code == 403
    assert "--admin-token" in refused.json["detail"]
    # The identity service itself stays open to everyone.
    assert client.get("/healthz", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_admin_token_is_required_off_loopback_and_a_wrong_one_is_journalled() -> None:
    settings = load_settings(None, Overrides(admin_token="s3cret-admin"))
    app = create_app(settings)
    client = app.test_client()
    remote = {"REMOTE_ADDR": "192.0.2.10"}
    missing = client.get("/__admin/requests", environ_base=remote)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/__admin/requests", environ_base=remote, headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    ok = client.get("/__admin/requests", environ_base=remote, headers={"Authorization": "Bearer s3cret-admin"})
    assert ok.status_code == 200
    entries = ok.json["requests"]
    assert [(e["status"], e["cause"]) for e in entries[:2]] == [
        (401, "admin_unauthorized"),
        (401, "admin_unauthorized"),
    ]
    assert "s3cret-admin" not in json.dumps(ok.json)


def test_admin_token_over_a_real_socket_bound_to_all_interfaces() -> None:
    settings = load_settings(None, Overrides(admin_token="tok-123"))
    with MockServer(create_app(settings), "0.0.0.0", 0) as server:
        url = f"http://127.0.0.1:{server.port}/__admin/clock"
        assert requests.get(url, timeout=10).status_code == 401
        assert requests.get(url, headers={"Authorization": "Bearer tok-12"}, timeout=10).status_code == 401
        assert requests.get(url, headers={"Authorization": "Bearer tok-123"}, timeout=10).status_code == 200
        # Everything but the admin API needs no admin token.
        body = token_body()
        assert requests.post(f"http://127.0.0.1:{server.port}/oauth/token", json=body, timeout=10).status_code == 200


def test_clients_can_be_registered_and_removed_at_run_time(vista_mock: VistaMock, get_token: GetToken) -> None:
    client = ClientConfig("late", "late-secret", "mock-tenant", "late-key")
    vista_mock.state.register_client(client)
    with pytest.raises(ValueError, match="already"):
        vista_mock.state.register_client(client)
    assert get_token(client_id="late", client_secret="late-secret").status_code == 200
    assert vista_mock.settings.client_for_api_key("late-key") == client
    vista_mock.state.unregister_client("late")
    assert get_token(client_id="late", client_secret="late-secret").status_code == 401
    assert vista_mock.settings.client_for_api_key("late-key") is None
    assert get_token().status_code == 200  # the configured client is untouched
