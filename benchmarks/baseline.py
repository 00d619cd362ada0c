"""The tutorial pipeline reference, as `qa eval` defines it in qa/baselines.py (LangChain's
RecursiveCharacterTextSplitter 1000/200, Chroma top-4, first sentence of each passage). Its index is
written here with synthetic vectors (like the scale indexes) so 10k and 50k take minutes."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np

from benchmarks.corpus import read_parts

BUILD_VERSION = 2


def _settings(path: Path):
    from qa.config import Settings

    base = Settings(data_dir=path)
    return base.with_(collection=f"{base.collection}-tutorial")  # the collection TutorialPipeline.build opens


def build(corpus_dir: Path, path: Path, sentence_vecs: np.ndarray, title_vecs: np.ndarray, seed: int = 8) -> dict:
    """The tutorial index for the corpus at `path` (reused while its marker matches)."""
    from benchmarks.synthetic import NOISE, chunk_vectors, write_batch
    from ingest.load import load_folder
    from qa.evaluation.baselines import TUTORIAL_ROOT, split_tutorial
    from qa.index.embeddings import DIMENSION, MODEL_NAME
    from qa.index.store import ChromaStore

    manifest = json.loads((corpus_dir / "_manifest.json").read_text())
    key = {"build": BUILD_VERSION, "corpus": manifest["sha256"], "noise": NOISE, "seed": seed}
    marker = path / "built.json"
    if marker.is_file() and json.loads(marker.read_text()).get("key") == key:
        return json.loads(marker.read_text())
    shutil.rmtree(path, ignore_errors=True)
    started = time.perf_counter()
    store = ChromaStore.open(_settings(path), MODEL_NAME, DIMENSION)
    parts = read_parts(corpus_dir)
    rng = np.random.default_rng(seed + 1)
    pending, waiting, total = [], 0, 0
    for article in load_folder(corpus_dir).articles:
        chunks = split_tutorial(article)
        title_index, article_parts = parts[article.id]
        pending.append((article, chunks, chunk_vectors(chunks, article_parts, title_vecs[title_index], sentence_vecs, rng)))
        waiting += len(chunks)
        total += len(chunks)
        if waiting >= 512:
            write_batch(store, pending, TUTORIAL_ROOT)
            pending, waiting = [], 0
    write_batch(store, pending, TUTORIAL_ROOT)
    store.bump_version()
    built = {"key": key, "chunks": total, "build_s": round(time.perf_counter() - started, 1)}
    marker.write_text(json.dumps(built, indent=1))
    return built


def tutorial(path: Path, embedder):
    """qa.evaluation.baselines.TutorialPipeline over the index at `path`; `.ask(question)` is what is timed."""
    from qa.evaluation.baselines import TutorialPipeline
    from qa.index.store import ChromaStore

    return TutorialPipeline(ChromaStore.open(_settings(path), embedder.name, embedder.dimension), embedder)
