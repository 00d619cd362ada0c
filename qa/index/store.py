"""The vector store: the only module that imports chromadb. Chroma types never leave this file.

Three collections per index: `<name>_chunks` (one record per chunk, the searchable passages),
`<name>_articles` (one record per article: cleaned body and metadata, the commit marker of ingest) and
`<name>_log` (per index version, the ids of the articles it changed or removed: what a keyword index on
any host replays to catch up with the store, see qa/index/sync.py).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np

from qa.config import Settings
from qa.errors import IndexMismatch, NotFound, StoreUnavailable
from qa.schema import Article, ArticleMeta, Chunk, Filters

log = logging.getLogger(__name__)

_LOG_IDS = 1000  # article ids per change-log record
_READ_ARTICLES = 200  # articles whose chunks one read fetches
_PAGE = 1000  # Chroma caps how many records one get() may return at a time
LOCKED_RETRY_S = (0.5, 1.0, 2.0)  # waits before retrying a call that found the SQLite index locked


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the store, with its article's citation data."""

    id: str
    article: ArticleMeta
    text: str
    start: int
    end: int
    hash: str
    article_hash: str


@dataclass(frozen=True)
class StoreHit:
    chunk: StoredChunk
    similarity: float  # cosine similarity, 1 = identical


def day_number(iso_date: str) -> int:
    """YYYY-MM-DD -> YYYYMMDD as an int Chroma can range-filter; 0 when undated."""
    return int(iso_date.replace("-", "")) if iso_date else 0


