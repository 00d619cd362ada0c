"""RGB's counterfactual-robustness set (Chen et al., AAAI 2024) as a `qa eval` test set: each item's
correct passages and the same passages rewritten with a false answer are separate articles of one
corpus (with its noise passages), and an answer is scored on what a reader sees: the true answer, the
false one, and whether it says that the sources disagree."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from qa.errors import BadInput

RGB_NOTE = ("RGB en_fact sample: every item's correct, counterfactual and noise passages are articles of one "
            "corpus (no outlet, no date); not comparable to the paper's per-item prompts.")
TITLE_WORDS = 8


def load_rgb(path: Path):
    """(TestSet, corpus records) from an RGB en_fact.json (one JSON object per line)."""
    from qa.evaluation.evaluate import TestCase, TestSet

    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        cases, corpus, seen = [], [], set()
        for row in rows:
            answers = _flat(row["answer"])
            wrong = _flat(row["fakeanswer"])
            sources = []
            for kind in ("positive", "positive_wrong", "negative"):
                for text in row.get(kind) or []:
                    record = _article(row["id"], text)
                    if record["id"] not in seen:
                        seen.add(record["id"])
                        corpus.append(record)
                    if kind == "positive":
                        sources.append(record["id"])
            cases.append(TestCase(id=str(row["id"]), question=row["query"], answer=answers[0], aliases=tuple(answers[1:]),
                                  sources=tuple(dict.fromkeys(sources)), evidence=(), type="counterfactual",
                                  wrong_answers=tuple(wrong)))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise BadInput(f"cannot read the RGB file {path}: {exc}") from None
    return TestSet(f"RGB {path.name}", tuple(cases), scoring="counterfactual", note=RGB_NOTE), corpus


def _flat(value) -> list[str]:
    """RGB answers are a string, a list of strings, or a list of lists of spellings."""
    if isinstance(value, str):
        return [value]
    out = [s for v in value for s in _flat(v)]
    if not out:
        raise ValueError("an item has no answer")
    return list(dict.fromkeys(out))


def _article(item: int, text: str) -> dict:
    """A passage as an article of its own; its id says nothing of whether it is true."""
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    words = text.split()
    title = " ".join(words[:TITLE_WORDS]) + ("..." if len(words) > TITLE_WORDS else "")
    return {"id": f"rgb-{item}-{digest}", "title": title, "source": "", "published_at": "", "url": "", "body": text}
