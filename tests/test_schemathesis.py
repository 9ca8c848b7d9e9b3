"""Schemathesis against the running mock: no 5xx, every answer as the OpenAPI document says, auth enforced.

Two runs, each on its own mock: the identity service and the API with real credentials, and the admin
API (which moves clocks, rotates keys and revokes tokens, so it would disturb the first run).

The schema is loaded eagerly from the package (``schemathesis.pytest.from_fixture`` writes
``Node._nodeid``, which pytest 9.2 no longer has); the served document only adds the server URL,
which ``test_the_served_document_is_the_packaged_one`` checks. The admin run sends its requests to
its own mock (``base_url``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from mock_server.config import Overrides, load_settings
from mock_server.openapi import raw_document
from mock_server.testing import VistaMock

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)


# Started when the module is imported: Schemathesis fetches its token while collecting the tests.
API_MOCK = VistaMock.start(load_settings(None, Overrides(token_limit=None)))  # the budget is tested elsewhere
ADMIN_MOCK = VistaMock.start()


@pytest.fixture(scope="module")
def api_mock() -> Iterator[VistaMock]:
    yield API_MOCK
    API_MOCK.close()


@pytest.fixture(scope="module")
def admin_mock() -> Iterator[VistaMock]:
    yield ADMIN_MOCK
    ADMIN_MOCK.close()


CONFIG = SchemathesisConfig.from_dict(
    {
        "base-url": API_MOCK.url,
        # Credentials through Schemathesis, so it knows which cases deliberately leave them out. The
        # bearer token is fetched from the mock's own token endpoint.
        "auth": {
            "openapi": {"vistaApiKey": {"api_key": "mock-api-key"}, "vistaTenant": {"api_key": "mock-tenant"}},
            "dynamic": {
                "openapi": {
                    "partnerToken": {
                        "path": "/oauth/token",
                        "payload": {
                            "client_id": "mock-client",
                            "client_secret": "mock-secret",
                            "grant_type": "client_credentials",
                            "audience": "https://partner.vista.co/",
                            "tenant_code": "mock-tenant",
                        },
                        "extract_selector": "/access_token",
                    }
                }
            },
        },
        # The API ignores query parameters it does not know, as a gateway does; no point asking for 4xx.
        "generation": {"allow-extra-parameters": False},
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
        ],
    }
)
API_SCHEMA = schemathesis.openapi.from_dict(raw_document(), config=CONFIG).exclude(tag="admin")
# Its own schema: with an [[operations]] entry in the config, Schemathesis 4.32 ignores include(tag=...).
ADMIN_SCHEMA = schemathesis.openapi.from_dict(raw_document()).include(tag="admin")


def test_the_served_document_is_the_packaged_one(api_mock: VistaMock) -> None:
    served = requests.get(api_mock.url + "/openapi.json", timeout=10).json()
    assert served == {**raw_document(), "servers": [{"url": api_mock.url}]}


@API_SCHEMA.parametrize()
@SETTINGS
def test_identity_and_api(case: Any, api_mock: VistaMock) -> None:
    case.call_and_validate(base_url=api_mock.url)
    assert api_mock.state.internal_errors() == []


@ADMIN_SCHEMA.parametrize()
@SETTINGS
def test_admin_api(case: Any, admin_mock: VistaMock) -> None:
    case.call_and_validate(base_url=admin_mock.url)
    assert admin_mock.state.internal_errors() == []


def test_the_api_run_was_authenticated(api_mock: VistaMock) -> None:
    """Runs last in this module: every API operation was reached with good credentials at least once."""
    ok = {(e.method, e.path) for e in api_mock.requests(kind="api") if 200 <= e.status < 300}
    prefix = api_mock.settings.custom_api_prefix
    for operation in [
        ("GET", "/api/v1/film-management/films"),
        ("GET", "/api/v1/sites"),
        ("POST", "/api/v1/stock-management/vendor-receipts"),
        ("GET", f"{prefix}sample-report"),
    ]:
        assert operation in ok, f"Schemathesis never got a 2xx from {operation}"
    # Its auth checks sent requests without credentials and with bad ones, and were refused. (Its probes
    # leave out or spoil the key too, so "a good key without a token" is test_api.py's business.)
    refused = {e.cause for e in api_mock.requests(kind="api") if e.status == 401}
    assert {"api_key_missing", "api_key_unknown"} <= refused
