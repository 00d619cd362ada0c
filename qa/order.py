"""Questions about the order of two events ("Did A happen before or after B?", "Which came first: A
or B?"): the two event phrases, and which came first by the dates the evidence gives."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH_DAY = re.compile(rf"\b({'|'.join(_MONTHS)})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b|"
                        rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({'|'.join(_MONTHS)})\b", re.I)
_BEFORE_OR_AFTER = re.compile(
    r"^\s*(?:did|was|were|has|had|is|are|does|do)\s+(?P<a>.+?)\s+(?:(?:happen|take place|come|occur|start|"
    r"begin|end|held|signed|agreed)\w*\s+)?(?:before or after|after or before|earlier or later|later or earlier)\s+(?:than\s+)?"
    r"(?P<b>.+?)\s*\?*\s*$", re.I)
_WHICH_FIRST = re.compile(r"\bwhich (?:came|happened|was|took place)(?: first| earlier)\s*[:,]?\s*(?P<a>.+?)\s+or\s+"
                          r"(?P<b>.+?)\s*\?*\s*$", re.I)


_EARLIER = re.compile(r"\b(earlier|previous|prior|last|preceding|first)\b", re.I)
_LATER = re.compile(r"\b(next|later|upcoming|following|subsequent|new)\b", re.I)


@dataclass(frozen=True)
class OrderQuestion:
    first_event: str  # A, as the question words it
    second_event: str  # B
    asks_which: bool  # "which came first" (answer: an event) rather than "before or after" (answer: a word)


@dataclass(frozen=True)
class Dated:
    """An event's evidence: where its date comes from ("stated" in the sentence, or the article's
    "published" date) and the date as (month, day) or an ISO string."""

    stated: tuple[int, int] | None
    published: str


def parse(question: str) -> OrderQuestion | None:
    """The two events of an ordering question, or None when it is not one."""
    m = _WHICH_FIRST.search(question)
    if m:
        return OrderQuestion(_clean(m.group("a")), _clean(m.group("b")), True)
    m = _BEFORE_OR_AFTER.search(question)
    if m:
        return OrderQuestion(_clean(m.group("a")), _clean(m.group("b")), False)
    return None


def _clean(phrase: str) -> str:
    return phrase.strip(" ,:;?").removeprefix("the ").strip()


def stated_date(sentence: str) -> tuple[int, int] | None:
    """The one month-and-day date a sentence states, or None when it states none or several."""
    found = set()
    for m in _MONTH_DAY.finditer(sentence):
        month = (m.group(1) or m.group(4)).lower()
        found.add((_MONTHS.index(month) + 1, int(m.group(2) or m.group(3))))
    return found.pop() if len(found) == 1 else None


def described_as(sentence: str) -> int:
    """-1 when a sentence speaks of its event as an earlier one ("two earlier rounds"), +1 as a later
    one ("the next meeting"), 0 when it says neither or both."""
    earlier, later = bool(_EARLIER.search(sentence)), bool(_LATER.search(sentence))
    return -1 if earlier and not later else 1 if later and not earlier else 0


def compare(a: Dated, b: Dated) -> tuple[int, str] | None:
    """-1 when A came first, +1 when B did, with what the comparison rests on; None when the evidence
    gives no difference. Dates stated in the sentences win over the articles' publication dates."""
    if a.stated and b.stated and a.stated != b.stated:
        return (-1 if a.stated < b.stated else 1), "the dates the articles state"
    if a.published and b.published and a.published != b.published:
        return (-1 if a.published < b.published else 1), "the articles' publication dates"
    return None
