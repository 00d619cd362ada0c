"""Splitting an article body into token-bounded chunks on sentence boundaries, with overlap."""

from __future__ import annotations

import hashlib

from qa.index import tokens
from qa.schema import Article, Chunk
from qa.language.sentences import Sentence, split_sentences


def chunk_article(article: Article, max_tokens: int = 160, overlap_tokens: int = 40) -> list[Chunk]:
    """Chunks whose text is exactly article.body[start:end]; consecutive chunks share whole sentences."""
    if overlap_tokens >= max_tokens:
        raise ValueError("overlap must be smaller than the chunk size")
    fitted = _fit(split_sentences(article.body), article.body, max_tokens)
    pieces, sizes = [p for p, _ in fitted], [n for _, n in fitted]
    chunks: list[Chunk] = []
    i = 0
    while i < len(pieces):
        j, used = i, 0
        while j < len(pieces) and (j == i or used + sizes[j] <= max_tokens):
            used += sizes[j] + 1  # +1: the space or paragraph break between sentences
            j += 1
        start = pieces[i].start
        # separators can merge or split tokens: confirm on the real span and shrink if over
        while j - 1 > i and tokens.count(article.body[start:pieces[j - 1].end]) > max_tokens:
            j -= 1
        end = pieces[j - 1].end
        text = article.body[start:end]
        chunks.append(Chunk(
            id=f"{article.id}:{len(chunks)}", article_id=article.id, n=len(chunks), text=text,
            start=start, end=end, token_count=tokens.count(text),
            hash=hashlib.sha256(text.encode()).hexdigest()[:16],
        ))
        if j >= len(pieces):
            break
        # step back over whole sentences that fit in the overlap, but always move forward
        back, k = 0, j
        while k - 1 > i and back + sizes[k - 1] <= overlap_tokens:
            k -= 1
            back += sizes[k]
        i = k
    return chunks


def _fit(sentences: list[Sentence], body: str, max_tokens: int) -> list[tuple[Sentence, int]]:
    """Sentences with their token counts; those longer than a chunk are cut into token windows (rare:
    lists, tables, run-ons)."""
    enc = tokens.encoding()
    out: list[tuple[Sentence, int]] = []
    for s in sentences:
        ids = enc.encode(s.text, disallowed_special=())
        if len(ids) <= max_tokens:
            out.append((s, len(ids)))
            continue
        pos = s.start
        for lo in range(0, len(ids), max_tokens):
            piece = enc.decode(ids[lo : lo + max_tokens])
            at = body.find(piece.strip(), pos)
            if at < 0:  # a multi-byte character split across windows: fall back to characters
                at = pos
                piece = body[pos : min(s.end, pos + len(piece))]
            end = min(s.end, at + len(piece.strip()))
            if end > at:
                out.append((Sentence(body[at:end], at, end), tokens.count(body[at:end])))
            pos = end
    return out
