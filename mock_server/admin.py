"""The admin API under ``/__admin/``: journal, reset, clock, budget, revocation, keys, faults."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .errors import MockError
from .faults import parse_fault
from .state import UnknownClient
from .web import current_state, read_json_object

__all__ = ["bp"]

bp = Blueprint("admin", __name__, url_prefix="/__admin")


def _is_loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool((mapped or ip).is_loopback)


@bp.before_request
def _authorise() -> None:
    """With an admin token, every admin request must bear it; without one, only loopback may ask."""
    expected = current_state().settings.admin_token
    if expected:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise MockError(
                401,
                "admin_unauthorized",
                "The admin API needs 'Authorization: Bearer <admin token>' (the token given with --admin-token).",
                headers={"WWW-Authenticate": 'Bearer realm="vista-mock-admin"'},
            )
    elif not _is_loopback(request.remote_addr):
        raise MockError(
            403,
            "admin_loopback_only",
            "The admin API answers only loopback clients unless the mock is started with --admin-token.",
        )


def _only(body: dict[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    for key in body:
        if key not in allowed:
            raise MockError(400, "invalid_request", f"Unknown field {key!r}; expected {', '.join(sorted(allowed))}.")


def _bad(exc: Exception) -> MockError:
    return MockError(400, "invalid_request", str(exc))


def _unknown_client(exc: UnknownClient) -> MockError:
    return MockError(404, "unknown_client", str(exc))


# -- journal ------------------------------------------------------------------------------------


def _float_arg(name: str) -> float | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise MockError(
            400, "invalid_request", f"Query parameter {name} must be a number, got {value[:32]!r}."
        ) from None


@bp.get("/requests")
def list_requests() -> Response:
    """Journal entries, oldest first; filters: kind, client_id, since (epoch s), after (seq)."""
    state = current_state()
    after = _float_arg("after")
    entries = state.journal.entries(
        kind=request.args.get("kind"),
        client_id=request.args.get("client_id"),
        since=_float_arg("since"),
        after=int(after) if after is not None else None,
    )
    return jsonify(
        {"requests": [e.as_dict() for e in entries], "count": len(entries), "dropped": state.journal.dropped}
    )


@bp.delete("/requests")
def clear_requests() -> Response:
    """Empty the journal."""
    current_state().journal.clear()
    return jsonify({"cleared": True})


@bp.post("/reset")
def reset() -> Response:
    """Journal, budgets, clock, revocations, faults and keys back to the start."""
    state = current_state()
    state.reset()
    return jsonify({"reset": True, "now": state.clock.now()})


# -- clock --------------------------------------------------------------------------------------


@bp.get("/clock")
def get_clock() -> Response:
    """The mock's time, its offset from system time, and whether it is frozen."""
    return jsonify(current_state().clock.snapshot())


@bp.post("/clock")
def move_clock() -> Response:
    """``{"advance": s}``, ``{"set": epoch}``, ``{"freeze": bool}``; several apply in that order."""
    body = read_json_object()
    _only(body, ("advance", "set", "freeze"))
    if not body:
        raise MockError(400, "invalid_request", "Give at least one of advance, set or freeze.")
    clock = current_state().clock
    freeze = body.get("freeze")
    if freeze is not None and not isinstance(freeze, bool):
        raise MockError(400, "invalid_request", f"freeze must be true or false, got {freeze!r}.")
    try:
        if freeze is True:
            clock.freeze(True)
        if "set" in body:
            clock.set(body["set"])
        if "advance" in body:
            clock.advance(body["advance"])
        if freeze is False:
            clock.freeze(False)
    except ValueError as exc:
        raise _bad(exc) from None
    return jsonify(clock.snapshot())


# -- budget, revocation, keys -------------------------------------------------------------------


@bp.get("/budget")
def get_budget() -> Response:
    """Tokens left per client (or for ``?client_id=``) and when the next slot frees."""
    state = current_state()
    wanted = request.args.get("client_id")
    try:
        ids = [wanted] if wanted else [c.client_id for c in state.settings.clients]
        return jsonify({"budgets": [state.budget_status(i) for i in ids]})
    except UnknownClient as exc:
        raise _unknown_client(exc) from None


@bp.post("/budget")
def set_budget() -> Response:
    """``{"client_id": ..., "remaining": n}``: start a client near (or at) exhaustion."""
    body = read_json_object()
    _only(body, ("client_id", "remaining"))
    for name in ("client_id", "remaining"):
        if name not in body:
            raise MockError(400, "invalid_request", f"Missing field {name!r}.")
    try:
        return jsonify(current_state().set_budget(body["client_id"], body["remaining"]))
    except UnknownClient as exc:
        raise _unknown_client(exc) from None
    except (ValueError, TypeError) as exc:
        raise _bad(exc) from None


@bp.post("/revoke")
def revoke() -> Response:
    """``{"jti": ...}`` revokes one token; ``{"client_id": ...}`` every token issued to a client."""
    body = read_json_object()
    _only(body, ("jti", "client_id"))
    for name, value in body.items():
        if not isinstance(value, str) or not value:
            raise MockError(400, "invalid_request", f"{name} must be a non-empty string.")
    try:
        revoked = current_state().revoke(jti=body.get("jti"), client_id=body.get("client_id"))
    except UnknownClient as exc:
        raise _unknown_client(exc) from None
    except ValueError as exc:
        raise _bad(exc) from None
    return jsonify({"revoked": revoked})


@bp.post("/rotate-keys")
def rotate_keys() -> Response:
    """Sign with a new key; the old one leaves the JWKS (``{"keep_previous": true}`` keeps it)."""
    body = read_json_object(optional=True)
    _only(body, ("keep_previous",))
    keep = body.get("keep_previous", False)
    if not isinstance(keep, bool):
        raise MockError(400, "invalid_request", f"keep_previous must be true or false, got {keep!r}.")
    return jsonify(current_state().rotate_keys(keep))


# -- faults -------------------------------------------------------------------------------------


@bp.get("/faults")
def list_faults() -> Response:
    """Faults still pending."""
    return jsonify({"faults": [f.as_dict() for f in current_state().faults.pending()]})


@bp.post("/faults")
def add_fault() -> Response:
    """Queue a fault: ``{"target": "token", "count": 2, "status": 503, "delay": 1.5, ...}``."""
    try:
        fault = parse_fault(read_json_object())
    except ValueError as exc:
        raise _bad(exc) from None
    return jsonify(current_state().faults.add(fault).as_dict()), 201  # type: ignore[return-value]


@bp.delete("/faults")
def clear_faults() -> Response:
    """Drop every pending fault."""
    current_state().faults.clear()
    return jsonify({"cleared": True})
