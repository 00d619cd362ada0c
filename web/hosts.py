"""Which Host names the server answers for, and which browser origins may send it state-changing
requests: the guard against DNS rebinding (a foreign name resolving to our address) and cross-site posts.

The allowed names are the bound address, the loopback names and QA_ALLOWED_HOSTS (a leading dot allows
subdomains, `*` allows any). A request whose Host is not one of them is refused before any route runs;
a POST (or any non-GET) that carries an Origin must come from the page's own origin on an allowed name,
or from an origin listed in QA_CORS_ORIGINS."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from werkzeug.sansio.utils import host_is_trusted

__all__ = ["AllowedHosts", "LOOPBACK_NAMES", "with_bound_host"]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_BINDS = {"", "0.0.0.0", "::", "*"}  # listening everywhere names no host of its own
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _as_host(name: str) -> str:
    """A name as it appears in a Host header: IPv6 literals in brackets, lower case."""
    name = name.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        return name
    try:
        if ipaddress.ip_address(name).version == 6:
            return f"[{name}]"
    except ValueError:
        pass
    return name


def is_wildcard(bind: str) -> bool:
    return bind.strip() in WILDCARD_BINDS


def with_bound_host(allowed: str, bind: str) -> str:
    """QA_ALLOWED_HOSTS plus the address the server is bound to (a wildcard bind names no host)."""
    return ",".join(n for n in (allowed, "" if is_wildcard(bind) else bind.strip()) if n)


class AllowedHosts:
    """The Host names this server answers for and the cross-origin callers it lets post."""

    def __init__(self, names: str, cors_origins: frozenset[str] = frozenset()):
        listed = [part.strip() for part in names.split(",")]
        self.any = "*" in listed
        self.names = tuple(dict.fromkeys(_as_host(n) for n in (*LOOPBACK_NAMES, *listed) if not is_wildcard(n)))
        self.cors_origins = cors_origins

    def host_ok(self, host: str | None) -> bool:
        """Whether a Host header value (name[:port]) is one of ours; malformed values never are."""
        host = (host or "").lower()
        if not host_is_trusted(host, None):  # werkzeug's check of the characters and the port
            return False
        if self.any:
            return True
        name = host[:host.index("]") + 1] if host.startswith("[") else host.partition(":")[0]
        return any(name == n or (n.startswith(".") and (name.endswith(n) or name == n[1:])) for n in self.names)

    def origin_ok(self, method: str, origin: str | None, host: str | None) -> bool:
        """Whether a request may change state given its Origin header. Requests that change nothing
        (GET, HEAD, OPTIONS) and those without an Origin (non-browser clients) always may; a browser's
        request must come from the page's own origin (its name and port, by either scheme, since behind a
        proxy that ends TLS the app sees http), or from an origin listed for CORS."""
        if method in SAFE_METHODS or origin is None:
            return True
        if origin in self.cors_origins or "*" in self.cors_origins:
            return True
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or parts.path or parts.query or not parts.netloc:
            return False  # "null", file:, or anything that is not an origin
        return parts.netloc.lower() == (host or "").lower() and self.host_ok(parts.netloc)
