"""`qa serve`: run the app on the development server (see README for production serving)."""

from __future__ import annotations

from qa.config import Settings


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="serve the chat page and JSON API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.set_defaults(run=run)


def run(args, settings: Settings) -> int:
    import logging

    from web import create_app

    logging.getLogger().setLevel(logging.INFO)
    app = create_app(settings)
    print(f"serving on http://{args.host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, threaded=True)
    return 0
