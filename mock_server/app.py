"""The application factory."""

from __future__ import annotations

from flask import Flask, Response, jsonify

from . import admin, identity, web
from .clock import ClockState
from .config import Settings, load_settings
from .state import MockState

__all__ = ["create_app"]


def create_app(
    settings: Settings | None = None,
    *,
    clock: ClockState | None = None,
    state: MockState | None = None,
) -> Flask:
    """A Flask app serving the identity service, the admin API and health check.

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
    web.install(app)
    app.register_blueprint(identity.bp)
    app.register_blueprint(identity.discovery_bp)
    app.register_blueprint(admin.bp)

    @app.get("/healthz")
    def healthz() -> Response:
        """200 once the mock can serve."""
        return jsonify({"status": "ok"})

    return app
