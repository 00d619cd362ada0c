"""Sentence splitting that keeps character offsets, for chunking and for extractive answers."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kept by hand, measured against pysbd (a kept splitter) with `qa eval` on every set: pysbd gained 4 of
# 1,166 questions net (harbour +2/-2, its rewordings +6/-4, RGB +2), cost harbour 0.02 citation precision,
# kept multi-sentence quotes whole, and was ~37x slower (370 vs 10 ms over the 27 shipped articles),
# which took p50 ask on the seeds from 21 to 32 ms, past the 30 ms budget.
# Words that end with a period without ending a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "capt", "gov",
    "sen", "rep", "rev", "no", "vs", "etc", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m",
}
# A candidate end: . ! ? or an ellipsis, optionally followed by closing quotes/brackets, then space.
_END = re.compile(r"""(?:\.\.\.|…|[.!?])["'”’)\]]*(?=\s+|$)""")
_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int


def split_sentences(text: str, offset: int = 0) -> list[Sentence]:
    """Sentences of `text` with [start, end) offsets (plus `offset`); paragraphs always break."""
    out: list[Sentence] = []
    para_start = 0
    for match in list(_PARAGRAPH.finditer(text)) + [None]:
        para_end = match.start() if match else len(text)
        out.extend(_split_paragraph(text, para_start, para_end, offset))
        if match:
            para_start = match.end()
    return out


def _split_paragraph(text: str, lo: int, hi: int, offset: int) -> list[Sentence]:
    out = []
    start = lo
    for m in _END.finditer(text, lo, hi):
        end = m.end()
        if _is_abbreviation(text, start, m.start()) or not _next_starts_sentence(text, end, hi):
            continue
        _emit(text, start, end, offset, out)
        start = end
    _emit(text, start, hi, offset, out)
    return out


def _emit(text: str, start: int, end: int, offset: int, out: list[Sentence]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(text[start:end], start + offset, end + offset))


def _is_abbreviation(text: str, start: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = re.search(r"([\w.]+)$", text[start:dot])
    if not word:
        return False
    token = word.group(1).lower()
    # single capital initials ("J. Smith") and known abbreviations do not end sentences
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _next_starts_sentence(text: str, end: int, hi: int) -> bool:
    rest = text[end:hi].lstrip()
    if not rest:
        return True
    first = rest[0]
    return first.isupper() or first.isdigit() or first in "\"'“‘([—–-"
