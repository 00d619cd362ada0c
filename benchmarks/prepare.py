"""Build (or reuse from the cache) what the benchmarks read: generated corpora, the real seed index,
synthetic-vector indexes at the query sizes, and the tutorial pipeline's indexes."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks import baseline
from benchmarks.corpus import ensure_corpus, load_pool
from benchmarks.procs import REPO
from benchmarks.synthetic import build_index, pool_vectors


def seed_index(cache: Path, embedder) -> dict:
    """The seeds ingested for real (the start-up benchmark's index)."""
    from ingest.pipeline import ingest_path
    from qa.config import Settings
    from qa.index.store import ChromaStore

    data_dir = cache / "index-seed"
    settings = Settings(data_dir=data_dir)
    store = ChromaStore.open(settings, embedder.name, embedder.dimension)
    report = ingest_path(REPO / "seeds", store, embedder, settings)
    return {"path": str(data_dir), "chunks": store.counts()[1], "changed": report.changed}


TUTORIAL_UP_TO = 50000  # chunks


def keyword_index(data_dir: Path, embedder) -> float:
    """Seconds to bring the index's keyword index in step with its store: a rebuild from every chunk
    the first time (what a new host pays once), nothing after."""
    from qa.config import Settings
    from qa.index.keyword import KeywordIndex
    from qa.index.store import ChromaStore
    from qa.index.sync import keyword_folder, sync

    settings = Settings(data_dir=data_dir)
    started = time.perf_counter()
    sync(ChromaStore.open(settings, embedder.name, embedder.dimension), KeywordIndex(keyword_folder(settings)))
    return round(time.perf_counter() - started, 1)


def run(cache: Path, sizes: list[int], ingest_chunks: int, seed: int) -> dict:
    from qa.index.embeddings import MiniLMEmbedder

    started = time.perf_counter()
    pool = load_pool(REPO / "seeds")
    embedder = MiniLMEmbedder()
    sentence_vecs, title_vecs = pool_vectors(pool, cache, embedder)
    out = {"pool": {"sentences": len(pool.sentences), "records": len(pool.records), "titles": len(pool.titles),
                    "outlets": len(pool.outlets), "sources": list(pool.sources), "fingerprint": pool.fingerprint},
           "seed_index": seed_index(cache, embedder), "sizes": {}}
    if ingest_chunks:
        corpus, manifest = ensure_corpus(pool, cache, ingest_chunks, seed)
        out["ingest_corpus"] = {"path": str(corpus), **manifest}
    for size in sizes:
        corpus, manifest = ensure_corpus(pool, cache, size, seed)
        t = time.perf_counter()
        built = build_index(corpus, cache / f"index-{size}", pool, sentence_vecs, title_vecs,
                            embedder.name, embedder.dimension, seed)
        keyword_s = keyword_index(cache / f"index-{size}", embedder)
        # the tutorial pipeline is a reference up to 50k; past that its build costs more than the run
        tutorial = baseline.build(corpus, cache / f"tutorial-{size}", sentence_vecs, title_vecs, seed) \
            if size <= TUTORIAL_UP_TO else {"chunks": 0}
        out["sizes"][str(size)] = {
            "corpus": str(corpus), "articles": manifest["articles"], "corpus_sha256": manifest["sha256"],
            "index": str(cache / f"index-{size}"), "chunks": built["chunks"], "build_s": built["build_s"],
            "tutorial": str(cache / f"tutorial-{size}") if size <= TUTORIAL_UP_TO else "",
            "tutorial_chunks": tutorial["chunks"],
            "keyword_sync_s": keyword_s, "prepare_s_this_run": round(time.perf_counter() - t, 1),
        }
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--sizes", default="")
    parser.add_argument("--ingest-chunks", type=int, default=0)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    args.result.write_text(json.dumps(run(args.cache.resolve(), sizes, args.ingest_chunks, args.seed), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
