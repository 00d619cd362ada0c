"""The Assistant: the one object that wires store, embedder, retriever and answerer. The web app,
the CLI and eval all build it once from Settings (or from injected parts) and share it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, replace

from qa.answering import verdicts
from qa.answering.answer import ExtractiveAnswerer
from qa.config import Settings
from qa.retrieval.conversation import condense
from qa.index.corpus import CorpusSnapshot
from qa.index.embeddings import Embedder, MiniLMEmbedder
from qa.index.keyword import KeywordIndex
from qa.index.sync import SyncBusy, keyword_folder, sync
from qa.errors import BadInput, IndexEmpty
from qa.answering.llm import LLMAnswerer
from qa.answering.parts import completed, joined, split_parts
from qa.answering.places import asks_for_several
from qa.answering.question import Question, analyse, in_words_of, profiled_name, read
from qa.retrieval.retrieve import RetrievalConfig, Retrieved, Retriever
from qa.schema import Answer, Article, Filters, Passage
from qa.retrieval.scope import scoped
from qa.index.store import ChromaStore
from qa.language.text import spelled_amounts

log = logging.getLogger(__name__)

VERDICT_DEPTH = 8  # passages read for yes/no questions, and for dates and figures, which articles may differ on
# question kinds read as deep as verdicts, so each article is heard: values the articles may differ on,
# a person's profile and the outlets that report something (and where-questions about several places)
DEEP_KINDS = ("date", "count", "money", "tally", "profile", "outlets")
VERSION_CHECK_S = 1.0  # how stale the keyword index may be after an ingest elsewhere


class Assistant:
    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder,
                 retriever: Retriever | None = None, answerer=None, llm=None, keyword: KeywordIndex | None = None):
        self.settings = settings
        self.store = store
        self.keyword = keyword or KeywordIndex(keyword_folder(settings))
        self.embedder = embedder
        self.retriever = retriever or Retriever(store, embedder, RetrievalConfig(
            candidates=settings.candidates, per_article_cap=settings.per_article_cap,
            dense_weight=settings.dense_weight, keyword_weight=settings.keyword_weight))
        self.answerer = answerer or ExtractiveAnswerer(embedder=embedder)
        # the LLM answerer is opt-in: configured by QA_LLM_BASE_URL + QA_LLM_MODEL, or asked for per request
        self.llm = llm or LLMAnswerer(settings)
        self.default_answerer = "llm" if settings.llm_base_url and settings.llm_model else "extractive"
        self._snapshot: CorpusSnapshot | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._refreshing = False
        self._watching = False

    @classmethod
    def build(cls, settings: Settings) -> "Assistant":
        """Load the embedding model and open the store named by settings."""
        embedder = MiniLMEmbedder(threads=settings.embed_threads, batch_size=settings.embed_batch)
        store = ChromaStore.open(settings, embedder.name, embedder.dimension)
        return cls(settings, store, embedder)

    # ---- the index ---------------------------------------------------------------------------

    def snapshot(self) -> CorpusSnapshot:
        """The pinned keyword-index generation requests answer from. Once a second the store's version is
        read; when it has moved, a new snapshot is made in the background (syncing this host's keyword
        index if no other process is) and swapped in when ready: no request waits for it."""
        current = self._snapshot
        if current is not None and time.monotonic() - self._checked_at < VERSION_CHECK_S:
            return current
        with self._lock:
            if self._snapshot is not None and time.monotonic() - self._checked_at < VERSION_CHECK_S:
                return self._snapshot
            version = self.store.version()
            self._checked_at = time.monotonic()
            if self._snapshot is None:
                opened = CorpusSnapshot.open(self.keyword.searcher())
                # a first start on an index this host has never synced must wait for it; any other
                # start answers from what the host has while it catches up
                self._snapshot = opened if opened.version else self._synced(wait=True)
            if self._snapshot.version != version and not self._refreshing:
                self._refreshing = True
                threading.Thread(target=self._refresh, name="index-refresh", daemon=True).start()
            return self._snapshot

    def watch(self) -> None:
        """Check the version once a second in the background too, so that a worker no request reaches
        still catches up with an ingest (a server calls this; tests and the CLI need not)."""
        def loop():
            while True:
                time.sleep(VERSION_CHECK_S)
                try:
                    self.snapshot()
                except Exception:  # the store is down: requests say so; the next check tries again
                    log.debug("version check failed", exc_info=True)

        if not self._watching:
            self._watching = True
            threading.Thread(target=loop, name="index-watch", daemon=True).start()

    def refresh(self) -> CorpusSnapshot:
        """Catch up with the store now, waiting for it (the process that has just ingested)."""
        snap = self._synced(wait=True)
        with self._lock:
            self._snapshot, self._checked_at = snap, time.monotonic()
        return snap

    def _synced(self, wait: bool) -> CorpusSnapshot:
        started = time.perf_counter()
        try:
            sync(self.store, self.keyword, wait=wait)
        except SyncBusy:
            pass  # another process is bringing this host's index up to date: a later check sees it
        snap = CorpusSnapshot.open(self.keyword.searcher())
        log.info("opened index version %s: %d chunks in %.0f ms", snap.version, snap.chunk_count,
                 (time.perf_counter() - started) * 1000)
        return snap

    def _refresh(self) -> None:
        try:
            snap = self._synced(wait=False)
            with self._lock:
                if self._snapshot is None or snap.version != self._snapshot.version:
                    self._snapshot = snap
        except Exception:  # the store went away mid-sync: the next version check tries again
            log.exception("could not refresh the index")
        finally:
            self._refreshing = False

    def status(self) -> dict:
        snap = self.snapshot()
        self.store.counts()  # the store must answer: ready means questions can be answered now
        oldest, newest = snap.date_range()
        # the counts of the snapshot answers are drawn from, not the store's: an ingest elsewhere that
        # has written its articles but not yet bumped the version is not shown before it is answered from
        return {
            "articles": snap.article_count, "chunks": snap.chunk_count, "index_version": snap.version,
            "embedding_model": self.embedder.name, "dimension": self.embedder.dimension,
            "oldest": oldest, "newest": newest, "outlets": snap.outlets(),
            "store": "server" if self.settings.chroma_url else "embedded",
        }

    # ---- questions ---------------------------------------------------------------------------

    def search(self, query: str, filters: Filters = Filters(), k: int | None = None,
               history: tuple[dict, ...] = ()) -> tuple[tuple[Passage, ...], str, dict]:
        """(passages, the standalone query searched, timings)."""
        query = self._check_question(query)
        snap = self._ready_snapshot()
        standalone = spelled_amounts(condense(query, history))
        filters, _ = scoped(standalone, filters, snap)
        found = self.retriever.search(snap, standalone, self._k(k), filters)
        return found.passages, standalone, found.timings

    def ask(self, question: str, history: tuple[dict, ...] = (), filters: Filters = Filters(),
            k: int | None = None, answerer: str | None = None) -> Answer:
        """Retrieve and answer; `answerer` is "extractive" or "llm" (default: llm when configured)."""
        for kind, value in self.ask_stream(question, history, filters, k, answerer, tokens=False):
            if kind == "done":
                return value
        raise RuntimeError("the answerer ended without an answer")  # pragma: no cover

    def ask_stream(self, question: str, history: tuple[dict, ...] = (), filters: Filters = Filters(),
                   k: int | None = None, answerer: str | None = None, tokens: bool = True) -> Iterator[tuple[str, object]]:
        """("token", text) events while an LLM writes (none for the extractive answerer), then ("done", Answer).
        Input is validated and passages retrieved before the first event, so errors raise up front."""
        question = self._check_question(question)
        chosen = self._answerer(answerer)
        started = time.perf_counter()
        snap = self._ready_snapshot()
        standalone = spelled_amounts(condense(question, history))  # "$23m" searched as the articles write it
        filters, from_question = scoped(standalone, filters, snap)
        parts = split_parts(standalone)
        if len(parts) > 1 and chosen is self.answerer:  # an LLM reads a question in parts by itself
            return self._parts_events(question, standalone, parts, snap, filters, from_question, k, started)
        asked = read(question, standalone, snap.outlet_names)  # the question is read here, once
        found = self._retrieve(snap, asked, filters, k)
        return self._answer_events(chosen, asked, snap, found, filters, from_question, started, tokens)

    def _retrieve(self, snap: CorpusSnapshot, question: Question, filters: Filters, k: int | None):
        depth = self._k(k)
        info, query = question.info, question.standalone
        if info.verdict or info.kind in DEEP_KINDS or asks_for_several(info):
            depth = max(depth, VERDICT_DEPTH)  # sources may disagree: read deeper so that each is heard
        asked = question.claims
        if len(asked) > 1 and all(c.outlet for c in asked) and not filters.outlet:
            return self._retrieve_claims(snap, query, asked, depth, filters)
        return self.retriever.search(snap, query, depth, filters, naming=profiled_name(info))

    def _retrieve_claims(self, snap: CorpusSnapshot, query: str, asked, depth: int, filters: Filters):
        """A yes/no question on what several outlets said: each claim searched in its outlet's articles,
        their best passages taken in turn, then the question's own search for the rest."""
        # read twice as deep in each outlet: its best chunks past the per-article cap are its own words
        found = [self.retriever.search(snap, verdicts.searched(c, snap.outlet_names), 2 * depth,
                                       replace(filters, outlet=c.outlet)) for c in asked]
        whole = self.retriever.search(snap, query, depth, filters)
        merged: dict[str, Passage] = {}
        for rank in range(2 * depth):
            for f in found:
                if rank < len(f.passages):
                    merged.setdefault(f.passages[rank].chunk_id, f.passages[rank])
        for p in whole.passages:
            merged.setdefault(p.chunk_id, p)
        timings: dict = {}
        for f in (*found, whole):
            for key, value in f.timings.items():
                timings[key] = round(timings.get(key, 0.0) + value, 2)
        dense = [f.best_dense for f in (*found, whole) if f.best_dense is not None]
        return Retrieved(tuple(merged.values())[: depth * (len(asked) + 1)], max(dense) if dense else None, timings)

    def _parts_events(self, question, standalone, parts, snap, filters, from_question, k, started):
        """Each part retrieved and answered on its own (later ones completed by the first's answer), then
        one answer of them all."""
        answers, asked, timings = [], [], {}
        for part in parts:
            if answers:
                part = completed(part, parts[0], answers[0].short_answer)
            read_part = read(part, part, snap.outlet_names)
            found = self._retrieve(snap, read_part, filters, k)
            answers.append(self.answerer.answer(self._in_words_of(read_part, found, snap), found, snap))
            asked.append(part)
            for key, value in found.timings.items():
                timings[key] = round(timings.get(key, 0.0) + value, 2)
        found = replace(found, timings=timings)
        merged = joined(question, standalone, answers, asked)
        return self._answer_events(_Given(merged), Question(question, standalone, analyse(standalone)), snap, found,
                                   filters, from_question, started, False)

    def _answer_events(self, chosen, asked: Question, snap, found, filters, from_question, started, tokens):
        t_answer = time.perf_counter()
        question = self._in_words_of(asked, found, snap)
        if chosen is self.llm:  # the extractive answer decides refusal and stands in when the model fails
            base = self.answerer.answer(question, found, snap)
            events = (self.llm.stream(question, found, snap, base) if tokens
                      else iter([("done", self.llm.answer(question, found, snap, base))]))
        else:
            events = iter([("done", chosen.answer(question, found, snap))])
        for kind, value in events:
            if kind != "done":
                yield kind, value
                continue
            done = time.perf_counter()
            timings = dict(found.timings, answer_ms=round((done - t_answer) * 1000, 2),
                           total_ms=round((done - started) * 1000, 2))
            diagnostics = dict(value.diagnostics, index_version=snap.version,
                               filters={k: v for k, v in asdict(filters).items() if v})
            if from_question:
                diagnostics["filters_from_question"] = from_question
            yield "done", replace(value, timings=timings, diagnostics=diagnostics)

    def article(self, article_id: str) -> Article:
        return self.store.article(article_id)

    def articles(self) -> list[Article]:
        return sorted(self.store.articles(), key=lambda a: (a.published or "", a.id), reverse=True)

    # ---- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _in_words_of(question: Question, found: Retrieved, snap: CorpusSnapshot) -> Question:
        """The question read in the words of the passages found for it (an initialism they spell out)."""
        return in_words_of(question, (p.text for p in found.passages), snap.outlet_names)

    def _ready_snapshot(self) -> CorpusSnapshot:
        snap = self.snapshot()
        if not snap.chunk_count:
            raise IndexEmpty("the index is empty: run `qa ingest` first")
        return snap

    def _answerer(self, name: str | None):
        name = name or self.default_answerer
        if name == "extractive":
            return self.answerer
        if name == "llm":
            return self.llm
        raise BadInput('answerer must be "extractive" or "llm"')

    def _k(self, k: int | None) -> int:
        if k is None:
            return self.settings.top_k
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 50:
            raise BadInput("k must be an integer from 1 to 50")
        return k

    def _check_question(self, question) -> str:
        if not isinstance(question, str):
            raise BadInput("question must be a string")
        question = " ".join(question.split())
        if not question:
            raise BadInput("question must not be empty")
        if len(question) > self.settings.max_question_chars:
            raise BadInput(f"question is longer than {self.settings.max_question_chars} characters")
        return question


class _Given:
    """An answerer that hands back an answer already made (the joined answer of a question's parts)."""

    def __init__(self, answer: Answer):
        self._answer = answer

    def answer(self, *args) -> Answer:
        return self._answer
