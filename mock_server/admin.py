"""The admin API under ``/__admin/``: journal, reset, clock, budget, revocation, keys, faults."""

from __future__ import annotations

import hmac
import ipaddress
import math
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .clock import LATEST
from .errors import MockError
from .faults import parse_fault
from .openapi import body_validator
from .state import UnknownClient
from .web import JOURNAL_KINDS, current_state, note, read_json_object, render_error

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


def _body(schema_name: str, *, optional: bool = False) -> dict[str, Any]:
    """The JSON body, valid against the OpenAPI document's ``schema_name``, or a 400 saying why."""
    body = read_json_object(optional=optional)
    problem = body_validator(schema_name).first_error(body)
    if problem:
        raise MockError(400, "invalid_request", problem)
    return body


@bp.errorhandler(UnknownClient)
def _unknown_client(exc: UnknownClient) -> Response:
    """Any admin operation naming a client that is not configured: 404."""
    error = MockError(404, "unknown_client", str(exc))
    note(cause=error.cause)
    return render_error(error)


# -- journal ------------------------------------------------------------------------------------


def _number_arg(name: str, *, integer: bool) -> float | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or (integer and number < 0):
        kind = "a whole number >= 0" if integer else "a number"
        raise MockError(400, "invalid_request", f"Query parameter {name} must be {kind}, got {value[:32]!r}.")
    return number


@bp.get("/requests")
def list_requests() -> Response:
    """Journal entries, oldest first; filters: kind, client_id, since (epoch s), after (seq)."""
    state = current_state()
    kind = request.args.get("kind")
    if kind is not None and kind not in JOURNAL_KINDS:
        raise MockError(400, "invalid_request", f"Query parameter kind must be one of {', '.join(JOURNAL_KINDS)}.")
    after = _number_arg("after", integer=True)
    entries = state.journal.entries(
        kind=kind,
        client_id=request.args.get("client_id"),
        since=_number_arg("since", integer=False),
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
    body = _body("ClockChange")
    clock = current_state().clock
    target = body.get("set", clock.now()) + body.get("advance", 0)
    if not 0 <= target <= LATEST:
        raise MockError(
            409, "conflict", f"That would move the mock's time to {target:.0f}, outside 0..{LATEST:.0f} (year 9999)."
        )
    try:
        if body.get("freeze") is True:
            clock.freeze(True)
        if "set" in body:
            clock.set(body["set"])
        if "advance" in body:
            clock.advance(body["advance"])
    except ValueError as exc:  # the clock moved on between the check above and now
        raise MockError(409, "conflict", str(exc)) from None
    finally:
        if body.get("freeze") is False:
            clock.freeze(False)
    return jsonify(clock.snapshot())


# -- budget, revocation, keys -------------------------------------------------------------------


@bp.get("/budget")
def get_budget() -> Response:
    """Tokens left per client (or for ``?client_id=``) and when the next slot frees."""
    state = current_state()
    wanted = request.args.get("client_id")
    ids = [wanted] if wanted else [c.client_id for c in state.settings.clients]
    return jsonify({"budgets": [state.budget_status(i) for i in ids]})


@bp.post("/budget")
def set_budget() -> Response:
    """``{"client_id": ..., "remaining": n}``: start a client near (or at) exhaustion."""
    body = _body("BudgetChange")
    try:
        return jsonify(current_state().set_budget(body["client_id"], body["remaining"]))
    except ValueError as exc:  # more than the client's limit, or no limit at all
        raise MockError(409, "conflict", str(exc)) from None


@bp.post("/revoke")
def revoke() -> Response:
    """``{"jti": ...}`` revokes one token; ``{"client_id": ...}`` every token issued to a client."""
    body = _body("Revocation")
    return jsonify({"revoked": current_state().revoke(jti=body.get("jti"), client_id=body.get("client_id"))})


@bp.post("/rotate-keys")
def rotate_keys() -> Response:
    """Sign with a new key; the old one leaves the JWKS (``{"keep_previous": true}`` keeps it)."""
    body = _body("KeyRotation", optional=True)
    return jsonify(current_state().rotate_keys(body.get("keep_previous", False)))


# -- faults -------------------------------------------------------------------------------------


@bp.get("/faults")
def list_faults() -> Response:
    """Faults still pending."""
    return jsonify({"faults": [f.as_dict() for f in current_state().faults.pending()]})


@bp.post("/faults")
def add_fault() -> Response:
    """Queue a fault: ``{"target": "token", "count": 2, "status": 503, "delay": 1.5, ...}``."""
    body = _body("FaultSpec")
    try:
        fault = parse_fault(body)
    except ValueError as exc:  # the schema already says all parse_fault checks; kept for other callers
        raise MockError(400, "invalid_request", str(exc)) from None
    return jsonify(current_state().faults.add(fault).as_dict()), 201  # type: ignore[return-value]


@bp.delete("/faults")
def clear_faults() -> Response:
    """Drop every pending fault."""
    current_state().faults.clear()
    return jsonify({"cleared": True})
