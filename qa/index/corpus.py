"""A read-only view of the indexed corpus for answering: one pinned generation of the on-disk keyword
index with what every request reads of it (counts, outlets, date range) worked out once. Opening one
costs milliseconds at any corpus size: no chunk is loaded until a request asks for it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.index.keyword import Searcher
from qa.index.store import StoreHit, StoredChunk
from qa.language.text import fold
from qa.schema import Filters

_WORD = re.compile(r"[\w’']+")
ARTICLE_WORDS_KEPT = 2048  # articles whose words one snapshot remembers


@dataclass(frozen=True)
class CorpusSnapshot:
    version: int
    keyword: Searcher
    chunk_count: int
    article_count: int
    outlet_words: frozenset[str]  # folded words of every outlet's name ("the", "verge", "bne", "intellinews")
    outlet_names: tuple[str, ...]  # every outlet, sorted
    dates: tuple[str, str]  # oldest and newest publication date, ("", "") when all are undated
    _words: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def open(cls, searcher: Searcher) -> "CorpusSnapshot":
        outlets = sorted(searcher.outlets())
        lo, hi = searcher.days()
        return cls(
            version=searcher.state.version,
            keyword=searcher,
            chunk_count=searcher.size,
            article_count=searcher.articles(),
            outlet_words=frozenset(w for o in outlets for w in _WORD.findall(fold(o))),
            outlet_names=tuple(outlets),
            dates=(_iso(lo), _iso(hi)) if lo else ("", ""),
        )

    def admits(self, filters: Filters) -> bool:
        """Does any chunk pass the filters?"""
        return filters.is_empty() or self.keyword.count(filters) > 0

    def chunk(self, chunk_id: str) -> StoredChunk | None:
        return self.keyword.chunks([chunk_id]).get(chunk_id)

    def visible(self, hits: Sequence[StoreHit]) -> list[StoreHit]:
        """The vector-store hits this snapshot holds, as it holds them: a chunk an ingest has written but
        not yet published (or published after this snapshot was taken) is not answered from."""
        held = self.keyword.chunks([h.chunk.id for h in hits])
        return [h for h in hits if h.chunk.id in held and held[h.chunk.id].hash == h.chunk.hash
                and held[h.chunk.id].article_hash == h.chunk.article_hash]

    def article_words(self, article_id: str) -> frozenset[str]:
        """Folded words of an article's headline, outlet and text, for checks that it names something."""
        words = self._words.get(article_id)
        if words is None:
            chunks = self.keyword.article_chunks(article_id)
            bag: set[str] = set()
            if chunks:
                # the outlet counts as a word of its article: "according to IntelliNews" names its source
                bag.update(_WORD.findall(fold(f"{chunks[0].article.title} {chunks[0].article.outlet}")))
            for c in chunks:
                bag.update(_WORD.findall(fold(c.text)))
            words = frozenset(bag)
            if len(self._words) >= ARTICLE_WORDS_KEPT:
                self._words.clear()
            self._words[article_id] = words
        return words

    def date_range(self) -> tuple[str, str]:
        """(oldest, newest) publication date; computed once per snapshot, read on every request."""
        return self.dates

    def outlets(self) -> list[str]:
        return list(self.outlet_names)


def _iso(day: int) -> str:
    text = f"{day:08d}"
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"
