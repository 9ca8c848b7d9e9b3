"""The ``vista_mock`` fixture, as an integrator's test suite would use it."""

from __future__ import annotations

import pytest


def test_fixture_serves_a_mock_and_resets_it_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import requests

        BODY = {
            "client_id": "mock-client", "client_secret": "mock-secret", "grant_type": "client_credentials",
            "audience": "https://partner.vista.co/", "tenant_code": "mock-tenant",
        }

        def test_exhaust(vista_mock):
            vista_mock.clock.advance(3600)
            vista_mock.set_budget(1)
            assert requests.post(vista_mock.token_url, json=BODY).status_code == 200
            assert requests.post(vista_mock.token_url, json=BODY).status_code == 400
            assert len(vista_mock.requests(kind="token")) == 2

        def test_fresh_again(vista_mock):
            assert vista_mock.requests() == []
            assert abs(vista_mock.clock.offset) < 1
            assert requests.post(vista_mock.token_url, json=BODY).status_code == 200
            env = vista_mock.env.as_env()
            assert env["VISTA_IDENTITY_URL"] == vista_mock.url
            assert env["VISTA_CLIENT_SECRET"] == "mock-secret"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_settings_can_be_overridden_in_conftest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from mock_server.config import Overrides, load_settings

        @pytest.fixture(scope="session")
        def vista_mock_settings():
            return load_settings(None, Overrides(token_lifetime=90))
        """
    )
    pytester.makepyfile(
        """
        import requests

        def test_lifetime(vista_mock):
            body = {
                "client_id": "mock-client", "client_secret": "mock-secret", "grant_type": "client_credentials",
                "audience": "https://partner.vista.co/", "tenant_code": "mock-tenant",
            }
            assert requests.post(vista_mock.token_url, json=body).json()["expires_in"] == 90
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_an_internal_error_in_the_mock_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import requests

        def test_breaks_the_mock(vista_mock):
            def broken(*args, **kwargs):
                raise RuntimeError("boom")
            vista_mock.state.budget.acquire = broken
            body = {
                "client_id": "mock-client", "client_secret": "mock-secret", "grant_type": "client_credentials",
                "audience": "https://partner.vista.co/", "tenant_code": "mock-tenant",
            }
            response = requests.post(vista_mock.token_url, json=body)
            assert response.status_code == 500
            assert response.json()["error"] == "server_error"
            assert "boom" not in response.text and "Traceback" not in response.text
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*the mock hit internal errors*", "POST /oauth/token: RuntimeError: boom"])
