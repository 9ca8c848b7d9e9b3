"""The proof: every example client, in both modes. Each broken client fails exactly its clause; the
correct ones pass every clause."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from contract_tests.adapters import InProcessAdapter
from contract_tests.clauses import CLAUSES
from contract_tests.runner import run_contract

from .conftest import ROOT

VISTA_CONTRACT = str(Path(sys.executable).with_name("vista-contract"))
CLIENTS = ROOT / "fixtures" / "clients"
SEED = 20261204

CORRECT = ["good", "good_margin_30", "good_margin_300", "good_half_life"]
BROKEN = {
    "broken_token_request": "token-request",
    "broken_api_headers": "api-headers",
    "broken_token_reuse": "token-reuse",
    "broken_refresh_leeway": "refresh-leeway",
    "broken_retry_after_401": "retry-after-401",
    "broken_token_budget": "token-budget",
    "broken_single_flight": "single-flight",
    "broken_only_auth_refresh": "only-auth-refresh",
    "broken_secret_hygiene": "secret-hygiene",
}
# A client that never reuses tokens cannot be judged on sharing them or on why it refreshes.
NOT_JUDGED = {"token-reuse": {"single-flight", "only-auth-refresh"}}


def test_there_is_a_broken_client_for_every_clause() -> None:
    assert sorted(BROKEN.values()) == sorted(CLAUSES)


def _check(name: str, failed: set[str], skipped: set[str]) -> None:
    expected = {BROKEN[name]} if name in BROKEN else set()
    assert failed == expected, f"{name}: failed {sorted(failed)}, expected {sorted(expected)}"
    allowed_skips = NOT_JUDGED.get(BROKEN.get(name, ""), set())
    assert skipped <= allowed_skips, f"{name}: skipped {sorted(skipped)}"


@pytest.mark.parametrize("name", CORRECT + list(BROKEN))
def test_in_process(name: str) -> None:
    run = run_contract(InProcessAdapter(f"vista_fixtures.clients.{name}:make_client"), seed=SEED)
    assert run.setup_error is None
    failed = {cid for cid, r in run.results.items() if r.status == "failed"}
    skipped = {cid for cid, r in run.results.items() if r.status == "skipped"}
    _check(name, failed, skipped)
    assert run.exit_code == (1 if name in BROKEN else 0)


@dataclass
class Outcome:
    exit_code: int
    failed: set[str]
    skipped: set[str]
    output: str


def _run_json_lines(name: str, command: str, workdir: Path) -> Outcome:
    report = workdir / f"{name}.xml"
    result = subprocess.run(
        [VISTA_CONTRACT, "--client-cmd", command, "--seed", str(SEED), "--junitxml", str(report)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    cases = ET.parse(report).getroot().iter("testcase") if report.exists() else iter(())
    failed, skipped = set(), set()
    for case in cases:
        clause = case.get("name", "")
        if case.find("failure") is not None:
            failed.add(clause)
        if case.find("skipped") is not None:
            skipped.add(clause)
    return Outcome(result.returncode, failed, skipped, result.stdout + result.stderr)


JSON_LINES = {name: f"{sys.executable} {CLIENTS / f'{name}.py'}" for name in CORRECT + list(BROKEN)}
NODE = shutil.which("node")
if NODE:
    JSON_LINES["node"] = f"{NODE} {CLIENTS / 'node' / 'good-client.mjs'}"
# Protocol edge cases, run in the same batch.
EDGE_CASES = {
    "sequential_only": f"{sys.executable} {ROOT / 'tests' / 'clients' / 'sequential_only.py'}",
    "crashing": f"{sys.executable} {ROOT / 'tests' / 'clients' / 'crashing.py'}",
}


@pytest.fixture(scope="module")
def json_lines_outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    """All JSON-lines runs at once: they spend most of their time waiting for real time to pass."""
    workdir = tmp_path_factory.mktemp("json-lines")
    with ThreadPoolExecutor(len(JSON_LINES) + len(EDGE_CASES)) as pool:
        everything = {**JSON_LINES, **EDGE_CASES}
        futures = {name: pool.submit(_run_json_lines, name, command, workdir) for name, command in everything.items()}
        yield {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", list(JSON_LINES))
def test_json_lines(json_lines_outcomes: dict[str, Outcome], name: str) -> None:
    outcome = json_lines_outcomes[name]
    _check(name if name != "node" else "good", outcome.failed, outcome.skipped)
    assert outcome.exit_code == (1 if name in BROKEN else 0), outcome.output[-3000:]


def test_a_client_without_concurrency_gets_single_flight_skipped_not_passed(
    json_lines_outcomes: dict[str, Outcome],
) -> None:
    outcome = json_lines_outcomes["sequential_only"]
    assert outcome.exit_code == 0 and outcome.failed == set() and outcome.skipped == {"single-flight"}
    assert (
        "single-flight      skipped  the client cannot make simultaneous calls (concurrent calls are not supported)"
        in outcome.output
    )


def test_a_client_that_never_gets_a_call_through_is_a_setup_error(json_lines_outcomes: dict[str, Outcome]) -> None:
    outcome = json_lines_outcomes["crashing"]
    assert outcome.exit_code == 2
    assert "setup error: no API call through the client reached the mock" in outcome.output
    assert (
        "the client process exited (status 3); its stderr ends: fatal: cannot use secret [REDACTED]" in outcome.output
    )
