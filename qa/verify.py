"""The deterministic check run on every answer sentence: the numbers, dates, names and quoted words
it states must appear in the passages it cites."""

from __future__ import annotations

import re

from qa.text import STOPWORDS, fold

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTE = re.compile(r"[\"“]([^\"”]{3,})[\"”]")
_NAME = re.compile(r"\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")
_MONTH_DAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
                        r"april|may|june|july|august|september|october|november|december)\b", re.I)
_IGNORED_NAMES = {"the", "a", "an", "but", "and", "however", "in", "on", "he", "she", "they", "it", "this", "that"}


def claims(sentence: str) -> list[str]:
    """The checkable facts of a sentence, folded: numbers, day and month names, names, quotes."""
    body = re.sub(r"\s*\[\d+\]", "", sentence)
    found = [m.group(0).replace(",", "") for m in _NUMBER.finditer(body)]
    found += [m.group(0) for m in _MONTH_DAY.finditer(body)]
    found += [m.group(1) for m in _QUOTE.finditer(body)]
    for m in _NAME.finditer(body):
        # a capitalised sentence opener is checked too ("Lavrov said..."), unless it is a function word
        words = [w for w in m.group(0).split() if fold(w) not in _IGNORED_NAMES and fold(w) not in STOPWORDS]
        if words:
            found.append(" ".join(words))
    return [fold(c).strip() for c in found if c.strip()]


def supported(sentence: str, cited_texts: list[str]) -> bool:
    """True when every claim of the sentence is found in the cited passages (and it cites some)."""
    if not cited_texts:
        return False
    haystack = fold(" ".join(cited_texts)).replace(",", "")
    haystack = re.sub(r"\s+", " ", haystack)
    for claim in claims(sentence):
        claim = re.sub(r"\s+", " ", claim.replace(",", ""))
        if claim.endswith(("’s", "'s")):
            claim = claim[:-2]
        if claim not in haystack:
            return False
    return True
