"""Running the contract: the fixed probes, then Hypothesis exploration; one result per clause."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed

from .adapters import ClientAdapter, SetupError
from .clauses import ADVISORY, CLAUSES, Violation, correlation_advice
from .harness import Harness
from .probes import probes
from .scenario import Scenario
from .strategies import scenarios
from .timeline import ContractParams, Timeline

__all__ = ["PROFILES", "ClauseResult", "Finding", "Profile", "RunResult", "run_contract"]


@dataclass(frozen=True)
class Profile:
    """How hard Hypothesis looks."""

    max_examples: int
    max_steps: int
    max_bursts: int


PROFILES: dict[tuple[str, bool], Profile] = {
    ("in-process", False): Profile(max_examples=60, max_steps=12, max_bursts=2),
    ("in-process", True): Profile(max_examples=600, max_steps=20, max_bursts=2),
    ("json-lines", False): Profile(max_examples=4, max_steps=6, max_bursts=1),
    ("json-lines", True): Profile(max_examples=40, max_steps=8, max_bursts=1),
}

NOT_EXERCISED = {
    "token-request": "the client made no token request",
    "api-headers": "no API request reached the mock",
    "token-reuse": "no API request reached the mock",
    "refresh-leeway": "the client never presented a token the mock issued",
    "retry-after-401": "no call got a 401 for its token",
    "token-budget": "no token request was refused",
    "single-flight": "no simultaneous calls were made",
    "only-auth-refresh": "no call got a 403, 404, 429 or 5xx",
    "secret-hygiene": "the client sent no request",
}


@dataclass(frozen=True)
class Finding:
    """A violation with the scenario that shows it."""

    violation: Violation
    timeline: Timeline
    origin: str  # 'probe "..."' or 'Hypothesis (shrunk)'


@dataclass
class ClauseResult:
    """passed, failed (with the finding) or skipped (with the reason); the advisory clause may warn."""

    clause: str
    status: str = "passed"
    reason: str = ""
    finding: Finding | None = None


@dataclass
class RunResult:
    """Everything the report needs."""

    label: str
    mode: str
    params: ContractParams
    seed: int
    profile: Profile
    results: dict[str, ClauseResult] = field(default_factory=dict)
    scenarios: int = 0
    duration: float = 0.0
    correlation: tuple[int, int] = (0, 0)
    setup_error: str | None = None

    @property
    def failed(self) -> list[str]:
        return [cid for cid, r in self.results.items() if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        """0 when every clause holds, 1 when any fails, 2 for a setup error."""
        if self.setup_error:
            return 2
        return 1 if self.failed else 0


class ClauseViolation(AssertionError):
    """Raised inside Hypothesis; one subclass per clause, so each is shrunk on its own."""

    def __init__(self, violation: Violation, timeline: Timeline) -> None:
        super().__init__(f"{violation.clause}: {violation.seen}")
        self.violation, self.timeline = violation, timeline


VIOLATIONS: dict[str, type[ClauseViolation]] = {
    cid: type(f"{cid.title().replace('-', '')}Violation", (ClauseViolation,), {}) for cid in CLAUSES
}


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    inner = getattr(exc, "exceptions", None)
    if inner:
        for sub in inner:
            yield from _leaves(sub)
    else:
        yield exc


class _Observer:
    """Checks timelines and remembers what was exercised."""

    def __init__(self, params: ContractParams) -> None:
        self.params = params
        self.exercised = dict.fromkeys(CLAUSES, False)
        self.correlation = (0, 0)  # API requests without a CorrelationId, API requests in all

    def check(self, timeline: Timeline, clauses: list[str]) -> dict[str, Violation]:
        missing, total = correlation_advice(timeline)
        self.correlation = (self.correlation[0] + missing, self.correlation[1] + total)
        found = {}
        for cid in clauses:
            clause = CLAUSES[cid]
            self.exercised[cid] = self.exercised[cid] or clause.exercised(timeline)
            violations = clause.check(timeline, self.params)
            if violations:
                found[cid] = violations[0]
        return found


def run_contract(
    adapter: ClientAdapter,
    params: ContractParams | None = None,
    *,
    thorough: bool = False,
    seed: int | None = None,
    max_examples: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunResult:
    """Run the probes and the Hypothesis exploration against ``adapter``'s client."""
    params = params or ContractParams()
    profile = PROFILES[(adapter.mode, thorough)]
    if max_examples is not None:
        profile = Profile(max_examples, profile.max_steps, profile.max_bursts)
    chosen_seed = seed if seed is not None else random.randrange(2**31)
    run = RunResult(adapter.label, adapter.mode, params, chosen_seed, profile)
    say = progress or (lambda _: None)
    started = time.perf_counter()
    observer = _Observer(params)
    findings: dict[str, Finding] = {}
    harness = Harness(adapter, params)
    try:
        for scenario in probes(params, virtual=adapter.mode == "in-process"):
            say(f'probe "{scenario.name}"')
            timeline = harness.run(scenario)
            for cid, violation in observer.check(timeline, list(CLAUSES)).items():
                findings.setdefault(cid, Finding(violation, timeline, f'probe "{scenario.name}"'))
        remaining = [cid for cid in CLAUSES if cid not in findings]
        if remaining and profile.max_examples > 0:
            say(f"exploring with Hypothesis ({profile.max_examples} examples, seed {chosen_seed})")
            findings.update(_explore(harness, observer, remaining, profile, chosen_seed, use_database=seed is None))
    except SetupError as exc:
        run.setup_error = str(exc)
    finally:
        run.scenarios = harness.scenarios_run
        harness.close()
    run.duration = time.perf_counter() - started
    if run.setup_error is None and not observer.exercised["api-headers"]:
        run.setup_error = f"no API call through the client reached the mock in {run.scenarios} scenarios" + (
            f"; the first error: {harness.first_error}" if harness.first_error else ""
        )
    for cid, clause in CLAUSES.items():
        result = ClauseResult(cid)
        broken_dependency = next((dep for dep in clause.depends_on if dep in findings), None)
        if broken_dependency is not None:
            result.status = "skipped"
            result.reason = (
                f"not judged: {broken_dependency} fails, and this clause presumes a client that reuses tokens"
            )
        elif cid in findings:
            result.status, result.finding = "failed", findings[cid]
            result.reason = findings[cid].violation.seen
        elif clause.needs_bursts and harness.burst_unsupported and not observer.exercised[cid]:
            result.status, result.reason = (
                "skipped",
                f"the client cannot make simultaneous calls ({harness.burst_unsupported[:120]})",
            )
        elif not observer.exercised[cid]:
            result.status, result.reason = "skipped", f"not exercised: {NOT_EXERCISED[cid]}"
        run.results[cid] = result
    missing, total = observer.correlation
    run.correlation = (missing, total)
    advice = ClauseResult(ADVISORY)
    if missing:
        advice.status, advice.reason = (
            "warning",
            f"{missing} of {total} API requests carried no CorrelationId header (advisory)",
        )
    run.results[ADVISORY] = advice
    return run


