"""A read-only snapshot of the indexed chunks with their keyword index, rebuilt only when ingest
bumps the index version (never per query)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from qa.index.keyword import KeywordIndex
from qa.schema import Filters
from qa.index.store import StoredChunk, day_number
from qa.language.text import fold

_WORD = re.compile(r"[\w’']+")


@dataclass(frozen=True)
class CorpusSnapshot:
    version: int
    chunks: tuple[StoredChunk, ...]
    keyword: KeywordIndex
    positions: dict[str, int]
    outlet_keys: np.ndarray  # casefolded outlet per chunk
    days: np.ndarray  # YYYYMMDD per chunk, 0 when undated
    article_words: dict[str, frozenset[str]]  # article id -> folded words of its text, for entity checks
    outlet_words: frozenset[str]  # folded words of every outlet's name ("the", "verge", "bne", "intellinews")
    outlet_names: tuple[str, ...]  # every outlet, sorted
    dates: tuple[str, str]  # oldest and newest publication date, ("", "") when all are undated

    @classmethod
    def build(cls, version: int, chunks: list[StoredChunk]) -> "CorpusSnapshot":
        chunks = sorted(chunks, key=lambda c: c.id)
        return cls(
            version=version,
            chunks=tuple(chunks),
            keyword=KeywordIndex([f"{c.article.title}\n{c.text}" for c in chunks]),
            positions={c.id: i for i, c in enumerate(chunks)},
            outlet_keys=np.array([c.article.outlet.casefold() for c in chunks], dtype=object),
            days=np.array([day_number(c.article.published) for c in chunks], dtype=np.int64),
            article_words=_article_words(chunks),
            outlet_words=frozenset(w for c in chunks for w in _WORD.findall(fold(c.article.outlet))),
            outlet_names=tuple(sorted({c.article.outlet for c in chunks if c.article.outlet})),
            dates=_date_range(chunks),
        )

    def allowed(self, filters: Filters) -> np.ndarray | None:
        """Boolean mask of the chunks the filters let through (None: all)."""
        if filters.is_empty():
            return None
        mask = np.ones(len(self.chunks), dtype=bool)
        if filters.outlet:
            mask &= self.outlet_keys == filters.outlet.casefold()
        if filters.since:
            mask &= self.days >= day_number(filters.since)
        if filters.until:
            mask &= (self.days <= day_number(filters.until)) & (self.days > 0)
        return mask

    def date_range(self) -> tuple[str, str]:
        """(oldest, newest) publication date; computed once per snapshot, read on every request."""
        return self.dates

    def outlets(self) -> list[str]:
        return list(self.outlet_names)


def _date_range(chunks: list[StoredChunk]) -> tuple[str, str]:
    dated = [c.article.published for c in chunks if c.article.published]
    return (min(dated), max(dated)) if dated else ("", "")


def _article_words(chunks: list[StoredChunk]) -> dict[str, frozenset[str]]:
    words: dict[str, set[str]] = {}
    for c in chunks:
        # the outlet counts as a word of its article: "according to IntelliNews" names its source
        bag = words.setdefault(c.article.id, set(_WORD.findall(fold(f"{c.article.title} {c.article.outlet}"))))
        bag.update(_WORD.findall(fold(c.text)))
    return {aid: frozenset(bag) for aid, bag in words.items()}
