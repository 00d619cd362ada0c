"""Production serving: the same app under gunicorn (threaded workers), built once inside each worker."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import replace

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from gunicorn.workers.gthread import ThreadWorker

from qa.config import Settings
from qa.errors import BadInput
from web.security import loggable_uri

DEFAULT_WORKERS = 1
DEFAULT_THREADS = 4  # requests per worker in parallel; the ONNX model itself uses settings.embed_threads
# client, time, request line, status, bytes, milliseconds, user agent: no Referer, no Basic-auth user
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


READ_TIMEOUT_S = 10  # how long a client may leave a socket silent (reading or being written to)


class TimedThreadWorker(ThreadWorker):
    """gunicorn's gthread worker with a read timeout on every connection: its threads read requests
    themselves, so without one a client that stalls its headers or body holds a thread for ever
    (four of them stop a worker of four threads). A stalled body then gets a 408 (web.api)."""

    def handle(self, conn):
        conn.sock.settimeout(READ_TIMEOUT_S)
        return super().handle(conn)


class ProductionLogger(Logger):
    """gunicorn's logger with query strings left out of the access log (web.security.loggable_uri), and a
    connection dropped by the read timeout told in one line rather than a traceback."""

    def exception(self, msg, *args, **kwargs):
        if isinstance(sys.exc_info()[1], TimeoutError):
            self.info("dropped a connection that stopped sending for %s s", READ_TIMEOUT_S)
            return
        super().exception(msg, *args, **kwargs)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        uri = loggable_uri(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        atoms["r"] = f"{environ.get('REQUEST_METHOD', '-')} {uri} {environ.get('SERVER_PROTOCOL', '-')}"
        atoms["q"] = uri.partition("?")[2]
        return atoms


class ProductionServer(BaseApplication):
    """gunicorn, configured in code. `load()` runs in each worker after the fork (no preload), so every
    worker loads the embedding model and opens the store once, and the master loads nothing."""

    def __init__(self, settings: Settings, host: str = "127.0.0.1", port: int = 8000,
                 workers: int = DEFAULT_WORKERS, threads: int = DEFAULT_THREADS, timeout: int = 60):
        if workers < 1 or threads < 1:
            raise BadInput("--workers and --threads must be at least 1")
        if workers > 1 and not settings.chroma_url:
            # An embedded Chroma folder is not safe to share between processes.
            raise BadInput("more than one worker needs a shared Chroma server: set QA_CHROMA_URL "
                           "(or --chroma-url), or run one worker with more --threads")
        self.settings = settings
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "web.production.TimedThreadWorker",
            "timeout": timeout,
            "graceful_timeout": 30,
            "preload_app": False,
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "logger_class": ProductionLogger,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "news-qa",
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from web import create_app

        return create_app(self.settings)


def share_cores(settings: Settings, workers: int, environ: Mapping[str, str], cores: int | None) -> Settings:
    """Workers on one host share its cores: unless QA_EMBED_THREADS is set, each worker's ONNX model
    gets cores // workers threads. Measured on 2 cores (python -m benchmarks): 2 workers with 2 threads
    each oversubscribe (search x16 at 0.93x one worker), with 1 thread each they serve 1.27x."""
    if workers <= 1 or "QA_EMBED_THREADS" in environ:
        return settings
    return replace(settings, embed_threads=max(1, (cores or 1) // workers))


def serve(settings: Settings, host: str, port: int, workers: int = DEFAULT_WORKERS,
          threads: int = DEFAULT_THREADS) -> int:
    """Run gunicorn in the foreground until it is stopped (SIGTERM / Ctrl-C)."""
    ProductionServer(settings, host, port, workers, threads).run()
    return 0
