"""Requests sent exactly as written (duplicate headers, raw bytes, any method), for tests."""

from __future__ import annotations

import http.client
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mock_server.testing import VistaMock


@dataclass
class Raw:
    """An answer: status, headers with lower-case names, body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    mock: VistaMock,
    method: str,
    path: str,
    headers: Sequence[tuple[str, str | bytes]] = (),
    body: bytes | None = None,
) -> Raw:
    """One request over a fresh connection; headers exactly as given (duplicates included), nothing added
    but Host and, with a body, Content-Length."""
    parts = urlsplit(mock.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Raw(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()
