"""Baselines `qa eval` scores beside our Assistant, on the same corpus and embedding model:
keyword-only (BM25) and dense-only retrieval feeding our answerer, and "the tutorial pipeline"
(LangChain's RecursiveCharacterTextSplitter 1000/200, Chroma top-4, first sentence of each passage)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence

from qa.index import tokens
from qa.assistant import Assistant
from qa.config import Settings
from qa.index.embeddings import Embedder
from qa.evaluation.evaluate import AssistantSystem
from qa.retrieval.retrieve import RetrievalConfig, Retriever
from qa.schema import Answer, AnswerSentence, Article, Chunk, Citation, Passage
from qa.language.sentences import split_sentences
from qa.index.store import ChromaStore

TUTORIAL_CHUNK_CHARS = 1000
TUTORIAL_OVERLAP_CHARS = 200
TUTORIAL_TOP_K = 4
TUTORIAL_ROOT = "tutorial-baseline"  # marks the article records this index owns


def retrieval_variant(assistant: Assistant, name: str, mode: str, description: str = "") -> AssistantSystem:
    """Our answerer over one retrieval mode only, sharing the assistant's store and embedder."""
    s = assistant.settings
    retriever = Retriever(assistant.store, assistant.embedder,
                          RetrievalConfig(mode=mode, candidates=s.candidates, per_article_cap=s.per_article_cap))
    # keyword-only retrieval reports no cosine, so the answerer's dense off-topic gate stays out of it
    variant = Assistant(s, assistant.store, assistant.embedder, retriever=retriever, answerer=assistant.answerer,
                        keyword=assistant.keyword)
    return AssistantSystem(name, variant, description or f"{mode}-only retrieval, our answerer")


def standard_baselines(assistant: Assistant) -> list:
    """keyword-only, dense-only and the tutorial pipeline, built beside `assistant`."""
    return [
        retrieval_variant(assistant, "keyword", "keyword",
                          "BM25 only (no dense), our answerer (no dense off-topic gate: there is no cosine)"),
        retrieval_variant(assistant, "dense", "dense", "dense only (no BM25), our answerer"),
        TutorialPipeline.build(assistant.store.articles(), assistant.settings, assistant.embedder),
    ]


def split_tutorial(article: Article) -> list[Chunk]:
    """The tutorial's chunks: RecursiveCharacterTextSplitter(1000, 200) over the cleaned body."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=TUTORIAL_CHUNK_CHARS, chunk_overlap=TUTORIAL_OVERLAP_CHARS,
                                              add_start_index=True)
    chunks = []
    for n, doc in enumerate(splitter.create_documents([article.body])):
        # LangChain Documents stop here: converted once into our Chunk
        text, start = doc.page_content, int(doc.metadata["start_index"])
        chunks.append(Chunk(id=f"{article.id}:{n}", article_id=article.id, n=n, text=text, start=start,
                            end=start + len(text), token_count=tokens.count(text),
                            hash=hashlib.sha256(text.encode()).hexdigest()[:16]))
    return chunks


class TutorialPipeline:
    """Split, embed, top-4 by cosine, answer with the first sentence of each passage; never refuses."""

    name = "tutorial"
    description = "LangChain splitter 1000/200 chars + Chroma top-4 + first sentence of each passage"

    def __init__(self, store: ChromaStore, embedder: Embedder, top_k: int = TUTORIAL_TOP_K):
        self.store = store
        self.embedder = embedder
        self.top_k = top_k

    @classmethod
    def build(cls, articles: Sequence[Article], settings: Settings, embedder: Embedder) -> TutorialPipeline:
        """Open (or create) the `<collection>-tutorial` collection and bring it in step with `articles`."""
        store = ChromaStore.open(settings.with_(collection=f"{settings.collection}-tutorial"),
                                 embedder.name, embedder.dimension)
        pipeline = cls(store, embedder)
        pipeline.index(articles)
        return pipeline

    def index(self, articles: Sequence[Article]) -> int:
        """Index the canonical articles (near-copies have no chunks in our index either); returns how
        many were (re)embedded. Unchanged articles are skipped by content hash."""
        wanted = {a.id: a for a in articles if not a.duplicate_of}
        existing = self.store.article_hashes()
        changed: list[str] = []
        for article in wanted.values():
            if existing.get(article.id, {}).get("content_hash") == article.content_hash:
                continue
            chunks = split_tutorial(article)
            if not chunks:
                continue
            vectors = self.embedder.embed([c.text for c in chunks])
            self.store.upsert_chunks([(article, c) for c in chunks], vectors)
            self.store.delete_chunks(set(self.store.chunk_hashes(article.id)) - {c.id for c in chunks})
            self.store.commit_articles([(article, vectors.mean(axis=0))], TUTORIAL_ROOT)
            changed.append(article.id)
        for article_id in set(existing) - set(wanted):
            self.store.delete_article(article_id)
            changed.append(article_id)
        if changed:
            self.store.bump_version(changed)
        return len(changed)

    # The tutorial pipeline has no conversation: a follow-up is searched and answered on its own words.
    def ranked(self, question: str, depth: int, history: tuple[dict, ...] = ()) -> tuple[Passage, ...]:
        return self._search(question, depth)

    def ask(self, question: str, history: tuple[dict, ...] = ()) -> Answer:
        started = time.perf_counter()
        passages = self._search(question, self.top_k)
        t_answer = time.perf_counter()
        sentences, citations = [], []
        for n, p in enumerate(passages, 1):
            first = split_sentences(p.text, p.start)[:1]
            if not first:
                continue
            s = first[0]
            sentences.append(AnswerSentence(s.text, (n,)))
            citations.append(Citation(n=n, article_id=p.article.id, title=p.article.title, outlet=p.article.outlet,
                                      published=p.article.published, url=p.article.url, quote=s.text, start=s.start,
                                      end=s.end, chunk_id=p.chunk_id, passage_start=p.start, passage_end=p.end))
        done = time.perf_counter()
        timings = {"retrieve_ms": round((t_answer - started) * 1000, 2),
                   "answer_ms": round((done - t_answer) * 1000, 2), "total_ms": round((done - started) * 1000, 2)}
        text = " ".join(f"{s.text} [{s.citations[0]}]" for s in sentences)
        return Answer(question=question, text=text or "No passages.", sentences=tuple(sentences),
                      citations=tuple(citations), refused=not sentences, query=question, answerer=self.name,
                      timings=timings, passages=passages)

    def _search(self, question: str, k: int) -> tuple[Passage, ...]:
        hits = self.store.query(self.embedder.embed([question])[0], k)
        return tuple(Passage(chunk_id=h.chunk.id, article=h.chunk.article, text=h.chunk.text, start=h.chunk.start,
                             end=h.chunk.end, score=round(h.similarity, 6), rank=i, dense_score=round(h.similarity, 4))
                     for i, h in enumerate(hits, 1))
