"""Answers gathered across sentences and articles: a person's profile ("what part has X played?"), the
outlets that report something ("which outlets reported the swap?"), the numbered parts of a plan ("what
are the three phases?"), and other articles' versions of the lead sentence. Each takes the answerer's scored sentences, best first (with .text, .passage, .coverage,
.start), and returns those to show."""

from __future__ import annotations

import re

from qa.answering.question import QuestionInfo, profiled_name
from qa.language.text import ORDINALS, has_word, terms
from qa.language.support import rewritten_claims

MAX_PERSPECTIVES = 5  # articles heard on one question
PER_PART = 2  # sentences shown on one numbered part
MAX_PROFILE = 3  # sentences on a person asked about ("what part has X played?")
REPORTING_SHARE = 0.6  # of the best sentence's match, for an article to count as reporting what is asked


def rival_versions(candidates: list, chosen: list) -> list:
    """Sentences of other articles that rewrite the lead sentence with another number, date, name or
    quote, one per article, up to MAX_PERSPECTIVES - 1."""
    lead = chosen[0]
    heard = {c.passage.article.id for c in chosen}
    rivals: list = []
    for c in candidates:
        if len(rivals) == MAX_PERSPECTIVES - 1:
            break
        if c.passage.article.id not in heard and rewritten_claims(lead.text, c.text):
            rivals.append(c)
            heard.add(c.passage.article.id)
    return rivals


def each_reporting(candidates: list) -> list:
    """"Which outlets reported the swap?": each article's best sentence that holds the question's words
    nearly as well as the best one does (REPORTING_SHARE), up to MAX_PERSPECTIVES, in publication order."""
    bar = REPORTING_SHARE * candidates[0].coverage
    best: dict = {}
    for c in candidates:
        if c.coverage >= bar:
            best.setdefault(c.passage.article.id, c)
    chosen = list(best.values())[:MAX_PERSPECTIVES]
    return sorted(chosen, key=lambda c: (c.passage.article.published or "9999", c.passage.article.id))


def who(outlet: str, title: str) -> str:
    """An article's outlet, or for one without its headline in quotes."""
    return outlet or f"the article “{title}”"


def profile(info: QuestionInfo, candidates: list) -> list:
    """"What part has Yuri Ushakov played?": the best sentences naming the person (by surname, so "Yury
    Ushakov" counts), one per passage and none repeating another, up to MAX_PROFILE, in the order the
    articles were published; the best sentence alone when none names them."""
    surname = profiled_name(info)
    chosen: list = []
    for c in candidates:
        if len(chosen) == MAX_PROFILE:
            break
        if has_word(c.text, surname) and not any(
                c.passage.chunk_id == k.passage.chunk_id or redundant(c.text, k.text) for k in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: (c.passage.article.published or "9999", c.passage.article.id, c.start)) or (
        candidates[:1])


def redundant(a: str, b: str) -> bool:
    ta, tb = set(terms(a)), set(terms(b))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.5


def numbered_parts(part: str, candidates: list) -> list:
    """For each ordinal ("first-phase", "a second phase", "the third phase"), the sentences of one article
    that name it (up to PER_PART, in the article's order: "a second phase will follow. The second phase
    will include ..."), ordinal by ordinal: [] unless at least two ordinals are found."""
    by_ordinal: dict[int, list] = {}
    article = None
    for c in candidates:
        for m in re.finditer(rf"\b({'|'.join(ORDINALS)})[\s-]+{part}s?\b", c.text, re.I):
            article = article or c.passage.article.id  # the best sentence's article tells the whole list
            said = by_ordinal.setdefault(ORDINALS.index(m.group(1).lower()), [])
            if c.passage.article.id == article and c not in said and len(said) < PER_PART:
                said.append(c)
    if len([n for n, said in by_ordinal.items() if said]) < 2:
        return []
    chosen: list = []
    for _, said in sorted(by_ordinal.items()):
        chosen += [c for c in sorted(said, key=lambda c: c.start) if c not in chosen]
    return chosen
