"""The keyword index: tantivy (the only module that imports it), on disk beside the Chroma index,
updated in place by chunk and article id, opened memory-mapped by every reader without a rebuild.

It is fed our own terms (qa.language.text.terms: our stemmer and stop words, pre-tokenised, split on
whitespace), so the idf the answerer reads is the one retrieval ranks by; benchmarks/keyword_bench.py
measured this against our former in-memory BM25 (same hit@5 and MRR on every set) and against tantivy's
own en_stem analysis (0.02-0.05 MRR lower on harbour). Scoring is tantivy's BM25 (k1 1.2, b 0.75).

Beside the segments, `state.json` says which store version the chunks reflect. It is replaced (an
atomic rename) after each commit, and a reader reads it before it opens its searcher, so the chunks a
reader sees are never older than the version it reports. (It is not a document in the index: one more
document, without terms, would change every BM25 score on a small corpus.)
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from qa.errors import StoreUnavailable
from qa.index.store import StoredChunk, day_number
from qa.schema import ArticleMeta, Filters
from qa.language.text import terms

STATE_FILE = "state.json"
WRITER_HEAP = 128_000_000  # bytes tantivy buffers before it flushes a segment
_MANY = 1_000_000  # "every document" for a search limit


@dataclass(frozen=True)
class IndexState:
    version: int  # the store version the chunks reflect; 0: never synced


def _schema():
    import tantivy

    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    b.add_text_field("article_id", stored=True, tokenizer_name="raw", fast=True)
    b.add_text_field("terms", tokenizer_name="whitespace", index_option="freq")
    b.add_text_field("outlet_key", tokenizer_name="raw")
    b.add_text_field("outlet", tokenizer_name="raw", fast=True)
    b.add_integer_field("day", indexed=True, fast=True)
    b.add_bytes_field("record", stored=True)  # what a reader gets back: the chunk (or the state), as JSON
    return b.build()


def indexed_terms(chunk: StoredChunk) -> str:
    """What the keyword index searches for a chunk: the terms of its headline and its text."""
    return " ".join(terms(f"{chunk.article.title}\n{chunk.text}"))


class KeywordIndex:
    """One folder of tantivy segments. Readers take a `Searcher` (a pinned generation); one writer at a
    time (the caller holds the folder's lock) adds, deletes and commits."""

    def __init__(self, folder: Path):
        import tantivy

        self.folder = folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if tantivy.Index.exists(str(folder)):
                self._index = tantivy.Index.open(str(folder))
            else:
                self._index = tantivy.Index(_schema(), path=str(folder))
            self._index.config_reader("Manual")
        except (OSError, ValueError) as exc:
            raise StoreUnavailable(f"cannot open the keyword index in {folder}: {exc}") from None

    def state(self) -> IndexState:
        try:
            saved = json.loads((self.folder / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return IndexState(0)
        return IndexState(int(saved.get("version", 0)))

    def searcher(self) -> "Searcher":
        """The newest committed generation, pinned: later commits do not change what it sees."""
        state = self.state()  # first: the generation opened next is at least this new
        self._index.reload()
        return Searcher(self._index.searcher(), self._index.schema, state)

    @contextmanager
    def writer(self) -> Iterator["Writer"]:
        """A writer whose changes become visible, all at once, when it leaves without an error; then the
        state it was given is saved."""
        try:
            raw = self._index.writer(heap_size=WRITER_HEAP, num_threads=1)
        except ValueError as exc:
            raise StoreUnavailable(f"the keyword index in {self.folder} is locked: {exc}") from None
        writer = Writer(raw)
        try:
            yield writer
            raw.commit()
            raw.wait_merging_threads()
        except BaseException:
            raw.rollback()
            raise
        finally:
            state = writer.state
            del writer, raw  # drops tantivy's own lock file
        if state is not None:
            temporary = self.folder / f".{STATE_FILE}.{os.getpid()}"
            temporary.write_text(json.dumps({"version": state.version}), encoding="utf-8")
            os.replace(temporary, self.folder / STATE_FILE)


class Writer:
    def __init__(self, raw):
        self._raw = raw
        self.state: IndexState | None = None

    def add(self, chunks: Iterable[StoredChunk]) -> int:
        """Add the chunks; returns how many."""
        import tantivy

        n = 0
        for n, c in enumerate(chunks, 1):
            a = c.article
            record = {"title": a.title, "outlet": a.outlet, "published": a.published, "url": a.url,
                      "text": c.text, "start": c.start, "end": c.end, "hash": c.hash, "article_hash": c.article_hash}
            self._raw.add_document(tantivy.Document(
                id=c.id, article_id=a.id, terms=indexed_terms(c), outlet_key=a.outlet.casefold(),
                outlet=a.outlet, day=day_number(a.published), record=json.dumps(record).encode(),
            ))
        return n

    def delete_articles(self, article_ids: Iterable[str]) -> None:
        for article_id in article_ids:
            self._raw.delete_documents_by_term("article_id", article_id)

    def delete_all(self) -> None:
        self._raw.delete_all_documents()

    def set_state(self, state: IndexState) -> None:
        """What the index will say it reflects once this commit is made."""
        self.state = state


class Searcher:
    """A pinned generation of the keyword index: BM25 search, idf and stored chunks by id."""

    def __init__(self, raw, schema, state: IndexState):
        import tantivy

        self._t = tantivy
        self._raw = raw
        self._schema = schema
        self._idf: dict[str, float] = {}
        self.state = state
        self.size = raw.num_docs  # chunks

    # ---- ranking -------------------------------------------------------------------------------

    def known(self, term: str) -> bool:
        """Does any chunk contain the (stemmed) term?"""
        return self.idf(term) < self._unseen()

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term; unseen terms weigh the most."""
        got = self._idf.get(term)
        if got is None:
            df = self._raw.doc_freq("terms", term) if term else 0
            got = math.log(1 + (self.size - df + 0.5) / (df + 0.5)) if df else self._unseen()
            self._idf[term] = got
        return got

    def _unseen(self) -> float:
        return math.log(1 + (self.size + 0.5) / 0.5)

    def top(self, query: str, n: int, filters: Filters = Filters()) -> list[tuple[StoredChunk, float]]:
        """The n best chunks for `query` by BM25 over its terms, among those the filters allow."""
        words = sorted(set(terms(query)))
        if not words or n <= 0:
            return []
        t = self._t
        q = t.Query.boolean_query([(t.Occur.Should, self._term("terms", w)) for w in words])
        where = self._filter(filters)
        if where is not None:
            q = t.Query.boolean_query([(t.Occur.Must, q), (t.Occur.Must, t.Query.const_score_query(where, 0.0))])
        hits = self._raw.search(q, n).hits
        return [(_chunk(self._raw.doc(addr).to_dict()), float(score)) for score, addr in hits if score > 0]

    def count(self, filters: Filters) -> int:
        """How many chunks the filters let through."""
        where = self._filter(filters)
        if where is None:
            return self.size
        return self._raw.search(where, 1, count=True).count

    # ---- stored chunks -------------------------------------------------------------------------

    def chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        """The chunks among `ids` that this generation holds."""
        if not ids:
            return {}
        q = self._t.Query.term_set_query(self._schema, "id", list(ids))
        return {c.id: c for c in map(_chunk, self._docs(q, len(ids)))}

    def article_chunks(self, article_id: str) -> list[StoredChunk]:
        return sorted(map(_chunk, self._docs(self._term("article_id", article_id), _MANY)), key=lambda c: c.start)

    def articles(self) -> int:
        """How many articles the chunks come from (tantivy's cardinality estimate: exact for small
        corpora, within about 1% for large ones)."""
        if not self.size:
            return 0
        return int(round(self._raw.cardinality(self._t.Query.all_query(), "article_id")))

    def outlets(self) -> dict[str, int]:
        """outlet name -> chunks, over every chunk."""
        got = self._raw.aggregate(self._t.Query.all_query(), {"o": {"terms": {"field": "outlet", "size": 100_000}}})
        return {b["key"]: int(b["doc_count"]) for b in got["o"]["buckets"] if b["key"]}

    def days(self) -> tuple[int, int]:
        """(oldest, newest) publication day as YYYYMMDD over dated chunks; (0, 0) when none is dated."""
        dated = self._t.Query.range_query(self._schema, "day", self._t.FieldType.Integer, 1, 99_999_999)
        got = self._raw.aggregate(dated, {"lo": {"min": {"field": "day"}}, "hi": {"max": {"field": "day"}}})
        lo, hi = got["lo"].get("value"), got["hi"].get("value")
        return (int(lo), int(hi)) if lo is not None and hi is not None else (0, 0)

    # ---- helpers -------------------------------------------------------------------------------

    def _term(self, field: str, value: str):
        return self._t.Query.term_query(self._schema, field, value)

    def _docs(self, query, limit: int) -> list[dict]:
        return [self._raw.doc(addr).to_dict() for _, addr in self._raw.search(query, max(1, limit)).hits]

    def _filter(self, filters: Filters):
        t = self._t
        clauses = []
        if filters.outlet:
            clauses.append(self._term("outlet_key", filters.outlet.casefold()))
        if filters.since or filters.until:
            lo = day_number(filters.since) if filters.since else 1
            hi = day_number(filters.until) if filters.until else 99_999_999
            clauses.append(t.Query.range_query(self._schema, "day", t.FieldType.Integer, max(lo, 1), hi))
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else t.Query.boolean_query([(t.Occur.Must, c) for c in clauses])


def _chunk(doc: dict) -> StoredChunk:
    r = json.loads(bytes(doc["record"][0]))
    return StoredChunk(
        id=doc["id"][0],
        article=ArticleMeta(doc["article_id"][0], r["title"], r["outlet"], r["published"], r["url"]),
        text=r["text"], start=int(r["start"]), end=int(r["end"]), hash=r["hash"], article_hash=r["article_hash"],
    )
