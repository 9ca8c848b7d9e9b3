"""pytest plugin: ``pytest --vista-client MODULE:FACTORY`` (or ``--vista-client-cmd``) adds one test per clause.

Registered through the ``pytest11`` entry point; it does nothing unless one of those options is given.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter

    from .runner import ClauseResult, RunResult

RUN_KEY = pytest.StashKey["RunResult"]()
ERROR_KEY = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    from .options import CLIENT_OPTIONS, OPTIONS  # noqa: PLC0415 - light, but keep the plugin import-free

    group = parser.getgroup("vista-contract", "Vista client contract (vista-contract-kit)")
    for option in (*CLIENT_OPTIONS, *OPTIONS):
        group.addoption(option.pytest, **option.kwargs())


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("--vista-client", None) or config.getoption("--vista-client-cmd", None))


def pytest_configure(config: pytest.Config) -> None:
    if not _enabled(config):
        return
    from .adapters import SetupError  # noqa: PLC0415 - imported only when the plugin is used

    if config.getoption("--vista-client") and config.getoption("--vista-client-cmd"):
        raise pytest.UsageError("give --vista-client or --vista-client-cmd, not both")
    try:
        _params(config)
        _adapter(config, preflight=True)
    except (SetupError, ValueError) as exc:
        raise pytest.UsageError(f"vista-contract: {exc}") from None


def _params(config: pytest.Config) -> Any:
    from .timeline import ContractParams  # noqa: PLC0415

    return ContractParams(
        config.getoption("--vista-leeway-min"),
        config.getoption("--vista-leeway-max"),
        config.getoption("--vista-backoff-min"),
    )


def _adapter(config: pytest.Config, *, preflight: bool = False) -> Any:
    from mock_server.environment import ClientEnvironment  # noqa: PLC0415

    from .adapters import InProcessAdapter, JsonLinesAdapter  # noqa: PLC0415

    spec = config.getoption("--vista-client")
    if spec:
        return InProcessAdapter(spec)
    adapter = JsonLinesAdapter(config.getoption("--vista-client-cmd"))
    if preflight:
        adapter.preflight(
            ClientEnvironment(
                "http://127.0.0.1:9", "http://127.0.0.1:9", "preflight", "preflight", "preflight", "preflight"
            )
        )
    return adapter


def _run(config: pytest.Config) -> RunResult:
    """Run the contract once per session (the first clause item triggers it)."""
    if RUN_KEY not in config.stash:
        from .runner import run_contract  # noqa: PLC0415

        config.stash[RUN_KEY] = run_contract(
            _adapter(config),
            _params(config),
            thorough=config.getoption("--vista-thorough"),
            seed=config.getoption("--vista-seed"),
            max_examples=config.getoption("--vista-max-examples"),
        )
    return config.stash[RUN_KEY]


class ClauseFailed(AssertionError):
    """A clause does not hold."""


class ClauseItem(pytest.Item):
    """One clause of the contract, as one test (one JUnit test case)."""

    def __init__(self, *, clause: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clause = clause

    def runtest(self) -> None:
        run = _run(self.config)
        if run.setup_error:
            pytest.exit(f"vista-contract: setup error: {run.setup_error}", returncode=pytest.ExitCode.USAGE_ERROR)
        result: ClauseResult = run.results[self.clause]
        if result.status == "failed":
            from .report import failure_text  # noqa: PLC0415

            raise ClauseFailed(failure_text(result, run))
        if result.status == "skipped":
            pytest.skip(result.reason)
        if result.status == "warning":
            self.warn(pytest.PytestWarning(f"{self.clause}: {result.reason}"))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ClauseFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.session.path / "vista-contract", 0, f"vista-contract::{self.clause}"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _enabled(config):
        return
    from .clauses import ADVISORY, CLAUSES  # noqa: PLC0415

    for clause in [*CLAUSES, ADVISORY]:
        items.append(ClauseItem.from_parent(session, name=clause, nodeid=f"vista-contract::{clause}", clause=clause))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """One line per clause, before pytest prints the details of each failure."""
    config = session.config
    if not _enabled(config) or RUN_KEY not in config.stash:
        return
    from .report import clause_lines, headline  # noqa: PLC0415

    reporter: TerminalReporter | None = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    run = config.stash[RUN_KEY]
    reporter.write_line("")
    reporter.write_line(headline(run))
    if run.setup_error:
        reporter.write_line(f"  setup error: {run.setup_error}", red=True)
    for line in clause_lines(run):
        reporter.write_line(line, red="FAILED" in line, yellow=" warning " in line)
    command = shlex.quote(run.label)
    option = "--client" if run.mode == "in-process" else "--client-cmd"
    reporter.write_line(f"replay: vista-contract {option} {command} --seed {run.seed}")
