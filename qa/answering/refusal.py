"""The plain "the articles don't say" both answerers give: what was searched, why nothing answers it, the
date range the articles cover, and the closest passages (one per article, quoted in whole sentences) so
that a reader sees what came nearest. Scores stay in the data for the API; the reason is in plain words."""

from __future__ import annotations

from qa.index.corpus import CorpusSnapshot
from qa.schema import Answer, Passage
from qa.language.sentences import split_sentences

MAX_CLOSEST = 3  # articles
QUOTE_CHARS = 300  # a closest passage is quoted up to about this long, in whole sentences


def refusal(question: str, query: str, passages, snapshot: CorpusSnapshot, reason: str) -> Answer:
    """A refused Answer: its text says so once; diagnostics hold what the page lays out."""
    oldest, newest = snapshot.date_range()
    covered = f" The corpus covers {oldest} to {newest}." if oldest else ""
    text = f"The articles don't say. I searched for \"{query}\" and found nothing that answers it.{covered}"
    diagnostics = {"reason": reason, "searched": query, "closest": closest(passages),
                   "date_range": {"oldest": oldest, "newest": newest}}
    return Answer(question=question, text=text, sentences=(), citations=(), refused=True, query=query,
                  diagnostics=diagnostics, passages=tuple(passages))


def closest(passages: list[Passage] | tuple[Passage, ...]) -> list[dict]:
    """The best passage of each of the first few articles, its opening sentences as the quote."""
    seen: set[str] = set()
    out = []
    for p in passages:
        if p.article.id in seen:
            continue
        seen.add(p.article.id)
        start, end = quote_span(p)
        out.append({"article_id": p.article.id, "title": p.article.title, "outlet": p.article.outlet,
                    "published": p.article.published, "quote": p.text[start - p.start:end - p.start],
                    "start": start, "end": end, "passage_start": p.start, "passage_end": p.end,
                    "similarity": round(p.dense_score, 4), "score": round(p.score, 6)})
        if len(out) == MAX_CLOSEST:
            break
    return out


def quote_span(p: Passage) -> tuple[int, int]:
    """[start, end) in the article of the passage's first whole sentences up to QUOTE_CHARS (at least
    one sentence; a first sentence over twice that long is cut after its last whole word)."""
    sentences = split_sentences(p.text, p.start)
    if not sentences:
        return p.start, p.end
    end = sentences[0].end
    for s in sentences[1:]:
        if s.end - sentences[0].start > QUOTE_CHARS:
            break
        end = s.end
    start = sentences[0].start
    if end - start > QUOTE_CHARS * 2:  # one very long sentence: whole words only
        cut = p.text.rfind(" ", 0, start - p.start + QUOTE_CHARS)
        if cut > start - p.start:
            end = p.start + cut
    return start, end
