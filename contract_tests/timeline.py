"""What happened in one scenario: each step with the requests it caused, as the mock journalled them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mock_server.journal import JournalEntry

from .adapters import CallResult
from .scenario import Burst, Call, Scenario, Step

__all__ = ["ContractParams", "StepRecord", "Timeline", "TokenInfo", "is_token_401", "sent_after_answer"]

NON_AUTH_ERRORS = frozenset({403, 404, 429})


@dataclass(frozen=True)
class ContractParams:
    """The bounds the clauses hold a client to."""

    leeway_min: float = 30.0
    leeway_max: float = 300.0
    backoff_min: float = 30.0
    slack: float = 1.0  # transit time and whole-second exp values
    burst_size: int = 8

    def __post_init__(self) -> None:
        if not 0 < self.leeway_min <= self.leeway_max:
            raise ValueError(f"need 0 < leeway-min <= leeway-max, got {self.leeway_min:g} and {self.leeway_max:g}")
        if self.backoff_min < 0:
            raise ValueError(f"backoff-min must be >= 0, got {self.backoff_min:g}")


@dataclass(frozen=True)
class TokenInfo:
    """A token the mock issued to the scenario's client."""

    jti: str
    iat: int
    exp: int
    issued_at: float  # mock time of the token request
    step: int

    @property
    def lifetime(self) -> int:
        return self.exp - self.iat


@dataclass
class StepRecord:
    """One step: what the suite did, what the client said, and the requests it caused."""

    index: int
    step: Step
    started: float  # mock time
    offset: float  # mock clock minus client clock during this step
    results: list[CallResult] = field(default_factory=list)
    entries: list[JournalEntry] = field(default_factory=list)
    note: str = ""  # e.g. why a burst did not happen

    @property
    def is_call(self) -> bool:
        return isinstance(self.step, Call)

    @property
    def is_burst(self) -> bool:
        return isinstance(self.step, Burst) and bool(self.results)


def sent_after_answer(later: JournalEntry, earlier: JournalEntry) -> bool:
    """Whether ``later`` reached the mock after ``earlier`` was answered (so its sender could know the answer)."""
    arrived, answered = later.details.get("arrived"), earlier.details.get("arrived")
    if arrived is None or answered is None:
        return later.seq > earlier.seq
    return float(arrived) >= float(answered) + float(earlier.details.get("duration_ms", 0)) / 1000


def is_token_401(entry: JournalEntry) -> bool:
    """A 401 that condemns the presented token (not one for a missing key or tenant)."""
    cause = entry.cause or ""
    return entry.status == 401 and (cause.startswith("token_") or cause == "fault_401")


@dataclass
class Timeline:
    """A scenario as it ran against one fresh client."""

    scenario: Scenario
    client_id: str
    tenant_code: str
    custom_prefix: str
    start: float  # mock time at the first step
    steps: list[StepRecord] = field(default_factory=list)
    mode: str = "in-process"
    note: str = ""

    def entries(self, kind: str | None = None) -> Iterator[tuple[StepRecord, JournalEntry]]:
        """Every journalled request in order, with its step."""
        for record in self.steps:
            for entry in record.entries:
                if kind is None or entry.kind == kind:
                    yield record, entry

    def token_requests(self) -> list[tuple[StepRecord, JournalEntry]]:
        return list(self.entries("token"))

    def api_requests(self) -> list[tuple[StepRecord, JournalEntry]]:
        return list(self.entries("api"))

    @property
    def issued(self) -> dict[str, TokenInfo]:
        """Tokens issued to this client, by jti."""
        tokens = {}
        for record, entry in self.token_requests():
            if entry.status == 200 and entry.jti and entry.exp is not None:
                iat = int(entry.details.get("iat", entry.exp - self.scenario.lifetime))
                tokens[entry.jti] = TokenInfo(entry.jti, iat, entry.exp, entry.time, record.index)
        return tokens

    def relative(self, mock_time: float) -> str:
        """``t+12s`` relative to the scenario's start."""
        delta = mock_time - self.start
        return f"t+{delta:.0f}s" if abs(delta) >= 1 or delta == 0 else f"t+{delta:.1f}s"

    def summary(self) -> dict[str, Any]:
        """Counts, for the report."""
        return {
            "steps": len(self.steps),
            "token_requests": len(self.token_requests()),
            "api_requests": len(self.api_requests()),
        }
