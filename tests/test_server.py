"""MockServer: a real socket on a free port, and a stop that lets received requests finish."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from mock_server import create_app
from mock_server.server import MockServer

from .conftest import token_body


def test_port_zero_picks_a_free_port_and_sets_the_issuer_base() -> None:
    with MockServer(create_app()) as one, MockServer(create_app()) as two:
        assert one.port != two.port and one.port > 0
        assert one.state.base_url == one.url == f"http://127.0.0.1:{one.port}"
        assert requests.get(one.url + "/healthz", timeout=10).ok


def test_stop_answers_requests_already_received_even_if_queued() -> None:
    """With one worker thread: A is being handled, B waits in the queue; both get answers."""
    server = MockServer(create_app(), threads=1).start()
    entered, release = threading.Event(), threading.Event()
    budget = server.state.budget
    original = budget.acquire

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert release.wait(30)
        return original(*args, **kwargs)

    budget.acquire = held  # type: ignore[method-assign]
    try:
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(requests.post, server.url + "/oauth/token", json=token_body(), timeout=30)
            assert entered.wait(30)
            second = pool.submit(requests.post, server.url + "/oauth/token", json=token_body(), timeout=30)
            for _ in range(3000):  # until the server has read B (no sleeping: each check blocks 10 ms at most)
                if len(server._busy_channels()) == 2:
                    break
                threading.Event().wait(0.01)
            assert len(server._busy_channels()) == 2
            server.stop()
            release.set()
            assert [first.result().status_code, second.result().status_code] == [200, 200]
        assert server.wait_stopped(30)
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/healthz", timeout=5)
    finally:
        release.set()
        server.close()
