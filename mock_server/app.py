"""The application factory."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from . import admin, api, identity, web
from .clock import ClockState
from .config import Settings, load_settings
from .openapi import document
from .state import MockState

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None,
    *,
    clock: ClockState | None = None,
    state: MockState | None = None,
) -> Flask:
    """A Flask app serving the identity service, the Integration Platform API and the admin API.

    ``settings`` defaults to the embedded default config. Pass ``clock`` to control time, or a
    whole ``state`` to share or replace the stores. The state is ``app.extensions["vista_mock"]``.
    """
    if state is None:
        state = MockState(settings or load_settings(), clock=clock)
    elif settings is not None or clock is not None:
        raise TypeError("pass either state, or settings and clock, not both")
    app = Flask("mock_server")
    app.config["MAX_CONTENT_LENGTH"] = state.settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["vista_mock"] = state
    web.install(app)  # first: the journal hook must see every request
    api.install(app)
    app.register_blueprint(identity.bp)
    app.register_blueprint(identity.discovery_bp)
    app.register_blueprint(admin.bp)

    @app.get("/healthz")
    def healthz() -> Response:
        """200 once the mock can serve."""
        return jsonify({"status": "ok"})

    @app.get("/openapi.json")
    def openapi() -> Response:
        """The OpenAPI 3.1 document of everything this mock serves."""
        settings = state.settings
        return jsonify(
            document(base_url=state.issuer_url(request.host_url), custom_api_prefix=settings.custom_api_prefix)
        )

    return app
