"""The mock's one source of time: a protocol and a controllable system clock."""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["LATEST", "Clock", "ClockState", "ControllableClock", "FixedClock"]


@runtime_checkable
class Clock(Protocol):
    """Anything that tells the time in epoch seconds."""

    def now(self) -> float:
        """Current time, seconds since the epoch (UTC)."""
        ...


class ClockState(Protocol):
    """A clock that tests and the admin API can move (the interface a shared store implements)."""

    def now(self) -> float:
        """Current time, seconds since the epoch (UTC)."""
        ...

    def advance(self, seconds: float) -> float:
        """Move the clock by ``seconds`` (negative moves it back); return the new time."""
        ...

    def set(self, epoch_seconds: float) -> float:
        """Jump to ``epoch_seconds``; return the new time."""
        ...

    def freeze(self, frozen: bool) -> float:
        """Stop (True) or restart (False) the clock at its current reading; return it."""
        ...

    def snapshot(self) -> dict[str, float | bool]:
        """``now``, ``offset`` and ``frozen``, for the admin API."""
        ...

    def reset(self) -> None:
        """Back to system time: no offset, not frozen."""
        ...


# The clock stays between the epoch and the end of year 9999, so every reading is a valid JWT time.
LATEST = 253_402_300_799.0


def _check_finite(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a finite number of seconds, got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number of seconds, got {value!r}")
    return number


def _check_reading(epoch_seconds: float) -> float:
    if not 0 <= epoch_seconds <= LATEST:
        raise ValueError(f"the mock's time must stay between 0 (the epoch) and {LATEST:.0f} (year 9999)")
    return epoch_seconds


class ControllableClock:
    """``time.time()`` plus an offset, optionally frozen.

    It reads ``time.time()`` on every call (never a cached reference), so a test that moves time
    with time-machine moves an in-process mock too. The admin API only ever changes the offset
    or the frozen reading, never the system clock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None

    def now(self) -> float:
        """Current mock time."""
        frozen_at = self._frozen_at
        if frozen_at is not None:
            return frozen_at
        return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the mock's time by ``seconds``."""
        seconds = _check_finite(seconds, "advance")
        with self._lock:
            if seconds:
                _check_reading(self.now() + seconds)
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
            return self.now()

    def set(self, epoch_seconds: float) -> float:
        """Jump to ``epoch_seconds`` (the clock keeps running from there unless frozen)."""
        epoch_seconds = _check_reading(_check_finite(epoch_seconds, "set"))
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = epoch_seconds
            else:
                self._offset = epoch_seconds - time.time()
            return self.now()

    def freeze(self, frozen: bool) -> float:
        """Freeze at the current reading, or let time run again from the frozen reading."""
        with self._lock:
            if frozen and self._frozen_at is None:
                self._frozen_at = time.time() + self._offset
            elif not frozen and self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None
            return self.now()

    @property
    def offset(self) -> float:
        """Seconds between mock time and system time."""
        frozen_at = self._frozen_at
        return (frozen_at - time.time()) if frozen_at is not None else self._offset

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        return self._frozen_at is not None

    def snapshot(self) -> dict[str, float | bool]:
        """``now``, ``offset`` and ``frozen``."""
        with self._lock:
            return {"now": self.now(), "offset": self.offset, "frozen": self.frozen}

    def reset(self) -> None:
        """Back to system time."""
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None


class FixedClock(ControllableClock):
    """A clock frozen at a given instant from the start (handy in unit tests)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        super().__init__()
        self._start = _check_finite(start, "start")
        self._frozen_at = self._start

    def reset(self) -> None:
        """Back to the starting instant, still frozen."""
        with self._lock:
            self._offset = 0.0
            self._frozen_at = self._start
