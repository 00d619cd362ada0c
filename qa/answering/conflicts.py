"""Spotting when sources disagree: different dates or figures for what the question asks, opposite
framings (agreed vs not, constructive vs stalemate) of the same event, or one sentence that two articles
print with another number, date or name, in sentences from different articles."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from qa.language.dates import MONTH_NAMES, MONTH_WORDS, WEEKDAY_WORDS, weekday_date
from qa.schema import Conflict
from qa.language.text import fold, stem, terms
from qa.answering.verdicts import YES_NO_OPENING, asks_yes_no
from qa.language.support import rewritten_claims

_ALTERNATIVE = re.compile(r"\b\w+ or (a |an |the )?\w+\s*\?$", re.I)
_DAY = re.compile(rf"\b({WEEKDAY_WORDS})\b", re.I)
_MONTH_DAY = re.compile(rf"\b({MONTH_WORDS})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b|\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({MONTH_WORDS})\b",
                        re.I)
_AHEAD = re.compile(r"\b(will|scheduled|next)\b", re.I)  # "will meet on Sunday": the coming Sunday
_FIGURE = re.compile(r"\b\d[\d,.]*\b")
_POSITIVE = ("agreed", "agreement", "constructive", "productive", "progress", "success", "breakthrough",
             "positive", "achieved", "confirmed", "announced the agreement", "have agreed", "moving forward",
             "kept his word", "kept their word", "without violation", "maintained", "complied", "honoured",
             "honored", "took part", "take part", "participate", "joined", "attended", "will participate")
_NEGATIVE = ("stalemate", "failed", "failure", "reluctance", "reluctant", "rejected", "came to naught", "elusive",
             "stalled", "skeptical", "sceptical", "postponed", "refused", "no one agreed", "not agreed",
             "little progress", "no progress", "contingent", "deadlock", "collapsed", "violat", "breaking",
             "broke", "breached", "without the participation", "did not take part", "not take part", "absent",
             "not invited", "were not invited", "prevented progress", "without progress", "no serious progress",
             "blocked progress", "hampered progress", "expired", "not interested", "isn't interested",
             "not truly interested", "isn't truly interested", "barrier", "sticking point", "obstacle", "impasse")
# the one-word cues, stemmed: in "Have they agreed on guarantees?" the verdict word is the claim under
# test, not what a sentence must be about
VERDICT_WORDS = frozenset(stem(p) for p in _POSITIVE + _NEGATIVE if " " not in p)
# longest phrases first, so "without violations" is read as positive before "violat" is counted
_PHRASES = sorted([(p, 1) for p in _POSITIVE] + [(p, -1) for p in _NEGATIVE], key=lambda x: -len(x[0]))
_ORDERING = re.compile(r"\b(before or after|after or before|which came first|earlier or later|first or second)\b", re.I)


MIN_COVERAGE = 0.1


@dataclass(frozen=True)
class Statement:
    """One cited sentence of an answer, with the article it comes from."""

    n: int
    text: str
    article_id: str
    title: str
    outlet: str
    published: str
    coverage: float = 1.0  # share of the question's words it holds: only on-topic statements can conflict
    topic: float = 0.0  # the share it holds with its article's headline ("... Second Round of Talks")


def asks_for_verdict(question: str) -> bool:
    """Yes/no and either/or questions (not about the order of events): where sources may disagree,
    so every source that speaks to it should be heard."""
    q = question.strip()
    return bool(YES_NO_OPENING.match(q) or _ALTERNATIVE.search(q) or asks_yes_no(q)) and not _ORDERING.search(q)


def find_conflicts(info, statements: Sequence[Statement],
                   answer_of: Callable[[str], str] | None = None) -> tuple[Conflict, ...]:
    """Conflicts among statements of different articles on the question `info` (a QuestionInfo, as
    `question.analyse` reads it): dates, figures or framings that differ. With
    `answer_of` (a statement's text -> the span answering the question), figures are compared as the
    statements answer the question, not every number they hold ("$9.7 million a year in subsidies" and
    "an operating cost of $14.1 million" give one subsidy)."""
    on_topic = [s for s in statements if s.coverage >= MIN_COVERAGE]
    if len({s.article_id for s in on_topic}) < 2:
        return ()
    found: list[Conflict] = []
    kind = info.kind
    if kind == "date" or (info.verdict and (_DAY.search(info.text) or _MONTH_DAY.search(info.text))):
        conflict = _differing(on_topic, _dates, "date")
        if conflict:
            found.append(conflict)
    elif kind in ("count", "money"):
        figures = _figures if answer_of is None else (lambda st: _figures_in(answer_of(st.text)))
        conflict = _differing(on_topic, figures, "figure")
        if conflict:
            found.append(conflict)
    elif kind == "tally" and answer_of is not None:  # a tally is one value: 8-5 and 8-4 differ
        conflict = _differing(on_topic, lambda st: {v: v for v in [answer_of(st.text)] if v}, "figure")
        if conflict:
            found.append(conflict)
    if not found and info.verdict:
        conflict = _opposite_framings(on_topic, info.claim)
        if conflict:
            found.append(conflict)
    if not found:
        conflict = _rewritten(on_topic)
        if conflict:
            found.append(conflict)
    return tuple(found)


def _rewritten(statements) -> Conflict | None:
    """One sentence in two articles with another number, date or name ("... in Tampa, Florida" / "... in
    Glendale, Arizona"): each version with what only it states."""
    for i, first in enumerate(statements):
        versions = []
        for other in statements[i + 1 :]:
            if other.article_id == first.article_id or (other.outlet and other.outlet == first.outlet):
                continue  # one outlet printing its sentence again with a new figure has updated it
            changed = rewritten_claims(first.text, other.text)
            if changed:
                if not versions:
                    versions.append(_version(first, ", ".join(changed[0])))
                versions.append(_version(other, ", ".join(changed[1])))
        if versions:
            return Conflict(topic="version", versions=tuple(versions))
    return None


def _dates(s: Statement) -> dict[str, str]:
    """The days a statement names, as "february 4"; a bare weekday is placed by the article's date
    ("met on Wednesday" in a paper of 2026-02-04 is February 4), else compared as written."""
    values = {}
    ahead = bool(_AHEAD.search(s.text))
    for m in _DAY.finditer(s.text):
        weekday = m.group(1).lower()
        day = weekday_date(weekday, s.published, ahead)
        if day:
            when = date.fromisoformat(day)
            values[f"{MONTH_NAMES[when.month - 1]} {when.day}"] = f"{MONTH_NAMES[when.month - 1]} {when.day} ({weekday})"
        else:
            values[weekday] = weekday
    for m in _MONTH_DAY.finditer(s.text):
        month = (m.group(1) or m.group(4)).lower()
        day = m.group(2) or m.group(3)
        values.setdefault(f"{month} {int(day)}", f"{month} {int(day)}")
    return values


def _figures(s: Statement) -> dict[str, str]:
    return _figures_in(s.text)


def _figures_in(text: str) -> dict[str, str]:
    return {v: v for v in (m.group(0).replace(",", "") for m in _FIGURE.finditer(text))}


def _differing(statements, extract, what: str) -> Conflict | None:
    """Values stated by statements closely about the question, next to the one stating a value that is
    most about it: by their own words or with their article's headline ("met on Wednesday" under
    "Second Round of Talks"). A sentence that states no value does not set the bar."""
    valued = _latest_per_outlet([(s, values) for s in statements if (values := extract(s))])
    best = max((s.coverage for s, _ in valued), default=0.0)
    versions = []
    seen_values: set[frozenset[str]] = set()
    for s, values in valued:
        if max(s.coverage, s.topic) >= 0.6 * best:
            versions.append(_version(s, ", ".join(values[k] for k in sorted(values))))
            seen_values.add(frozenset(values))
    articles = {v["article_id"] for v in versions}
    if len(articles) >= 2 and len(seen_values) >= 2 and not _all_overlap(seen_values):
        return Conflict(topic=what, versions=tuple(versions))
    return None


def _latest_per_outlet(valued: list[tuple[Statement, dict]]) -> list[tuple[Statement, dict]]:
    """An outlet that states another value later has updated its own figure: only its latest statement
    speaks for it (undated statements, and those of unknown outlets, each speak for themselves)."""
    latest: dict[str, str] = {}
    for s, _ in valued:
        if s.outlet and s.published:
            latest[s.outlet] = max(latest.get(s.outlet, ""), s.published)
    return [(s, v) for s, v in valued if not (s.outlet and s.published) or s.published == latest[s.outlet]]


def _all_overlap(value_sets: set[frozenset[str]]) -> bool:
    """Every pair shares a value: the articles agree on it and add detail."""
    sets = list(value_sets)
    return all(a & b for i, a in enumerate(sets) for b in sets[i + 1 :])


def verdict_claim(question: str) -> frozenset[str]:
    """The verdict words a yes/no question puts to the test ("agre" in "Have they agreed on X?")."""
    return frozenset(t for t in terms(question) if t in VERDICT_WORDS) if asks_for_verdict(question) else frozenset()


def polarity(text: str, claim: frozenset[str] = frozenset()) -> int:
    """+1 when a sentence frames the outcome as agreed/constructive, -1 as failed/disputed, 0 neither.
    Given the claim a question tests, what the sentence says of it comes first: "Rubio announced the
    agreement ..., which will take place without the participation of US representatives" says yes to
    "Have they agreed?"; the other cues count when none is about the claim."""
    if claim:
        focused = _signed(text, _phrases_about(claim))
        if focused:
            return focused
    return _signed(text, _PHRASES)


@lru_cache(maxsize=64)
def _phrases_about(claim: frozenset[str]) -> tuple[tuple[str, int], ...]:
    """The cue phrases that name the claim: one of their words shares the claim word's stem
    ("agreement", "agre"). Built once per claim, not per sentence read."""
    return tuple((p, sign) for p, sign in _PHRASES
                 if any(w.startswith(c) or c.startswith(w) for w in terms(p, keep_stopwords=True) for c in claim))


def _signed(text: str, phrases) -> int:
    low = fold(text)
    score = 0
    for phrase, sign in phrases:
        if phrase in low:
            score += sign * low.count(phrase)
            low = low.replace(phrase, " ")
    return (score > 0) - (score < 0)


def _opposite_framings(statements, claim: frozenset[str] = frozenset()) -> Conflict | None:
    signs: dict[str, int] = {}
    versions = []
    for s in statements:
        sign = polarity(s.text, claim)
        if sign:
            signs.setdefault(s.article_id, sign)
            versions.append(_version(s, "yes / positive" if sign > 0 else "no / negative"))
    if 1 in signs.values() and -1 in signs.values():
        return Conflict(topic="framing", versions=tuple(versions))
    return None


def _version(s: Statement, value: str) -> dict:
    return {"n": s.n, "value": value, "article_id": s.article_id, "title": s.title, "outlet": s.outlet,
            "published": s.published, "quote": s.text}
