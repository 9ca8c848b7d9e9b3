"""Scenarios: a token lifetime, a starting budget, and a list of events. Short reprs, replayable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "ApiFault",
    "Burst",
    "Call",
    "ExhaustBudget",
    "IdentityFault",
    "Revoke",
    "RotateKeys",
    "Scenario",
    "Skew",
    "Step",
    "Wait",
]

RECEIPT = {"siteId": "1", "requests": [{"clientRequestId": "contract-1", "lines": []}]}


@dataclass(frozen=True)
class Call:
    """The client makes one API call: a standard API, a custom API, or a POST of vendor receipts."""

    api: str = "standard"  # standard | custom | receipt

    def request(self, custom_prefix: str) -> tuple[str, str, Any]:
        """Method, path and body of the call."""
        if self.api == "custom":
            return "GET", f"{custom_prefix}sample-report", None
        if self.api == "receipt":
            return "POST", "/api/v1/stock-management/vendor-receipts", RECEIPT
        return "GET", "/api/v1/sites", None

    def describe(self) -> str:
        return {"standard": "call a standard API", "custom": "call a custom API", "receipt": "POST vendor receipts"}[
            self.api
        ]

    def __repr__(self) -> str:
        return "Call()" if self.api == "standard" else f"Call({self.api!r})"


@dataclass(frozen=True)
class Burst:
    """``n`` simultaneous calls to a standard API."""

    n: int = 8

    def describe(self) -> str:
        return f"{self.n} simultaneous calls"

    def __repr__(self) -> str:
        return f"Burst({self.n})"


@dataclass(frozen=True)
class Wait:
    """Time passes for the client and the mock alike."""

    seconds: float

    def describe(self) -> str:
        return f"wait {self.seconds:g} s"

    def __repr__(self) -> str:
        return f"Wait({self.seconds:g})"


@dataclass(frozen=True)
class Skew:
    """From now on the mock's clock is ``seconds`` ahead of the client's (behind if negative)."""

    seconds: float

    def describe(self) -> str:
        if self.seconds == 0:
            return "the clocks agree again"
        return (
            f"the mock's clock runs {abs(self.seconds):g} s {'ahead of' if self.seconds > 0 else 'behind'} the client's"
        )

    def __repr__(self) -> str:
        return f"Skew({self.seconds:g})"


@dataclass(frozen=True)
class Revoke:
    """The mock revokes the token the client used last."""

    def describe(self) -> str:
        return "the mock revokes the client's current token"

    def __repr__(self) -> str:
        return "Revoke()"


@dataclass(frozen=True)
class RotateKeys:
    """The mock signs with a new key; tokens signed with the old one are refused."""

    def describe(self) -> str:
        return "the mock rotates its signing key"

    def __repr__(self) -> str:
        return "RotateKeys()"


@dataclass(frozen=True)
class IdentityFault:
    """The next ``count`` token requests answer ``status`` (429 with ``retry_after``, 500, 503)."""

    status: int
    count: int = 1
    retry_after: int | None = None

    def describe(self) -> str:
        times = f" ({self.count} times)" if self.count != 1 else ""
        after = f" (Retry-After {self.retry_after} s)" if self.retry_after is not None else ""
        return f"the identity service will answer {self.status}{after}{times}"

    def __repr__(self) -> str:
        extra = (f", {self.count}" if self.count != 1 else "") + (
            f", retry_after={self.retry_after}" if self.retry_after is not None else ""
        )
        return f"IdentityFault({self.status}{extra})"


@dataclass(frozen=True)
class ExhaustBudget:
    """The client's token budget is spent: its next token request gets the "exhausted" 400."""

    def describe(self) -> str:
        return "the client's token budget is spent"

    def __repr__(self) -> str:
        return "ExhaustBudget()"


@dataclass(frozen=True)
class ApiFault:
    """The next ``count`` API calls answer ``status`` (401, 403, 404, 429, 500, 503)."""

    status: int
    count: int = 1

    def describe(self) -> str:
        times = f" ({self.count} times)" if self.count != 1 else ""
        return f"the API will answer {self.status}{times}"

    def __repr__(self) -> str:
        return f"ApiFault({self.status}{f', {self.count}' if self.count != 1 else ''})"


Step = Call | Burst | Wait | Skew | Revoke | RotateKeys | IdentityFault | ExhaustBudget | ApiFault
CLIENT_STEPS: tuple[type, ...] = (Call, Burst)


@dataclass(frozen=True)
class Scenario:
    """What the suite does to one fresh client: its tokens live ``lifetime`` s; ``budget_left`` tokens
    remain in the current window (None: a full budget)."""

    lifetime: int
    steps: tuple[Step, ...]
    budget_left: int | None = None
    name: str = ""  # set for the suite's fixed probes

    KINDS: ClassVar[tuple[type, ...]] = (
        Call,
        Burst,
        Wait,
        Skew,
        Revoke,
        RotateKeys,
        IdentityFault,
        ExhaustBudget,
        ApiFault,
    )

    def describe(self) -> str:
        budget = (
            "a full token budget" if self.budget_left is None else f"{self.budget_left} token(s) left in the window"
        )
        return f"tokens live {self.lifetime} s; {budget}"

    def __repr__(self) -> str:
        budget = f", budget_left={self.budget_left}" if self.budget_left is not None else ""
        return f"Scenario(lifetime={self.lifetime}{budget}, steps=[{', '.join(map(repr, self.steps))}])"
