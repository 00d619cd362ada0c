"""Questions about the order of two events ("Did A happen before or after B?", "Which came first: A
or B?"): the two event phrases, a sentence on each, and which came first by what the evidence gives."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.index.corpus import CorpusSnapshot
from qa.language.dates import MONTH_NAMES
from qa.language.text import fold, terms

_MONTH_DAY = re.compile(rf"\b({'|'.join(MONTH_NAMES)})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b|"
                        rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({'|'.join(MONTH_NAMES)})\b", re.I)
_BEFORE_OR_AFTER = re.compile(
    r"^\s*(?:did|was|were|has|had|is|are|does|do)\s+(?P<a>.+?)\s+(?:(?:happen|take place|come|occur|start|"
    r"begin|end|held|signed|agreed)\w*\s+)?(?:before or after|after or before|earlier or later|later or earlier)\s+(?:than\s+)?"
    r"(?P<b>.+?)\s*\?*\s*$", re.I)
# "Did A happen before B?": a yes/no question on the order of two events
_YES_NO_ORDER = re.compile(
    r"^\s*(?:did|was|were|has|had|is|are|does|do|will)\s+(?P<a>.+?)\s+(?P<rel>before|after|prior to|ahead of|"
    r"earlier than|later than)\s+(?P<b>.+?)\s*\?*\s*$", re.I)
_WHICH_FIRST = re.compile(r"\bwhich (?:came|happened|was|took place)(?: first| earlier)\s*[:,]?\s*(?P<a>.+?)\s+or\s+"
                          r"(?P<b>.+?)\s*\?*\s*$", re.I)


_EARLIER = re.compile(r"\b(earlier|previous|prior|last|preceding|first)\b", re.I)
_LATER = re.compile(r"\b(next|later|upcoming|following|subsequent|new)\b", re.I)


@dataclass(frozen=True)
class OrderQuestion:
    first_event: str  # A, as the question words it
    second_event: str  # B
    asks_which: bool  # "which came first" (answer: an event) rather than "before or after" (answer: a word)
    relation: str = ""  # "before" or "after" when the question asks yes or no of one order ("Did A ... before B?")


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
    m = _YES_NO_ORDER.search(question)
    if m and len(terms(m.group("a"))) >= 2 and len(terms(m.group("b"))) >= 2:
        later = m.group("rel").lower() in ("after", "later than")
        return OrderQuestion(_clean(m.group("a")), _clean(m.group("b")), False, "after" if later else "before")
    return None


def _clean(phrase: str) -> str:
    return phrase.strip(" ,:;?").removeprefix("the ").strip()


def stated_date(sentence: str) -> tuple[int, int] | None:
    """The one month-and-day date a sentence states, or None when it states none or several."""
    found = set()
    for m in _MONTH_DAY.finditer(sentence):
        month = (m.group(1) or m.group(4)).lower()
        found.add((MONTH_NAMES.index(month) + 1, int(m.group(2) or m.group(3))))
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


def answer_order(question: str, candidates: list, snapshot: CorpusSnapshot):
    """(the sentences on each event, a short answer such as "After, by the articles' publication dates"),
    or None when the evidence gives no order. `candidates` are the answerer's scored sentences, best
    first (each with .text and .passage)."""
    asked = parse(question)
    pairs = _on_each((asked.first_event, asked.second_event), candidates, snapshot) if asked else None
    if not pairs:
        return None
    ordered = None
    a, b = pairs[-1]  # the best sentence on each event
    if a is not b and a.passage.article.id == b.passage.article.id:
        # one article telling of both, the other event as an earlier or later one ("two earlier
        # rounds"), is the best evidence; then dates the sentences state, then publication dates
        said_of_a, said_of_b = described_as(a.text), described_as(b.text)
        if said_of_b and not said_of_a:
            ordered = (a, b, -said_of_b, "the article’s own account")
    if ordered is None:
        ordered = next(((a, b, *result) for a, b in pairs if (result := compare(
            Dated(stated_date(a.text), a.passage.article.published),
            Dated(stated_date(b.text), b.passage.article.published)))), None)
    if ordered is None:
        return None
    a, b, sign, basis = ordered
    if asked.relation:  # the verdict, bare: what it rests on is said in the answer's text
        said = "Yes" if (sign < 0) == (asked.relation == "before") else "No"
        return ([a] if a is b else [a, b]), said
    if asked.asks_which:
        said = asked.first_event if sign < 0 else asked.second_event
    else:
        said = "before" if sign < 0 else "after"
    return ([a] if a is b else [a, b]), f"{said[:1].upper()}{said[1:]}, by {basis}"


def _on_each(phrases: tuple[str, str], candidates: list, snapshot: CorpusSnapshot):
    """Pairs of sentences on each of two events, best first: pairs from two different articles by how
    much of each phrase's (idf-weighted) words they hold, each at least half as well as the best sentence
    on it or naming all its names; then the best sentence on each. None when a phrase matches nothing."""
    words = [(set(terms(c.text)), set(terms(c.text, keep_stopwords=True))) for c in candidates]
    ranked = []
    for phrase in phrases:
        weights = {t: snapshot.keyword.idf(t) for t in set(terms(phrase)) if snapshot.keyword.known(t)}
        names = {fold(w) for w in re.findall(r"\b[A-Z][\w’'-]+", phrase)}
        total = sum(weights.values())
        scored = []
        for c, (content, every) in zip(candidates, words):
            share = sum(w for t, w in weights.items() if t in content) / total if total else 0.0
            if share > 0:
                scored.append((share, bool(names) and names <= every, c))
        if not scored:
            return None
        top = max(share for share, _, _ in scored)
        ranked.append([(share / top, named, c) for share, named, c in scored])
    pairs = [(ra + rb, a, b) for ra, na, a in ranked[0] for rb, nb, b in ranked[1]
             if a.passage.article.id != b.passage.article.id and (ra >= 0.5 or na) and (rb >= 0.5 or nb)]
    pairs.sort(key=lambda p: -p[0])
    best = (max(ranked[0], key=lambda x: x[0])[2], max(ranked[1], key=lambda x: x[0])[2])
    return [(a, b) for _, a, b in pairs] + [best]
