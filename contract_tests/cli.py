"""``vista-contract``: run the contract suite against a client; exit 0 (holds), 1 (a clause fails), 2 (usage/setup)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from .options import CLIENT_OPTIONS, OPTIONS

__all__ = ["main"]

PACKAGE = Path(__file__).resolve().parent


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (its help is the reference for every flag)."""
    parser = argparse.ArgumentParser(
        prog="vista-contract",
        description="Check that a Vista API client caches, refreshes and uses its tokens as the platform requires.",
        epilog="Arguments after -- are passed to pytest (e.g. -- -v).",
    )
    client = parser.add_mutually_exclusive_group(required=True)
    for option in CLIENT_OPTIONS:
        client.add_argument(option.cli, **option.kwargs())
    for option in OPTIONS:
        parser.add_argument(option.cli, **option.kwargs())
    parser.add_argument("--junitxml", metavar="FILE", help="write a JUnit XML report, one test case per clause")
    return parser


def pytest_args(args: argparse.Namespace, extra: Sequence[str]) -> list[str]:
    """The pytest command line for these options (collects nothing but the clauses)."""
    verbose = any(arg == "--verbose" or (arg.startswith("-v") and set(arg[1:]) == {"v"}) for arg in extra)
    argv = ["-c", str(PACKAGE / "vista-contract.ini"), "--rootdir", os.getcwd(), "--no-header", "-rN"]
    if not verbose:
        argv.append("-q")
    for option in (*CLIENT_OPTIONS, *OPTIONS):
        argv += option.to_pytest(getattr(args, option.dest))
    if args.junitxml:
        argv += ["--junitxml", args.junitxml, "-o", "junit_suite_name=vista-contract", "-o", "junit_family=xunit2"]
    return [*argv, *extra, str(PACKAGE)]  # the package holds no test files: only the clause items run


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``vista-contract``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    args = build_parser().parse_args(argv)
    if args.max_examples is not None and args.max_examples < 0:
        build_parser().error("--max-examples must be >= 0")
    code = int(pytest.main(pytest_args(args, extra)))
    if code in (0, 1):
        return code
    return 2  # usage error, setup error, interrupted, internal error, nothing collected


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
