"""The one error type the mock answers with; rendered by ``web`` in the shape the path calls for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MockError"]


class MockError(Exception):
    """An error answer: OAuth JSON on identity paths, RFC 7807 problem details elsewhere.

    ``error`` is the OAuth error code (identity) or the problem's short code; ``cause`` is the
    stable code journalled for the request (defaults to ``error``).
    """

    def __init__(
        self,
        status: int,
        error: str,
        detail: str,
        *,
        cause: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail
        self.cause = cause or error
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        self.body = dict(body) if body is not None else None  # replaces the rendered body entirely
