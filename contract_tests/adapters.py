"""Plugging a client in: a Python factory called in-process, or any program over JSON lines."""

from __future__ import annotations

import importlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import IO, Any, Protocol

from mock_server.environment import ClientEnvironment
from mock_server.journal import Redactor

__all__ = [
    "CallResult",
    "ClientAdapter",
    "ClientSession",
    "InProcessAdapter",
    "JsonLinesAdapter",
    "SetupError",
    "load_factory",
]

CALL_TIMEOUT = 30.0


class SetupError(Exception):
    """The client cannot be used at all (not importable, command not found, ...): exit status 2."""


@dataclass(frozen=True)
class CallResult:
    """What one call through the client came to: an HTTP status, or an error if no call was made."""

    status: int | None
    error: str | None = None

    def describe(self) -> str:
        if self.status is not None:
            return str(self.status)
        return f"no call ({self.error or 'no status'})"


class ClientSession(Protocol):
    """One client instance (in-process object or process) serving one scenario."""

    def call(self, method: str, path: str, body: Any) -> CallResult:
        """Make one API call through the client."""
        ...

    def burst(self, method: str, path: str, body: Any, n: int) -> list[CallResult] | str:
        """``n`` simultaneous calls; a string says why the client cannot do that."""
        ...

    def close(self) -> None:
        """Let the client go."""
        ...


class ClientAdapter(Protocol):
    """Starts a fresh client for each scenario."""

    mode: str  # "in-process" (virtual time) or "json-lines" (real time)
    label: str

    def start(self, env: ClientEnvironment) -> ClientSession:
        """A new client with these credentials (a cold cache)."""
        ...


# -- in-process -------------------------------------------------------------------------------------


def load_factory(spec: str) -> Callable[[Any], Any]:
    """``MODULE:FACTORY`` -> the callable, or ``SetupError`` saying what is wrong."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise SetupError(f"--client takes MODULE:FACTORY (e.g. myclient.testing:make_client), got {spec!r}")
    if os.getcwd() not in sys.path:  # like pytest's rootdir: the integrator's modules import from where they run
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - any import failure is a setup error worth reporting as such
        raise SetupError(f"cannot import {module_name!r}: {type(exc).__name__}: {exc}") from None
    factory = module
    for part in attr.split("."):
        factory = getattr(factory, part, None)  # type: ignore[assignment]
        if factory is None:
            raise SetupError(f"module {module_name!r} has no attribute {attr!r}")
    if not callable(factory):
        raise SetupError(f"{spec} is not callable")
    return factory  # type: ignore[return-value]


def _status_of(value: Any) -> CallResult:
    status = getattr(value, "status_code", value)
    if isinstance(status, bool) or not isinstance(status, int):
        return CallResult(None, f"request() returned {type(value).__name__}, not a status or a response")
    return CallResult(status)


class InProcessSession:
    """A client object made by the factory; calls run on worker threads with a timeout."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="vista-contract-client")

    def _one(self, method: str, path: str, body: Any, barrier: threading.Barrier | None = None) -> CallResult:
        if barrier is not None:
            barrier.wait(CALL_TIMEOUT)
        try:
            return _status_of(self.client.request(method, path, body))
        except Exception as exc:  # noqa: BLE001 - the client could not make the call; that is an answer
            return CallResult(None, f"{type(exc).__name__}: {str(exc)[:200]}")

    def call(self, method: str, path: str, body: Any) -> CallResult:
        future = self._pool.submit(self._one, method, path, body)
        try:
            return future.result(timeout=CALL_TIMEOUT)
        except FutureTimeout:
            return CallResult(None, f"request() did not return within {CALL_TIMEOUT:g} s")

    def burst(self, method: str, path: str, body: Any, n: int) -> list[CallResult] | str:
        barrier = threading.Barrier(n)
        futures = [self._pool.submit(self._one, method, path, body, barrier) for _ in range(n)]
        results = []
        for future in futures:
            try:
                results.append(future.result(timeout=CALL_TIMEOUT))
            except FutureTimeout:
                results.append(CallResult(None, f"request() did not return within {CALL_TIMEOUT:g} s"))
        return results

    def close(self) -> None:
        closer = getattr(self.client, "close", None)
        if callable(closer):
            closer()
        self._pool.shutdown(wait=False, cancel_futures=True)


