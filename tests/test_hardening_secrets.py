"""Hardening 4: no client secret, API key, admin token or whole JWT in anything the kit writes."""

from __future__ import annotations

import json
import logging
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import contract_tests.harness
from contract_tests.adapters import InProcessAdapter
from contract_tests.report import clause_lines, failure_text, headline
from contract_tests.runner import run_contract

from .conftest import token_body
from .test_cli import serve

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{20,}")
VISTA_CONTRACT = str(Path(sys.executable).with_name("vista-contract"))

SECRET = "S3cret-5f0c9e1b-not-for-logs"
API_KEY = "K3y-91d2a4c6-not-for-logs"
OTHER_SECRET = "Other-S3cret-77aa21"
OTHER_KEY = "Other-K3y-c1d9e0"
ADMIN_TOKEN = "Adm1n-T0ken-2be4f8"


def _assert_clean(texts: dict[str, str], secrets_: list[str]) -> None:
    for name, text in texts.items():
        for secret in secrets_:
            assert secret not in text, f"{secret!r} leaked into {name}"
        match = JWT.search(text)
        assert match is None, f"a whole JWT leaked into {name}: {match.group(0)[:30]}..."


def test_a_full_mock_session_at_debug_level_leaks_nothing(tmp_path: Path) -> None:
    config = tmp_path / "vista.toml"
    config.write_text(
        "[[clients]]\n"
        f'client_id = "partner"\nclient_secret = "{SECRET}"\ntenant_code = "t1"\napi_key = "{API_KEY}"\n'
        "[[clients]]\n"
        f'client_id = "other"\nclient_secret = "{OTHER_SECRET}"\ntenant_code = "t2"\napi_key = "{OTHER_KEY}"\n'
    )
    answers: dict[str, str] = {}
    with serve("--config", str(config), "--log-level", "debug", env={"VISTA_MOCK_ADMIN_TOKEN": ADMIN_TOKEN}) as served:
        url = served.url
        body = token_body(client_id="partner", client_secret=SECRET, tenant_code="t1")
        token = requests.post(url + "/oauth/token", json=body, timeout=10).json()["access_token"]
        good = {"Vista-Api-Key": API_KEY, "Vista-Api-Tenant": "t1", "Authorization": f"Bearer {token}"}
        calls = {
            "wrong secret": lambda: requests.post(
                url + "/oauth/token", json={**body, "client_secret": SECRET + "x"}, timeout=10
            ),
            "secret in the query": lambda: requests.post(
                url + f"/oauth/token?client_secret={SECRET}", json=body, timeout=10
            ),
            "secret as client_id": lambda: requests.post(
                url + "/oauth/token", json={**body, "client_id": SECRET}, timeout=10
            ),
            "form body": lambda: requests.post(url + "/oauth/token", data={**body, "audience": "x"}, timeout=10),
            "api ok": lambda: requests.get(url + "/api/v1/sites", headers=good, timeout=10),
            "token in the query": lambda: requests.get(
                url + f"/api/v1/sites?access_token={token}", headers=good, timeout=10
            ),
            "token in the path": lambda: requests.get(url + f"/api/v1/{token}", headers=good, timeout=10),
            "secret to the API": lambda: requests.get(
                url + "/api/v1/sites", headers={**good, "X-Secret": SECRET}, timeout=10
            ),
            "api key of another client": lambda: requests.get(
                url + "/api/v1/sites", headers={**good, "Vista-Api-Key": OTHER_KEY}, timeout=10
            ),
            "unknown api key": lambda: requests.get(
                url + "/api/v1/sites", headers={**good, "Vista-Api-Key": API_KEY + "z"}, timeout=10
            ),
            "token as api key": lambda: requests.get(
                url + "/api/v1/sites", headers={**good, "Vista-Api-Key": token}, timeout=10
            ),
            "tampered token": lambda: requests.get(
                url + "/api/v1/sites", headers={**good, "Authorization": f"Bearer {token[:-4]}AAAA"}, timeout=10
            ),
            "wrong admin token": lambda: requests.get(
                url + "/__admin/requests", headers={"Authorization": f"Bearer {ADMIN_TOKEN}x"}, timeout=10
            ),
        }
        for name, call in calls.items():
            response = call()
            if not (response.ok and "access_token" in response.text):  # a token answer carries a token by design
                answers[name] = response.text
        journal = requests.get(
            url + "/__admin/requests", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
        )
        assert journal.status_code == 200
        answers["the journal"] = journal.text
        code, stdout = served.stop()
        stderr = served.process.stderr.read()  # type: ignore[union-attr]
    assert code == 0
    assert "DEBUG" in stderr or "INFO" in stderr  # the logs really were captured
    entries = json.loads(answers["the journal"])["requests"]
    assert any(e["details"].get("leaks") == ["client_secret_in_url"] for e in entries)  # seen, and flagged
    assert any("client_secret_sent_to_api" in e["details"].get("leaks", []) for e in entries)
    _assert_clean(
        {"stdout": stdout, "stderr": stderr, **{f"answer to {k}": v for k, v in answers.items()}},
        [SECRET, API_KEY, OTHER_SECRET, OTHER_KEY, ADMIN_TOKEN, token],
    )


def test_a_failing_contract_run_leaks_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    generated: list[str] = []
    real = secrets.token_urlsafe

    def recording(nbytes: int | None = None) -> str:
        value = real(nbytes)
        generated.append(value)
        return value

    monkeypatch.setattr(contract_tests.harness.secrets, "token_urlsafe", recording)
    caplog.set_level(logging.DEBUG)
    # This client sends its secret to the API: the very thing the report must describe without showing.
    run = run_contract(
        InProcessAdapter("vista_fixtures.clients.broken_secret_hygiene:make_client"), seed=5, max_examples=10
    )
    assert run.failed == ["secret-hygiene"]
    report = "\n".join(
        [headline(run), *clause_lines(run), *(failure_text(r, run) for r in run.results.values() if r.finding)]
    )
    out, err = capsys.readouterr()
    assert len(generated) > 20  # secrets and keys of every scenario's client
    _assert_clean({"report": report, "logs": caplog.text, "stdout": out, "stderr": err}, generated)


def test_the_cli_and_its_junit_report_carry_no_token(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    result = subprocess.run(
        [VISTA_CONTRACT, "--client", "vista_fixtures.clients.broken_secret_hygiene:make_client", "--max-examples", "5",
         "--junitxml", str(report), "--", "-o", "log_cli=true", "-o", "log_cli_level=DEBUG"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    _assert_clean({"stdout": result.stdout, "stderr": result.stderr, "junit": report.read_text()}, [])
