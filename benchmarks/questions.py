"""The questions the query and service benchmarks ask: seed questions, MultiHop-RAG queries (read by
path when present) and two off-topic ones, interleaved in a fixed order."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.corpus import MULTIHOP

SEED_QUESTIONS = (
    "How many prisoners of war did Russia and Ukraine agree to exchange?",
    "Who led the Ukrainian delegation?",
    "Who led the Russian negotiating team in Geneva?",
    "Did the Abu Dhabi talks succeed or fail?",
    "What did the Kremlin expect from the talks, in reports before February 3?",
    "Who are the lead US negotiators in the talks?",
    "Why did the talks stall?",
    "Exactly how many ballistic missiles did Russia launch at Kyiv?",
    "Who is Rustem Umerov?",
    "When did the talks begin?",
    "What did Bloomberg report?",
    "Who described the Geneva talks as tough but businesslike?",
)
OFF_TOPIC = ("What is the recipe for a good sourdough bread?", "What is the boiling point of mercury?")


def questions(n: int, multihop_dir: Path = MULTIHOP) -> list[str]:
    """n questions, deterministic for a given set of sources."""
    multihop: list[str] = []
    path = multihop_dir / "sample500_queries.json"
    if path.is_file():
        multihop = [q["question"] for q in json.loads(path.read_text(encoding="utf-8"))["queries"]]
    out: list[str] = []
    mh = iter(multihop)
    i = 0
    while len(out) < n:
        out.extend(q for q in (next(mh, None), next(mh, None)) if q)  # two MultiHop queries per seed one
        out.append(SEED_QUESTIONS[i % len(SEED_QUESTIONS)])
        if i % 8 == 3:
            out.append(OFF_TOPIC[(i // 8) % len(OFF_TOPIC)])
        i += 1
    return out[:n]
