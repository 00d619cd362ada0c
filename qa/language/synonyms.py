"""Words news reports use for the same act ("take part" / "participation", "hand over" / "give up" /
"cede"), so that a sentence answers a question that words it otherwise. Only the answerer's match of a
sentence to a question uses them; the keyword index and the checks read the words as written."""

from __future__ import annotations

import re
from functools import lru_cache

from qa.language.text import stem, terms

# phrasal verbs first read as one word
_PHRASES = (
    (re.compile(r"\b(take|takes|took|taken|taking) part\b", re.I), "participate"),
    (re.compile(r"\b(hand|hands|handed|handing) over\b", re.I), "cede"),
    (re.compile(r"\b(give|gives|gave|given|giving) up\b", re.I), "cede"),
    (re.compile(r"\b(kick|kicks|kicked|kicking) off\b", re.I), "begin"),
    (re.compile(r"\b(pull|pulls|pulled|pulling) (back|out)\b", re.I), "withdraw"),
    (re.compile(r"\b(put|puts|putting) forward\b", re.I), "propose"),
)
# each group: words for one act; the first is the one the group is known by
_GROUPS = """
participate participation attend
propose proposal suggest suggestion float offer
cede surrender relinquish
withdraw withdrawal retreat
demonstrate show prove
reject rejection refuse dismiss
want demand insist
warn caution
travel trip fly flew flown visit
swap exchange
""".strip().splitlines()


@lru_cache(maxsize=1)
def _canon() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in _GROUPS:
        words = [stem(w) for w in line.split()]
        for w in words:
            out.setdefault(w, words[0])
    return out


def members(term: str) -> list[str]:
    """The stemmed words of a group word's group ("talk" -> talk, negotiation, discussion), or [term]."""
    found = [w for w, group in _canon().items() if group == term]
    return found or [term]


def canonical(term: str) -> str:
    """The group word for a stemmed term ("suggest" -> "propos"), or the term itself."""
    return _canon().get(term, term)


def canonical_terms(text: str) -> set[str]:
    """The stemmed content words of `text`, phrasal verbs read as one word, each as its group word."""
    for pattern, word in _PHRASES:
        text = pattern.sub(word, text)
    table = _canon()
    return {table.get(t, t) for t in terms(text)}
