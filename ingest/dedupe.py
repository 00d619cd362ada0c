"""Near-copies of the same story (syndicated copy, re-posts): detected by shared word 5-grams, so
one canonical copy is indexed and the others are recorded against it instead of crowding the top-k.
A near-copy that changes a fact (a sentence of the original with another number, date or name) is no
copy: it is another version of the story, indexed on its own so that the disagreement can be shown."""

from __future__ import annotations

import re
import zlib
from collections.abc import Collection, Sequence
from difflib import SequenceMatcher

from qa.schema import Article
from qa.language.sentences import split_sentences
from qa.language.text import fold
from qa.language.support import EDITED_SENTENCE, supported

SHINGLE_WORDS = 5
MIN_CONTAINMENT = 0.8  # share of the shorter article's 5-grams found in the longer one


def shingles(text: str) -> frozenset[int]:
    words = re.findall(r"\w+", fold(text))
    if len(words) < SHINGLE_WORDS:
        return frozenset({zlib.crc32(" ".join(words).encode())}) if words else frozenset()
    return frozenset(zlib.crc32(" ".join(words[i : i + SHINGLE_WORDS]).encode())
                     for i in range(len(words) - SHINGLE_WORDS + 1))


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def find_copies(articles: Sequence[Article], indexed: Collection[str] = ()) -> dict[str, str]:
    """copy id -> canonical id, for articles whose text is mostly another article's text. The earliest
    dated one is the original; among equals one already indexed stays canonical (no churn), then the id."""
    ordered = sorted(articles, key=lambda a: (a.published == "", a.published, a.id not in indexed, a.id))
    grams = {a.id: shingles(a.body) for a in ordered}
    bodies = {a.id: a.body for a in ordered}
    # an inverted index from 5-gram to articles keeps this near-linear for large corpora
    postings: dict[int, list[str]] = {}
    canonical: list[Article] = []
    copies: dict[str, str] = {}
    for article in ordered:
        mine = grams[article.id]
        counts: dict[str, int] = {}
        for g in mine:
            for other in postings.get(g, ()):
                counts[other] = counts.get(other, 0) + 1
        match = next((other for other, shared in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                      if shared / max(1, min(len(mine), len(grams[other]))) >= MIN_CONTAINMENT
                      and not changes_a_fact(article.body, bodies[other])), None)
        if match:
            copies[article.id] = match
            continue
        canonical.append(article)
        for g in mine:
            postings.setdefault(g, []).append(article.id)
    return copies


def changes_a_fact(copy: str, original: str) -> bool:
    """Does the copy rewrite a sentence of the original with a number, date, name or quote the original
    does not hold ("played in Tampa, Florida" -> "in Glendale, Arizona")? Sentences it adds (a byline,
    a site's chrome) are no version of an original sentence and do not count."""
    originals = [fold(s.text) for s in split_sentences(original)]
    verbatim = set(originals)
    for sentence in split_sentences(copy):
        mine = fold(sentence.text)
        if mine in verbatim or supported(sentence.text, [original]):
            continue
        matcher = SequenceMatcher(None, "", mine, autojunk=False)  # b is cached: the copy's sentence
        for other in originals:
            matcher.set_seq1(other)
            if matcher.real_quick_ratio() >= EDITED_SENTENCE and matcher.quick_ratio() >= EDITED_SENTENCE and (
                    matcher.ratio() >= EDITED_SENTENCE):
                return True
    return False
