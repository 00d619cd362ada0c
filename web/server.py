"""The default server of `qa serve`: waitress, one process with a few threads. It reads each request whole
(headers and body) on its event loop before a thread runs the app, so clients that stall or trickle hold
a connection, never a thread; idle connections are closed after CHANNEL_TIMEOUT_S, at most
CONNECTION_LIMIT are open at once, and a body past the app's limit is refused with a 413 in our error
shape however it is sent (Content-Length or chunked). `qa serve --production` is gunicorn (web/production.py)."""

from __future__ import annotations

import json
import logging
import resource
import socket
import time

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server
from waitress.task import ErrorTask

from web.security import loggable_uri

log = logging.getLogger(__name__)
access_log = logging.getLogger("web.access")

__all__ = ["CONNECTION_LIMIT", "build_server", "serve_default", "stop_server"]

THREADS = 4  # requests answered at once; the embedding model itself uses settings.embed_threads
CONNECTION_LIMIT = 1000  # open connections, each a socket on the event loop, not a thread
CHANNEL_TIMEOUT_S = 30  # a connection that sends nothing for this long (and awaits no answer) is closed
CLEANUP_INTERVAL_S = 5  # how often idle connections are looked for
LINGER_S = 2.0  # after a closing answer, how long a client may go on sending what will be thrown away
LINGER_BYTES = 16 * 1024 * 1024
SPARE_FILES = 64  # descriptors kept for the index, the model and logs besides the connections


class JsonErrorTask(ErrorTask):
    """waitress's own refusals (a body too large, a malformed request line or chunk) in our error shape."""

    def execute(self):
        error = self.request.error
        code = error.reason.lower().replace(" ", "_")
        body = json.dumps({"error": {"code": code, "message": f"{error.reason}: {error.body}"}}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([("Content-Type", "application/json"), ("X-Content-Type-Options", "nosniff")])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class LingeringChannel(HTTPChannel):
    """A waitress channel that answers errors in our shape and closes as Apache and nginx do: after the
    answer it shuts its sending side and reads on (discarding) for up to LINGER_S or LINGER_BYTES, so a
    client still sending a refused body reads the 413 instead of a connection reset."""

    error_task_class = JsonErrorTask
    linger_until: float | None = None
    lingered_bytes = 0
    closed = False

    def handle_close(self):
        if self.linger_until is None and self.will_close and self.connected and not self.total_outbufs_len:
            try:
                self.socket.shutdown(socket.SHUT_WR)
                self.will_close = False
                self.linger_until = time.monotonic() + LINGER_S
                return
            except OSError:
                pass
        self.close_now()

    def close_now(self):
        if not self.closed:
            self.closed = True
            super().handle_close()

    def readable(self):
        return self.linger_until is not None or super().readable()

    def writable(self):
        if self.linger_until is not None:
            return time.monotonic() > self.linger_until  # then handle_write closes it
        return super().writable()

    def handle_write(self):
        if self.linger_until is not None:
            return self.close_now()
        return super().handle_write()

    def handle_read(self):
        if self.linger_until is None:
            return super().handle_read()
        try:
            data = self.recv(self.adj.recv_bytes)  # b"" when the client is done (recv then closes)
        except OSError:
            data = b""
        self.lingered_bytes += len(data)
        if not data or self.lingered_bytes > LINGER_BYTES or time.monotonic() > self.linger_until:
            self.close_now()


def with_access_log(app):
    """One log line per request (client, method, path, status, milliseconds); query values are left out,
    so no key or question sent in a URL reaches the log."""

    def logged(environ, start_response):
        started = time.perf_counter()
        status = ["-"]

        def start(line, headers, exc_info=None):
            status[0] = line.split(" ", 1)[0]
            return start_response(line, headers, exc_info)

        try:
            return app(environ, start)
        finally:
            access_log.info('%s "%s %s" %s %.0f ms', environ.get("REMOTE_ADDR", "-"), environ.get("REQUEST_METHOD"),
                            loggable_uri(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")),
                            status[0], (time.perf_counter() - started) * 1000)

    return logged


def raise_file_limit(wanted: int) -> None:
    """Lift the soft limit on open files towards `wanted` (within the hard limit) so that every allowed
    connection can be accepted."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def build_server(app, host: str, port: int, max_body_bytes: int, threads: int = THREADS,
                 connection_limit: int = CONNECTION_LIMIT, channel_timeout: int = CHANNEL_TIMEOUT_S,
                 cleanup_interval: int = CLEANUP_INTERVAL_S):
    """A waitress server for `app`, bound but not yet running (`.run()` serves, `.close()` stops)."""
    raise_file_limit(connection_limit + SPARE_FILES)
    server = create_server(
        with_access_log(app), host=host, port=port, threads=threads, connection_limit=connection_limit,
        channel_timeout=channel_timeout, cleanup_interval=cleanup_interval, asyncore_use_poll=True,  # poll: no 1024-descriptor ceiling of select
        max_request_body_size=max_body_bytes + 1,  # waitress refuses at >= its bound; the app allows up to it
        ident="news-qa", clear_untrusted_proxy_headers=True,
    )
    listeners = server.map.values() if isinstance(server, MultiSocketServer) else [server]
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = LingeringChannel
    return server


def stop_server(server) -> None:
    """Stop a running server from another thread: its threads end and every socket is closed, which ends
    the event loop (it runs while any socket is open)."""
    from waitress import wasyncore

    server.task_dispatcher.shutdown()
    wasyncore.close_all(server.map if isinstance(server, MultiSocketServer) else server._map)


def serve_default(app, host: str, port: int, max_body_bytes: int) -> int:
    """Serve `app` in the foreground until Ctrl-C or SIGTERM."""
    server = build_server(app, host, port, max_body_bytes)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop_server(server)
    return 0
