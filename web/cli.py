"""`qa serve`: one process under waitress (web/server.py), or with --production the same app under
gunicorn workers (docs/api.md)."""

from __future__ import annotations

from qa.config import Settings


def register(subparsers) -> None:
    from web.production import DEFAULT_THREADS, DEFAULT_WORKERS

    parser = subparsers.add_parser("serve", help="serve the chat page, JSON API and OpenAI-compatible API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--production", action="store_true",
                        help="run under gunicorn (threaded workers, model loaded once per worker)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"gunicorn worker processes (default {DEFAULT_WORKERS}; more than one needs "
                             "QA_CHROMA_URL)")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help=f"threads per worker (default {DEFAULT_THREADS})")
    parser.set_defaults(run=run)


def run(args, settings: Settings) -> int:
    import logging

    from web.hosts import is_wildcard, with_bound_host

    logging.getLogger().setLevel(logging.INFO)
    settings = settings.with_(allowed_hosts=with_bound_host(settings.allowed_hosts, args.host))
    if is_wildcard(args.host) and not settings.allowed_hosts:
        print("listening on every address, but answering only for localhost: list the names clients use "
              "in QA_ALLOWED_HOSTS", flush=True)
    if args.production:
        import os

        from web.production import serve, share_cores

        settings = share_cores(settings, args.workers, os.environ, os.cpu_count())
        return serve(settings, args.host, args.port, workers=args.workers, threads=args.threads)

    from web import MAX_BODY_BYTES, create_app
    from web.server import serve_default

    app = create_app(settings)
    print(f"serving on http://{args.host}:{args.port}/ (one process; `qa serve --production` runs several "
          "workers)", flush=True)
    return serve_default(app, args.host, args.port, MAX_BODY_BYTES)
