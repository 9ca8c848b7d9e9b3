"""Configuration: clients, token limits and profiles, loaded from TOML or the embedded default."""

from __future__ import annotations

import fnmatch
import functools
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "AUDIENCE",
    "DEFAULT_CONFIG_SOURCE",
    "PROFILES",
    "ApiRule",
    "ClientConfig",
    "ConfigError",
    "Overrides",
    "Settings",
    "TokenLimit",
    "load_settings",
    "parse_settings",
]

AUDIENCE = "https://partner.vista.co/"
DEFAULT_CONFIG_SOURCE = "<embedded default>"
WINDOW_KINDS = ("sliding", "fixed")
DEFAULT_TOKEN_LIFETIME = 3600


class ConfigError(ValueError):
    """A configuration problem, naming the source, the key and what is wrong."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source, self.key, self.problem = source, key, problem
        super().__init__(f"{source}: {key}: {problem}" if key else f"{source}: {problem}")


@dataclass(frozen=True)
class TokenLimit:
    """At most ``count`` tokens per ``window`` seconds for one client id."""

    count: int
    window: float

    @classmethod
    def parse(cls, text: str) -> TokenLimit | None:
        """Parse ``COUNT/SECONDS`` (e.g. ``25/900``) or ``off`` (returns None)."""
        value = text.strip().lower()
        if value == "off":
            return None
        count_text, sep, window_text = value.partition("/")
        try:
            count, window = int(count_text), float(window_text)
        except ValueError:
            count, window = -1, -1.0
        if not sep or count < 1 or not math.isfinite(window) or window <= 0:
            raise ValueError(
                f"expected COUNT/SECONDS with COUNT >= 1 and SECONDS > 0 (e.g. 25/900) or 'off', got {text!r}"
            )
        return cls(count, window)

    def __str__(self) -> str:
        return f"{self.count}/{self.window:g}"


PROFILES: dict[str, TokenLimit] = {
    # Published by Vista: 25 tokens per client id per 15-minute window on live environments.
    "live": TokenLimit(25, 900),
    # Vista only says "lower" for sandbox; 10 is the mock's assumption (documented in the README).
    "sandbox": TokenLimit(10, 900),
}


@dataclass(frozen=True)
class ApiRule:
    """One allowed API: an HTTP method (or ``*``) and a path glob (``*`` matches across ``/``)."""

    method: str
    path: str

    @classmethod
    def parse(cls, text: str) -> ApiRule:
        """Parse ``"GET /api/v1/sites"``, ``"* /api/v1/film-management/*"`` or ``"*"``."""
        parts = text.split()
        if parts == ["*"]:
            return cls("*", "*")
        if len(parts) != 2 or not (parts[1].startswith("/") or parts[1] == "*"):
            raise ValueError(f"expected 'METHOD /path/pattern' or '*', got {text!r}")
        method = parts[0].upper()
        if method != "*" and not method.isalpha():
            raise ValueError(f"{parts[0]!r} is not an HTTP method")
        return cls(method, parts[1])

    def allows(self, method: str, path: str) -> bool:
        """Whether this rule covers ``method`` and ``path``."""
        return (self.method in ("*", method.upper())) and fnmatch.fnmatchcase(path, self.path)

    def __str__(self) -> str:
        return "*" if (self.method, self.path) == ("*", "*") else f"{self.method} {self.path}"


@dataclass(frozen=True)
class ClientConfig:
    """One partner account: credentials, tenant, token settings and allowed APIs."""

    client_id: str
    client_secret: str = field(repr=False)
    tenant_code: str
    api_key: str = field(repr=False)
    token_lifetime: int = DEFAULT_TOKEN_LIFETIME
    token_limit: TokenLimit | None = PROFILES["live"]
    allowed_apis: tuple[ApiRule, ...] = (ApiRule("*", "*"),)

    def may_call(self, method: str, path: str) -> bool:
        """Whether the allowed-API list covers ``method`` ``path``."""
        return any(rule.allows(method, path) for rule in self.allowed_apis)


@dataclass(frozen=True)
class Settings:
    """Everything the mock is started with. Immutable; runtime state lives in ``MockState``."""

    clients: tuple[ClientConfig, ...]
    profile: str = "live"
    token_window: str = "sliding"
    public_url: str | None = None
    custom_api_prefix: str = "/api/custom/"
    clock_skew: int = 30
    journal_size: int = 10_000
    max_body_bytes: int = 1_048_576
    max_header_bytes: int = 262_144
    admin_token: str | None = field(default=None, repr=False)
    source: str = DEFAULT_CONFIG_SOURCE

    @functools.cached_property
    def _by_id(self) -> dict[str, ClientConfig]:
        return {c.client_id: c for c in self.clients}

    @functools.cached_property
    def _by_api_key(self) -> dict[str, ClientConfig]:
        return {c.api_key: c for c in self.clients}

    def client(self, client_id: str) -> ClientConfig | None:
        """The client with this id, or None."""
        return self._by_id.get(client_id)

    def client_for_api_key(self, api_key: str) -> ClientConfig | None:
        """The client this API key belongs to, or None."""
        return self._by_api_key.get(api_key)

    @property
    def default_client(self) -> ClientConfig:
        """The first client in the config (the one ``vista-mock env`` prints by default)."""
        return self.clients[0]

    def secrets(self) -> list[str]:
        """Every secret value the mock knows, for redaction."""
        values = [c.client_secret for c in self.clients] + [c.api_key for c in self.clients]
        if self.admin_token:
            values.append(self.admin_token)
        return values


_KEEP: Any = object()


@dataclass(frozen=True)
class Overrides:
    """Command-line settings; each one that is set beats the config file for every client."""

    profile: str | None = None
    token_lifetime: int | None = None
    token_limit: TokenLimit | None = _KEEP  # None means "off"
    token_window: str | None = None
    public_url: str | None = None
    admin_token: str | None = field(default=None, repr=False)


def _choice_problem(value: object, choices: Iterable[str]) -> str:
    return f"must be one of {', '.join(repr(c) for c in choices)}, got {value!r}"


class _Reader:
    """Typed access to one TOML table that reports errors with their full key path."""

    def __init__(self, source: str, table: Mapping[str, Any], prefix: str, known: set[str]) -> None:
        self.source, self.table, self.prefix = source, table, prefix
        for key in table:
            if key not in known:
                raise ConfigError(source, self.key(key), f"unknown key (known keys: {', '.join(sorted(known))})")

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def error(self, name: str, problem: str) -> ConfigError:
        return ConfigError(self.source, self.key(name), problem)

    def string(self, name: str, default: str | None = None, *, required: bool = False) -> str:
        if name not in self.table:
            if required:
                raise self.error(name, "missing (required)")
            return default  # type: ignore[return-value]
        value = self.table[name]
        if not isinstance(value, str):
            raise self.error(name, f"must be a string, got {type(value).__name__}")
        if not value.strip():
            raise self.error(name, "must not be empty")
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
            raise self.error(name, "must not contain control characters")
        return value

    def integer(self, name: str, default: int, *, minimum: int) -> int:
        value = self.table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"must be an integer, got {type(value).__name__}")
        if value < minimum:
            raise self.error(name, f"must be at least {minimum}, got {value}")
        return value

    def choice(self, name: str, default: str, choices: Iterable[str]) -> str:
        value = self.string(name, default)
        if value not in choices:
            raise self.error(name, _choice_problem(value, choices))
        return value

    def token_limit(self, name: str, default: TokenLimit | None) -> TokenLimit | None:
        if name not in self.table:
            return default
        try:
            return TokenLimit.parse(self.string(name))
        except ValueError as exc:
            raise self.error(name, str(exc)) from None

    def rules(self, name: str) -> tuple[ApiRule, ...]:
        value = self.table.get(name, ["*"])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(name, "must be a list of strings such as 'GET /api/v1/sites'")
        try:
            return tuple(ApiRule.parse(v) for v in value)
        except ValueError as exc:
            raise self.error(name, str(exc)) from None


_MOCK_KEYS = {
    "profile",
    "token_window",
    "token_lifetime",
    "token_limit",
    "public_url",
    "custom_api_prefix",
    "clock_skew",
    "journal_size",
    "max_body_bytes",
    "max_header_bytes",
}
_CLIENT_KEYS = {
    "client_id",
    "client_secret",
    "tenant_code",
    "api_key",
    "token_lifetime",
    "token_limit",
    "allowed_apis",
}


def parse_settings(data: Mapping[str, Any], source: str, overrides: Overrides | None = None) -> Settings:
    """Build ``Settings`` from parsed TOML, raising ``ConfigError`` naming the bad key.

    Precedence, highest first: command line (``overrides``), the client's own entry, the
    ``[mock]`` table, the profile.
    """
    cli = overrides or Overrides()
    top = _Reader(source, data, "", {"mock", "clients"})
    mock_table = data.get("mock", {})
    if not isinstance(mock_table, dict):
        raise top.error("mock", "must be a table ([mock])")
    mock = _Reader(source, mock_table, "mock.", _MOCK_KEYS)
    profile = mock.choice("profile", "live", PROFILES)
    if cli.profile is not None:
        if cli.profile not in PROFILES:
            raise ConfigError("command line", "--profile", _choice_problem(cli.profile, PROFILES))
        profile = cli.profile
    default_limit = mock.token_limit("token_limit", PROFILES[profile])
    default_lifetime = mock.integer("token_lifetime", DEFAULT_TOKEN_LIFETIME, minimum=1)
    if cli.token_lifetime is not None and cli.token_lifetime < 1:
        raise ConfigError("command line", "--token-lifetime", "must be at least 1 second")
    token_window = mock.choice("token_window", "sliding", WINDOW_KINDS)
    if cli.token_window is not None:
        if cli.token_window not in WINDOW_KINDS:
            raise ConfigError("command line", "--token-window", _choice_problem(cli.token_window, WINDOW_KINDS))
        token_window = cli.token_window
    prefix = mock.string("custom_api_prefix", "/api/custom/")
    if not (prefix.startswith("/api/") and prefix.endswith("/") and len(prefix) > len("/api/")):
        raise mock.error("custom_api_prefix", f"must start with '/api/' and end with '/', got {prefix!r}")
    public_url = cli.public_url or mock.string("public_url")
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise mock.error("public_url", f"must be an http:// or https:// URL, got {public_url!r}")

    raw_clients = data.get("clients")
    if raw_clients is None:
        raise top.error("clients", "missing: add at least one [[clients]] table")
    if not isinstance(raw_clients, list) or not raw_clients:
        raise top.error("clients", "must be a non-empty array of tables ([[clients]])")
    clients: list[ClientConfig] = []
    for index, raw in enumerate(raw_clients):
        if not isinstance(raw, dict):
            raise top.error(f"clients[{index}]", "must be a table")
        entry = _Reader(source, raw, f"clients[{index}].", _CLIENT_KEYS)
        client = ClientConfig(
            client_id=entry.string("client_id", required=True),
            client_secret=entry.string("client_secret", required=True),
            tenant_code=entry.string("tenant_code", required=True),
            api_key=entry.string("api_key", required=True),
            token_lifetime=cli.token_lifetime or entry.integer("token_lifetime", default_lifetime, minimum=1),
            token_limit=cli.token_limit
            if cli.token_limit is not _KEEP
            else entry.token_limit("token_limit", default_limit),
            allowed_apis=entry.rules("allowed_apis"),
        )
        for other in clients:
            if other.client_id == client.client_id:
                raise entry.error("client_id", f"duplicate client_id {client.client_id!r}")
            if other.api_key == client.api_key:
                raise entry.error("api_key", f"the same api_key is already used by {other.client_id!r}")
        clients.append(client)

    return Settings(
        clients=tuple(clients),
        profile=profile,
        token_window=token_window,
        public_url=public_url.rstrip("/") if public_url else None,
        custom_api_prefix=prefix,
        clock_skew=mock.integer("clock_skew", 30, minimum=0),
        journal_size=mock.integer("journal_size", 10_000, minimum=1),
        max_body_bytes=mock.integer("max_body_bytes", 1_048_576, minimum=1024),
        max_header_bytes=mock.integer("max_header_bytes", 262_144, minimum=8192),
        admin_token=cli.admin_token,
        source=source,
    )


def load_settings(path: str | Path | None = None, overrides: Overrides | None = None) -> Settings:
    """Load a TOML config file, or the embedded default when ``path`` is None."""
    if path is None:
        text = resources.files("vista_fixtures").joinpath("default_config.toml").read_text("utf-8")
        source = DEFAULT_CONFIG_SOURCE
    else:
        source = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except FileNotFoundError:
            raise ConfigError(source, "", "file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(source, "", f"cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"not valid TOML: {exc}") from None
    return parse_settings(data, source, overrides)