def _exploration(
    harness: Harness,
    observer: _Observer,
    active: list[str],
    strategy: Any,
    profile: Profile,
    *,
    use_database: bool,
) -> Callable[[], None]:
    """A Hypothesis test that runs scenarios and raises the violations of the ``active`` clauses."""

    @settings(
        max_examples=profile.max_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=True,
        print_blob=False,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        database=settings().database if use_database else None,
    )
    @given(strategy)
    def explore(scenario: Scenario) -> None:
        timeline = harness.run(scenario)
        for cid, violation in observer.check(timeline, active).items():
            raise VIOLATIONS[cid](violation, timeline)

    return explore  # type: ignore[no-any-return]


def _explore(
    harness: Harness, observer: _Observer, clauses: list[str], profile: Profile, seed: int, *, use_database: bool
) -> dict[str, Finding]:
    found: dict[str, Finding] = {}
    strategy = scenarios(
        harness.params, virtual=harness.virtual, max_steps=profile.max_steps, max_bursts=profile.max_bursts
    )
    for _ in range(2):  # a second pass only if the first found something and others remain
        active = [cid for cid in clauses if cid not in found]
        if not active:
            break

        explore = _exploration(harness, observer, active, strategy, profile, use_database=use_database)
        try:
            hypothesis_seed(seed)(explore)()
        except BaseException as exc:
            leaves = list(_leaves(exc))
            violations = [e for e in leaves if isinstance(e, ClauseViolation)]
            setup = next((e for e in leaves if isinstance(e, SetupError)), None)
            if setup is not None:
                raise setup from None
            if not violations:
                raise
            for violation in violations:
                found.setdefault(
                    violation.violation.clause, Finding(violation.violation, violation.timeline, "Hypothesis (shrunk)")
                )
        else:
            break
    return found
