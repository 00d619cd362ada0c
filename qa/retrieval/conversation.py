"""Completing a follow-up question from the recent turns into a standalone question a reader would
recognise: "he", "his" or "her" read as the person the last answer named ("Where did he say ...?" after
"Tomás Quill is president of the union." is "Where did Tomás Quill say ...?"); any other follow-up
asked after the question it follows ("When? (after: Who confirmed the prisoner exchange?)")."""

from __future__ import annotations

import re

_FOLLOW_UP = re.compile(
    r"^(and|but|so|also|what about|how about|then)\b|\b(he|she|they|them|him|her|his|their|it|its|that|this|"
    r"those|these|there)\b", re.I)
_PERSONAL = re.compile(r"\b(he|she|him|her|his|hers)\b", re.I)
_POSSESSIVE = {"his", "her", "hers"}
# two or more capitalised words: a person named in an answer ("Tomás Quill", "Councillor Martin Reyes-Blake")
_NAME = re.compile(r"\b[A-Z][^\W\d_]+(?:[\s-]+[A-Z][^\W\d_]+)+")
_CONNECTOR = re.compile(r"^(?:and|but|so|also|then)\b[,\s]+", re.I)
AFTER = " (after: "  # what a follow-up is asked after: context for searching, not part of what it asks
MAX_TURNS = 3
ELLIPTICAL_WORDS = 3  # a question this short is a follow-up whatever its words


def condense(question: str, history: tuple[dict, ...] = ()) -> str:
    """The question itself when it stands alone; otherwise the question completed from the last turn."""
    turns = [t for t in history if isinstance(t, dict) and isinstance(t.get("content"), str) and t["content"].strip()]
    asked = [t["content"] for t in turns if t.get("role", "user") == "user"][-MAX_TURNS:]
    if not asked or not (_FOLLOW_UP.search(question) or len(re.findall(r"\w+", question)) <= ELLIPTICAL_WORDS):
        return question  # "When?", "Who else?", "How many?" stand on the turn before them
    answers = [t["content"] for t in turns if t.get("role") == "assistant"]
    person = _person(answers[-1] if answers else "") or _person(asked[-1])
    pronoun = _PERSONAL.search(question)
    if person and pronoun:
        said = f"{person}'s" if pronoun.group(1).lower() in _POSSESSIVE else person
        return _without_connector(question[: pronoun.start()] + said + question[pronoun.end():])
    return f"{question}{AFTER}{asked[-1].strip()})"


def _without_connector(question: str) -> str:
    """A completed follow-up reads on its own: "And why did ...?" -> "Why did ...?"."""
    m = _CONNECTOR.match(question)
    if not m or not question[m.end():]:
        return question
    rest = question[m.end():]
    return rest[0].upper() + rest[1:]


def _person(text: str) -> str:
    """The first name of two or more capitalised words in the text, or ""."""
    m = _NAME.search(text)
    return m.group(0) if m else ""


def own_words(query: str) -> str:
    """A condensed follow-up without the question it was asked after: what it itself asks."""
    at = query.find(AFTER)
    return query[:at] if at > 0 and query.endswith(")") else query
