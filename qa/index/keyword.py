"""An in-memory BM25 index over chunk texts (Chroma's sparse index is Cloud-only)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from qa.language.text import terms


class KeywordIndex:
    """Okapi BM25 over a fixed list of documents; built once per index version, read-only after."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75):
        self.size = len(texts)
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = np.zeros(self.size, dtype=np.float32)
        for doc, text in enumerate(texts):
            counts = Counter(terms(text))
            lengths[doc] = sum(counts.values())
            for term, tf in counts.items():
                postings[term].append((doc, tf))
        avg = float(lengths.mean()) if self.size else 1.0
        norm = k1 * (1 - b + b * lengths / max(avg, 1e-9))
        self._idf: dict[str, float] = {}
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, plist in postings.items():
            docs = np.fromiter((d for d, _ in plist), dtype=np.int32, count=len(plist))
            tfs = np.fromiter((tf for _, tf in plist), dtype=np.float32, count=len(plist))
            idf = math.log(1 + (self.size - len(plist) + 0.5) / (len(plist) + 0.5))
            self._idf[term] = idf
            self._postings[term] = (docs, idf * tfs * (k1 + 1) / (tfs + norm[docs]))

    def known(self, term: str) -> bool:
        """Does any document contain the term?"""
        return term in self._idf

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term; unseen terms weigh the most."""
        return self._idf.get(term, math.log(1 + (self.size + 0.5) / 0.5))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query`."""
        out = np.zeros(self.size, dtype=np.float32)
        for term in set(terms(query)):
            hit = self._postings.get(term)
            if hit is not None:
                out[hit[0]] += hit[1]
        return out

    def top(self, query: str, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The n best (doc, score) pairs with a positive score, among `allowed` docs if given."""
        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        n = min(n, int((scores > 0).sum()))
        if n <= 0:
            return []
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(i), float(scores[i])) for i in best]
