"""The idempotent index job: load, clean, chunk, embed what changed, upsert, delete what vanished.

Write order makes interruption safe: an article's chunks are written first and its article record
last; readers only see chunks whose article record carries the same content hash (see
ChromaStore.chunks), so a run killed half-way leaves the last complete state visible and the next
run redoes the unfinished article. Then the new index version is logged with the articles it changed
and published, and this host's keyword index replays it (qa/index/sync.py): the keyword index is what
readers answer from, so until it commits they see the previous version whole. A run stopped between
those steps is finished by the next run (or by the first reader that sees the version).
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
from qa.index.embeddings import Embedder
from qa.index.keyword import KeywordIndex
from qa.index.sync import keyword_folder, sync
from qa.schema import Article, Chunk, IngestReport
from qa.index.store import ChromaStore

log = logging.getLogger(__name__)

GROUP_CHUNKS = 64  # changed articles are embedded and written in groups of about this many chunks

Progress = Callable[[int, int], None]  # (articles done, chunks embedded) since the last call


def ingest_path(root: Path, store: ChromaStore, embedder: Embedder, settings: Settings,
                progress_factory: Callable[[int], Progress] | None = None) -> IngestReport:
    """Bring the index in step with the articles under root; returns what changed."""
    root = root.resolve()
    with ingest_lock(settings.data_dir):
        store.finish_bump()
        loaded = load_folder(root)
        existing = store.article_hashes()
        copies = find_copies(loaded.articles, indexed={k for k, v in existing.items() if not v.get("duplicate_of")})
        articles = [_mark_copy(a, copies.get(a.id, "")) for a in loaded.articles]
        report = IngestReport(articles=len(articles), skipped=list(loaded.skipped),
                              duplicates=sorted((canonical, copy) for copy, canonical in copies.items()))
        advance = progress_factory(len(articles)) if progress_factory else (lambda n, chunks: None)
        group: list[tuple[Article, list[Chunk]]] = []
        grouped = 0  # chunks in the group (a near-copy counts one: its headline is embedded)
        for article in articles:
            previous = existing.get(article.id)
            if previous and previous.get("content_hash") == article.content_hash:
                report.articles_unchanged += 1
                report.unchanged += len(store.chunk_hashes(article.id))
                advance(1, 0)
                continue
            if previous:
                report.articles_updated += 1
            else:
                report.articles_added += 1
            chunks = [] if article.duplicate_of else chunk_article(
                article, settings.chunk_tokens, settings.chunk_overlap_tokens)
            group.append((article, chunks))
            grouped += len(chunks) or 1
            if grouped >= GROUP_CHUNKS:
                _index_group(group, store, embedder, str(root), report)
                advance(len(group), grouped)
                group, grouped = [], 0
        _index_group(group, store, embedder, str(root), report)
        advance(len(group), grouped)
        current = {a.id for a in articles}
        gone = [aid for aid, meta in existing.items() if meta.get("root") == str(root) and aid not in current]
        for article_id in gone:
            report.removed += len(store.chunk_hashes(article_id))
            store.delete_article(article_id)
            report.articles_removed += 1
        if report.changed:
            changed = [a.id for a in articles if existing.get(a.id, {}).get("content_hash") != a.content_hash]
            store.bump_version([*changed, *gone])
        sync(store, KeywordIndex(keyword_folder(settings)))
        return report


def _mark_copy(article: Article, canonical: str) -> Article:
    if not canonical:
        return article
    marked = replace(article, duplicate_of=canonical)
    return replace(marked, content_hash=content_hash(marked))


def _index_group(group: list[tuple[Article, list[Chunk]]], store: ChromaStore, embedder: Embedder,
                 root: str, report: IngestReport) -> None:
    """Embed a group of changed articles' chunks together (full model batches), write all their chunks,
    delete what they no longer have, then their article records, which make the new chunks visible."""
    if not group:
        return
    # a near-copy keeps its article record (listed, citable by id) but no searchable chunks: its vector
    # is its headline's
    texts = [t for article, chunks in group for t in (
        [embedding_text(article, c.text) for c in chunks] if chunks else [article.title or article.body[:500]])]
    vectors = embedder.embed(texts)
    old = store.chunk_hashes_by_article([article.id for article, _ in group])
    items, rows, records, stale, at = [], [], [], [], 0
    for article, chunks in group:
        own = vectors[at : at + (len(chunks) or 1)]
        rows += range(at, at + len(chunks))  # a near-copy's headline row is no chunk's
        at += len(chunks) or 1
        previous = old.get(article.id, {})
        for c in chunks:
            items.append((article, c))
            if c.id not in previous:
                report.added += 1
            elif previous[c.id] != c.hash:
                report.updated += 1
            else:
                report.unchanged += 1
        gone = set(previous) - {c.id for c in chunks}
        stale += gone
        report.removed += len(gone)
        records.append((article, own.mean(axis=0) if chunks else own[0]))
    store.upsert_chunks(items, vectors[rows])
    store.delete_chunks(stale)
    store.commit_articles(records, root)


def embedding_text(article: Article, text: str) -> str:
    """What is embedded for a chunk: its article's headline gives the passage its context."""
    return f"{article.title}\n{text}" if article.title else text