def chroma_where(filters: Filters) -> dict | None:
    """Filters as a Chroma `where` clause over chunk metadata."""
    clauses: list[dict] = []
    if filters.outlet:
        clauses.append({"outlet_key": filters.outlet.casefold()})
    if filters.since:
        clauses.append({"published_day": {"$gte": day_number(filters.since)}})
    if filters.until:
        clauses.append({"published_day": {"$lte": day_number(filters.until)}})
        clauses.append({"published_day": {"$gt": 0}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class ChromaStore:
    """Chunks and articles in Chroma (embedded in a folder, or a `chroma run` server)."""

    def __init__(self, client, name: str, model_name: str, dimension: int):
        self._client = client
        self.name = name
        self.model_name = model_name
        self.dimension = dimension
        meta = {"embedding_model": model_name, "dimension": dimension}
        try:
            self._chunks = client.get_or_create_collection(
                f"{name}_chunks", embedding_function=None, metadata=meta,
                configuration={"hnsw": {"space": "cosine"}},
            )
            self._articles = client.get_or_create_collection(
                f"{name}_articles", embedding_function=None, metadata=meta,
                configuration={"hnsw": {"space": "cosine"}},
            )
            self._log = client.get_or_create_collection(f"{name}_log", embedding_function=None)
        except Exception as exc:  # chromadb raises many types; they all mean "cannot use the store"
            raise StoreUnavailable(f"cannot open the Chroma collections: {exc}") from None
        recorded = self._chunks.metadata or {}
        if (recorded.get("embedding_model"), recorded.get("dimension")) != (model_name, dimension):
            raise IndexMismatch(
                f"the index was built with {recorded.get('embedding_model')} "
                f"({recorded.get('dimension')} dims) but this service embeds with {model_name} "
                f"({dimension} dims); re-ingest into a new data dir or collection"
            )

    @classmethod
    def open(cls, settings: Settings, model_name: str, dimension: int) -> "ChromaStore":
        """The embedded store in settings.data_dir, or the server at settings.chroma_url."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if settings.chroma_url:
                url = urlparse(settings.chroma_url)
                client = chromadb.HttpClient(
                    host=url.hostname or "127.0.0.1", port=url.port or 8000,
                    ssl=url.scheme == "https", settings=chroma_settings,
                )
            else:
                settings.data_dir.mkdir(parents=True, exist_ok=True)
                path = str(settings.data_dir / "chroma")
                client = _opened(lambda: chromadb.PersistentClient(path=path, settings=chroma_settings),
                                 forget=lambda: _forget_system(path))
        except Exception as exc:
            where = settings.chroma_url or settings.data_dir
            raise StoreUnavailable(f"cannot reach Chroma at {where}: {exc}") from None
        return cls(client, settings.collection, model_name, dimension)

    # ---- reads -------------------------------------------------------------------------------

    def version(self) -> int:
        """A number ingest bumps after every change; readers reload their indexes when it moves."""
        return int(self._guard(lambda: self._client.get_collection(
            self._chunks.name, embedding_function=None).metadata or {}).get("version", 0))

    def counts(self) -> tuple[int, int]:
        """(articles, chunks) in the index."""
        return self._guard(lambda: (self._articles.count(), self._chunks.count()))

    def article_hashes(self) -> dict[str, dict]:
        """article id -> {content_hash, root, source} for every committed article."""
        out = {}
        for rid, meta, _doc in self._all(self._articles, include=["metadatas"]):
            out[rid] = meta
        return out

    def articles(self) -> list[Article]:
        return [_article_from(rid, meta, doc) for rid, meta, doc in self._all(self._articles)]

    def article(self, article_id: str) -> Article:
        got = self._guard(lambda: self._articles.get(ids=[article_id], include=["metadatas", "documents"]))
        if not got["ids"]:
            raise NotFound(f"no article with id {article_id!r}")
        return _article_from(got["ids"][0], got["metadatas"][0], got["documents"][0])

    def chunk_hashes(self, article_id: str) -> dict[str, str]:
        return self.chunk_hashes_by_article([article_id]).get(article_id, {})

    def chunk_hashes_by_article(self, article_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """{article id: {chunk id: chunk hash}} for several articles in one read."""
        if not article_ids:
            return {}
        where = {"article_id": article_ids[0]} if len(article_ids) == 1 else {"article_id": {"$in": list(article_ids)}}
        got = self._guard(lambda: self._chunks.get(where=where, include=["metadatas"]))
        out: dict[str, dict[str, str]] = {}
        for rid, meta in zip(got["ids"], got["metadatas"]):
            out.setdefault(meta["article_id"], {})[rid] = meta["hash"]
        return out

    def chunks(self) -> list[StoredChunk]:
        """Every chunk whose article is committed (interrupted writes of a newer version are ignored)."""
        return list(self.iter_chunks())

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """Every committed chunk, read a page at a time."""
        committed = {rid: meta.get("content_hash") for rid, meta in self.article_hashes().items()}
        for rid, meta, doc in self._all(self._chunks):
            chunk = _chunk_from(rid, meta, doc)
            if committed.get(chunk.article.id) == chunk.article_hash:
                yield chunk

    def committed_chunks(self, article_ids: Sequence[str]) -> list[StoredChunk]:
        """The visible chunks of these articles (none for an article removed or not yet committed)."""
        out: list[StoredChunk] = []
        ids = sorted(set(article_ids))
        for at in range(0, len(ids), _READ_ARTICLES):
            batch = ids[at: at + _READ_ARTICLES]
            got = self._guard(lambda: self._articles.get(ids=batch, include=["metadatas"]))
            committed = {rid: meta.get("content_hash") for rid, meta in zip(got["ids"], got["metadatas"])}
            if not committed:
                continue
            keys = sorted(committed)
            where = {"article_id": keys[0]} if len(keys) == 1 else {"article_id": {"$in": keys}}
            got = self._guard(lambda: self._chunks.get(where=where, include=["metadatas", "documents"]))
            for rid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"]):
                chunk = _chunk_from(rid, meta, doc)
                if committed.get(chunk.article.id) == chunk.article_hash:
                    out.append(chunk)
        return out

    def changes_since(self, version: int) -> dict[int, set[str] | None]:
        """{index version: ids of the articles it changed or removed, None when not logged} for every
        logged version > version."""
        out: dict[int, set[str] | None] = {}
        offset = 0
        while True:
            got = self._guard(lambda: self._log.get(where={"version": {"$gt": version}}, include=["metadatas", "documents"],
                                                    limit=_PAGE, offset=offset))
            for meta, doc in zip(got["metadatas"], got["documents"]):
                ids, v = json.loads(doc), int(meta["version"])
                if ids is None or (v in out and out[v] is None):
                    out[v] = None
                else:
                    out.setdefault(v, set()).update(ids)
            if len(got["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def query(self, vector: np.ndarray, n: int, filters: Filters = Filters()) -> list[StoreHit]:
        """The n nearest chunks to `vector` (cosine), honouring filters."""
        # no count() first: Chroma returns fewer than n (or none) when it holds fewer, at one round trip
        got = self._guard(lambda: self._chunks.query(
            query_embeddings=[vector.tolist()], n_results=n,
            where=chroma_where(filters), include=["metadatas", "documents", "distances"],
        ))
        return [
            StoreHit(_chunk_from(rid, meta, doc), 1.0 - float(dist))
            for rid, meta, doc, dist in zip(got["ids"][0], got["metadatas"][0], got["documents"][0], got["distances"][0])
        ]

    # ---- writes ------------------------------------------------------------------------------

    def upsert_chunks(self, items: Sequence[tuple[Article, Chunk]], vectors: np.ndarray) -> None:
        """Chunks of one or several articles, with their vectors, in one write."""
        if not items:
            return
        metas = [chunk_meta(article, c) for article, c in items]
        self._guard(lambda: self._chunks.upsert(
            ids=[c.id for _, c in items], embeddings=vectors.tolist(),
            documents=[c.text for _, c in items], metadatas=metas,
        ))

    def delete_chunks(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if ids:
            self._guard(lambda: self._chunks.delete(ids=ids))

    def commit_articles(self, records: Sequence[tuple[Article, np.ndarray]], root: str) -> None:
        """Write article records last: they are what makes their chunks visible to readers."""
        if not records:
            return
        metas = [{
            "title": a.title, "outlet": a.outlet, "published": a.published, "url": a.url, "byline": a.byline,
            "source": a.source, "content_hash": a.content_hash, "root": root, "duplicate_of": a.duplicate_of,
        } for a, _ in records]
        self._guard(lambda: self._articles.upsert(
            ids=[a.id for a, _ in records], embeddings=[v.tolist() for _, v in records],
            documents=[a.body for a, _ in records], metadatas=metas))

    def delete_article(self, article_id: str) -> None:
        self._guard(lambda: self._articles.delete(ids=[article_id]))
        self._guard(lambda: self._chunks.delete(where={"article_id": article_id}))

    def article_vectors(self) -> dict[str, np.ndarray]:
        return {rid: np.asarray(emb, dtype=np.float32)
                for rid, emb in self._all_embeddings(self._articles)}

    def bump_version(self, changed: Iterable[str] | None = None) -> int:
        """A new index version, logged with the articles it changed or removed (None: not said, so a
        keyword index catching up rebuilds), then published."""
        new = max(self.version(), self._logged_version()) + 1
        ids = sorted(set(changed)) if changed is not None else None
        if ids is None:
            parts: list = [None]
        else:
            parts = [ids[at: at + _LOG_IDS] for at in range(0, len(ids), _LOG_IDS)] or [[]]
        self._guard(lambda: self._log.upsert(
            ids=[f"{new:012d}-{i}" for i in range(len(parts))], embeddings=[[1.0]] * len(parts),
            documents=[json.dumps(p) for p in parts], metadatas=[{"version": new}] * len(parts)))
        self._publish(new)
        return new

    def finish_bump(self) -> int:
        """Publish a version that was logged but not published (an ingest stopped between the two)."""
        logged = self._logged_version()
        if logged > self.version():
            self._publish(logged)
        return self.version()

    def _publish(self, version: int) -> None:
        meta = {"embedding_model": self.model_name, "dimension": self.dimension, "version": version}
        self._guard(lambda: self._chunks.modify(metadata=meta))

    def _logged_version(self) -> int:
        published = self.version()
        got = self._guard(lambda: self._log.get(where={"version": {"$gte": published}}, include=["metadatas"]))
        return max((int(m["version"]) for m in got["metadatas"]), default=0)

    # ---- helpers -----------------------------------------------------------------------------

    def _all(self, collection, include=("metadatas", "documents")):
        offset = 0
        while True:
            got = self._guard(lambda: collection.get(include=list(include), limit=_PAGE, offset=offset))
            docs = got.get("documents") or [None] * len(got["ids"])
            yield from zip(got["ids"], got["metadatas"], docs)
            if len(got["ids"]) < _PAGE:
                return
            offset += _PAGE

    def _all_embeddings(self, collection):
        offset = 0
        while True:
            got = self._guard(lambda: collection.get(include=["embeddings"], limit=_PAGE, offset=offset))
            yield from zip(got["ids"], got["embeddings"])
            if len(got["ids"]) < _PAGE:
                return
            offset += _PAGE

    @staticmethod
    def _guard(call, sleep=time.sleep):
        # another process on the same embedded index (a server reading while ingest writes) can hold
        # SQLite's lock past its busy timeout on a loaded machine: that wait is retried, not failed
        for wait in (*LOCKED_RETRY_S, None):
            try:
                return call()
            except (NotFound, IndexMismatch):
                raise
            except Exception as exc:  # connection refused, server gone, sqlite locked...
                if wait is not None and "database is locked" in str(exc):
                    log.warning("the index is locked by another process; retrying in %.1f s", wait)
                    sleep(wait)
                    continue
                raise StoreUnavailable(f"the vector store failed: {type(exc).__name__}: {exc}") from None


def _opened(make_client, sleep=time.sleep, forget=lambda: None):
    """The embedded client; two processes creating a new index at once (a reader starting while ingest
    makes it) can meet "table ... already exists" or a locked database: the later one waits and retries,
    first forgetting the half-started system chromadb keeps for the path."""
    for wait in (*LOCKED_RETRY_S, None):
        try:
            return make_client()
        except Exception as exc:
            if wait is None or not ("already exists" in str(exc) or "database is locked" in str(exc)):
                raise
            log.warning("the index is being created or locked by another process; retrying in %.1f s", wait)
            forget()
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def _forget_system(path: str) -> None:
    """chromadb caches one System per persistent path, even one whose start failed: drop that one."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(path, None)
    SharedSystemClient._identifier_to_refcount.pop(path, None)


def chunk_meta(article: Article, chunk: Chunk) -> dict:
    return {
        "article_id": article.id, "n": chunk.n, "start": chunk.start, "end": chunk.end,
        "token_count": chunk.token_count, "hash": chunk.hash, "article_hash": article.content_hash,
        "title": article.title, "outlet": article.outlet, "outlet_key": article.outlet.casefold(),
        "published": article.published, "published_day": day_number(article.published), "url": article.url,
    }


def _chunk_from(rid: str, meta: dict, doc: str) -> StoredChunk:
    return StoredChunk(
        id=rid,
        article=ArticleMeta(meta["article_id"], meta.get("title", ""), meta.get("outlet", ""),
                            meta.get("published", ""), meta.get("url", "")),
        text=doc, start=int(meta["start"]), end=int(meta["end"]), hash=meta.get("hash", ""),
        article_hash=meta.get("article_hash", ""),
    )


def _article_from(rid: str, meta: dict, doc: str) -> Article:
    return Article(
        id=rid, title=meta.get("title", ""), body=doc or "", outlet=meta.get("outlet", ""),
        published=meta.get("published", ""), url=meta.get("url", ""), byline=meta.get("byline", ""),
        source=meta.get("source", ""), content_hash=meta.get("content_hash", ""),
        duplicate_of=meta.get("duplicate_of", ""),
    )
