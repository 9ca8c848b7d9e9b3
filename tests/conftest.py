"""Shared fixtures for the kit's own tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_server import AUDIENCE, load_settings
from mock_server.testing import VistaMock

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "fixtures" / "config.example.toml"


def token_body(**overrides: Any) -> dict[str, Any]:
    """A correct token request for the default client, with fields replaced or removed (None)."""
    body = {
        "client_id": "mock-client",
        "client_secret": "mock-secret",
        "grant_type": "client_credentials",
        "audience": AUDIENCE,
        "tenant_code": "mock-tenant",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A requests session, closed after the test."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def get_token(vista_mock: VistaMock, http: requests.Session) -> Callable[..., requests.Response]:
    """POST a token request to the session's mock: ``get_token(client_secret="x")``."""

    def get(**overrides: Any) -> requests.Response:
        return http.post(vista_mock.token_url, json=token_body(**overrides), timeout=10)

    return get


@pytest.fixture(scope="module")
def example_mock() -> Iterator[VistaMock]:
    """A mock serving fixtures/config.example.toml (three clients, two tenants)."""
    with VistaMock.start(load_settings(EXAMPLE_CONFIG)) as mock:
        yield mock


@pytest.fixture
def example(example_mock: VistaMock) -> Iterator[VistaMock]:
    """The example mock, reset after the test."""
    yield example_mock
    example_mock.reset()
