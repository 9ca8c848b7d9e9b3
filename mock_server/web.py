"""Flask glue shared by every blueprint: errors in the right shape, body parsing, the journal hook."""

from __future__ import annotations

import json
import logging
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import RequestRedirect

from .errors import MockError
from .journal import JWT_PATTERN, JournalEntry
from .state import MockState

__all__ = [
    "JOURNAL_KINDS",
    "MockError",
    "current_state",
    "install",
    "is_api_path",
    "note",
    "read_fields",
    "read_json_object",
]

JOURNAL_KINDS = ("token", "api", "admin", "discovery", "health", "other")

log = logging.getLogger("vista_mock")
access_log = logging.getLogger("vista_mock.access")

PROBLEM_JSON = "application/problem+json"


def current_state() -> MockState:
    """The ``MockState`` of the running app."""
    state: MockState = current_app.extensions["vista_mock"]
    return state


def note(**fields: Any) -> None:
    """Add facts about this request to its journal entry (client_id, jti, exp, cause, details)."""
    details = fields.pop("details", None)
    g.journal_fields.update(fields)
    if details:
        g.journal_details.update(details)


def is_api_path(path: str) -> bool:
    """Whether ``path`` is an API path (everything under ``/api/``)."""
    return path == "/api" or path.startswith("/api/")


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or mimetype.endswith("+json")


def request_kind(path: str, blueprint: str | None) -> str:
    """What sort of request this is, for the journal."""
    if blueprint in ("identity", "admin", "api"):
        return {"identity": "token", "admin": "admin", "api": "api"}[blueprint]
    if path.startswith("/oauth/"):
        return "token"
    if path.startswith("/.well-known/") or path == "/openapi.json":
        return "discovery"
    if path == "/__admin" or path.startswith("/__admin/"):
        return "admin"
    if is_api_path(path):
        return "api"
    if path == "/healthz":
        return "health"
    return "other"


def _is_identity_path(path: str) -> bool:
    return path.startswith("/oauth/")


def render_error(err: MockError) -> Response:
    """``err`` as a JSON response in the shape its path calls for."""
    if err.body is not None:
        response = jsonify(err.body)
        if not _is_identity_path(request.path):
            response.mimetype = PROBLEM_JSON
    elif _is_identity_path(request.path):
        response = jsonify({"error": err.error, "error_description": err.detail, **err.extra})
    else:
        phrase = HTTPStatus(err.status).phrase if err.status in HTTPStatus._value2member_map_ else "Error"
        body = {
            "type": "about:blank",
            "title": phrase,
            "status": err.status,
            "detail": err.detail,
            "code": err.error,
            **err.extra,
        }
        response = jsonify(body)
        response.mimetype = PROBLEM_JSON
    response.status_code = err.status
    response.headers.update(err.headers)
    return response


_HTTP_ERROR_CODES = {
    400: ("invalid_request", "bad_request"),
    404: ("invalid_request", "not_found"),
    405: ("invalid_request", "method_not_allowed"),
    413: ("invalid_request", "payload_too_large"),
    431: ("invalid_request", "headers_too_large"),
}


def _from_http_exception(exc: HTTPException) -> MockError:
    status = exc.code or 500
    oauth_code, problem_code = _HTTP_ERROR_CODES.get(status, ("invalid_request", "http_error"))
    headers: dict[str, str] = {}
    if status == 405:
        allowed = sorted(getattr(exc, "valid_methods", None) or [])
        headers["Allow"] = ", ".join(allowed)
        detail = f"Method {request.method} is not allowed on {request.path}; use {' or '.join(allowed)}."
    elif status == 404:
        detail = f"No such endpoint: {request.method} {current_state().redact(request.path)}."
    elif isinstance(exc, RequestEntityTooLarge):
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        detail = f"The request body is larger than the mock accepts ({limit} bytes)."
    else:
        detail = exc.description or HTTPStatus(status).phrase
    error = oauth_code if _is_identity_path(request.path) else problem_code
    return MockError(status, error, detail, cause=problem_code, headers=headers)


