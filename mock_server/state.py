"""Everything the mock remembers at run time, behind small interfaces, and the operations on it."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from .clock import ClockState, ControllableClock
from .config import ClientConfig, Settings
from .faults import FaultQueue, InMemoryFaultQueue
from .journal import InMemoryJournal, Journal, Redactor
from .keys import InMemoryKeyStore, KeyStore
from .limits import TokenBudget, make_budget
from .tokens import InMemoryTokenRegistry, TokenIssuer, TokenRegistry
from .verify import TokenVerifier

__all__ = ["MockState", "UnknownClient"]


class UnknownClient(LookupError):
    """An admin operation named a client id that is not configured."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        super().__init__(f"no client with client_id {client_id!r} is configured")


class MockState:
    """The settings and every piece of mutable state, each replaceable by a shared implementation."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: ClockState | None = None,
        keys: KeyStore | None = None,
        tokens: TokenRegistry | None = None,
        budget: TokenBudget | None = None,
        journal: Journal | None = None,
        faults: FaultQueue | None = None,
    ) -> None:
        self.settings = settings
        self.clock: ClockState = clock or ControllableClock()
        self.keys: KeyStore = keys or InMemoryKeyStore()
        self.tokens: TokenRegistry = tokens or InMemoryTokenRegistry()
        self.budget: TokenBudget = budget or make_budget(settings.token_window)
        self.journal: Journal = journal or InMemoryJournal(settings.journal_size)
        self.faults: FaultQueue = faults or InMemoryFaultQueue()
        self.issuer = TokenIssuer(self.keys)
        self.verifier = TokenVerifier(self.keys, self.tokens, clock_skew=settings.clock_skew)
        self.redact = Redactor(settings.secrets())
        self.base_url: str | None = None  # set by the server once bound; public_url wins
        self._errors: list[str] = []
        self._errors_lock = threading.Lock()
        self._settings_lock = threading.Lock()

    # -- lookups -------------------------------------------------------------------------------

    def client(self, client_id: str) -> ClientConfig:
        """The configured client, or ``UnknownClient``."""
        client = self.settings.client(client_id)
        if client is None:
            raise UnknownClient(client_id)
        return client

    def issuer_url(self, request_base_url: str) -> str:
        """The ``iss`` of tokens: the public URL, else the bound URL, else the request's, with '/'."""
        base = self.settings.public_url or self.base_url or request_base_url
        return base.rstrip("/") + "/"

    def register_client(self, client: ClientConfig) -> None:
        """Add a partner account while running (the contract suite gives each scenario a fresh one)."""
        if self.settings.client(client.client_id) is not None:
            raise ValueError(f"client_id {client.client_id!r} is already configured")
        if self.settings.client_for_api_key(client.api_key) is not None:
            raise ValueError("that api_key is already used by another client")
        self._replace_clients((*self.settings.clients, client))

    def unregister_client(self, client_id: str) -> None:
        """Remove a client added with ``register_client`` (its tokens stop working: 401)."""
        self.client(client_id)
        self._replace_clients(tuple(c for c in self.settings.clients if c.client_id != client_id))

    def _replace_clients(self, clients: tuple[ClientConfig, ...]) -> None:
        with self._settings_lock:  # replaced whole: readers see the old set or the new one
            self.settings = dataclasses.replace(self.settings, clients=clients)
            self.redact = Redactor(self.settings.secrets())

    # -- admin operations (shared by the admin API and the pytest fixture) ----------------------

    def reset(self) -> None:
        """Journal, budgets, clock, revocations, faults and keys back to the start."""
        self.journal.clear()
        self.budget.reset()
        self.clock.reset()
        self.tokens.reset()
        self.faults.clear()
        self.keys.reset()
        with self._errors_lock:
            self._errors.clear()

    def budget_status(self, client_id: str) -> dict[str, Any]:
        """Slots left for ``client_id`` and when the next one frees."""
        client = self.client(client_id)
        status = self.budget.status(client_id, client.token_limit, self.clock.now())
        return {
            "client_id": client_id,
            "limit": str(client.token_limit) if client.token_limit else "off",
            **status.as_dict(),
        }

    def set_budget(self, client_id: str, remaining: int | float) -> dict[str, Any]:
        """Let ``client_id`` get exactly ``remaining`` more tokens in the current window."""
        client = self.client(client_id)
        if client.token_limit is None:
            raise ValueError(f"client {client_id!r} has no token limit (token_limit = off)")
        if isinstance(remaining, float) and remaining.is_integer():  # as in JSON Schema, 3.0 is an integer
            remaining = int(remaining)
        if isinstance(remaining, bool) or not isinstance(remaining, int):
            raise TypeError(f"remaining must be an integer, got {remaining!r}")
        if not 0 <= remaining <= client.token_limit.count:
            raise ValueError(f"remaining must be between 0 and {client.token_limit.count}, got {remaining}")
        self.budget.set_remaining(client_id, client.token_limit, remaining, self.clock.now())
        return self.budget_status(client_id)

    def revoke(self, *, jti: str | None = None, client_id: str | None = None) -> list[str]:
        """Revoke one token by ``jti``, or every token issued so far to ``client_id``."""
        if (jti is None) == (client_id is None):
            raise ValueError("give exactly one of jti or client_id")
        if jti is not None:
            self.tokens.revoke(jti)
            return [jti]
        self.client(client_id)  # type: ignore[arg-type]
        return self.tokens.revoke_client(client_id)  # type: ignore[arg-type]

    def rotate_keys(self, keep_previous: bool = False) -> dict[str, Any]:
        """Sign with a new key; the old ones leave the JWKS unless ``keep_previous``."""
        new, retired = self.keys.rotate(keep_previous)
        return {"kid": new.kid, "retired": retired}

    def record_internal_error(self, description: str) -> None:
        """Remember an unexpected server error so the pytest fixture can fail the test."""
        with self._errors_lock:
            self._errors.append(description)

    def internal_errors(self) -> list[str]:
        """Unexpected server errors since the last reset (each one is a bug in the mock)."""
        with self._errors_lock:
            return list(self._errors)
