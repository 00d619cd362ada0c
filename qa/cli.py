"""The `qa` command. Subcommands of other packages (ingest, serve) plug in through the `qa.commands`
entry-point group, so this package imports neither of them."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from importlib.metadata import entry_points

from qa.config import Settings
from qa.errors import QAError
from qa.schema import Answer, Filters


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env(data_dir=args.data_dir, chroma_url=args.chroma_url)
        return int(args.run(args, settings) or 0)
    except QAError as exc:
        print(f"qa: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Ask questions of a news corpus; answers cite their passages.")
    parser.add_argument("--data-dir", type=_path, default=None, help="index folder (default $QA_DATA_DIR or .qa)")
    parser.add_argument("--chroma-url", default=None, help="use a Chroma server (default $QA_CHROMA_URL)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question from the indexed articles")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer object as JSON")
    ask.add_argument("-k", type=int, default=None, help="passages to retrieve")
    add_filter_arguments(ask)
    ask.set_defaults(run=run_ask)

    status = sub.add_parser("status", help="what the index holds")
    status.set_defaults(run=lambda args, settings: _print_json(_assistant(settings).status()))

    for ep in sorted(entry_points(group="qa.commands"), key=lambda e: e.name):
        ep.load()(sub)
    return parser


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--outlet", default="", help="only articles from this outlet")
    parser.add_argument("--since", default="", help="only articles published on or after YYYY-MM-DD")
    parser.add_argument("--until", default="", help="only articles published on or before YYYY-MM-DD")


def filters_from(args) -> Filters:
    from qa.retrieval.filters import parse_filters

    return parse_filters({"outlet": args.outlet, "since": args.since, "until": args.until})


def run_ask(args, settings: Settings) -> int:
    answer = _assistant(settings).ask(args.question, filters=filters_from(args), k=args.k)
    if args.json:
        return _print_json(answer.to_dict())
    print(format_answer(answer))
    return 0


def format_answer(answer: Answer) -> str:
    """The answer and its numbered sources as plain text."""
    lines = [answer.text]
    if answer.short_answer:
        lines.insert(0, f"Short answer: {answer.short_answer}")
    unsupported = [s.text for s in answer.sentences if not s.supported]
    if unsupported:
        lines.append(f"(warning: {len(unsupported)} sentence(s) not supported by the cited passage)")
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.sources():
            meta = ", ".join(x for x in (c.outlet, c.published or "undated") if x)
            lines.append(f"[{c.n}] {c.title} ({meta}) {c.article_id} chars {c.passage_start}-{c.passage_end}")
    elif answer.refused and answer.diagnostics.get("closest"):
        lines.append("")
        lines.append("Closest passages:")
        for p in answer.diagnostics["closest"]:
            lines.append(f"- {p['title']} ({p['article_id']}): {p['quote'][:120]}...")
    return "\n".join(lines)


def _assistant(settings: Settings):
    from qa.assistant import Assistant

    return Assistant.build(settings)


def _print_json(data) -> int:
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0


def _path(value: str):
    from pathlib import Path

    return Path(value)


if __name__ == "__main__":
    sys.exit(main())
