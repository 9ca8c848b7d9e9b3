"""A bounded, thread-safe record of every request the mock served."""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

__all__ = ["JWT_PATTERN", "InMemoryJournal", "Journal", "JournalEntry", "Redactor"]


@dataclass(frozen=True)
class JournalEntry:
    """One request. Holds no secret: token ids and fingerprints only, header names not values."""

    seq: int
    time: float  # mock clock, epoch seconds
    method: str
    path: str
    kind: str  # token, api, admin, discovery, health, other
    status: int
    client_id: str | None = None
    jti: str | None = None  # of the token issued (token) or presented (api)
    exp: int | None = None  # that token's exp
    headers: tuple[str, ...] = ()  # names of the request headers present, lower-case
    cause: str | None = None  # short stable code for an error, e.g. budget_exhausted
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["headers"] = list(self.headers)
        return data


class Journal(Protocol):
    """Where entries go (in memory today; a shared store for several workers later)."""

    def record(self, entry: JournalEntry) -> JournalEntry:
        """Store ``entry`` (its ``seq`` is assigned here) and return the stored entry."""
        ...

    def entries(
        self,
        *,
        kind: str | None = None,
        client_id: str | None = None,
        since: float | None = None,
        after: int | None = None,
    ) -> list[JournalEntry]:
        """Entries oldest first, filtered by kind, client id, time >= since, seq > after."""
        ...

    def clear(self) -> None:
        """Drop every entry."""
        ...

    @property
    def dropped(self) -> int:
        """How many entries fell off the end of the ring since the last clear."""
        ...


class InMemoryJournal:
    """A ring of the last ``maxlen`` entries (10,000 by default)."""

    def __init__(self, maxlen: int = 10_000) -> None:
        if maxlen < 1:
            raise ValueError("journal size must be at least 1")
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self._seq = 0
        self._dropped = 0

    @property
    def maxlen(self) -> int:
        """Capacity of the ring."""
        return self._entries.maxlen or 0

    def record(self, entry: JournalEntry) -> JournalEntry:
        """Append ``entry`` with the next sequence number."""
        with self._lock:
            self._seq += 1
            stored = _with_seq(entry, self._seq)
            if len(self._entries) == self._entries.maxlen:
                self._dropped += 1
            self._entries.append(stored)
            return stored

    def entries(
        self,
        *,
        kind: str | None = None,
        client_id: str | None = None,
        since: float | None = None,
        after: int | None = None,
    ) -> list[JournalEntry]:
        """Matching entries, oldest first."""
        with self._lock:
            snapshot = list(self._entries)
        return [
            e
            for e in snapshot
            if (kind is None or e.kind == kind)
            and (client_id is None or e.client_id == client_id)
            and (since is None or e.time >= since)
            and (after is None or e.seq > after)
        ]

    def clear(self) -> None:
        """Empty the ring (sequence numbers keep counting up)."""
        with self._lock:
            self._entries.clear()
            self._dropped = 0

    @property
    def dropped(self) -> int:
        """Entries pushed out of the ring since the last clear."""
        return self._dropped

    def __len__(self) -> int:
        return len(self._entries)


def _with_seq(entry: JournalEntry, seq: int) -> JournalEntry:
    return JournalEntry(**{**entry.__dict__, "seq": seq})


# Three base64url segments starting with a JSON header: a JWT, wherever it turns up.
JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")


class Redactor:
    """Replaces known secrets and anything shaped like a JWT before text is journalled or logged."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """``text`` with every secret replaced by ``[REDACTED]`` and every JWT by ``[JWT]``."""
        text = JWT_PATTERN.sub("[JWT]", text)
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "[REDACTED]")
        return text
