"""Hardening 2: hostile input to every endpoint. No 5xx, no traceback, every error in the documented shape."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.config import Overrides, load_settings
from mock_server.oauth import TOKEN_FIELDS
from mock_server.testing import VistaMock

from . import forge
from .rawhttp import Raw, send

# Deterministic in CI (a red run blocks everything); vary with pytest --hypothesis-seed=N.
HYPOTHESIS = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.fixture(scope="module")
def mock() -> Iterator[VistaMock]:
    with VistaMock.start(load_settings(None, Overrides(token_limit=None))) as served:
        yield served


@pytest.fixture(scope="module")
def bearer(mock: VistaMock) -> str:
    return forge.fetch_token(mock)


def assert_well_formed(response: Raw, path: str) -> None:
    """The invariant: no 5xx, no traceback, JSON in the shape the path documents."""
    assert response.status < 500, response.body[:300]
    text = response.body.decode("utf-8")
    assert "Traceback" not in text and 'File "' not in text
    body = json.loads(text)
    assert isinstance(body, dict)
    if response.status < 400:
        return
    if path.startswith("/oauth/"):
        assert response.headers["content-type"].startswith("application/json")
        assert set(body) == {"error", "error_description"}
    else:
        assert response.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == response.status


POST_ENDPOINTS = [
    "/oauth/token",
    "/api/v1/stock-management/vendor-receipts",
    "/__admin/clock",
    "/__admin/budget",
    "/__admin/revoke",
    "/__admin/rotate-keys",
    "/__admin/faults",
]
BAD_BODIES = {
    "malformed JSON": (b'{"a": ', "application/json"),
    "JSON that is not an object": (b'["client_id"]', "application/json"),
    "a JSON string": (b'"hello"', "application/json"),
    "deeply nested JSON": (b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, "application/json"),
    "invalid UTF-8": (b'{"a": "\xff\xfe"}', "application/json"),
    "a lone surrogate": (b'{"client_id": "\\ud800"}', "application/json"),
    "NUL and control characters": (b'{"client_id": "a\\u0000b\\u001b[31m"}', "application/json"),
    "duplicated fields": (b'{"client_id": "a", "client_id": "b"}', "application/json"),
    "a wrong content type": (b"client_id=mock-client", "text/plain"),
    "XML": (b"<token/>", "application/xml"),
    "no content type": (b"{}", None),
    "multipart": (b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
}


@pytest.mark.parametrize("path", POST_ENDPOINTS)
@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_bodies_at_every_post_endpoint(mock: VistaMock, bearer: str, path: str, name: str) -> None:
    body, content_type = BAD_BODIES[name]
    headers: list[tuple[str, str | bytes]] = [("Content-Type", content_type)] if content_type else []
    if path.startswith("/api/"):
        headers += [
            ("Vista-Api-Key", "mock-api-key"),
            ("Vista-Api-Tenant", "mock-tenant"),
            ("Authorization", f"Bearer {bearer}"),
        ]
    response = send(mock, "POST", path, headers, body)
    assert_well_formed(response, path)
    assert 400 <= response.status < 500


@pytest.mark.parametrize("path", POST_ENDPOINTS)
def test_oversized_bodies_are_a_clear_413(mock: VistaMock, bearer: str, path: str) -> None:
    headers: list[tuple[str, str | bytes]] = [("Content-Type", "application/json")]
    if path.startswith("/api/"):
        headers += [
            ("Vista-Api-Key", "mock-api-key"),
            ("Vista-Api-Tenant", "mock-tenant"),
            ("Authorization", f"Bearer {bearer}"),
        ]
    response = send(mock, "POST", path, headers, b'{"x": "' + b"a" * 1_500_000 + b'"}')
    assert response.status == 413
    assert_well_formed(response, path)
    assert "1048576 bytes" in response.body.decode()


def test_oversized_headers_are_a_clear_431_and_far_larger_ones_do_not_hurt(mock: VistaMock) -> None:
    big = send(mock, "GET", "/healthz", [("X-Padding", "a" * 300_000)])
    assert big.status == 431
    assert_well_formed(big, "/healthz")
    assert "262144" in big.body.decode()
    # Past four times the limit, the HTTP server itself refuses (a plain 431) before the mock sees it.
    huge = send(mock, "GET", "/healthz", [("X-Padding", "a" * 1_100_000)])
    assert huge.status == 431
    assert send(mock, "GET", "/healthz").status == 200


@pytest.mark.parametrize(
    "path", ["/oauth/token", "/api/v1/sites", "/__admin/clock", "/nowhere", "/.well-known/jwks.json"]
)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"])
def test_every_method_on_every_kind_of_path(mock: VistaMock, path: str, method: str) -> None:
    response = send(mock, method, path)
    assert response.status < 500
    if method != "HEAD" and response.body:
        assert_well_formed(response, path)


def test_header_injection_is_not_reflected(mock: VistaMock) -> None:
    """A folded or CR/LF-laden CorrelationId is never echoed; no header can be smuggled into the answer."""
    parts = urlsplit(mock.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            b"GET /api/v1/sites HTTP/1.1\r\nHost: x\r\n"
            b"CorrelationId: abc\r\n Set-Cookie: injected=1\r\n"
            b"Connection: close\r\n\r\n"
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert b"set-cookie" not in head
    assert head.startswith(b"http/1.1 401") or head.startswith(b"http/1.1 400")


def test_requests_that_are_not_valid_http_are_refused_by_the_server_itself(mock: VistaMock) -> None:
    """A control character in a header value is not HTTP: the server answers a plain 400 and carries on."""
    response = send(mock, "GET", "/healthz", [("X-Bad", b"a\x01b")])
    assert response.status == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert send(mock, "GET", "/healthz").status == 200


def test_encoded_line_breaks_in_paths_and_queries_are_harmless(mock: VistaMock) -> None:
    for path in ["/api/v1/sites%0d%0aSet-Cookie:%20x=1", "/healthz?x=%0d%0aSet-Cookie:%20x=1", "/%00", "/%ff%fe"]:
        response = send(mock, "GET", path)
        assert response.status < 500 and "set-cookie" not in response.headers


# -- generated input ------------------------------------------------------------------------------------

json_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40), st.just("mock-client")
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
token_bodies = st.dictionaries(st.one_of(st.sampled_from(TOKEN_FIELDS), st.text(max_size=20)), json_values, max_size=8)


@HYPOTHESIS
@given(body=token_bodies, form=st.booleans())
def test_generated_token_requests_get_well_formed_answers(mock: VistaMock, body: dict[str, object], form: bool) -> None:
    if form:
        encoded = "&".join(f"{k}={v}" for k, v in body.items()).encode("utf-8", "surrogatepass")
        response = send(mock, "POST", "/oauth/token", [("Content-Type", "application/x-www-form-urlencoded")], encoded)
    else:
        encoded = json.dumps(body).encode()
        response = send(mock, "POST", "/oauth/token", [("Content-Type", "application/json")], encoded)
    assert_well_formed(response, "/oauth/token")


header_names = st.one_of(
    st.sampled_from(["Vista-Api-Key", "Vista-Api-Tenant", "Authorization", "CorrelationId", "Content-Type", "Cookie"]),
    st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True),
)
# Field values HTTP allows (RFC 9110): visible ASCII, space, tab and obs-text bytes; never other control characters.
header_values = st.text(
    st.characters(codec="latin-1", exclude_categories=["Cc"], include_characters="\t"), max_size=60
).map(lambda v: v.encode("latin-1"))


@HYPOTHESIS
@given(
    headers=st.lists(st.tuples(header_names, header_values), max_size=8),
    path=st.sampled_from(
        [
            "/api/v1/sites",
            "/api/custom/sample-report",
            "/api/v1/film-management/films?pageSize=1000",
            "/oauth/token",
            "/__admin/requests",
            "/healthz",
        ]
    ),
    good=st.booleans(),
)
def test_generated_header_sets_get_well_formed_answers(
    mock: VistaMock, bearer: str, headers: list[tuple[str, bytes]], path: str, good: bool
) -> None:
    sent: list[tuple[str, str | bytes]] = list(headers)
    if good:  # sometimes behind valid credentials, so that the hostile headers reach further
        sent = [
            ("Vista-Api-Key", "mock-api-key"),
            ("Vista-Api-Tenant", "mock-tenant"),
            ("Authorization", f"Bearer {bearer}"),
            *sent,
        ]
    response = send(mock, "GET", path, sent)
    assert_well_formed(response, path)


# -- slow clients ---------------------------------------------------------------------------------------------


def test_slow_clients_do_not_stop_the_mock_serving_others(mock: VistaMock) -> None:
    parts = urlsplit(mock.url)
    slow = []
    try:
        for i in range(40):  # more than the worker threads: half trickle headers, half never finish a body
            sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
            if i % 2:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            else:
                sock.sendall(
                    b"POST /oauth/token HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
                )
            slow.append(sock)
        stop = threading.Event()

        def trickle() -> None:
            while not stop.is_set():
                for sock in slow:
                    with contextlib.suppress(OSError):  # the server may have given up on it
                        sock.sendall(b"a")
                stop.wait(0.05)

        threading.Thread(target=trickle, daemon=True).start()
        started = time.perf_counter()
        for _ in range(20):
            assert send(mock, "GET", "/healthz").status == 200
        assert time.perf_counter() - started < 5  # answered at once, not after the slow ones
        stop.set()
    finally:
        for sock in slow:
            sock.close()
