"""The suite's options, defined once: ``vista-contract --NAME`` and ``pytest --vista-NAME``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["CLIENT_OPTIONS", "OPTIONS", "Option"]


@dataclass(frozen=True)
class Option:
    """One option: its CLI name, its pytest name, and how argparse reads it."""

    name: str
    help: str
    type: Callable[[str], Any] | None = None
    default: Any = None
    metavar: str | None = None
    flag: bool = False

    @property
    def cli(self) -> str:
        return f"--{self.name}"

    @property
    def pytest(self) -> str:
        return f"--vista-{self.name}"

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``add_argument`` / ``addoption``."""
        if self.flag:
            return {"action": "store_true", "help": self.help}
        return {"type": self.type, "default": self.default, "metavar": self.metavar, "help": self.help}

    def to_pytest(self, value: Any) -> list[str]:
        """This option, with ``value``, on a pytest command line."""
        if self.flag:
            return [self.pytest] if value else []
        return [] if value is None else [self.pytest, str(value)]


CLIENT_OPTIONS = (
    Option(
        "client",
        "a Python client in this process: FACTORY(settings) -> object with request()",
        str,
        None,
        "MODULE:FACTORY",
    ),
    Option(
        "client-cmd",
        "any client program speaking the JSON-lines protocol (run through the shell)",
        str,
        None,
        "COMMAND",
    ),
)
OPTIONS = (
    Option("leeway-min", "least acceptable refresh margin, seconds (default 30)", float, 30.0, "S"),
    Option("leeway-max", "largest acceptable refresh margin, seconds (default 300)", float, 300.0, "S"),
    Option("backoff-min", "least wait after a failed token request, seconds (default 30)", float, 30.0, "S"),
    Option("thorough", "many more Hypothesis examples", flag=True),
    Option("seed", "replay a run: every run prints its seed", int, None, "N"),
    Option("max-examples", "Hypothesis examples (overrides the profile; 0 runs only the fixed probes)", int, None, "N"),
)
