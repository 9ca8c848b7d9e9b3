"""The token budget: at most COUNT tokens per WINDOW seconds for each client id."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from .config import TokenLimit

__all__ = [
    "BudgetStatus",
    "FixedWindowBudget",
    "SlidingWindowBudget",
    "TokenBudget",
    "make_budget",
]


@dataclass(frozen=True)
class BudgetStatus:
    """The outcome of asking for a token, or a reading of the budget.

    ``frees_at`` is when the next slot frees (mock time), or None while slots are left.
    """

    allowed: bool
    remaining: int | None  # None: no limit
    frees_at: float | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"remaining": self.remaining, "frees_at": self.frees_at}


UNLIMITED = BudgetStatus(allowed=True, remaining=None)


class TokenBudget(Protocol):
    """Counts issued tokens per client id (in memory today; a shared store later)."""

    def acquire(self, client_id: str, limit: TokenLimit | None, now: float) -> BudgetStatus:
        """Take one slot if one is free; ``allowed`` says whether a token may be issued."""
        ...

    def status(self, client_id: str, limit: TokenLimit | None, now: float) -> BudgetStatus:
        """Read the budget without taking a slot."""
        ...

    def set_remaining(self, client_id: str, limit: TokenLimit, remaining: int, now: float) -> None:
        """Make exactly ``remaining`` slots free from ``now`` (for tests near exhaustion)."""
        ...

    def reset(self) -> None:
        """Every client back to a fresh budget."""
        ...


class SlidingWindowBudget:
    """No more than COUNT tokens in any WINDOW: a token issued at t holds a slot until t + WINDOW."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._issued: dict[str, deque[float]] = {}

    def _window(self, client_id: str, limit: TokenLimit, now: float) -> deque[float]:
        issued = self._issued.setdefault(client_id, deque())
        while issued and issued[0] + limit.window <= now:
            issued.popleft()
        return issued

    def _status(self, issued: deque[float], limit: TokenLimit, allowed: bool) -> BudgetStatus:
        remaining = max(0, limit.count - len(issued))
        frees_at = issued[0] + limit.window if issued and remaining == 0 else None
        return BudgetStatus(allowed, remaining, frees_at)

    def acquire(self, client_id: str, limit: TokenLimit | None, now: float) -> BudgetStatus:
        """Take a slot if fewer than COUNT tokens were issued in the last WINDOW."""
        if limit is None:
            return UNLIMITED
        with self._lock:
            issued = self._window(client_id, limit, now)
            allowed = len(issued) < limit.count
            if allowed:
                issued.append(now)
            return self._status(issued, limit, allowed)

    def status(self, client_id: str, limit: TokenLimit | None, now: float) -> BudgetStatus:
        """Slots left now."""
        if limit is None:
            return UNLIMITED
        with self._lock:
            issued = self._window(client_id, limit, now)
            return self._status(issued, limit, len(issued) < limit.count)

    def set_remaining(self, client_id: str, limit: TokenLimit, remaining: int, now: float) -> None:
        """Fill the window with ``COUNT - remaining`` tokens issued at ``now``."""
        with self._lock:
            self._issued[client_id] = deque([now] * (limit.count - remaining))

    def reset(self) -> None:
        """Forget every issued token."""
        with self._lock:
            self._issued.clear()


class FixedWindowBudget:
    """COUNT tokens per WINDOW, where a window opens with the first token after the last one closed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # client id -> (window start, tokens used)

    def _current(self, client_id: str, limit: TokenLimit, now: float) -> tuple[float, int] | None:
        window = self._windows.get(client_id)
        if window is None or now >= window[0] + limit.window:
            return None
        return window

    def _status(self, window: tuple[float, int] | None, limit: TokenLimit, allowed: bool) -> BudgetStatus:
        used = window[1] if window else 0
        remaining = max(0, limit.count - used)
        frees_at = window[0] + limit.window if window and remaining == 0 else None
        return BudgetStatus(allowed, remaining, frees_at)

    def acquire(self, client_id: str, limit: TokenLimit | None, now: float) -> BudgetStatus:
        """Take a slot in the current window, opening one if none is open."""
        if limit is None:
            return UNLIMITED
        with self._lock:
            window = self._current(client_id, limit, now) or (now, 0)
            allowed = window[1] < limit.count
            if allowed:
                window = (window[0], window[1] + 1)
                self._windows[client_id] = window
            return self._status(window, limit, allowed)

    def status(self, client_id: str, limit: TokenLimit | None, now: float) -> BudgetStatus:
        """Slots left in the current window."""
        if limit is None:
            return UNLIMITED
        with self._lock:
            window = self._current(client_id, limit, now)
            return self._status(window, limit, window is None or window[1] < limit.count)

    def set_remaining(self, client_id: str, limit: TokenLimit, remaining: int, now: float) -> None:
        """Open a window at ``now`` with ``COUNT - remaining`` tokens used."""
        with self._lock:
            self._windows[client_id] = (now, limit.count - remaining)

    def reset(self) -> None:
        """Close every window."""
        with self._lock:
            self._windows.clear()


def make_budget(kind: str) -> TokenBudget:
    """The budget for a ``token_window`` setting: ``sliding`` or ``fixed``."""
    if kind == "fixed":
        return FixedWindowBudget()
    if kind == "sliding":
        return SlidingWindowBudget()
    raise ValueError(f"token_window must be 'sliding' or 'fixed', got {kind!r}")
