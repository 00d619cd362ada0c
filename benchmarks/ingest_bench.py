"""Ingest throughput, in its own interpreter so peak memory is this step's alone.

`--mode model`: the embedding model alone on exactly the texts ingest embeds (the limit).
`--mode ingest`: `ingest_path` end to end (load, clean, dedupe, chunk, embed, write) into a fresh index.
Model loading is outside the timed span in both."""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from benchmarks.procs import peak_rss_mb


def texts_ingest_embeds(corpus: Path, settings) -> list[str]:
    from ingest.chunk import chunk_article
    from ingest.load import load_folder
    from ingest.pipeline import _embedding_text

    out = []
    for article in load_folder(corpus).articles:
        out += [_embedding_text(article, c.text)
                for c in chunk_article(article, settings.chunk_tokens, settings.chunk_overlap_tokens)]
    return out


def run(mode: str, corpus: Path, data_dir: Path) -> dict:
    from qa.config import Settings
    from qa.embeddings import MiniLMEmbedder

    settings = Settings(data_dir=data_dir)
    embedder = MiniLMEmbedder(threads=settings.embed_threads, batch_size=settings.embed_batch)
    if mode == "model":
        texts = texts_ingest_embeds(corpus, settings)
        embedder.embed(texts[:8])  # warm-up
        t = time.perf_counter()
        embedder.embed(texts)
        seconds = time.perf_counter() - t
        return {"mode": mode, "chunks": len(texts), "seconds": round(seconds, 2),
                "chunks_per_s": round(len(texts) / seconds, 2), "peak_rss_mb": peak_rss_mb()}
    from ingest.pipeline import ingest_path
    from qa.store import ChromaStore

    shutil.rmtree(data_dir, ignore_errors=True)
    store = ChromaStore.open(settings, embedder.name, embedder.dimension)
    embedder.embed(["warm-up"])
    t = time.perf_counter()
    report = ingest_path(corpus, store, embedder, settings)
    seconds = time.perf_counter() - t
    chunks = report.added + report.updated
    t = time.perf_counter()
    again = ingest_path(corpus, store, embedder, settings)  # idempotent: nothing to embed the second time
    rerun = time.perf_counter() - t
    return {"mode": mode, "chunks": chunks, "articles": report.articles, "duplicates": len(report.duplicates),
            "seconds": round(seconds, 2), "chunks_per_s": round(chunks / seconds, 2),
            "rerun_seconds": round(rerun, 2), "rerun_changed": again.changed, "peak_rss_mb": peak_rss_mb()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=("model", "ingest"), required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    args.result.write_text(json.dumps(run(args.mode, args.corpus, args.data_dir), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
