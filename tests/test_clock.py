"""The one clock: follows system time (and so time-machine), moves, freezes, resets."""

from __future__ import annotations

import math
import time

import pytest
import time_machine

from mock_server.clock import LATEST, Clock, ControllableClock, FixedClock

EPOCH_2030 = 1_893_456_000.0  # 2030-01-01T00:00:00Z


def test_follows_system_time_moved_by_time_machine() -> None:
    clock = ControllableClock()
    with time_machine.travel(EPOCH_2030, tick=False) as traveller:
        assert clock.now() == EPOCH_2030
        traveller.shift(900)
        assert clock.now() == EPOCH_2030 + 900


def test_advance_and_set_move_only_the_mock() -> None:
    clock = ControllableClock()
    with time_machine.travel(EPOCH_2030, tick=False):
        assert clock.advance(60) == EPOCH_2030 + 60
        assert clock.advance(-30) == EPOCH_2030 + 30
        assert time.time() == EPOCH_2030  # the system clock is untouched
        assert clock.set(EPOCH_2030 + 86_400) == EPOCH_2030 + 86_400
        assert clock.snapshot() == {"now": EPOCH_2030 + 86_400, "offset": 86_400.0, "frozen": False}


def test_freeze_holds_while_system_time_passes_and_unfreeze_continues_from_there() -> None:
    clock = ControllableClock()
    with time_machine.travel(EPOCH_2030, tick=False) as traveller:
        clock.freeze(True)
        traveller.shift(500)
        assert clock.now() == EPOCH_2030
        assert clock.advance(10) == EPOCH_2030 + 10  # advancing a frozen clock moves the frozen instant
        clock.freeze(False)
        assert clock.now() == EPOCH_2030 + 10
        traveller.shift(5)
        assert clock.now() == EPOCH_2030 + 15


def test_reset_returns_to_system_time() -> None:
    clock = ControllableClock()
    with time_machine.travel(EPOCH_2030, tick=False):
        clock.advance(1000)
        clock.freeze(True)
        clock.reset()
        assert clock.now() == EPOCH_2030
        assert not clock.frozen


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, True, "10", None])
def test_rejects_non_numbers(bad: object) -> None:
    clock = ControllableClock()
    with pytest.raises(ValueError, match="finite number"):
        clock.advance(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite number"):
        clock.set(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, LATEST + 1, 10**400])
def test_readings_stay_between_the_epoch_and_year_9999(bad: float) -> None:
    clock = ControllableClock()
    with pytest.raises(ValueError):
        clock.set(bad)
    with pytest.raises(ValueError, match="year 9999"):
        clock.advance(LATEST)
    with pytest.raises(ValueError, match="year 9999"):
        clock.advance(-clock.now() - 10)
    assert clock.set(LATEST) == LATEST


def test_fixed_clock_starts_frozen_and_resets_to_its_start() -> None:
    clock = FixedClock(1000.0)
    assert isinstance(clock, Clock)
    clock.advance(5)
    assert clock.now() == 1005.0
    clock.reset()
    assert clock.now() == 1000.0
