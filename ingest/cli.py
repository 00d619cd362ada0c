"""`qa ingest [PATH]`: bring the index in step with a folder of articles and print what changed."""

from __future__ import annotations

import sys
from pathlib import Path

from qa.config import Settings
from qa.errors import BadInput
from qa.schema import IngestReport


def register(subparsers) -> None:
    parser = subparsers.add_parser("ingest", help="index the articles of a folder (default: seeds/)")
    parser.add_argument("path", nargs="?", type=Path, default=None, help="folder or file of articles")
    parser.set_defaults(run=run)


def run(args, settings: Settings) -> int:
    from ingest.pipeline import ingest_path
    from qa.embeddings import MiniLMEmbedder
    from qa.store import ChromaStore

    root = args.path or settings.seeds_dir
    if not root.exists():
        raise BadInput(f"no such file or folder: {root}")
    embedder = MiniLMEmbedder(threads=settings.embed_threads, batch_size=settings.embed_batch)
    store = ChromaStore.open(settings, embedder.name, embedder.dimension)
    report = ingest_path(root, store, embedder, settings, progress_factory=_progress)
    print(format_report(report, root))
    return 1 if report.skipped else 0


def format_report(report: IngestReport, root: Path) -> str:
    lines = [
        f"ingested {root}: {report.articles} articles "
        f"({report.articles_added} added, {report.articles_updated} updated, "
        f"{report.articles_unchanged} unchanged, {report.articles_removed} removed)",
        f"chunks: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, {report.removed} removed",
    ]
    if not report.changed:
        lines.append("nothing changed: the index was already up to date")
    for original, copy in report.duplicates:
        lines.append(f"near-duplicate: {copy} is a copy of {original} (kept {original})")
    for where, why in report.skipped:
        lines.append(f"skipped {where}: {why}")
    return "\n".join(lines)


def _progress(total: int):
    """A progress bar on long runs in a terminal; nothing otherwise."""
    if total < 20 or not sys.stderr.isatty():
        return lambda n: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="article", file=sys.stderr, leave=False)
    return bar.update
