"""The idempotent index job: load, clean, chunk, embed what changed, upsert, delete what vanished.

Write order makes interruption safe: an article's chunks are written first and its article record
last; readers only see chunks whose article record carries the same content hash (see
ChromaStore.chunks), so a run killed half-way leaves the last complete state visible and the next
run redoes the unfinished article.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ingest.chunk import chunk_article
from ingest.dedupe import find_copies
from ingest.load import content_hash, load_folder
from ingest.lock import ingest_lock
from qa.config import Settings
from qa.embeddings import Embedder
from qa.schema import Article, IngestReport
from qa.store import ChromaStore

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


def ingest_path(root: Path, store: ChromaStore, embedder: Embedder, settings: Settings,
                progress_factory: Callable[[int], Progress] | None = None) -> IngestReport:
    """Bring the index in step with the articles under root; returns what changed."""
    root = root.resolve()
    with ingest_lock(settings.data_dir):
        loaded = load_folder(root)
        existing = store.article_hashes()
        copies = find_copies(loaded.articles, indexed={k for k, v in existing.items() if not v.get("duplicate_of")})
        articles = [_mark_copy(a, copies.get(a.id, "")) for a in loaded.articles]
        report = IngestReport(articles=len(articles), skipped=list(loaded.skipped),
                              duplicates=sorted((canonical, copy) for copy, canonical in copies.items()))
        advance = progress_factory(len(articles)) if progress_factory else (lambda n: None)
        for article in articles:
            previous = existing.get(article.id)
            if previous and previous.get("content_hash") == article.content_hash:
                report.articles_unchanged += 1
                report.unchanged += len(store.chunk_hashes(article.id))
            else:
                _index_article(article, store, embedder, settings, str(root), report)
                if previous:
                    report.articles_updated += 1
                else:
                    report.articles_added += 1
            advance(1)
        current = {a.id for a in articles}
        for article_id, meta in existing.items():
            if meta.get("root") == str(root) and article_id not in current:
                report.removed += len(store.chunk_hashes(article_id))
                store.delete_article(article_id)
                report.articles_removed += 1
        if report.changed:
            store.bump_version()
        return report


def _mark_copy(article: Article, canonical: str) -> Article:
    if not canonical:
        return article
    marked = replace(article, duplicate_of=canonical)
    return replace(marked, content_hash=content_hash(marked))


def _index_article(article: Article, store: ChromaStore, embedder: Embedder, settings: Settings,
                   root: str, report: IngestReport) -> None:
    old = store.chunk_hashes(article.id)
    if article.duplicate_of:
        # a near-copy keeps its article record (listed, citable by id) but no searchable chunks
        store.delete_chunks(old)
        report.removed += len(old)
        store.commit_article(article, embedder.embed([article.title or article.body[:500]])[0], root)
        return
    chunks = chunk_article(article, settings.chunk_tokens, settings.chunk_overlap_tokens)
    vectors = embedder.embed([_embedding_text(article, c.text) for c in chunks])
    store.upsert_chunks(article, chunks, vectors)
    for c in chunks:
        if c.id not in old:
            report.added += 1
        elif old[c.id] != c.hash:
            report.updated += 1
        else:
            report.unchanged += 1
    stale = set(old) - {c.id for c in chunks}
    store.delete_chunks(stale)
    report.removed += len(stale)
    article_vector = vectors.mean(axis=0)
    store.commit_article(article, article_vector, root)


def _embedding_text(article: Article, text: str) -> str:
    """What is embedded for a chunk: its article's headline gives the passage its context."""
    return f"{article.title}\n{text}" if article.title else text
