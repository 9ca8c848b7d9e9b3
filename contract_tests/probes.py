"""The suite's fixed scenarios: each clause gets exercised on every run, whatever Hypothesis draws."""

from __future__ import annotations

import math

from .scenario import (
    ApiFault,
    Burst,
    Call,
    ExhaustBudget,
    IdentityFault,
    Revoke,
    RotateKeys,
    Scenario,
    Skew,
    Step,
    Wait,
)
from .timeline import ContractParams

__all__ = ["probes"]


def _s(name: str, lifetime: int, *steps: Step) -> Scenario:
    return Scenario(lifetime, tuple(steps), name=name)


def probes(params: ContractParams, *, virtual: bool) -> list[Scenario]:
    """Targeted scenarios: minimal by design, so a failure here is already the shortest story."""
    lm, backoff, n = params.leeway_min, params.backoff_min, params.burst_size
    hour = 3600
    common = [
        _s("revoked token", hour, Call(), Revoke(), Call(), Call()),
        _s("rotated signing key", hour, Call(), RotateKeys(), Call(), Call()),
        _s("a 401 for every try", hour, Call(), ApiFault(401, 3), Call(), Call(), Call()),
        _s("burst on a cold cache", hour, Burst(n), Call()),
        _s("burst after a revocation", hour, Call(), Revoke(), Burst(n), Call()),
    ]
    if not virtual:  # real time: seconds, not hours
        short = int(lm) + 4  # nears min(leeway-min, half its life) within about 20 s of real time
        return [
            _s("cold start, then reuse", hour, Call(), Call(), Call("custom"), Call("receipt")),
            _s("a short-lived token", short, Call(), Wait(math.ceil(short / 2) + 3), Call(), Call()),
            _s("clock skew", hour, Call(), Skew(lm / 2), Call(), Skew(-lm / 2), Call()),
            *common,
            _s(
                "API errors that are not 401",
                hour,
                Call(),
                ApiFault(403),
                Call(),
                Call(),
                ApiFault(429),
                Call(),
                Call(),
                ApiFault(503),
                Call(),
                Call(),
            ),
            _s("budget exhausted", hour, ExhaustBudget(), Call(), Call(), Call()),
            _s("identity service answers 503", hour, IdentityFault(503), Call(), Call()),
            _s(
                "identity service answers 429 with Retry-After",
                hour,
                IdentityFault(429, retry_after=120),
                Call(),
                Call(),
            ),
        ]
    return [
        _s("cold start, then reuse", hour, Call(), Call(), Wait(60), Call(), Call("custom"), Call("receipt")),
        _s(
            "refresh close to expiry",
            hour,
            Call(),
            Wait(900),
            Call(),
            Wait(hour - 900 - lm - 12),
            Call(),
            Wait(10),
            Call(),
            Wait(lm),
            Call(),
        ),
        _s(
            "short-lived tokens", int(2 * lm + 10), Call(), Wait(lm / 2), Call(), Wait(lm / 2), Call(), Wait(lm), Call()
        ),
        _s(
            "day-long tokens",
            86400,
            Call(),
            Wait(hour),
            Call(),
            Wait(40000),
            Call(),
            Wait(40000),
            Call(),
            Wait(6000),
            Call(),
        ),
        _s(
            "clock skew",
            hour,
            Call(),
            Skew(lm / 2),
            Wait(hour - lm - 10),
            Call(),
            Wait(lm),
            Call(),
            Skew(-lm / 2),
            Call(),
            Wait(hour - 5),
            Call(),
        ),
        *common,
        _s(
            "API errors that are not 401",
            hour,
            Call(),
            *[step for status in (403, 404, 429, 500, 503) for step in (ApiFault(status), Call(), Call())],
        ),
        _s(
            "budget exhausted",
            hour,
            ExhaustBudget(),
            Call(),
            Call(),
            Wait(5),
            Call(),
            Wait(backoff + 5),
            Call(),
            Call(),
        ),
        _s(
            "identity service answers 503",
            hour,
            IdentityFault(503),
            Call(),
            Call(),
            Wait(10),
            Call(),
            Wait(backoff),
            Call(),
            Call(),
        ),
        _s(
            "identity service answers 429 with Retry-After",
            hour,
            IdentityFault(429, retry_after=120),
            Call(),
            Wait(backoff + 5),
            Call(),
            Wait(120),
            Call(),
        ),
        _s(
            "a refresh fails while the token is still valid",
            hour,
            Call(),
            Wait(hour - lm - 20),
            IdentityFault(503),
            Call(),
            Call(),
            Wait(backoff + 1),
            Call(),
            Call(),
        ),
        _s("burst on an expiring cache", hour, Call(), Wait(hour - lm / 2), Burst(n), Call()),
    ]
