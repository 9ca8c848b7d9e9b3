"""Serving the mock on waitress, a production WSGI server, with a graceful stop."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from types import TracebackType
from typing import Any

from flask import Flask
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

from .state import MockState

__all__ = ["MockServer"]

log = logging.getLogger("vista_mock")


class MockServer:
    """The mock app on a real socket. ``port=0`` lets the OS pick a free port.

    ``serve_forever`` runs the server loop in the calling thread; ``start`` runs it in a
    background thread (for tests). ``stop`` stops accepting connections, lets requests already
    received finish and their answers go out, then closes everything.
    """

    def __init__(
        self,
        app: Flask,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        threads: int = 8,
        drain_timeout: float = 10.0,
        **adjustments: Any,
    ) -> None:
        self.app = app
        self.drain_timeout = drain_timeout
        settings = app.extensions["vista_mock"].settings
        # waitress refuses (in plain text) only what is far past the mock's own limits, which answer in JSON.
        limits = {
            "max_request_body_size": 2 * settings.max_body_bytes,
            "max_request_header_size": 4 * settings.max_header_bytes,
        }
        self._server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="vista-mock",
            expose_tracebacks=False,
            clear_untrusted_proxy_headers=True,
            **{**limits, **adjustments},
        )
        self.host = str(self._server.effective_host)
        self.port = int(self._server.effective_port)
        self._stop_requested = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        state = self.state
        if state.base_url is None:
            state.base_url = self.url

    @property
    def state(self) -> MockState:
        """The app's ``MockState``."""
        state: MockState = self.app.extensions["vista_mock"]
        return state

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:8080``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve until ``stop`` is called, then drain and close."""
        server = self._server
        adj = server.adj
        try:
            while not self._stop_requested.is_set():
                wasyncore.loop(
                    timeout=adj.asyncore_loop_timeout, map=server._map, use_poll=adj.asyncore_use_poll, count=1
                )
            self._drain()
        finally:
            self._close_all()
            self._stopped.set()

    def _busy_channels(self) -> list[HTTPChannel]:
        return [
            ch
            for ch in list(self._server._map.values())
            if isinstance(ch, HTTPChannel) and (ch.requests or ch.total_outbufs_len)
        ]

    def _drain(self) -> None:
        server = self._server
        # Stop listening (new connections are refused), but keep the trigger and open channels.
        wasyncore.dispatcher.close(server)
        deadline = time.monotonic() + self.drain_timeout
        busy = self._busy_channels()
        while busy and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.05, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)
            busy = self._busy_channels()
        if busy:
            log.warning("stopped with %d request(s) still in flight after %.1f s", len(busy), self.drain_timeout)

    def _close_all(self) -> None:
        server = self._server
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=self.drain_timeout)
        for channel in list(server._map.values()):
            with contextlib.suppress(OSError):  # already gone
                channel.close()
        server._map.clear()

    def stop(self) -> None:
        """Ask the loop to stop (safe from any thread and from a signal handler)."""
        self._stop_requested.set()
        with contextlib.suppress(OSError):  # the trigger is already closed: the loop has ended
            self._server.pull_trigger()

    def start(self) -> MockServer:
        """Serve in a daemon thread; return self."""
        self._thread = threading.Thread(target=self.serve_forever, name=f"vista-mock:{self.port}", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop and wait for the background thread."""
        self.stop()
        if self._thread is not None:
            self._thread.join(self.drain_timeout + 5)

    def wait_stopped(self, timeout: float | None = None) -> bool:
        """Block until the server has stopped."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
