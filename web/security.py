"""Who may call the server, how often, and from where, checked before any view runs: the Host must be
one of ours (web/hosts.py), no credential may travel in the URL, a state-changing browser request must
come from our own origin (or a CORS origin), and /api/* and /v1/* need the bearer key or a signed-in
page session when a key is set (web/session.py), within a per-client token bucket. CORS is closed by
default. /api/health always stays open; /api/session (signing in) is open but rate limited."""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable

from flask import Flask, Response, request

from qa.config import Settings
from qa.errors import BadInput
from web.errors import error_response
from web.hosts import AllowedHosts
from web.session import MAX_SECRET_CHARS, Credentials

log = logging.getLogger(__name__)

__all__ = ["RateLimiter", "register_security"]

PROTECTED_PREFIXES = ("/api/", "/v1/")
UNLIMITED_PATHS = {"/api/health"}  # liveness probes carry no key and must never be throttled
SIGN_IN_PATHS = {"/api/session"}  # open to everyone, since it is where a key is given; rate limited
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


# ---- credentials in the URL ----------------------------------------------------------------------

CREDENTIAL_NAME = re.compile(r"key|token|passw|secret|auth|session", re.IGNORECASE)


def credential_in_url(keys: Credentials | None) -> bool:
    """A query parameter named like a credential, or holding the key under any name: URLs end up in
    access logs, proxies and browser history, so a key is only ever taken from the Authorization header."""
    for name, value in request.args.items(multi=True):
        if CREDENTIAL_NAME.search(name):
            return True
        if keys is not None and len(value) <= MAX_SECRET_CHARS and keys.sign_in_ok(value):
            return True
    return False

def loggable_uri(path: str, query: str) -> str:
    """A request's path as access logs show it: a query string is marked but never shown, since any part
    of it (a key sent in a URL by mistake, under any name or none, or a reader's question) is private."""
    return f"{path}?…" if query else path


# ---- CORS ----------------------------------------------------------------------------------------


def parse_origins(raw: str) -> frozenset[str]:
    origins = frozenset(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise BadInput(f"QA_CORS_ORIGINS: {origin!r} is not an origin like https://example.org")
    return origins


# ---- wiring --------------------------------------------------------------------------------------


def is_protected(path: str) -> bool:
    return path.startswith(PROTECTED_PREFIXES) and path not in UNLIMITED_PATHS


def client_address() -> str:
    """The client's IP as the server saw it (behind a proxy: the proxy's, unless the proxy's
    forwarding is handled by the WSGI stack, e.g. werkzeug's ProxyFix)."""
    return request.remote_addr or "unknown"


def credentials_for(settings: Settings) -> Credentials | None:
    """The credentials a keyed server checks; None when neither QA_API_KEY nor QA_PAGE_PASSWORD is set."""
    if settings.page_password and not settings.api_key:
        log.info("QA_PAGE_PASSWORD is set without QA_API_KEY: the API answers signed-in pages only")
    return Credentials(settings.api_key, settings.page_password) if settings.api_key or settings.page_password else None


def register_security(app: Flask, settings: Settings) -> None:
    """Install the Host, URL and Origin checks, the key check, the rate limit and CORS on `app`."""
    if settings.rate_limit_per_minute < 0 or settings.rate_limit_burst < 0:
        raise BadInput("QA_RATE_LIMIT_PER_MINUTE and QA_RATE_LIMIT_BURST must be 0 or more")
    keys = credentials_for(settings)
    limiter = (RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
               if settings.rate_limit_per_minute else None)
    cors = parse_origins(settings.cors_origins)
    hosts = AllowedHosts(settings.allowed_hosts, cors)
    app.extensions["qa.rate_limiter"] = limiter
    app.extensions["qa.credentials"] = keys

    @app.before_request
    def guard():
        if not hosts.host_ok(request.headers.get("Host")):
            return error_response(400, "unknown_host", "this server does not answer for that host name; "
                                  "add it to QA_ALLOWED_HOSTS to serve it")
        if credential_in_url(keys):
            return error_response(400, "credential_in_url", "never put a key in the URL: send the header "
                                  "Authorization: Bearer <key>, or sign in on the page")
        if not hosts.origin_ok(request.method, request.headers.get("Origin"), request.headers.get("Host")):
            return error_response(403, "forbidden_origin", "requests that change something are only taken "
                                  "from this server's own page or from an origin in QA_CORS_ORIGINS")
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
        if keys is not None and request.path not in SIGN_IN_PATHS and not keys.authorized():
            log.info("refused %s %s from %s: no valid API key", request.method, request.path, client_address())
            response = error_response(401, "unauthorized", "this API needs a key: send the header "
                                      "Authorization: Bearer <key>, or sign in on the page")
            response.headers["WWW-Authenticate"] = 'Bearer realm="news-qa"'
            return response
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        protected = request.path.startswith(PROTECTED_PREFIXES)
        if keys is not None and protected:
            response.headers.setdefault("Cache-Control", "private, no-store")
        if protected and cors:
            allow_cors(response, cors)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


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
