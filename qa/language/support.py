"""Whether one text states what another claims: the numbers, dates, names and quoted words of a
sentence must appear in the texts it cites (the check run on every answer sentence), and whether two
sentences are versions of one (ingest's near-duplicate paragraphs, sources rewriting each other)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from qa.language.dates import MONTH_WORDS, WEEKDAY_WORDS
from qa.language.text import STOPWORDS, another_of_series, fold

EDITED_SENTENCE = 0.55  # similarity above which one sentence is a version of another (of words here; ingest's
# dedupe, which compares a copy's sentences with the original's, measures characters)
SPELLED_OTHERWISE = 0.8  # claims this alike are one name spelled two ways (Zelensky / Zelenskiy)
SAME_REST = 0.8  # similarity of two versions of a sentence once the facts they change are taken out

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTE = re.compile(r"[\"“]([^\"”]{3,})[\"”]")
_NAME = re.compile(r"\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")
_MONTH_DAY = re.compile(rf"\b({WEEKDAY_WORDS}|{MONTH_WORDS})\b", re.I)
_WORDS = re.compile(r"[\w']+")
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


def is_version(a: str, b: str) -> bool:
    """Is one sentence a rewrite of the other? Word similarity of the folded texts (words, not characters:
    any two English sentences share most of their letters, so a character bound rejects little)."""
    words_a, words_b = _WORDS.findall(fold(a)), _WORDS.findall(fold(b))
    matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
    return (matcher.real_quick_ratio() >= EDITED_SENTENCE and matcher.quick_ratio() >= EDITED_SENTENCE
            and matcher.ratio() >= EDITED_SENTENCE)


def rewritten_claims(a: str, b: str) -> tuple[list[str], list[str]] | None:
    """When `b` is a version of `a` that states another number, date, name or quote ("in Tampa,
    Florida" / "in Glendale, Arizona"): the claims only each one states, else None. A name spelled
    otherwise (Zelensky / Zelenskiy) and a claim one holds inside a longer one of the other are no change,
    nor is a sentence about another one of a series ("the first round ..." / "the second round ...")."""
    if another_of_series(a, b) or not is_version(a, b):
        return None
    mine, theirs = claims(a), claims(b)
    only_a = [c for c in dict.fromkeys(mine) if not _matched(c, theirs)]
    only_b = [c for c in dict.fromkeys(theirs) if not _matched(c, mine)]
    if not (only_a and only_b):
        return None
    # what is left once the changed facts are taken out must be the same sentence, near enough
    rest_a, rest_b = _without(fold(a).replace(",", ""), only_a), _without(fold(b).replace(",", ""), only_b)
    if SequenceMatcher(None, rest_a, rest_b, autojunk=False).ratio() < SAME_REST:
        return None
    return only_a, only_b


def _without(text: str, parts: list[str]) -> str:
    for part in parts:
        text = text.replace(part, " ")
    return " ".join(text.split())


def _matched(claim: str, others: list[str]) -> bool:
    return any(claim == o or claim in o or o in claim
               or SequenceMatcher(None, claim, o, autojunk=False).ratio() >= SPELLED_OTHERWISE for o in others)
