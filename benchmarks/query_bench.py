"""Query latency at one corpus size, in its own interpreter: retrieval (`Assistant.search`) and the
full extractive answer (`Assistant.ask`) against the limit (query embedding + a bare Chroma top-k
query) and the tutorial pipeline, all four timed round-robin on the same questions."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.procs import peak_rss_mb, status_kb
from benchmarks.questions import questions
from benchmarks.stats import summary

MODES = ("limit", "tutorial", "search", "ask")


def run(index: Path, tutorial_dir: Path | None, n_questions: int, rounds: int) -> dict:
    from benchmarks.baseline import tutorial as tutorial_pipeline
    from qa.assistant import Assistant
    from qa.config import Settings
    from qa.index.corpus import CorpusSnapshot
    from qa.index.embeddings import MiniLMEmbedder
    from qa.errors import QAError
    from qa.index.store import ChromaStore

    builds = {"n": 0}
    original = CorpusSnapshot.open.__func__

    def counted(cls, *args, **kwargs):
        builds["n"] += 1
        return original(cls, *args, **kwargs)

    CorpusSnapshot.open = classmethod(counted)  # count snapshot openings; nothing else changes

    settings = Settings(data_dir=index)
    embedder = MiniLMEmbedder(threads=settings.embed_threads, batch_size=settings.embed_batch)
    store = ChromaStore.open(settings, embedder.name, embedder.dimension)
    assistant = Assistant(settings, store, embedder)
    tutorial = tutorial_pipeline(tutorial_dir, embedder) if tutorial_dir else None
    rss_open = status_kb("self", "VmRSS") / 1024
    t0 = time.perf_counter()
    snapshot = assistant.snapshot()
    load_ms = (time.perf_counter() - t0) * 1000
    rss_loaded = status_kb("self", "VmRSS") / 1024

    # deliberately the bare collection, opened by chromadb itself: no count(), no conversion into our types
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    bare = chromadb.PersistentClient(path=str(index / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
                                     ).get_collection(f"{settings.collection}_chunks")

    def limit(q: str):
        vector = embedder.embed([q])[0]
        bare.query(query_embeddings=[vector.tolist()], n_results=settings.top_k,
                            include=["documents", "metadatas", "distances"])

    stages: dict[str, list[float]] = {}
    refused = errors = 0

    def ask(q: str):
        nonlocal refused
        answer = assistant.ask(q)
        refused += answer.refused
        for key, value in answer.timings.items():
            stages.setdefault(key, []).append(value)

    calls = {"limit": limit, "tutorial": tutorial.ask if tutorial else None, "search": assistant.search, "ask": ask}
    modes = tuple(m for m in MODES if calls[m])
    qs = questions(n_questions)
    for q in qs[:5]:  # warm-up: first calls pay for lazy imports and allocator growth
        for mode in modes:
            try:
                calls[mode](q)
            except QAError:
                pass
    stages.clear()
    refused = 0
    builds_before = builds["n"]
    samples: dict[str, list[float]] = {m: [] for m in modes}
    k = 0
    for _ in range(rounds):
        for q in qs:
            # rotate the order so drift in machine load falls on every mode alike
            for mode in modes[k % len(modes):] + modes[: k % len(modes)]:
                t = time.perf_counter()
                try:
                    calls[mode](q)
                except QAError:
                    errors += 1
                    continue
                samples[mode].append((time.perf_counter() - t) * 1000)
            k += 1
    articles, chunks = store.counts()
    return {
        "chunks": chunks, "articles": articles, "questions": len(qs), "rounds": rounds,
        "latency_ms": {m: summary(v) for m, v in samples.items()},
        "ask_stages_ms": {k: summary(v) for k, v in stages.items()},
        "refused_share": round(refused / max(1, len(samples["ask"])), 3), "errors": errors,
        "index_load_ms": round(load_ms, 1), "snapshot_builds_during_run": builds["n"] - builds_before,
        "snapshot_same_object": assistant.snapshot() is snapshot,
        "rss_mb": {"opened": round(rss_open, 1), "index_loaded": round(rss_loaded, 1),
                   "after": round(status_kb("self", "VmRSS") / 1024, 1), "peak": peak_rss_mb()},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--tutorial", type=Path, default=None, help="the tutorial pipeline's index (optional)")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    args.result.write_text(json.dumps(run(args.index, args.tutorial, args.questions, args.rounds), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
