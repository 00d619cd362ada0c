"""Initialisms a question uses for a phrase its passages spell out ("POWs" for "prisoners of war", "PM"
for "prime minister", "PRTA" for "Portmere Regional Transit Authority"), found by the initials of the
passages' own words rather than from a list of abbreviations."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

__all__ = ["spelled_out"]

_INITIALISM = re.compile(r"\b([A-Z]{2,6})(s?)\b")  # POW, POWs, PM, PRTA
_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*")


def spelled_out(question: str, texts: Iterable[str]) -> str:
    """The question with each initialism the passages do not use themselves replaced by the phrase of
    theirs (one word per letter, the commonest) whose initials spell it; otherwise unchanged."""
    found = list(_INITIALISM.finditer(question))
    if not found:
        return question
    texts = list(texts)
    used = {w for text in texts for w in re.findall(r"[A-Za-z]+", text)}  # "GPT-3" uses "GPT"
    out = question
    for match in reversed(found):
        letters = match.group(1)
        if letters in used or letters + "s" in used:
            continue  # the articles write it so themselves ("US", "NATO"): nothing to spell out
        phrase = _commonest_phrase(letters.lower(), texts)
        if phrase:
            out = out[: match.start()] + phrase + out[match.end():]
    return out


def _commonest_phrase(letters: str, texts: list[str]) -> str:
    counts: Counter[str] = Counter()
    n = len(letters)
    for text in texts:
        words = _WORD.findall(text)
        for i in range(len(words) - n + 1):
            window = words[i : i + n]
            if "".join(w[0] for w in window).lower() == letters and max(len(w) for w in window) > 3:
                counts[" ".join(w.lower() for w in window)] += 1
    return counts.most_common(1)[0][0] if counts else ""
