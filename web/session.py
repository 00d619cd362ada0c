"""The credentials of a keyed server: the bearer key (QA_API_KEY) for programs, and for the page a
signed, HttpOnly, SameSite=Strict session cookie that only signing in with the key (or QA_PAGE_PASSWORD)
hands out. /api/session signs in (POST), says whether a key is needed (GET) and signs out (DELETE)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from flask import Blueprint, current_app, request
from itsdangerous import BadSignature, TimestampSigner

from qa.errors import BadInput
from web.api import json_body
from web.errors import error_response

log = logging.getLogger(__name__)

__all__ = ["COOKIE", "Credentials", "session_api"]

COOKIE = "qa_session"
COOKIE_MAX_AGE = 12 * 3600  # a signed-in page stays signed in for a working day
MAX_SECRET_CHARS = 1000

session_api = Blueprint("session_api", __name__, url_prefix="/api")


def _digest(value: str | bytes) -> bytes:
    return hashlib.sha256(value if isinstance(value, bytes) else value.encode("utf-8", errors="surrogatepass")).digest()


class Credentials:
    """Checks keys as SHA-256 digests with hmac.compare_digest (constant time; the length of what was sent
    does not leak) and signs sessions with a secret derived from the key and the page password, so every
    worker signs alike, the cookie reveals neither, and changing either ends every session."""

    def __init__(self, api_key: str, page_password: str = ""):
        self._accepted = tuple(_digest(s) for s in (api_key, page_password) if s)
        self._key = _digest(api_key) if api_key else None
        secret = hmac.new(f"{api_key}\0{page_password}".encode(), b"news-qa session", hashlib.sha256).digest()
        self._signer = TimestampSigner(secret, salt="news-qa.session")

    def bearer_ok(self, header: str | None) -> bool:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or self._key is None:
            return False
        # WSGI hands headers over as latin-1 text: encoding back gives the bytes the client sent
        return hmac.compare_digest(_digest(token.strip().encode("latin-1", errors="replace")), self._key)

    def sign_in_ok(self, secret: str) -> bool:
        """The key or the page password; every accepted secret is compared, so the time says nothing."""
        sent = _digest(secret)
        return any([hmac.compare_digest(sent, accepted) for accepted in self._accepted])

    def new_session(self) -> str:
        return self._signer.sign(secrets.token_urlsafe(18).encode("ascii")).decode("ascii")

    def session_ok(self, value: str | None) -> bool:
        if not value or len(value) > 200:
            return False
        try:
            self._signer.unsign(value, max_age=COOKIE_MAX_AGE)
            return True
        except BadSignature:  # includes SignatureExpired
            return False

    def authorized(self) -> bool:
        """The current request carries the bearer key, or a live session cookie that the browser does not
        say it sent from another page (a header can only take the cookie's power away, never give it)."""
        if self.bearer_ok(request.headers.get("Authorization")):
            return True
        from_elsewhere = request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none")
        return not from_elsewhere and self.session_ok(request.cookies.get(COOKIE))


def credentials() -> Credentials | None:
    return current_app.extensions.get("qa.credentials")


@session_api.get("/session")
def session_state():
    keys = credentials()
    return {"required": keys is not None, "authenticated": keys is None or keys.authorized()}


@session_api.post("/session")
def sign_in():
    keys = credentials()
    if keys is None:
        return {"required": False, "authenticated": True}
    secret = json_body({"key"}).get("key")
    if not isinstance(secret, str) or not 0 < len(secret) <= MAX_SECRET_CHARS:
        raise BadInput(f"key must be a non-empty string of at most {MAX_SECRET_CHARS} characters")
    if not keys.sign_in_ok(secret):
        log.info("refused a sign-in from %s: wrong key", request.remote_addr)
        return error_response(401, "unauthorized", "that key is not right")
    response = current_app.json.response({"required": True, "authenticated": True})
    response.set_cookie(COOKIE, keys.new_session(), max_age=COOKIE_MAX_AGE, path="/", secure=request.is_secure,
                        httponly=True, samesite="Strict")
    return response


@session_api.delete("/session")
def sign_out():
    keys = credentials()
    response = current_app.json.response({"required": keys is not None, "authenticated": keys is None})
    if keys is not None:
        response.delete_cookie(COOKIE, path="/", secure=request.is_secure, httponly=True, samesite="Strict")
    return response
