"""``vista-mock serve`` and ``vista-mock env`` run as real subprocesses."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from .conftest import EXAMPLE_CONFIG, token_body

VISTA_MOCK = str(Path(sys.executable).with_name("vista-mock"))


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    queue: queue.Queue[str | None]
    lines: list[str] = field(default_factory=list)

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        """Send ``signum``; return the exit status and everything printed on stdout."""
        self.process.send_signal(signum)
        return self.wait()

    def wait(self) -> tuple[int, str]:
        """Wait for the process to exit (after a signal already sent); status and stdout."""
        code = self.process.wait(timeout=30)
        while (line := self.queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return code, "\n".join(self.lines)


def _reader(stream: object, into: queue.Queue[str | None]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line.rstrip("\n"))
    into.put(None)


@contextmanager
def serve(*args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Start ``vista-mock serve --port 0 ARGS``, wait for the ready line, stop it afterwards."""
    process = subprocess.Popen(
        [VISTA_MOCK, "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_reader, args=(process.stdout, lines), daemon=True).start()
    try:
        first = lines.get(timeout=30)
        if first is None:
            raise AssertionError(f"vista-mock exited: {process.wait()} {process.stderr.read()}")  # type: ignore[union-attr]
        assert first.startswith("vista-mock ready at http://127.0.0.1:"), first
        served = Served(process, first.split()[3], lines, [first])
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]


def test_serve_prints_a_ready_line_serves_and_stops_cleanly_on_sigterm() -> None:
    with serve() as served:
        assert requests.get(served.url + "/healthz", timeout=10).status_code == 200
        response = requests.post(served.url + "/oauth/token", json=token_body(), timeout=10)
        assert response.status_code == 200 and response.json()["expires_in"] == 3600
        assert served.stop()[0] == 0
        stderr = served.process.stderr.read()  # type: ignore[union-attr]
        assert "WARNING" not in stderr and "Traceback" not in stderr
        assert "POST /oauth/token 200" in stderr  # the access log
        assert "mock-secret" not in stderr and response.json()["access_token"] not in stderr


def test_serve_prints_the_client_environment_without_secrets() -> None:
    with serve() as served:
        requests.get(served.url + "/healthz", timeout=10)
        code, out = served.stop(signal.SIGINT)  # Ctrl-C stops cleanly too
        assert code == 0
    assert f"export VISTA_IDENTITY_URL={served.url}" in out
    assert f"export VISTA_API_URL={served.url}" in out
    assert "export VISTA_CLIENT_ID=mock-client" in out
    assert "export VISTA_TENANT_CODE=mock-tenant" in out
    assert "export VISTA_AUDIENCE=https://partner.vista.co/" in out
    assert f'eval "$(vista-mock env --url {served.url})"' in out
    assert "mock-secret" not in out and "mock-api-key" not in out
    assert out.rstrip().endswith("vista-mock stopped")


def test_sigterm_lets_a_request_in_flight_finish() -> None:
    with serve() as served:
        requests.post(served.url + "/__admin/faults", json={"delay": 1.5}, timeout=10)
        result: dict[str, object] = {}

        def slow_call() -> None:
            result["response"] = requests.post(served.url + "/oauth/token", json=token_body(), timeout=30)

        caller = threading.Thread(target=slow_call)
        caller.start()
        # Wait until the request is in the server (the fault has been taken), then signal.
        for _ in range(200):
            if not requests.get(served.url + "/__admin/faults", timeout=10).json()["faults"]:
                break
            threading.Event().wait(0.01)
        served.process.send_signal(signal.SIGTERM)
        caller.join(timeout=30)
        assert served.wait()[0] == 0
    response = result["response"]
    assert isinstance(response, requests.Response) and response.status_code == 200


def test_token_limit_lifetime_and_profile_flags() -> None:
    with serve("--token-limit", "2/60", "--token-lifetime", "120") as served:
        statuses = [requests.post(served.url + "/oauth/token", json=token_body(), timeout=10) for _ in range(3)]
        assert [r.status_code for r in statuses] == [200, 200, 400]
        assert statuses[0].json()["expires_in"] == 120
        assert "token limit 2/60" in served.lines[0]
    with serve("--profile", "sandbox") as served:
        statuses = [
            requests.post(served.url + "/oauth/token", json=token_body(), timeout=10).status_code for _ in range(11)
        ]
        assert statuses == [200] * 10 + [400]
    with serve("--token-limit", "off") as served:
        assert all(requests.post(served.url + "/oauth/token", json=token_body(), timeout=10).ok for _ in range(30))


def test_serve_with_a_config_file_and_the_admin_token_from_the_environment() -> None:
    with serve("--config", str(EXAMPLE_CONFIG), env={"VISTA_MOCK_ADMIN_TOKEN": "adm-77"}) as served:
        assert "3 clients" in served.lines[0]
        body = token_body(client_id="kiosk", client_secret="kiosk-secret-9b1e", tenant_code="tenant-north")
        assert requests.post(served.url + "/oauth/token", json=body, timeout=10).json()["expires_in"] == 300
        assert requests.get(served.url + "/__admin/clock", timeout=10).status_code == 401
        ok = requests.get(served.url + "/__admin/clock", headers={"Authorization": "Bearer adm-77"}, timeout=10)
        assert ok.status_code == 200
        code, out = served.stop()
        assert code == 0
        assert "kiosk-secret" not in out and "adm-77" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--config", "/nonexistent/vista.toml"], "/nonexistent/vista.toml: file not found"),
        (["serve", "--token-limit", "lots"], "COUNT/SECONDS"),
        (["serve", "--port", "99999"], "port number"),
        (["serve", "--profile", "prod"], "invalid choice"),
        (["env", "--client", "nobody"], "no client 'nobody'"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(args: list[str], message: str) -> None:
    result = subprocess.run([VISTA_MOCK, *args], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_config_error_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[clients]]\nclient_id = "a"\nclient_secret = "s"\ntenant_code = "t"\napi_key = "k"\ntoken_limit = "x"\n'
    )
    result = subprocess.run(
        [VISTA_MOCK, "serve", "--config", str(path)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
    assert f"{path}: clients[0].token_limit:" in result.stderr


def test_port_in_use_is_a_clear_error() -> None:
    with serve() as served:
        port = served.url.rsplit(":", 1)[1]
        result = subprocess.run(
            [VISTA_MOCK, "serve", "--port", port], capture_output=True, text=True, timeout=30, check=False
        )
        assert result.returncode == 2
        assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_env_prints_the_seven_variables() -> None:
    result = subprocess.run(
        [VISTA_MOCK, "env", "--url", "http://localhost:9000/"], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.splitlines() == [
        "export VISTA_IDENTITY_URL=http://localhost:9000",
        "export VISTA_API_URL=http://localhost:9000",
        "export VISTA_CLIENT_ID=mock-client",
        "export VISTA_CLIENT_SECRET=mock-secret",
        "export VISTA_TENANT_CODE=mock-tenant",
        "export VISTA_API_KEY=mock-api-key",
        "export VISTA_AUDIENCE=https://partner.vista.co/",
    ]


def test_env_for_a_configured_client_evaluates_in_a_shell() -> None:
    script = (
        f'eval "$({VISTA_MOCK} env --config {EXAMPLE_CONFIG} --client stock-sync)"; '
        'echo "$VISTA_CLIENT_ID $VISTA_TENANT_CODE $VISTA_API_KEY"'
    )
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30, check=True)
    assert result.stdout.strip() == "stock-sync tenant-south south-key-5e3a"
