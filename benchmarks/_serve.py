"""Start ``vista-mock serve`` as a subprocess for a benchmark and find its URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

VISTA_MOCK = str(Path(sys.executable).with_name("vista-mock"))


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    """Launch the mock on a free port; return the process and its base URL once it is ready."""
    process = subprocess.Popen(
        [VISTA_MOCK, "serve", "--port", "0", "--log-level", "warning", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready = process.stdout.readline()
    if not ready.startswith("vista-mock ready at "):
        process.kill()
        raise SystemExit(f"vista-mock did not start: {ready!r}")
    return process, ready.split()[3]


def stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM and wait."""
    process.terminate()
    process.wait(timeout=30)
