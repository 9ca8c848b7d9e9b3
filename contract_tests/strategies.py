"""Hypothesis strategies: scenarios with drawn lifetimes, budgets, waits, skews, faults and bursts."""

from __future__ import annotations

from hypothesis import strategies as st

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

__all__ = ["scenarios"]

LONG_LIFETIMES = [300, 600, 900, 3600, 7200, 43200, 86400]


def _lifetimes(params: ContractParams, virtual: bool) -> st.SearchStrategy[int]:
    shortest = int(params.leeway_min) + 5  # shorter tokens leave no room for any leeway
    if not virtual:  # real time: long tokens, or ones short enough to near expiry within seconds
        return st.one_of(st.just(3600), st.integers(shortest, shortest + 10))
    return st.one_of(st.integers(shortest, 119), st.sampled_from(LONG_LIFETIMES), st.integers(120, 86400))


def _waits(params: ContractParams, lifetime: int, virtual: bool) -> st.SearchStrategy[float]:
    if not virtual:
        return st.sampled_from([0.5, 1.0, 2.0])
    lm = params.leeway_min
    around_expiry = [lifetime - lm - 5, lifetime - lm + 2, lifetime / 2, lifetime - 1, lifetime]
    fixed = [1, lm / 2, lm, params.backoff_min + 1, 900, 901, 3600]
    choices = sorted({max(1.0, float(x)) for x in around_expiry + fixed})
    return st.one_of(st.sampled_from(choices), st.integers(1, 2 * lifetime).map(float))


def _step(params: ContractParams, lifetime: int, virtual: bool) -> st.SearchStrategy[Step]:
    half = params.leeway_min / 2
    return st.one_of(
        st.just(Call()),  # first: shrinking prefers plain calls
        st.sampled_from([Call("custom"), Call("receipt")]),
        st.builds(Wait, _waits(params, lifetime, virtual)),
        st.builds(Skew, st.sampled_from([-half, -half / 2, 0.0, half / 2, half])),
        st.sampled_from([Revoke(), RotateKeys(), ExhaustBudget()]),
        st.builds(IdentityFault, st.sampled_from([500, 503]), st.integers(1, 3)),
        st.builds(IdentityFault, st.just(429), st.integers(1, 2), st.sampled_from([None, 5, 60, 120])),
        st.builds(ApiFault, st.sampled_from([401, 403, 404, 429, 500, 503]), st.integers(1, 2)),
    )


def scenarios(params: ContractParams, *, virtual: bool, max_steps: int, max_bursts: int) -> st.SearchStrategy[Scenario]:
    """Scenarios for one fresh client: a lifetime and a starting budget, then events."""

    @st.composite
    def build(draw: st.DrawFn) -> Scenario:
        lifetime = draw(_lifetimes(params, virtual))
        budget_left = draw(st.one_of(st.none(), st.integers(0, 25)))
        steps = draw(st.lists(_step(params, lifetime, virtual), min_size=1, max_size=max_steps))
        bursts = draw(
            st.lists(st.tuples(st.integers(0, len(steps)), st.integers(2, params.burst_size)), max_size=max_bursts)
        )
        for position, size in sorted(bursts, reverse=True):
            steps.insert(position, Burst(size))
        return Scenario(lifetime, tuple(steps), budget_left)

    return build()
