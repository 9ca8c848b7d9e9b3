"""Configuration: the embedded default, the file format, precedence and error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.config import (
    DEFAULT_CONFIG_SOURCE,
    ApiRule,
    ConfigError,
    Overrides,
    TokenLimit,
    load_settings,
)

from .conftest import EXAMPLE_CONFIG


def test_embedded_default_has_the_documented_client() -> None:
    settings = load_settings()
    assert settings.source == DEFAULT_CONFIG_SOURCE
    (client,) = settings.clients
    assert (client.client_id, client.client_secret, client.tenant_code, client.api_key) == (
        "mock-client",
        "mock-secret",
        "mock-tenant",
        "mock-api-key",
    )
    assert client.token_lifetime == 3600
    assert client.token_limit == TokenLimit(25, 900)
    assert client.may_call("DELETE", "/api/anything/at/all")


def test_example_config_has_several_clients_and_tenants() -> None:
    settings = load_settings(EXAMPLE_CONFIG)
    assert [c.client_id for c in settings.clients] == ["cinema-app", "kiosk", "stock-sync"]
    assert {c.tenant_code for c in settings.clients} == {"tenant-north", "tenant-south"}
    kiosk = settings.client("kiosk")
    assert kiosk is not None
    assert kiosk.token_lifetime == 300
    assert kiosk.token_limit == TokenLimit(10, 900)
    assert kiosk.may_call("GET", "/api/v1/sites")
    assert not kiosk.may_call("POST", "/api/v1/sites")
    stock = settings.client("stock-sync")
    assert stock is not None and stock.token_limit is None


def test_secrets_do_not_appear_in_reprs() -> None:
    settings = load_settings(EXAMPLE_CONFIG, Overrides(admin_token="admin-token-123"))
    text = repr(settings)
    for secret in settings.secrets():
        assert secret not in text


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vista.toml"
    path.write_text(text)
    return path


CLIENT = """
[[clients]]
client_id = "a"
client_secret = "s"
tenant_code = "t"
api_key = "k"
"""


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("[mock]\nprofle = 'live'\n" + CLIENT, "mock.profle", "unknown key"),
        ("[mock]\nprofile = 'staging'\n" + CLIENT, "mock.profile", "must be one of 'live', 'sandbox'"),
        ("[mock]\ntoken_window = 'rolling'\n" + CLIENT, "mock.token_window", "must be one of"),
        ("[mock]\ntoken_limit = '25'\n" + CLIENT, "mock.token_limit", "COUNT/SECONDS"),
        ("[mock]\ncustom_api_prefix = '/custom/'\n" + CLIENT, "mock.custom_api_prefix", "must start with '/api/'"),
        ("[mock]\npublic_url = 'localhost:1'\n" + CLIENT, "mock.public_url", "http://"),
        ("[mock]\njournal_size = 0\n" + CLIENT, "mock.journal_size", "at least 1"),
        ("", "clients", "missing"),
        ("clients = []", "clients", "non-empty"),
        (CLIENT.replace('client_secret = "s"\n', ""), "clients[0].client_secret", "missing (required)"),
        (CLIENT.replace('"t"', '""'), "clients[0].tenant_code", "must not be empty"),
        (CLIENT.replace('"t"', "7"), "clients[0].tenant_code", "must be a string"),
        (CLIENT + "token_lifetime = '1h'\n", "clients[0].token_lifetime", "must be an integer"),
        (CLIENT + "token_lifetime = 0\n", "clients[0].token_lifetime", "at least 1"),
        (CLIENT + "token_limit = '0/900'\n", "clients[0].token_limit", "COUNT >= 1"),
        (CLIENT + "allowed_apis = 'GET /api/v1/sites'\n", "clients[0].allowed_apis", "list of strings"),
        (CLIENT + "allowed_apis = ['GET api/v1/sites']\n", "clients[0].allowed_apis", "METHOD /path/pattern"),
        (CLIENT + "colour = 'blue'\n", "clients[0].colour", "unknown key"),
        (CLIENT + CLIENT, "clients[1].client_id", "duplicate client_id 'a'"),
        (CLIENT + CLIENT.replace('"a"', '"b"'), "clients[1].api_key", "already used by 'a'"),
    ],
)
def test_config_errors_name_the_file_the_key_and_the_problem(tmp_path: Path, text: str, key: str, problem: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.source == str(path)
    assert info.value.key == key
    assert problem in info.value.problem
    assert str(path) in str(info.value) and key in str(info.value)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"vista\.toml: not valid TOML"):
        load_settings(_write(tmp_path, "[[clients]\n"))
    with pytest.raises(ConfigError, match=r"nope\.toml: file not found"):
        load_settings(tmp_path / "nope.toml")


def test_precedence_command_line_then_client_then_mock_table_then_profile(tmp_path: Path) -> None:
    text = (
        "[mock]\ntoken_lifetime = 600\n"
        + CLIENT
        + CLIENT.replace('"a"', '"b"').replace('"k"', '"k2"')
        + "token_limit = '5/60'\ntoken_lifetime = 120\n"
    )
    path = _write(tmp_path, text)
    plain = load_settings(path)
    a, b = plain.clients
    assert (a.token_lifetime, a.token_limit) == (600, TokenLimit(25, 900))  # [mock] table, live profile
    assert (b.token_lifetime, b.token_limit) == (120, TokenLimit(5, 60))  # the client's own entry

    sandbox = load_settings(path, Overrides(profile="sandbox"))
    assert sandbox.clients[0].token_limit == TokenLimit(10, 900)  # profile default changed
    assert sandbox.clients[1].token_limit == TokenLimit(5, 60)  # explicit entry kept

    cli = load_settings(path, Overrides(token_lifetime=30, token_limit=TokenLimit(2, 10), token_window="fixed"))
    assert {(c.token_lifetime, c.token_limit) for c in cli.clients} == {(30, TokenLimit(2, 10))}
    assert cli.token_window == "fixed"
    off = load_settings(path, Overrides(token_limit=None))
    assert all(c.token_limit is None for c in off.clients)


def test_bad_command_line_overrides_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="--profile"):
        load_settings(None, Overrides(profile="prod"))
    with pytest.raises(ConfigError, match="--token-window"):
        load_settings(None, Overrides(token_window="hourly"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("25/900", TokenLimit(25, 900)), (" 3/0.5 ", TokenLimit(3, 0.5)), ("off", None), ("OFF", None)],
)
def test_token_limit_parse(text: str, expected: TokenLimit | None) -> None:
    assert TokenLimit.parse(text) == expected


@pytest.mark.parametrize("text", ["25", "25/", "/900", "0/900", "25/0", "25/-1", "a/b", "25/nan", "25/inf"])
def test_token_limit_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="COUNT/SECONDS"):
        TokenLimit.parse(text)


def test_api_rules() -> None:
    rule = ApiRule.parse("get /api/v1/film-management/*")
    assert rule.allows("GET", "/api/v1/film-management/films")
    assert rule.allows("GET", "/api/v1/film-management/films/42/sessions")
    assert not rule.allows("POST", "/api/v1/film-management/films")
    assert not rule.allows("GET", "/api/v1/sites")
    assert ApiRule.parse("*").allows("PATCH", "/anything")
    assert str(rule) == "GET /api/v1/film-management/*"
