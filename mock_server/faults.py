"""Injected faults: make the next N token or API requests fail or wait."""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

__all__ = ["FAULT_STATUSES", "Fault", "FaultQueue", "InMemoryFaultQueue", "parse_fault"]

# Which answers a fault may force, per target.
FAULT_STATUSES: dict[str, tuple[int, ...]] = {
    "token": (429, 500, 503),
    "api": (401, 403, 404, 429, 500, 503),
}
MAX_DELAY_SECONDS = 60.0


@dataclass(frozen=True)
class Fault:
    """Applies to the next ``count`` matching requests: wait ``delay`` s, then answer ``status``.

    With ``status`` None the request is only delayed and then handled normally.
    """

    id: int
    target: str
    count: int
    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    client_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


def _number(data: Mapping[str, Any], name: str, *, integer: bool, minimum: float, maximum: float) -> Any:
    value = data[name]
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if ok and integer:  # as in JSON Schema, 3.0 is an integer
        ok = isinstance(value, int) or float(value).is_integer()
    if not ok:
        raise ValueError(f"{name} must be {'an integer' if integer else 'a number'}, got {value!r}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must be between {minimum:g} and {maximum:g}, got {value!r}")
    return int(value) if integer else value


def parse_fault(data: Mapping[str, Any]) -> Fault:
    """Validate an admin request body into a ``Fault`` (id 0 until queued)."""
    known = {"target", "count", "status", "retry_after", "delay", "client_id"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (known: {', '.join(sorted(known))})")
    target = data.get("target", "token")
    if target not in FAULT_STATUSES:
        raise ValueError(f"target must be one of {', '.join(map(repr, FAULT_STATUSES))}, got {target!r}")
    count = _number(data, "count", integer=True, minimum=1, maximum=10_000) if "count" in data else 1
    status = data.get("status")
    if status is not None and (isinstance(status, bool) or status not in FAULT_STATUSES[target]):
        allowed = ", ".join(map(str, FAULT_STATUSES[target]))
        raise ValueError(f"status for target {target!r} must be one of {allowed}, got {status!r}")
    delay = _number(data, "delay", integer=False, minimum=0, maximum=MAX_DELAY_SECONDS) if "delay" in data else 0.0
    if status is None and not delay:
        raise ValueError("give a status, a delay, or both")
    retry_after = None
    if "retry_after" in data:
        if status != 429:
            raise ValueError("retry_after applies only to status 429")
        retry_after = _number(data, "retry_after", integer=True, minimum=0, maximum=86_400)
    client_id = data.get("client_id")
    if client_id is not None and (not isinstance(client_id, str) or not client_id):
        raise ValueError("client_id must be a non-empty string")
    return Fault(0, target, count, status, retry_after, float(delay), client_id)


class FaultQueue(Protocol):
    """Pending faults (in memory today; a shared store later)."""

    def add(self, fault: Fault) -> Fault:
        """Queue ``fault``; return it with its id."""
        ...

    def take(self, target: str, client_id: str | None) -> Fault | None:
        """Use up one application of the oldest fault matching this request, if any."""
        ...

    def pending(self) -> list[Fault]:
        """Faults with applications left, oldest first."""
        ...

    def clear(self) -> None:
        """Drop every pending fault."""
        ...


class InMemoryFaultQueue:
    """Faults held in this process, applied oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, fault: Fault) -> Fault:
        """Queue ``fault`` with a fresh id."""
        with self._lock:
            queued = replace(fault, id=next(self._ids))
            self._faults.append(queued)
            return queued

    def take(self, target: str, client_id: str | None) -> Fault | None:
        """Consume one application of the first matching fault."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.target == target and fault.client_id in (None, client_id):
                    if fault.count > 1:
                        self._faults[index] = replace(fault, count=fault.count - 1)
                    else:
                        del self._faults[index]
                    return fault
            return None

    def pending(self) -> list[Fault]:
        """Queued faults."""
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        """No more faults."""
        with self._lock:
            self._faults.clear()
