"""Condensing a follow-up question with the recent turns into a standalone search query."""

from __future__ import annotations

import re

from qa.text import STOPWORDS, fold

_FOLLOW_UP = re.compile(
    r"^(and|but|so|also|what about|how about|then)\b|\b(he|she|they|them|him|her|his|their|it|its|that|this|"
    r"those|these|there)\b", re.I)
MAX_TURNS = 3
ELLIPTICAL_WORDS = 3  # a question this short is a follow-up whatever its words


def condense(question: str, history: tuple[dict, ...] = ()) -> str:
    """The question itself when it stands alone; otherwise the question plus the topic words of the
    recent user turns it refers back to."""
    turns = [t.get("content", "") for t in history if isinstance(t, dict) and t.get("role", "user") == "user"]
    turns = [t for t in turns if isinstance(t, str) and t.strip()][-MAX_TURNS:]
    if not turns or not (_FOLLOW_UP.search(question) or len(re.findall(r"\w+", question)) <= ELLIPTICAL_WORDS):
        return question  # "When?", "Who else?", "How many?" stand on the turn before them
    asked = set(fold(question).split())
    context: list[str] = []
    for turn in reversed(turns):
        for word in re.findall(r"[\w’'-]+", turn):
            key = fold(word)
            if key not in STOPWORDS and key not in asked and len(key) > 2 and key not in {fold(w) for w in context}:
                context.append(word)
    return f"{question} ({' '.join(context[:12])})" if context else question
