"""Who may call the API, how often, and from which browser origins: an optional bearer key (the page
on its own origin gets a signed cookie instead), a per-client token bucket, and CORS closed by default.
All of it runs before any view, for /api/* and /v1/* only (GET /api/health always stays open)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
import time
from collections.abc import Callable

from flask import Flask, Response, request
from itsdangerous import BadSignature, TimestampSigner

from qa.config import Settings
from qa.errors import BadInput
from web.errors import error_response

log = logging.getLogger(__name__)

__all__ = ["RateLimiter", "register_security"]

PROTECTED_PREFIXES = ("/api/", "/v1/")
OPEN_PATHS = {"/api/health"}  # liveness probes carry no key and must never be throttled
PAGE_ENDPOINT = "pages.index"
COOKIE = "qa_page"
COOKIE_MAX_AGE = 24 * 3600  # the page is re-issued a cookie every time it is loaded
SAFE_METHODS = {"GET", "HEAD"}
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type"
MAX_CLIENTS = 10_000  # buckets kept before idle ones are dropped (bounded memory under many IPs)


# ---- rate limiting -------------------------------------------------------------------------------


class RateLimiter:
    """A token bucket per client: `burst` requests at once, refilled at `per_minute` a minute.
    In-process and thread-safe; each gunicorn worker keeps its own buckets."""

    def __init__(self, per_minute: int, burst: int = 0, clock: Callable[[], float] = time.monotonic):
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.rate = per_minute / 60.0  # tokens a second
        self.capacity = float(burst or per_minute)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0.0 when the request may go ahead (one token spent), else the seconds until it may."""
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[client] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            if len(self._buckets) > MAX_CLIENTS:
                self._prune(now)
            return wait

    def _prune(self, now: float) -> None:
        """Forget clients whose bucket has refilled (they are back to the default state anyway), then,
        if still too many, the longest idle ones."""
        full = [c for c, (tokens, then) in self._buckets.items()
                if tokens + (now - then) * self.rate >= self.capacity]
        for client in full:
            del self._buckets[client]
        if len(self._buckets) > MAX_CLIENTS:
            by_age = sorted(self._buckets, key=lambda c: self._buckets[c][1])
            for client in by_age[:len(self._buckets) - MAX_CLIENTS]:
                del self._buckets[client]


# ---- authentication ------------------------------------------------------------------------------


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()


class KeyCheck:
    """The bearer key and the page cookie derived from it. Keys are compared as SHA-256 digests with
    hmac.compare_digest: constant time, and the length of the key does not leak either."""

    def __init__(self, api_key: str):
        self._key_digest = _digest(api_key.encode("utf-8"))
        # A secret of its own for the cookie, so the cookie never carries (or reveals) the key; every
        # worker derives the same one, and changing the key invalidates every issued cookie.
        secret = hmac.new(api_key.encode("utf-8"), b"news-qa page cookie", hashlib.sha256).digest()
        self._signer = TimestampSigner(secret, salt="news-qa.page")

    def bearer_ok(self, header: str | None) -> bool:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        # WSGI hands headers over as latin-1 text: encoding back gives the bytes the client sent
        sent = token.strip().encode("latin-1", errors="replace")
        return hmac.compare_digest(_digest(sent), self._key_digest)

    def cookie_value(self) -> str:
        return self._signer.sign(b"page").decode("ascii")

    def cookie_ok(self, value: str | None) -> bool:
        if not value:
            return False
        try:
            return self._signer.unsign(value, max_age=COOKIE_MAX_AGE) == b"page"
        except BadSignature:  # includes SignatureExpired
            return False


def same_origin_browser_request() -> bool:
    """True when the request comes from a page of our own origin, as far as the browser says.

    Sec-Fetch-Site is set by the browser and cannot be forged by a page; browsers send it to secure
    origins (https, localhost). Elsewhere, Origin is sent on every non-GET request and on every
    cross-origin one, so a request carrying neither is a same-origin GET: allowed, since GETs change
    nothing and the cookie is SameSite=Strict (never sent from another site)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == request.host_url.rstrip("/")
    return request.method in SAFE_METHODS


# ---- CORS ----------------------------------------------------------------------------------------


def parse_origins(raw: str) -> frozenset[str]:
    origins = frozenset(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise BadInput(f"QA_CORS_ORIGINS: {origin!r} is not an origin like https://example.org")
    return origins


# ---- wiring --------------------------------------------------------------------------------------


def is_protected(path: str) -> bool:
    return path.startswith(PROTECTED_PREFIXES) and path not in OPEN_PATHS


def client_address() -> str:
    """The client's IP as the server saw it (behind a proxy: the proxy's, unless the proxy's
    forwarding is handled by the WSGI stack, e.g. werkzeug's ProxyFix)."""
    return request.remote_addr or "unknown"


def register_security(app: Flask, settings: Settings) -> None:
    """Install the key check, the rate limit and CORS on `app`, configured by `settings`."""
    if settings.rate_limit_per_minute < 0 or settings.rate_limit_burst < 0:
        raise BadInput("QA_RATE_LIMIT_PER_MINUTE and QA_RATE_LIMIT_BURST must be 0 or more")
    keys = KeyCheck(settings.api_key) if settings.api_key else None
    limiter = (RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
               if settings.rate_limit_per_minute else None)
    cors = parse_origins(settings.cors_origins)
    app.extensions["qa.rate_limiter"] = limiter

    @app.before_request
    def guard():
        if request.method == "OPTIONS" or not is_protected(request.path):
            return None  # CORS preflights carry no credentials; the page and static files are public
        if limiter is not None:
            wait = limiter.take(client_address())
            if wait > 0:
                retry = max(1, math.ceil(wait))
                response = error_response(429, "too_many_requests",
                                          f"too many requests: try again in {retry} s")
                response.headers["Retry-After"] = str(retry)
                return response
        if keys is not None and not authorized(keys):
            log.info("refused %s %s from %s: no valid API key", request.method, request.path, client_address())
            response = error_response(401, "unauthorized",
                                      "this API needs a key: send the header Authorization: Bearer <key>")
            response.headers["WWW-Authenticate"] = 'Bearer realm="news-qa"'
            return response
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        protected = request.path.startswith(PROTECTED_PREFIXES)
        if keys is not None and request.endpoint == PAGE_ENDPOINT and response.status_code == 200:
            response.set_cookie(COOKIE, keys.cookie_value(), max_age=COOKIE_MAX_AGE, path="/",
                                secure=request.is_secure, httponly=True, samesite="Strict")
        if keys is not None and protected:
            response.headers.setdefault("Cache-Control", "private, no-store")
        if protected and cors:
            allow_cors(response, cors)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


def authorized(keys: KeyCheck) -> bool:
    if keys.bearer_ok(request.headers.get("Authorization")):
        return True
    return keys.cookie_ok(request.cookies.get(COOKIE)) and same_origin_browser_request()


def allow_cors(response: Response, allowed: frozenset[str]) -> None:
    """Access-Control-* headers for an allowed Origin only; without credentials (the key travels in
    Authorization, which the preflight lets through; cookies stay same-origin)."""
    origin = request.headers.get("Origin")
    response.vary.add("Origin")
    if not origin or (origin not in allowed and "*" not in allowed):
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
