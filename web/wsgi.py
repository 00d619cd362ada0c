"""A factory for running under any WSGI server, e.g. `gunicorn -k gthread --threads 4 'web.wsgi:create_app()'`.
Settings come from the QA_* environment when the factory is called (in the worker), not at import."""

from __future__ import annotations

import logging

from qa.config import Settings

__all__ = ["create_app"]


def create_app():
    """The app built from QA_* environment variables; gunicorn calls this once per worker."""
    from web import create_app as build

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return build(Settings.from_env())
