"""Where-questions about something that happened more than once ("Where have the talks been held?"):
every place the passages put that thing in, each shown with a sentence that says so, most often
named first ("Abu Dhabi and Geneva"; the United Arab Emirates, named beside Abu Dhabi, is left out)."""

from __future__ import annotations

import re

from qa.language.countries import is_country
from qa.answering.question import QuestionInfo
from qa.answering.short_answer import place_spans
from qa.language.text import listed, terms

# "where have/had/were ...", "in which cities ...": the question expects several places
_SEVERAL = re.compile(r"\bwhere (have|had|were|are)\b|\b(which|what) (cities|countries|places|venues)\b", re.I)
# words for a meeting, beside the question's own words: "the discussions in Geneva" answers "where were
# the talks held?"
_GATHERINGS = frozenset(terms("talks negotiations negotiating discussions meeting session round summit conference"))
_GATHERING_VERBS = re.compile(r"\b(met|meet|meets|held|hold|holds|host|hosts|hosted|convened|gathered|took place|take place|"
                              r"taken place)\b", re.I)
NEAR = 3  # words before "in <place>" that say what is there
MAX_PLACES = 3


def asks_for_several(info: QuestionInfo) -> bool:
    return info.kind == "place" and bool(_SEVERAL.search(info.text))


def answer_places(info: QuestionInfo, candidates: list):
    """(one sentence per place, "A, B and C"), or None when fewer than two places are found. A place
    counts when one of the few words before it is what the question asks about (one of its words that
    is not a name, or a word for a meeting when it asks about one): "talks in Abu Dhabi", "the Russian
    negotiating team in Geneva", not "the Carnegie Russia Eurasia Center in Berlin"."""
    named = set(terms(" ".join(info.entities)))
    asked = set(info.terms) - named
    if asked & _GATHERINGS or _GATHERING_VERBS.search(info.text):  # "met" says where they met, not what
        asked = (asked - set(terms(" ".join(m.group(0) for m in _GATHERING_VERBS.finditer(info.text))))) | _GATHERINGS
    mentions: dict[str, list] = {}  # place (as first written) -> candidates naming it, best first
    spelled: dict[str, str] = {}
    for c in candidates:
        for at, place in place_spans(info, c.text):
            before = set(terms(" ".join(c.text[:at].split()[-NEAR:])))
            if before & asked:
                key = " ".join(terms(place))
                spelled.setdefault(key, place)
                if c not in mentions.setdefault(key, []):
                    mentions[key].append(c)
    # a country an article names beside a city for the same thing is taken as where the city is
    cities = {c.passage.article.id for k, cs in mentions.items() if not is_country(spelled[k]) for c in cs}
    mentions = {k: cs for k, cs in mentions.items()
                if not (is_country(spelled[k]) and any(c.passage.article.id in cities for c in cs))}
    if len(mentions) < 2:
        return None
    ranked = sorted(mentions, key=lambda k: -len(mentions[k]))[:MAX_PLACES]  # stable: ties keep first-seen order
    chosen = []
    for key in ranked:
        best = mentions[key][0]
        if best not in chosen:
            chosen.append(best)
    names = [spelled[k] for k in ranked]
    return chosen, listed(names)
