"""The Integration Platform API mock: authentication for everything under /api/, sample endpoints."""

from __future__ import annotations

import base64
import hashlib
import re
import time
import uuid
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request

from . import sample_data
from .errors import MockError
from .faults import Fault
from .openapi import body_validator
from .policy import ApiRequest, evaluate
from .web import current_state, is_api_path, note, read_json_object

__all__ = ["bp", "install"]

bp = Blueprint("api", __name__, url_prefix="/api")

_CORRELATION_ID = re.compile(r"[\x21-\x7e]{1,128}")
VISTA_429_BODY = {"type": "https://tools.ietf.org/html/rfc6585#section-4", "title": "Too Many Requests", "status": 429}
DEFAULT_RETRY_AFTER = 5


def _claim_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return int(value)
    except (OverflowError, ValueError):
        return None


def authenticate() -> None:
    """Before routing errors: 401/403 first, then an injected fault, as a gateway would."""
    if not is_api_path(request.path):
        return
    state = current_state()
    headers = request.headers
    decision = evaluate(
        state,
        ApiRequest(
            request.method,
            request.path,
            headers.get("Vista-Api-Key"),
            headers.get("Vista-Api-Tenant"),
            headers.get("Authorization"),
        ),
        issuer=state.issuer_url(request.host_url),
    )
    jti = decision.token_claims.get("jti")
    note(
        client_id=decision.client_id,
        jti=jti[:64] if isinstance(jti, str) else None,
        exp=_claim_int(decision.token_claims.get("exp")),
        details={
            "auth": decision.facts.as_dict(),
            "token_verified": decision.token is not None,
            "correlation_id_sent": "correlationid" in headers,
        },
    )
    if decision.error is not None:
        raise decision.error
    fault = state.faults.take("api", decision.client_id)
    if fault is not None:
        _apply_fault(fault)


def _apply_fault(fault: Fault) -> None:
    if fault.delay:
        time.sleep(fault.delay)  # an injected network delay, in real time
    if fault.status is None:
        return
    cause = f"fault_{fault.status}"
    if fault.status == 429:
        retry_after = fault.retry_after if fault.retry_after is not None else DEFAULT_RETRY_AFTER
        raise MockError(429, cause, "Too Many Requests", headers={"Retry-After": str(retry_after)}, body=VISTA_429_BODY)
    if fault.status == 401:
        detail = "The token was rejected (injected fault)."
        challenge = f'Bearer realm="vista-mock", error="invalid_token", error_description="{detail}"'
        raise MockError(401, cause, detail, headers={"WWW-Authenticate": challenge})
    raise MockError(fault.status, cause, f"Injected fault: {fault.status}.")


def _trace_headers(response: Response) -> Response:
    if is_api_path(request.path):
        sent = request.headers.get("CorrelationId", "")
        response.headers["vista-trace-id"] = uuid.uuid4().hex
        response.headers["vista-correlation-id"] = sent if _CORRELATION_ID.fullmatch(sent) else str(uuid.uuid4())
    return response


# -- sample endpoints ---------------------------------------------------------------------------


def _paged(collection: str) -> Response:
    try:
        page = sample_data.page(
            collection, sample_data.load(collection), request.args.get("pageSize"), request.args.get("cursor")
        )
    except sample_data.PagingError as exc:
        raise MockError(400, "invalid_paging", str(exc)) from None
    return jsonify(page.body())


@bp.get("/v1/film-management/films")
def films() -> Response:
    """Sample films, paged."""
    return _paged("films")


@bp.get("/v1/sites")
def sites() -> Response:
    """Sample sites, paged."""
    return _paged("sites")


def _operation_result_token(site_id: str, client_request_id: str) -> str:
    raw = f"VendorReceipt::{site_id}::{uuid.uuid4()}::{client_request_id}".encode()
    digest = hashlib.sha256(raw).digest()
    return f"{base64.b64encode(raw).decode()}.{base64.b64encode(digest).decode()}"


@bp.post("/v1/stock-management/vendor-receipts")
def vendor_receipts() -> tuple[Response, int]:
    """Accept up to 50 vendor receipts; answer an operation result token for each (202)."""
    body = read_json_object()
    problem = body_validator("VendorReceiptsRequest").first_error(body)
    if problem:
        raise MockError(400, "invalid_body", f"The request body is not a valid VendorReceiptsRequest: {problem}")
    responses = [
        {
            "clientRequestId": item["clientRequestId"],
            "operationResultToken": _operation_result_token(body["siteId"], item["clientRequestId"]),
        }
        for item in body["requests"]
    ]
    return jsonify({"responses": responses}), 202


def custom_sample_report() -> Response:
    """A custom API: a report with its schema, rows and whether rows were cut off."""
    return jsonify(sample_data.load("custom-sample-report"))


def install(app: Flask) -> None:
    """Authentication for every /api/ path, trace headers on every API answer, and the endpoints."""
    app.before_request(authenticate)
    app.after_request(_trace_headers)
    app.register_blueprint(bp)
    prefix = app.extensions["vista_mock"].settings.custom_api_prefix
    app.add_url_rule(
        f"{prefix}sample-report", endpoint="custom_sample_report", view_func=custom_sample_report, methods=["GET"]
    )
