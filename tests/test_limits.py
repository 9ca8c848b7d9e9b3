"""The token budget: sliding and fixed windows, exact under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.config import TokenLimit
from mock_server.limits import FixedWindowBudget, SlidingWindowBudget, make_budget

LIVE = TokenLimit(25, 900)


def test_sliding_25_pass_then_refused_until_the_first_slot_frees() -> None:
    budget = SlidingWindowBudget()
    for i in range(25):
        assert budget.acquire("c", LIVE, 1000 + i).allowed
    refused = budget.acquire("c", LIVE, 1100)
    assert not refused.allowed
    assert refused.remaining == 0
    assert refused.frees_at == 1900  # the first token (t=1000) leaves the window at 1000 + 900
    assert not budget.acquire("c", LIVE, 1899.999).allowed
    assert budget.acquire("c", LIVE, 1900).allowed
    assert not budget.acquire("c", LIVE, 1900.5).allowed  # the t=1001 token still holds its slot
    assert budget.acquire("c", LIVE, 1901).allowed


def test_refusals_do_not_use_slots_and_clients_are_independent() -> None:
    budget = SlidingWindowBudget()
    limit = TokenLimit(2, 60)
    assert budget.acquire("a", limit, 0).allowed
    assert budget.acquire("a", limit, 0).allowed
    for _ in range(10):
        assert not budget.acquire("a", limit, 30).allowed
    assert budget.acquire("b", limit, 30).allowed
    assert budget.acquire("a", limit, 60).allowed  # refusals at t=30 did not extend anything


def test_no_limit_always_allows() -> None:
    budget = SlidingWindowBudget()
    assert all(budget.acquire("c", None, 0).allowed for _ in range(1000))
    assert budget.status("c", None, 0).remaining is None


def test_fixed_window_opens_at_the_first_token_and_resets_whole() -> None:
    budget = FixedWindowBudget()
    limit = TokenLimit(3, 100)
    assert budget.acquire("c", limit, 10).allowed  # window [10, 110)
    assert budget.acquire("c", limit, 50).allowed
    assert budget.acquire("c", limit, 109).allowed
    refused = budget.acquire("c", limit, 109.5)
    assert (refused.allowed, refused.frees_at) == (False, 110)
    assert budget.acquire("c", limit, 110).allowed  # a new window [110, 210): all slots free at once
    assert budget.acquire("c", limit, 111).allowed
    assert budget.acquire("c", limit, 112).allowed
    assert not budget.acquire("c", limit, 113).allowed


@pytest.mark.parametrize("kind", ["sliding", "fixed"])
def test_set_remaining_and_reset(kind: str) -> None:
    budget = make_budget(kind)
    budget.set_remaining("c", LIVE, 2, 500)
    assert budget.status("c", LIVE, 500).remaining == 2
    assert budget.acquire("c", LIVE, 501).allowed
    assert budget.acquire("c", LIVE, 502).allowed
    assert not budget.acquire("c", LIVE, 503).allowed
    assert budget.acquire("c", LIVE, 1400).allowed  # the filled slots date from t=500
    budget.reset()
    assert budget.status("c", LIVE, 1400).remaining == 25


def test_make_budget_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="sliding"):
        make_budget("leaky")


@pytest.mark.parametrize("kind", ["sliding", "fixed"])
def test_exact_under_concurrency(kind: str) -> None:
    budget = make_budget(kind)
    barrier = threading.Barrier(100)

    def ask(_: int) -> bool:
        barrier.wait()
        return budget.acquire("c", LIVE, 1000.0).allowed

    with ThreadPoolExecutor(100) as pool:
        results = list(pool.map(ask, range(100)))
    assert results.count(True) == 25


@settings(max_examples=300, deadline=None)
@given(
    count=st.integers(1, 6),
    window=st.integers(1, 50),
    gaps=st.lists(st.integers(0, 30), min_size=1, max_size=60),
)
def test_sliding_window_matches_its_definition(count: int, window: int, gaps: list[int]) -> None:
    """Allowed exactly when fewer than COUNT tokens were issued in the WINDOW before now."""
    budget = SlidingWindowBudget()
    limit = TokenLimit(count, window)
    issued: list[int] = []
    now = 0
    for gap in gaps:
        now += gap
        in_window = sum(1 for t in issued if t > now - window)
        decision = budget.acquire("c", limit, now)
        assert decision.allowed == (in_window < count)
        if decision.allowed:
            issued.append(now)
    # The promise itself: no WINDOW-long interval holds more than COUNT tokens.
    for start in issued:
        assert sum(1 for t in issued if start <= t < start + window) <= count
