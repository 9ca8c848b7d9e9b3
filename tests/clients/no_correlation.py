"""A correct client that sends no CorrelationId (only an advisory warning)."""

from __future__ import annotations

from typing import Any

from vista_fixtures.clients.reference import VistaClient


class Uncorrelated(VistaClient):
    def _headers(self, token: str, *, retry: bool) -> dict[str, str]:
        headers = super()._headers(token, retry=retry)
        del headers["CorrelationId"]
        return headers


def make_client(settings: Any) -> Uncorrelated:
    return Uncorrelated(settings)
