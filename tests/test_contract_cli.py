"""vista-contract's command line and pytest plugin: options, exit statuses, reports, protocol edge cases."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contract_tests.clauses import ADVISORY, CLAUSES

from .conftest import ROOT

VISTA_CONTRACT = str(Path(sys.executable).with_name("vista-contract"))
GOOD = "vista_fixtures.clients.good:make_client"


def contract(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VISTA_CONTRACT, *args], capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd
    )


def test_a_correct_client_passes_with_one_line_per_clause_and_exit_0() -> None:
    result = contract("--client", GOOD, "--max-examples", "10")
    assert result.returncode == 0, result.stdout + result.stderr
    for clause in CLAUSES:
        assert f"  {clause:<17}  passed" in result.stdout
    assert "replay: vista-contract --client" in result.stdout
    assert "--seed" in result.stdout


def test_a_broken_client_fails_its_clause_with_a_timeline_and_exit_1(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    result = contract(
        "--client",
        "vista_fixtures.clients.broken_token_reuse:make_client",
        "--max-examples",
        "5",
        "--junitxml",
        str(report),
    )
    assert result.returncode == 1
    out = result.stdout
    assert "token-reuse        FAILED" in out
    assert "single-flight      skipped  not judged: token-reuse fails" in out
    # Details after the table: expected, seen, the scenario with the request marked.
    assert out.index("token-reuse        FAILED") < out.index("expected: exactly one token request on a cold start")
    assert "◀ token-reuse" in out and "replay: Scenario(" in out
    # The JUnit report has one test case per clause.
    cases = {case.get("name"): case for case in ET.parse(report).getroot().iter("testcase")}
    assert set(cases) == {*CLAUSES, ADVISORY}
    assert cases["token-reuse"].find("failure") is not None
    assert cases["token-request"].find("failure") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "one of the arguments --client --client-cmd is required"),
        (["--client", GOOD, "--client-cmd", "true"], "not allowed with argument"),
        (["--client", GOOD, "--leeway-min", "400"], "need 0 < leeway-min <= leeway-max"),
        (["--client", "no_such_module:make"], "cannot import 'no_such_module'"),
        (["--client", "vista_fixtures.clients.good:no_such_factory"], "has no attribute 'no_such_factory'"),
        (["--client", "vista_fixtures.clients.good"], "MODULE:FACTORY"),
        (["--client-cmd", "no-such-command-4b1d"], "cannot run 'no-such-command-4b1d'"),
        (["--client-cmd", "exit 5"], "exited with status 5"),
        (["--client", GOOD, "--max-examples", "-1"], "--max-examples must be >= 0"),
    ],
)
def test_usage_and_setup_errors_exit_2_with_a_clear_message(args: list[str], message: str) -> None:
    result = contract(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_extra_pytest_arguments_pass_through_after_a_double_dash() -> None:
    result = contract("--client", GOOD, "--max-examples", "0", "--", "-v")  # -v replaces the default -q
    assert result.returncode == 0
    assert "vista-contract::token-request PASSED" in result.stdout


def test_the_same_seed_replays_the_same_run() -> None:
    args = (
        "--client",
        "vista_fixtures.clients.broken_single_flight:make_client",
        "--seed",
        "4242",
        "--max-examples",
        "20",
    )
    first, second = contract(*args), contract(*args)
    assert first.returncode == second.returncode == 1

    def replay_lines(out: str) -> list[str]:
        return [line for line in out.splitlines() if line.startswith("replay: Scenario(")]

    assert replay_lines(first.stdout) == replay_lines(second.stdout) != []


def test_correlation_id_is_advisory_only() -> None:
    result = contract("--client", "tests.clients.no_correlation:make_client", "--max-examples", "5", cwd=ROOT)
    assert result.returncode == 0, result.stdout
    assert "correlation-id     warning  " in result.stdout
    assert "carried no CorrelationId header (advisory)" in result.stdout


def test_the_pytest_route(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_own(): assert True")
    result = pytester.runpytest_subprocess(
        "--vista-client",
        "vista_fixtures.clients.broken_token_budget:make_client",
        "--vista-max-examples",
        "5",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=10, failed=1)  # the project's own test, 8 clauses and the advisory
    result.stdout.fnmatch_lines(["*token-budget*FAILED*asked for a token*", "*FAILED vista-contract::token-budget*"])


def test_the_plugin_stays_out_of_the_way_without_its_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_own(): assert True")
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
