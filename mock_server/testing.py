"""``VistaMock``: a running mock with its URLs, credentials, clock and journal, for tests."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from .app import create_app
from .clock import ClockState
from .config import ClientConfig, Settings, load_settings
from .environment import ClientEnvironment
from .faults import Fault, parse_fault
from .journal import Journal, JournalEntry
from .server import MockServer
from .state import MockState

__all__ = ["VistaMock"]


class VistaMock:
    """The mock served in this process on a free loopback port.

    Everything the admin API can do is here as a method, acting on the same state directly.
    """

    def __init__(
        self, settings: Settings | None = None, *, host: str = "127.0.0.1", threads: int = 8, **server_options: Any
    ) -> None:
        self.server = MockServer(create_app(settings or load_settings()), host, 0, threads=threads, **server_options)

    @classmethod
    def start(cls, settings: Settings | None = None, **kwargs: Any) -> VistaMock:
        """Create and start serving in a background thread."""
        mock = cls(settings, **kwargs)
        mock.server.start()
        return mock

    def close(self) -> None:
        """Stop serving."""
        self.server.close()

    def __enter__(self) -> VistaMock:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    # -- where and who --------------------------------------------------------------------------

    @property
    def state(self) -> MockState:
        """All run-time state."""
        return self.server.state

    @property
    def settings(self) -> Settings:
        """The settings it was started with."""
        return self.state.settings

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234`` (identity, API and admin all live here)."""
        return self.server.url

    @property
    def token_url(self) -> str:
        """The token endpoint."""
        return self.url + "/oauth/token"

    @property
    def client(self) -> ClientConfig:
        """The first configured client (``mock-client`` by default)."""
        return self.settings.default_client

    def environment(self, client_id: str | None = None) -> ClientEnvironment:
        """The ``VISTA_*`` environment for a client (default: the first)."""
        client = self.state.client(client_id) if client_id else self.client
        return ClientEnvironment.for_client(self.url, client)

    @property
    def env(self) -> ClientEnvironment:
        """The environment of the first client."""
        return self.environment()

    # -- state ----------------------------------------------------------------------------------

    @property
    def clock(self) -> ClockState:
        """The mock's clock: ``now()``, ``advance(s)``, ``set(epoch)``, ``freeze(bool)``."""
        return self.state.clock

    @property
    def journal(self) -> Journal:
        """Every request served."""
        return self.state.journal

    def requests(self, **filters: Any) -> list[JournalEntry]:
        """Journal entries; filters as the admin API: kind, client_id, since, after."""
        return self.journal.entries(**filters)

    def reset(self) -> None:
        """Everything back to the start (what the ``vista_mock`` fixture does after each test)."""
        self.state.reset()

    def set_budget(self, remaining: int, client_id: str | None = None) -> dict[str, Any]:
        """Let a client (default: the first) get only ``remaining`` more tokens this window."""
        return self.state.set_budget(client_id or self.client.client_id, remaining)

    def revoke(self, *, jti: str | None = None, client_id: str | None = None) -> list[str]:
        """Revoke a token by ``jti`` or every token of ``client_id``."""
        return self.state.revoke(jti=jti, client_id=client_id)

    def rotate_keys(self, keep_previous: bool = False) -> dict[str, Any]:
        """Sign with a new key from now on."""
        return self.state.rotate_keys(keep_previous)

    def add_fault(self, **spec: Any) -> Fault:
        """Queue a fault, same fields as ``POST /__admin/faults``."""
        return self.state.faults.add(parse_fault(spec))
