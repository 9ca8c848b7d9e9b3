"""Hardening 3, 5 and 6: exact under concurrency, no admin path tricks, a clean stop under load."""

from __future__ import annotations

import http.client
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from mock_server.config import Overrides, load_settings, parse_settings
from mock_server.testing import VistaMock

from . import forge
from .conftest import token_body
from .test_cli import serve

# -- 3. concurrency ---------------------------------------------------------------------------------------

FOUR_CLIENTS = {
    "clients": [
        {
            "client_id": f"c{i}",
            "client_secret": f"s{i}",
            "tenant_code": f"t{i % 2}",
            "api_key": f"k{i}",
            "token_limit": "25/900",
        }
        for i in range(4)
    ]
}


def test_budgets_stay_exact_under_200_concurrent_requests_over_four_clients() -> None:
    with VistaMock.start(parse_settings(FOUR_CLIENTS, "four-clients")) as mock:
        barrier = threading.Barrier(200)

        def ask(i: int) -> tuple[str, int]:
            client = f"c{i % 4}"
            body = token_body(client_id=client, client_secret=f"s{i % 4}", tenant_code=f"t{i % 4 % 2}")
            barrier.wait()
            return client, requests.post(mock.token_url, json=body, timeout=60).status_code

        with ThreadPoolExecutor(200) as pool:
            results = list(pool.map(ask, range(200)))
        issued = Counter(client for client, status in results if status == 200)
        assert issued == {"c0": 25, "c1": 25, "c2": 25, "c3": 25}
        assert Counter(status for _, status in results) == {200: 100, 400: 100}
        assert len(mock.requests(kind="token")) == 200


def test_the_journal_records_every_request_exactly_once_under_load() -> None:
    with VistaMock.start() as mock:
        paths = [f"/probe/{n}" for n in range(600)]

        def get(path: str) -> int:
            with requests.Session() as session:
                return session.get(mock.url + path, timeout=60).status_code

        with ThreadPoolExecutor(30) as pool:
            statuses = list(pool.map(get, paths))
        assert statuses == [404] * 600
        journalled = Counter(entry.path for entry in mock.requests())
        assert journalled == Counter(paths)
        assert len({entry.seq for entry in mock.requests()}) == 600


@pytest.mark.parametrize("change", ["revoke", "rotate"])
def test_revocation_and_rotation_hold_for_every_request_after_they_return(change: str) -> None:
    with VistaMock.start(load_settings(None, Overrides(token_limit=None)), threads=16) as mock:
        token = forge.fetch_token(mock)
        headers = {
            "Vista-Api-Key": "mock-api-key",
            "Vista-Api-Tenant": "mock-tenant",
            "Authorization": f"Bearer {token}",
        }
        observed: list[tuple[float, int]] = []
        stop = threading.Event()

        def hammer() -> None:
            with requests.Session() as session:
                while not stop.is_set():
                    started = time.perf_counter()
                    status = session.get(mock.url + "/api/v1/sites", headers=headers, timeout=60).status_code
                    observed.append((started, status))

        workers = [threading.Thread(target=hammer) for _ in range(12)]
        for worker in workers:
            worker.start()
        while len(observed) < 100:  # in full flight
            time.sleep(0.005)
        if change == "revoke":
            mock.revoke(jti=forge.jwt.decode(token, options={"verify_signature": False})["jti"])
        else:
            mock.rotate_keys()
        done = time.perf_counter()
        while sum(1 for started, _ in observed if started > done) < 200:
            time.sleep(0.005)
        stop.set()
        for worker in workers:
            worker.join()
        before = [status for started, status in observed if started < done]
        after = [status for started, status in observed if started > done]
        assert set(before) <= {200, 401} and 200 in before
        assert set(after) == {401}  # not a single request sent after the change got through


# -- 5. the admin API cannot be reached by path tricks -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/__admin/reset",
        "/%5F_admin/reset",
        "/%5f%5fadmin/reset",
        "//__admin/reset",
        "/api/../__admin/reset",
        "/./__admin/reset",
        "/__admin/./reset",
        "/__admin//reset",
        "/__ADMIN/reset",
        "/__admin%2Freset",
        "/__admin/reset/",
        "/__admin/reset?x=/..",
    ],
)
def test_path_tricks_do_not_get_past_the_admin_token(path: str) -> None:
    with VistaMock.start(load_settings(None, Overrides(admin_token="adm1n-t0ken"))) as mock:
        mock.clock.advance(1000)
        parts = urlsplit(mock.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request("POST", path, body=b"", headers={"Content-Length": "0"})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        assert response.status in (301, 307, 308, 401, 404), (response.status, body)
        assert abs(mock.clock.offset - 1000) < 5  # type: ignore[attr-defined]  # nothing was reset
        entry = mock.requests()[-1]
        assert entry.status == response.status
        assert entry.cause in ("admin_unauthorized", "not_found", "redirect", "api_key_missing")
        if response.status in (301, 307, 308):
            assert response.getheader("Location") and body.startswith(b'{"redirect"')


# -- 6. SIGTERM with requests in flight -----------------------------------------------------------------------


def test_sigterm_finishes_every_request_in_flight_and_exits_0() -> None:
    with serve("--threads", "2") as served:
        requests.post(served.url + "/__admin/faults", json={"delay": 1.0, "count": 6}, timeout=10)
        with ThreadPoolExecutor(6) as pool:
            futures = [
                pool.submit(requests.post, served.url + "/oauth/token", json=token_body(), timeout=60) for _ in range(6)
            ]
            while True:  # until the first requests are being handled; the rest wait in the queue
                pending = requests.get(served.url + "/__admin/faults", timeout=10).json()["faults"]
                if not pending or pending[0]["count"] <= 4:
                    break
                time.sleep(0.01)
            served.process.send_signal(signal.SIGTERM)
            statuses = [future.result().status_code for future in futures]
        code, _ = served.wait()
    assert statuses == [200] * 6
    assert code == 0
