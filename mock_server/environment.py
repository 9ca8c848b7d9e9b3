"""The client environment: the ``VISTA_*`` variables every client under test reads."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from .config import AUDIENCE, ClientConfig

__all__ = ["ENV_VARS", "SECRET_FIELDS", "ClientEnvironment"]

# Attribute name -> environment variable. These names are the kit's contract with clients.
ENV_VARS: dict[str, str] = {
    "identity_url": "VISTA_IDENTITY_URL",
    "api_url": "VISTA_API_URL",
    "client_id": "VISTA_CLIENT_ID",
    "client_secret": "VISTA_CLIENT_SECRET",
    "tenant_code": "VISTA_TENANT_CODE",
    "api_key": "VISTA_API_KEY",
    "audience": "VISTA_AUDIENCE",
}
SECRET_FIELDS = ("client_secret", "api_key")


@dataclass(frozen=True)
class ClientEnvironment:
    """What a client needs to call Vista: the token endpoint is ``identity_url + "/oauth/token"``,
    API paths (``/api/...``) are appended to ``api_url``."""

    identity_url: str
    api_url: str
    client_id: str
    client_secret: str = field(repr=False)
    tenant_code: str
    api_key: str = field(repr=False)
    audience: str = AUDIENCE

    @classmethod
    def for_client(cls, base_url: str, client: ClientConfig) -> ClientEnvironment:
        """The environment for ``client`` of a mock served at ``base_url``."""
        base = base_url.rstrip("/")
        return cls(base, base, client.client_id, client.client_secret, client.tenant_code, client.api_key)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ClientEnvironment:
        """Read the ``VISTA_*`` variables; ``VISTA_AUDIENCE`` is optional."""
        missing = [var for name, var in ENV_VARS.items() if name != "audience" and not environ.get(var)]
        if missing:
            raise KeyError(f"missing environment variable(s): {', '.join(missing)}")
        values = {name: environ.get(var, AUDIENCE) for name, var in ENV_VARS.items()}
        return cls(**values)

    @property
    def token_url(self) -> str:
        """The token endpoint."""
        return self.identity_url.rstrip("/") + "/oauth/token"

    def as_env(self) -> dict[str, str]:
        """``{"VISTA_IDENTITY_URL": ..., ...}``."""
        return {ENV_VARS[f.name]: getattr(self, f.name) for f in fields(self)}

    def export_lines(self, *, include_secrets: bool = True) -> list[str]:
        """Shell ``export`` lines, optionally leaving out the secret and the API key."""
        return [
            f"export {ENV_VARS[f.name]}={shlex.quote(getattr(self, f.name))}"
            for f in fields(self)
            if include_secrets or f.name not in SECRET_FIELDS
        ]
