"""Hybrid retrieval: dense (Chroma) and keyword (BM25) candidates fused by weighted reciprocal rank,
then diversified so one article cannot fill the whole top-k."""

from __future__ import annotations

import time
from dataclasses import dataclass

from qa.index.corpus import CorpusSnapshot
from qa.index.embeddings import Embedder
from qa.schema import Filters, Passage
from qa.language.sentences import split_sentences
from qa.index.store import ChromaStore, StoredChunk
from qa.language.text import fold, has_word, quoted, terms

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
        found: dict[str, StoredChunk] = {}
        dense: dict[str, tuple[int, float]] = {}
        best_dense = 0.0 if cfg.mode in ("hybrid", "dense") else None
        if cfg.mode in ("hybrid", "dense"):
            vector = self.embedder.embed([query])[0]
            t_embed = time.perf_counter()
            for hit in snapshot.visible(self.store.query(vector, cfg.candidates, filters)):
                found[hit.chunk.id] = hit.chunk
                dense[hit.chunk.id] = (len(dense) + 1, hit.similarity)
                best_dense = max(best_dense or 0.0, hit.similarity)
        else:
            t_embed = time.perf_counter()
        t_dense = time.perf_counter()
        keyword: dict[str, tuple[int, float]] = {}
        if cfg.mode in ("hybrid", "keyword"):
            for rank, (chunk, score) in enumerate(snapshot.keyword.top(query, cfg.candidates, filters), 1):
                found.setdefault(chunk.id, chunk)
                keyword[chunk.id] = (rank, score)
        t_keyword = time.perf_counter()

        fused: dict[str, float] = {}
        for cid, (rank, _) in dense.items():
            fused[cid] = fused.get(cid, 0.0) + cfg.dense_weight / (RRF_K + rank)
        for cid, (rank, _) in keyword.items():
            fused[cid] = fused.get(cid, 0.0) + cfg.keyword_weight / (RRF_K + rank)
        first = cfg.dense_weight + cfg.keyword_weight
        for chunk in (*_quoting(snapshot, query), *_naming(snapshot, naming, filters)):
            # a passage holding the words the question quotes, or the name a profile asks about, comes first
            found.setdefault(chunk.id, chunk)
            fused[chunk.id] = fused.get(chunk.id, 0.0) + first / (RRF_K + 1)
        if cfg.rescore_weight:
            fused = _rescored(fused, found, snapshot, query, cfg.rescore_weight, cfg.candidates)
        ordered = sorted(fused, key=lambda cid: (-fused[cid], cid))
        chosen = _diversify([found[cid] for cid in ordered], k, cfg.per_article_cap)
        passages = tuple(
            Passage(
                chunk_id=c.id, article=c.article, text=c.text, start=c.start, end=c.end,
                score=round(fused[c.id], 6), rank=i, dense_score=round(dense.get(c.id, (0, 0.0))[1], 4),
                keyword_score=round(keyword.get(c.id, (0, 0.0))[1], 4),
            )
            for i, c in enumerate(chosen, 1)
        )
        t_end = time.perf_counter()
        timings = {
            "embed_ms": round((t_embed - t0) * 1000, 2), "dense_ms": round((t_dense - t_embed) * 1000, 2),
            "keyword_ms": round((t_keyword - t_dense) * 1000, 2), "retrieve_ms": round((t_end - t0) * 1000, 2),
        }
        return Retrieved(passages, best_dense, timings)


NAMING_LIMIT = 20  # chunks naming a person that a profile question may bring forward


def _quoting(snapshot: CorpusSnapshot, query: str) -> list[StoredChunk]:
    """Chunks that contain every phrase the query puts in quotation marks."""
    phrases = [" ".join(fold(q).split()) for q in quoted(query, 8, 200)]
    phrases = [p for p in phrases if len(p.split()) >= 2]
    if not phrases:
        return []
    found = []
    for chunk, _ in snapshot.keyword.top(" ".join(phrases), 20):
        text = " ".join(fold(chunk.text).split())
        if all(p in text for p in phrases):
            found.append(chunk)
    return found


def _naming(snapshot: CorpusSnapshot, word: str, filters: Filters) -> list[StoredChunk]:
    """Chunks that hold `word` as a whole word (the keyword index finds them; a stem may match more)."""
    if not word:
        return []
    wanted = fold(word)
    return [chunk for chunk, _ in snapshot.keyword.top(word, NAMING_LIMIT, filters) if has_word(chunk.text, wanted)]


def _rescored(fused: dict[str, float], found: dict[str, StoredChunk], snapshot: CorpusSnapshot, query: str,
              weight: float, top: int) -> dict[str, float]:
    """Lexical rescoring of the best fused candidates: each score times 1 + weight x the share of the
    question's (idf-weighted) words that the passage's best sentence holds."""
    weights = {t: snapshot.keyword.idf(t) for t in set(terms(query)) if snapshot.keyword.known(t)}
    total = sum(weights.values())
    if not total:
        return fused
    out = dict(fused)
    for cid in sorted(fused, key=lambda c: -fused[c])[:top]:
        sentence_terms = (set(terms(s.text)) for s in split_sentences(found[cid].text))
        best = max((sum(w for t, w in weights.items() if t in words) / total for words in sentence_terms),
                   default=0.0)
        out[cid] = fused[cid] * (1 + weight * best)
    return out


def _diversify(ordered: list[StoredChunk], k: int, cap: int) -> list[StoredChunk]:
    """Take in fused order but at most `cap` per article, then fill from the rest if short."""
    chosen: list[StoredChunk] = []
    per_article: dict[str, int] = {}
    for chunk in ordered:
        article = chunk.article.id
        if cap and per_article.get(article, 0) >= cap:
            continue
        per_article[article] = per_article.get(article, 0) + 1
        chosen.append(chunk)
        if len(chosen) == k:
            return chosen
    for chunk in ordered:
        if len(chosen) == k:
            break
        if chunk not in chosen:
            chosen.append(chunk)
    return chosen
