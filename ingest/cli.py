"""`qa ingest [PATH]`: bring the index in step with a folder of articles and print what changed."""

from __future__ import annotations

import time
from pathlib import Path

from qa.config import Settings
from qa.errors import BadInput
from qa.progress import TerminalProgress
from qa.schema import IngestReport


def register(subparsers) -> None:
    parser = subparsers.add_parser("ingest", help="index the articles of a folder (default: seeds/)")
    parser.add_argument("path", nargs="?", type=Path, default=None, help="folder or file of articles")
    parser.set_defaults(run=run)


def run(args, settings: Settings) -> int:
    from ingest.pipeline import ingest_path
    from qa.index.embeddings import MiniLMEmbedder
    from qa.index.store import ChromaStore

    root = args.path or settings.seeds_dir
    if not root.exists():
        raise BadInput(f"no such file or folder: {root}")
    started = time.perf_counter()
    embedder = MiniLMEmbedder(threads=settings.embed_threads, batch_size=settings.embed_batch)
    store = ChromaStore.open(settings, embedder.name, embedder.dimension)
    bars: list[TerminalProgress] = []
    try:
        report = ingest_path(root, store, embedder, settings, progress_factory=lambda total: _progress(root, total, bars))
    finally:
        for bar in bars:
            bar.close()
    print(format_report(report, root, time.perf_counter() - started))
    return 1 if report.skipped else 0


def format_report(report: IngestReport, root: Path, seconds: float | None = None) -> str:
    """One summary line (what changed, in articles and chunks), then a line per near-copy or skipped file."""
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    if report.changed:
        line = (f"ingested {root}{took}: {report.articles} articles "
                f"({report.articles_added} added, {report.articles_updated} updated, "
                f"{report.articles_unchanged} unchanged, {report.articles_removed} removed); "
                f"chunks: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
                f"{report.removed} removed")
    else:
        line = (f"ingested {root}{took}: nothing changed, the index was already up to date "
                f"({report.articles} articles, {report.unchanged} chunks)")
    lines = [line]
    for original, copy in report.duplicates:
        lines.append(f"near-duplicate: {copy} is a copy of {original} (kept {original})")
    for where, why in report.skipped:
        lines.append(f"skipped {where}: {why}")
    return "\n".join(lines)


MIN_BAR_ARTICLES = 20  # a smaller folder is done before a bar would say anything


def _progress(root: Path, total: int, bars: list[TerminalProgress]):
    """A bar on a terminal: "Indexing seeds: 12/40 articles read, 96 chunks embedded"."""
    bar = TerminalProgress(f"Indexing {root.name or root}", total, "articles read", "0 chunks embedded",
                           min_total=MIN_BAR_ARTICLES)
    bars.append(bar)
    embedded = 0

    def advance(articles: int, chunks: int) -> None:
        nonlocal embedded
        embedded += chunks
        bar.advance(articles, f"{embedded} chunks embedded")

    return advance
