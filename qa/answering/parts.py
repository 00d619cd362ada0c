"""Questions in several parts ("Who leads the union, and on what day did it file its complaint?"): split
where a second question word follows "and", each part completed so that it stands on its own, answered
in turn, and the answers joined into one with one numbering of the sources. A part the articles do not
answer is said to be missing; the others are still answered."""

from __future__ import annotations

import re
from dataclasses import replace

from qa.schema import Answer, AnswerSentence, Citation
from qa.language.text import STOPWORDS, fold

__all__ = ["completed", "joined", "split_parts"]

_SECOND_QUESTION = re.compile(r"\s*,?\s+and\s+(?=(?:who|whom|whose|what|when|where|which|why|how|"
                              r"(?:on|in|at|by|for|since|until) (?:what|which|how|when)\b)\b)", re.I)
_LEADING_QUESTION = re.compile(r"^\W*(?:who|whom|whose|what|when|where|which|why|how)(?:\s+(?:many|much|long|"
                               r"did|does|do|is|was|were|are|has|have|had|will|would|can|could))?\b\s*", re.I)
_PRONOUN = re.compile(r"\b(he|she|they|him|her|them|it)\b", re.I)
MIN_OWN_WORDS = 3  # a part with fewer content words of its own borrows the first part's ("..., and on what day?")


def split_parts(question: str) -> list[str]:
    """The question's parts, each ending in "?", or the question alone when it has one part."""
    m = _SECOND_QUESTION.search(question)
    if not m or m.start() < 8:
        return [question]
    first = question[: m.start()].rstrip(" ,;") + "?"
    second = question[m.end():].strip()
    return [first, second if second.endswith("?") else second + "?"]


def completed(part: str, first: str, first_answer: str) -> str:
    """A later part made to stand on its own: its pronoun read as the first part's short answer ("what
    did he propose?" after "Who chairs the committee?" answered "Martin Reyes-Blake"), and a part too
    short to search ("and on what day?") given the first part's words."""
    if first_answer and _PRONOUN.search(part):
        part = _PRONOUN.sub(first_answer, part, count=1)
    own = [w for w in re.findall(r"[\w’'-]+", fold(part)) if w not in STOPWORDS]
    if len(own) < MIN_OWN_WORDS:
        rest = _LEADING_QUESTION.sub("", first.rstrip("?"))
        part = f"{part.rstrip('?')} {rest}?"
    return part


def joined(question: str, query: str, answers: list[Answer], parts: list[str]) -> Answer:
    """One answer of the parts' answers: their sentences in order with one numbering of the cited
    passages, a short answer per part ("A; B") when every answered part has one, refused only when
    every part is."""
    numbers: dict[str, int] = {}  # cited passage -> its number, as compose numbers them
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    texts: list[str] = []
    conflicts = []
    for part, answer in zip(parts, answers, strict=True):
        if answer.refused:
            texts.append(f"The articles don't say: {part}")
            continue
        remap: dict[int, int] = {}
        for c in answer.citations:
            if c.chunk_id not in numbers:
                numbers[c.chunk_id] = len(numbers) + 1
            remap[c.n] = numbers[c.chunk_id]
            citations.append(replace(c, n=remap[c.n]))
        sentences += [replace(s, citations=tuple(remap.get(n, n) for n in s.citations)) for s in answer.sentences]
        texts.append(re.sub(r"\[(\d+)\]", lambda m, remap=remap: f"[{remap.get(int(m.group(1)), m.group(1))}]",
                            answer.text))
        conflicts += [replace(k, versions=tuple({**v, "n": remap.get(v.get("n"), v.get("n"))} for v in k.versions))
                      for k in answer.conflicts]
    answered = [a for a in answers if not a.refused]
    if not answered:
        return replace(answers[0], question=question, query=query,
                       diagnostics={**answers[0].diagnostics, "parts": parts})
    shorts = [a.short_answer for a in answered]
    passages = {p.chunk_id: p for a in answers for p in a.passages}
    return Answer(question=question, text=" ".join(texts), sentences=tuple(sentences), citations=tuple(citations),
                  refused=False, short_answer="; ".join(shorts) if all(shorts) else "",
                  query=query, conflicts=tuple(conflicts), answerer=answered[0].answerer,
                  diagnostics={"parts": parts, "refused_parts": [p for p, a in zip(parts, answers, strict=True)
                                                                  if a.refused]},
                  passages=tuple(passages.values()))
