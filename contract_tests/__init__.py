"""vista-contract: the contract suite for Vista API clients (clauses, adapters, runner, pytest plugin).

Names are imported on first use, so that ``vista-contract`` can start pytest before Hypothesis and
time-machine are imported (pytest wants to load them as plugins itself).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ADVISORY",
    "CLAUSES",
    "CallResult",
    "ContractParams",
    "InProcessAdapter",
    "JsonLinesAdapter",
    "RunResult",
    "SetupError",
    "Violation",
    "run_contract",
]

_WHERE = {
    "ADVISORY": "clauses",
    "CLAUSES": "clauses",
    "Violation": "clauses",
    "CallResult": "adapters",
    "InProcessAdapter": "adapters",
    "JsonLinesAdapter": "adapters",
    "SetupError": "adapters",
    "RunResult": "runner",
    "run_contract": "runner",
    "ContractParams": "timeline",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'contract_tests' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
