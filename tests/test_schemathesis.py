"""Schemathesis against the running mock: no 5xx, every answer as the OpenAPI document says, auth enforced.

Two runs, each on its own mock: the identity service and the API with real credentials, and the admin
API (which moves clocks, rotates keys and revokes tokens, so it would disturb the first run).

The schema is loaded eagerly from the package (``schemathesis.pytest.from_fixture`` writes
``Node._nodeid``, which pytest 9.2 no longer has); the served document only adds the server URL,
which ``test_the_served_document_is_the_packaged_one`` checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from mock_server.openapi import raw_document
from mock_server.testing import VistaMock

from . import forge

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.fixture(scope="module")
def api_mock() -> Iterator[VistaMock]:
    with VistaMock.start() as mock:
        yield mock


@pytest.fixture(scope="module")
def admin_mock() -> Iterator[VistaMock]:
    with VistaMock.start() as mock:
        yield mock


@pytest.fixture(scope="module")
def credentials(api_mock: VistaMock) -> dict[str, str]:
    env = api_mock.env
    return {
        "Vista-Api-Key": env.api_key,
        "Vista-Api-Tenant": env.tenant_code,
        "Authorization": f"Bearer {forge.fetch_token(api_mock)}",
    }


CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                # A cursor is opaque: the schema can say "a string", not "a cursor this API issued", so a
                # schema-valid string that is no such cursor is rightly a 400.
                "include-operation-id": ["listFilms", "listSites"],
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429", "5xx"]
                    }
                },
            }
        ]
    }
)
SCHEMA = schemathesis.openapi.from_dict(raw_document(), config=CONFIG)


def test_the_served_document_is_the_packaged_one(api_mock: VistaMock) -> None:
    served = requests.get(api_mock.url + "/openapi.json", timeout=10).json()
    assert served == {**raw_document(), "servers": [{"url": api_mock.url}]}


@SCHEMA.exclude(tag="admin").parametrize()
@SETTINGS
def test_identity_and_api(case: Any, api_mock: VistaMock, credentials: dict[str, str]) -> None:
    headers: dict[str, str] = {}
    if case.path.startswith("/api/"):
        headers = dict(credentials)
        if case.path.startswith(api_mock.settings.custom_api_prefix):
            del headers["Vista-Api-Tenant"]  # custom APIs declare no tenant requirement
    case.call_and_validate(base_url=api_mock.url, headers=headers)
    assert api_mock.state.internal_errors() == []


@SCHEMA.include(tag="admin").parametrize()
@SETTINGS
def test_admin_api(case: Any, admin_mock: VistaMock) -> None:
    case.call_and_validate(base_url=admin_mock.url)
    assert admin_mock.state.internal_errors() == []
