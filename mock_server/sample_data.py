"""The API mock's sample data and Vista-style cursor paging (no Flask)."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["PAGE_SIZE_DEFAULT", "PAGE_SIZE_MAX", "PAGE_SIZE_MIN", "Page", "PagingError", "load", "page"]

PAGE_SIZE_MIN, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 1_000, 2_000, 100_000


class PagingError(ValueError):
    """A bad ``pageSize`` or ``cursor``; the message says which and why."""


@dataclass(frozen=True)
class Page:
    """One page of a collection."""

    data: list[Any]
    next_page_cursor: str | None

    def body(self) -> dict[str, Any]:
        """The JSON answer."""
        return {"data": self.data, "nextPageCursor": self.next_page_cursor}


@functools.cache
def load(name: str) -> Any:
    """A sample data file from ``fixtures/sample_data`` (installed as ``vista_fixtures``)."""
    text = resources.files("vista_fixtures").joinpath("sample_data", f"{name}.json").read_text("utf-8")
    return json.loads(text)


def _encode_cursor(collection: str, offset: int) -> str:
    raw = json.dumps({"c": collection, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode_cursor(collection: str, cursor: str, size: int) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        offset = data["o"]
        valid = data["c"] == collection and isinstance(offset, int) and 0 < offset < size
    except (binascii.Error, ValueError, UnicodeError, KeyError, TypeError):
        valid = False
    if not valid:
        raise PagingError("cursor is not a nextPageCursor this API returned for this collection.")
    return offset  # type: ignore[no-any-return]


def parse_page_size(text: str | None) -> int:
    """``pageSize``: 1,000..100,000, default 2,000."""
    if text is None:
        return PAGE_SIZE_DEFAULT
    if not text.isascii() or not text.isdigit() or not PAGE_SIZE_MIN <= int(text) <= PAGE_SIZE_MAX:
        raise PagingError(
            f"pageSize must be a whole number from {PAGE_SIZE_MIN:,} to {PAGE_SIZE_MAX:,}; got {text[:20]!r}."
        )
    return int(text)


def page(collection: str, items: list[Any], page_size: str | None, cursor: str | None) -> Page:
    """The page of ``items`` that ``page_size`` and ``cursor`` (query values, unparsed) ask for."""
    size = parse_page_size(page_size)
    offset = 0 if cursor is None else _decode_cursor(collection, cursor, len(items))
    end = offset + size
    return Page(items[offset:end], _encode_cursor(collection, end) if end < len(items) else None)
