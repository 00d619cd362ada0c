"""Hybrid retrieval: dense (Chroma) and keyword (BM25) candidates fused by weighted reciprocal rank,
then diversified so one article cannot fill the whole top-k."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from qa.index.corpus import CorpusSnapshot
from qa.index.embeddings import Embedder
from qa.schema import Filters, Passage
from qa.language.sentences import split_sentences
from qa.index.store import ChromaStore
from qa.language.text import fold, has_word, terms

RRF_K = 60


@dataclass(frozen=True)
class RetrievalConfig:
    mode: str = "hybrid"  # hybrid | dense | keyword
    candidates: int = 30
    dense_weight: float = 1.0
    keyword_weight: float = 1.0
    per_article_cap: int = 2
    rescore_weight: float = 0.0  # > 0: fused scores scaled by how much of the question one sentence holds


@dataclass(frozen=True)
class Retrieved:
    passages: tuple[Passage, ...]
    best_dense: float | None  # cosine of the closest chunk (whatever its fused rank); None without dense search
    timings: dict


class Retriever:
    def __init__(self, store: ChromaStore, embedder: Embedder, config: RetrievalConfig = RetrievalConfig()):
        self.store = store
        self.embedder = embedder
        self.config = config

    def search(self, snapshot: CorpusSnapshot, query: str, k: int, filters: Filters = Filters(),
               naming: str = "") -> Retrieved:
        """The k best passages for `query` among the chunks the filters allow; with `naming` (a surname,
        for "what part has X played?"), every chunk that names it comes before the others."""
        cfg = self.config
        t0 = time.perf_counter()
        dense: dict[int, tuple[int, float]] = {}
        best_dense = 0.0 if cfg.mode in ("hybrid", "dense") else None
        if cfg.mode in ("hybrid", "dense"):
            vector = self.embedder.embed([query])[0]
            t_embed = time.perf_counter()
            for rank, hit in enumerate(self.store.query(vector, cfg.candidates, filters), 1):
                pos = snapshot.positions.get(hit.chunk.id)
                if pos is None:  # written by an ingest that has not committed yet
                    continue
                dense[pos] = (len(dense) + 1, hit.similarity)
                best_dense = max(best_dense or 0.0, hit.similarity)
        else:
            t_embed = time.perf_counter()
        t_dense = time.perf_counter()
        keyword: dict[int, tuple[int, float]] = {}
        if cfg.mode in ("hybrid", "keyword"):
            for rank, (pos, score) in enumerate(snapshot.keyword.top(query, cfg.candidates, snapshot.allowed(filters)), 1):
                keyword[pos] = (rank, score)
        t_keyword = time.perf_counter()

        fused: dict[int, float] = {}
        for pos, (rank, _) in dense.items():
            fused[pos] = fused.get(pos, 0.0) + cfg.dense_weight / (RRF_K + rank)
        for pos, (rank, _) in keyword.items():
            fused[pos] = fused.get(pos, 0.0) + cfg.keyword_weight / (RRF_K + rank)
        for pos in _quoting(snapshot, query):  # a passage holding the words the question quotes comes first
            fused[pos] = fused.get(pos, 0.0) + (cfg.dense_weight + cfg.keyword_weight) / (RRF_K + 1)
        for pos in _naming(snapshot, naming, snapshot.allowed(filters)):
            fused[pos] = fused.get(pos, 0.0) + (cfg.dense_weight + cfg.keyword_weight) / (RRF_K + 1)
        if cfg.rescore_weight:
            fused = _rescored(fused, snapshot, query, cfg.rescore_weight, cfg.candidates)
        ordered = sorted(fused, key=lambda p: (-fused[p], snapshot.chunks[p].id))
        chosen = _diversify(ordered, snapshot, k, cfg.per_article_cap)
        passages = tuple(
            Passage(
                chunk_id=snapshot.chunks[p].id, article=snapshot.chunks[p].article, text=snapshot.chunks[p].text,
                start=snapshot.chunks[p].start, end=snapshot.chunks[p].end, score=round(fused[p], 6), rank=i,
                dense_score=round(dense.get(p, (0, 0.0))[1], 4), keyword_score=round(keyword.get(p, (0, 0.0))[1], 4),
            )
            for i, p in enumerate(chosen, 1)
        )
        t_end = time.perf_counter()
        timings = {
            "embed_ms": round((t_embed - t0) * 1000, 2), "dense_ms": round((t_dense - t_embed) * 1000, 2),
            "keyword_ms": round((t_keyword - t_dense) * 1000, 2), "retrieve_ms": round((t_end - t0) * 1000, 2),
        }
        return Retrieved(passages, best_dense, timings)


NAMING_LIMIT = 20  # chunks naming a person that a profile question may bring forward
_QUOTED = re.compile(r"[“\"]([^”\"]{8,200})[”\"]")


def _quoting(snapshot: CorpusSnapshot, query: str) -> list[int]:
    """Chunks that contain every phrase the query puts in quotation marks."""
    phrases = [" ".join(fold(m.group(1)).split()) for m in _QUOTED.finditer(query)]
    phrases = [p for p in phrases if len(p.split()) >= 2]
    if not phrases:
        return []
    found = []
    for pos, _ in snapshot.keyword.top(" ".join(phrases), 20):
        text = " ".join(fold(snapshot.chunks[pos].text).split())
        if all(p in text for p in phrases):
            found.append(pos)
    return found


def _naming(snapshot: CorpusSnapshot, word: str, allowed) -> list[int]:
    """Chunks that hold `word` as a whole word (the keyword index finds them; a stem may match more)."""
    if not word:
        return []
    wanted = fold(word)
    return [pos for pos, _ in snapshot.keyword.top(word, NAMING_LIMIT, allowed)
            if has_word(snapshot.chunks[pos].text, wanted)]


def _rescored(fused: dict[int, float], snapshot: CorpusSnapshot, query: str, weight: float,
              top: int) -> dict[int, float]:
    """Lexical rescoring of the best fused candidates: each score times 1 + weight x the share of the
    question's (idf-weighted) words that the passage's best sentence holds."""
    weights = {t: snapshot.keyword.idf(t) for t in set(terms(query)) if snapshot.keyword.known(t)}
    total = sum(weights.values())
    if not total:
        return fused
    out = dict(fused)
    for pos in sorted(fused, key=lambda p: -fused[p])[:top]:
        chunk = snapshot.chunks[pos]
        sentence_terms = (set(terms(s.text)) for s in split_sentences(chunk.text))
        best = max((sum(w for t, w in weights.items() if t in words) / total for words in sentence_terms),
                   default=0.0)
        out[pos] = fused[pos] * (1 + weight * best)
    return out


def _diversify(ordered: list[int], snapshot: CorpusSnapshot, k: int, cap: int) -> list[int]:
    """Take in fused order but at most `cap` per article, then fill from the rest if short."""
    chosen: list[int] = []
    per_article: dict[str, int] = {}
    for pos in ordered:
        article = snapshot.chunks[pos].article.id
        if cap and per_article.get(article, 0) >= cap:
            continue
        per_article[article] = per_article.get(article, 0) + 1
        chosen.append(pos)
        if len(chosen) == k:
            return chosen
    for pos in ordered:
        if len(chosen) == k:
            break
        if pos not in chosen:
            chosen.append(pos)
    return chosen
