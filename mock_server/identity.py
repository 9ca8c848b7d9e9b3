"""Identity service endpoints: the token endpoint, JWKS and discovery."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from .oauth import TOKEN_FIELDS, grant_token, inspect_fields
from .web import current_state, note, read_fields

__all__ = ["bp", "discovery_bp"]

bp = Blueprint("identity", __name__)
discovery_bp = Blueprint("discovery", __name__)


@bp.post("/oauth/token", provide_automatic_options=False)
def token() -> Response:
    """Issue a partner-account token (JSON body, as Vista documents; a form is accepted too)."""
    state = current_state()
    scheme = request.headers.get("Authorization", "").strip().partition(" ")[0].lower()
    if scheme:
        note(details={"authorization_scheme": scheme[:16]})
    fields, body_format = read_fields()
    client_id = fields.get("client_id")
    note(
        client_id=client_id if isinstance(client_id, str) else None,
        details={
            "format": body_format,
            "fields": sorted(state.redact(str(k))[:64] for k in fields),
            "unexpected_fields": sorted(state.redact(str(k))[:64] for k in fields if k not in TOKEN_FIELDS),
            "field_checks": inspect_fields(state, fields),
        },
    )
    grant = grant_token(state, fields, request.host_url)
    note(jti=grant.issued.record.jti, exp=grant.issued.record.exp, details={"iat": grant.issued.record.iat})
    response = jsonify(grant.body())
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _base_url() -> str:
    return current_state().issuer_url(request.host_url)


@discovery_bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """The public keys tokens are signed with."""
    response = jsonify(current_state().keys.jwks())
    response.headers["Cache-Control"] = "no-cache"
    return response


@discovery_bp.get("/.well-known/openid-configuration")
def openid_configuration() -> Response:
    """Discovery document naming the issuer, token endpoint and JWKS."""
    base = _base_url()
    return jsonify(
        {
            "issuer": base,
            "token_endpoint": base + url_for("identity.token").lstrip("/"),
            "jwks_uri": base + url_for("discovery.jwks").lstrip("/"),
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }
    )