def read_json_object(what: str = "request body", *, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object with unique keys, or a 400 saying what is wrong.

    With ``optional`` an empty body reads as ``{}``.
    """
    raw = request.get_data(cache=True)
    if optional and not raw:  # no body at all; whitespace is not JSON
        return {}
    mimetype = request.mimetype
    if raw and not _is_json(mimetype):
        got = repr(mimetype) if mimetype else "no Content-Type"
        raise MockError(
            415, "unsupported_media_type", f"Send the {what} as application/json; got {got}.", cause="invalid_body"
        )
    if not raw.strip():
        raise MockError(400, "invalid_request", f"The {what} is empty; send a JSON object.", cause="invalid_body")
    try:
        value = json.loads(raw, object_pairs_hook=_unique_keys)
    except _DuplicateKey as dup:
        raise MockError(
            400, "invalid_request", f"Field {dup.key!r} appears more than once.", cause="invalid_body"
        ) from None
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else f"not valid JSON ({_short(exc)})"
        raise MockError(400, "invalid_request", f"The {what} is {reason}.", cause="invalid_body") from None
    if not isinstance(value, dict):
        raise MockError(
            400,
            "invalid_request",
            f"The {what} must be a JSON object, got {type(value).__name__}.",
            cause="invalid_body",
        )
    return value


def read_fields() -> tuple[dict[str, Any], str]:
    """A JSON object or a urlencoded form from the body, and which of the two it was."""
    mimetype = request.mimetype
    if _is_json(mimetype):
        return read_json_object(), "json"
    if mimetype == "application/x-www-form-urlencoded":
        try:
            text = request.get_data(cache=True).decode("utf-8")
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise MockError(
                400, "invalid_request", "The form body is not valid UTF-8 urlencoded data.", cause="invalid_body"
            ) from None
        fields: dict[str, Any] = {}
        for key, value in pairs:
            if key in fields:
                raise MockError(400, "invalid_request", f"Field {key!r} appears more than once.", cause="invalid_body")
            fields[key] = value
        return fields, "form"
    got = repr(mimetype) if mimetype else "no Content-Type"
    raise MockError(
        400,
        "invalid_request",
        f"Send the body as application/json (or application/x-www-form-urlencoded); got {got}.",
        cause="invalid_body",
    )


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _short(exc: Exception, limit: int = 120) -> str:
    text = str(exc)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def install(app: Flask) -> None:
    """Error handlers for every error, and one journal entry per request."""

    @app.before_request
    def _start_entry() -> Response | None:
        state = current_state()
        g.journal_started = (state.clock.now(), time.perf_counter())
        g.journal_fields = {}
        g.journal_details = {}
        redirect = request.routing_exception
        if isinstance(redirect, RequestRedirect):  # Flask sends these past the error handlers, as HTML
            note(cause="redirect")
            response = jsonify({"redirect": redirect.new_url})
            response.status_code = redirect.code
            response.headers["Location"] = redirect.new_url
            return response
        size = sum(len(name) + len(value) + 4 for name, value in request.headers.items())
        if size > state.settings.max_header_bytes:
            raise MockError(
                431,
                "headers_too_large",
                f"The request headers take {size} bytes; the mock accepts {state.settings.max_header_bytes}.",
            )
        return None

    @app.errorhandler(MockError)
    def _mock_error(err: MockError) -> Response:
        note(cause=err.cause)
        if "Retry-After" in err.headers:
            note(details={"retry_after": int(err.headers["Retry-After"])})
        return render_error(err)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        err = _from_http_exception(exc)
        note(cause=err.cause)
        return render_error(err)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # A bug in the mock. Say so without a traceback in the answer, keep it for the fixture.
        state = current_state()
        summary = state.redact(f"{type(exc).__name__}: {exc}")
        log.error("internal error on %s %s: %s", request.method, state.redact(request.path), summary, exc_info=False)
        state.record_internal_error(f"{request.method} {state.redact(request.path)}: {summary}")
        err = MockError(500, "server_error", "The mock hit an internal error; see its log.", cause="internal_error")
        note(cause=err.cause)
        return render_error(err)

    @app.after_request
    def _journal(response: Response) -> Response:
        _record(response)
        return response


def _leaks(state: MockState) -> list[str]:
    """Credentials where they must never be: a client secret or a token in the URL, a secret sent to the API."""
    url = request.full_path
    client_secrets = [c.client_secret for c in state.settings.clients]
    found = []
    if any(secret in url for secret in client_secrets) or any(secret in unquote(url) for secret in client_secrets):
        found.append("client_secret_in_url")
    if JWT_PATTERN.search(url):
        found.append("token_in_url")
    if is_api_path(request.path):
        sent = [value for _, value in request.headers.items()]
        try:
            body = request.get_data(cache=True).decode("utf-8", "replace")
        except RequestEntityTooLarge:  # never read: it was refused
            body = ""
        if any(secret in text for secret in client_secrets for text in (*sent, body)):
            found.append("client_secret_sent_to_api")
    return found


def _record(response: Response) -> None:
    state = current_state()
    started = getattr(g, "journal_started", None)
    if started is None:  # the request failed before our hook ran (e.g. routing of a bad URL)
        started = (state.clock.now(), time.perf_counter())
        g.journal_fields, g.journal_details = {}, {}
    at, perf_start = started
    fields = g.journal_fields
    details = dict(g.journal_details)
    if request.query_string:
        details["query_params"] = sorted(
            {state.redact(k) for k, _ in parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True)}
        )
    leaks = _leaks(state)
    if leaks:
        details["leaks"] = leaks
    # Real arrival time (monotonic, untouched by time travel): tells concurrent requests from later ones.
    details["arrived"] = round(perf_start, 6)
    details["duration_ms"] = round((time.perf_counter() - perf_start) * 1000, 3)
    path = state.redact(request.path)
    entry = state.journal.record(
        JournalEntry(
            seq=0,
            time=at,
            method=request.method,
            path=path,
            kind=request_kind(request.path, request.blueprint),
            status=response.status_code,
            client_id=state.redact(fields["client_id"])[:200] if fields.get("client_id") else None,
            jti=fields.get("jti"),
            exp=fields.get("exp"),
            headers=tuple(sorted({name.lower() for name, _ in request.headers.items()})),
            cause=fields.get("cause"),
            details=details,
        )
    )
    access_log.info(
        "%s %s %s kind=%s client=%s jti=%s%s",
        _printable(entry.method),
        _printable(path),
        entry.status,
        entry.kind,
        _printable(entry.client_id or "-"),
        _printable(entry.jti or "-"),
        f" cause={entry.cause}" if entry.cause else "",
    )


def _printable(text: str, limit: int = 200) -> str:
    """Untrusted text for a log line: control characters and lone surrogates escaped, length capped."""
    shown = repr(text[:limit])[1:-1]
    return shown + ("..." if len(text) > limit else "")
