"""The Flask app: JSON API and chat page over one shared Assistant."""

from __future__ import annotations

from flask import Flask

from qa.config import Settings

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 64 * 1024  # the largest request body taken; larger ones get 413


def create_app(settings: Settings | None = None, assistant=None) -> Flask:
    """Build the app; the Assistant is built once here (or injected by tests) and shared."""
    from web.api import api
    from web.errors import register_error_handlers
    from web.openai_api import openai_api
    from web.openapi import openapi
    from web.pages import pages
    from web.security import register_security
    from web.session import session_api

    settings = settings or Settings.from_env()
    if assistant is None:
        from qa.assistant import Assistant

        assistant = Assistant.build(settings)
        assistant.watch()  # a served worker follows ingests even when no request comes
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False
    app.extensions["qa.assistant"] = assistant
    app.extensions["qa.settings"] = settings
    app.register_blueprint(api)
    app.register_blueprint(openai_api)
    app.register_blueprint(openapi)
    app.register_blueprint(pages)
    app.register_blueprint(session_api)
    register_error_handlers(app)
    register_security(app, settings)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        )
        return response

    return app