class InProcessAdapter:
    """``--client MODULE:FACTORY``: ``FACTORY(settings)`` makes a client with ``request(method, path, body)``."""

    mode = "in-process"

    def __init__(self, spec: str) -> None:
        self.label = spec
        self.factory = load_factory(spec)

    def start(self, env: ClientEnvironment) -> InProcessSession:
        try:
            client = self.factory(env)
        except Exception as exc:  # noqa: BLE001 - a factory that cannot build a client is a setup error
            raise SetupError(f"{self.label}(settings) raised {type(exc).__name__}: {exc}") from None
        if not callable(getattr(client, "request", None)):
            raise SetupError(f"{self.label}(settings) returned {type(client).__name__}, which has no request() method")
        return InProcessSession(client)


# -- JSON lines -----------------------------------------------------------------------------------------


class JsonLinesSession:
    """A client process: one JSON request per line on its stdin, one answer per line on its stdout."""

    def __init__(self, command: str, env: ClientEnvironment) -> None:
        self._redact = Redactor([env.client_secret, env.api_key])
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(  # noqa: S602 - the user's command, run through the shell as documented
            command,
            shell=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            bufsize=1,
            env={**os.environ, **env.as_env(), "PYTHONUNBUFFERED": "1"},
        )
        self._answers: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._next_id = 0

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._answers.put(line)
        self._answers.put(None)

    @property
    def alive(self) -> bool:
        """Whether the client process is still running."""
        return self.process.poll() is None

    def stderr_tail(self, limit: int = 300) -> str:
        """The end of what the client wrote on stderr, secrets and tokens redacted."""
        self._stderr.seek(0)
        text = self._redact(self._stderr.read().decode("utf-8", "replace")).strip()
        return text[-limit:]

    def _exited(self) -> str:
        tail = self.stderr_tail()
        return f"the client process exited (status {self.process.wait()})" + (
            f"; its stderr ends: {tail}" if tail else ""
        )

    def _exchange(self, message: dict[str, Any]) -> dict[str, Any] | str:
        self._next_id += 1
        message = {"id": self._next_id, **message}
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return self._exited()
        while True:
            try:
                line = self._answers.get(timeout=CALL_TIMEOUT)
            except queue.Empty:
                return f"no answer within {CALL_TIMEOUT:g} s"
            if line is None:
                return self._exited()
            try:
                answer = json.loads(line)
            except ValueError:
                return (
                    f"the client printed a line that is not JSON on stdout: {line.strip()[:80]!r} (use stderr for logs)"
                )
            if not isinstance(answer, dict) or answer.get("id") != message["id"]:
                continue  # an answer to something else; keep reading
            return answer

    def call(self, method: str, path: str, body: Any) -> CallResult:
        answer = self._exchange({"method": method, "path": path, "body": body})
        if isinstance(answer, str):
            return CallResult(None, answer)
        status = answer.get("status")
        if isinstance(status, int) and not isinstance(status, bool):
            return CallResult(status)
        return CallResult(None, str(answer.get("error") or "status null"))

    def burst(self, method: str, path: str, body: Any, n: int) -> list[CallResult] | str:
        answer = self._exchange({"method": method, "path": path, "body": body, "concurrency": n})
        if isinstance(answer, str):
            return answer
        statuses = answer.get("statuses")
        if not isinstance(statuses, list):
            return str(answer.get("error") or "the client answered without statuses")
        return [
            CallResult(s) if isinstance(s, int) and not isinstance(s, bool) else CallResult(None, "status null")
            for s in statuses
        ]

    def close(self) -> None:
        try:
            assert self.process.stdin is not None
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr.close()


class JsonLinesAdapter:
    """``--client-cmd "COMMAND"``: any program speaking the JSON-lines protocol, in real time."""

    mode = "json-lines"

    def __init__(self, command: str) -> None:
        if not command.strip():
            raise SetupError("--client-cmd needs a command")
        self.label = command
        self.command = command

    def preflight(self, env: ClientEnvironment) -> None:
        """Start the command once and close its stdin: a missing command is a setup error, not a failure."""
        session = JsonLinesSession(self.command, env)
        assert session.process.stdin is not None
        session.process.stdin.close()
        try:
            status = session.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            session.process.kill()
            session.process.wait()
            raise SetupError(f"{self.command!r} did not exit within 15 s of its stdin closing") from None
        tail = session.stderr_tail(400).strip()
        session._stderr.close()
        if status in (126, 127):
            raise SetupError(f"cannot run {self.command!r}: {tail or f'shell status {status}'}")
        if status != 0:
            raise SetupError(f"{self.command!r} exited with status {status} when its stdin closed: {tail}")

    def start(self, env: ClientEnvironment) -> JsonLinesSession:
        return JsonLinesSession(self.command, env)
