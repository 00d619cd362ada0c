"""Ingest throughput, in its own interpreter so peak memory is this step's alone.

`--mode model`: the embedding model alone on exactly the texts ingest embeds (the limit).
`--mode ingest`: `ingest_path` end to end (load, clean, dedupe, chunk, embed, write) into the index at
--data-dir (fresh with --fresh; otherwise added to it, as when a second folder is ingested).
Model loading is outside the timed span in both. The corpus is cut into slices (`split`) so the two
modes can alternate slice by slice: load from elsewhere on a shared machine then hits both alike."""

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
    from ingest.pipeline import embedding_text

    out = []
    for article in load_folder(corpus).articles:
        out += [embedding_text(article, c.text)
                for c in chunk_article(article, settings.chunk_tokens, settings.chunk_overlap_tokens)]
    return out


def split(corpus: Path, parts: int, out: Path) -> list[Path]:
    """The corpus's articles in `parts` folders of consecutive records (deterministic)."""
    lines = [line for f in sorted(corpus.glob("articles-*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line]
    shutil.rmtree(out, ignore_errors=True)
    folders = []
    for k in range(parts):
        folder = out / f"slice-{k}"
        folder.mkdir(parents=True)
        lo, hi = len(lines) * k // parts, len(lines) * (k + 1) // parts
        (folder / "articles.jsonl").write_text("\n".join(lines[lo:hi]) + "\n", encoding="utf-8")
        folders.append(folder)
    return folders


def run(mode: str, corpus: Path, data_dir: Path, fresh: bool = True, rerun: bool = True) -> dict:
    from qa.config import Settings
    from qa.index.embeddings import MiniLMEmbedder

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
    from qa.index.store import ChromaStore

    if fresh:
        shutil.rmtree(data_dir, ignore_errors=True)
    store = ChromaStore.open(settings, embedder.name, embedder.dimension)
    embedder.embed(["warm-up"])
    t = time.perf_counter()
    report = ingest_path(corpus, store, embedder, settings)
    seconds = time.perf_counter() - t
    chunks = report.added + report.updated
    out = {"mode": mode, "chunks": chunks, "articles": report.articles, "duplicates": len(report.duplicates),
           "seconds": round(seconds, 2), "chunks_per_s": round(chunks / seconds, 2)}
    if rerun:
        t = time.perf_counter()
        again = ingest_path(corpus, store, embedder, settings)  # idempotent: nothing to embed the second time
        out.update(rerun_seconds=round(time.perf_counter() - t, 2), rerun_changed=again.changed)
    return {**out, "peak_rss_mb": peak_rss_mb()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=("model", "ingest"), required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--append", action="store_true", help="add to the index at --data-dir instead of a fresh one")
    parser.add_argument("--rerun", action="store_true", help="then ingest the same folder again (nothing may change)")
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    args.result.write_text(json.dumps(run(args.mode, args.corpus, args.data_dir, not args.append, args.rerun), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
