"""The tutorial pipeline, the reference a reader would write first: LangChain's
RecursiveCharacterTextSplitter(1000/200) chunks in a plain Chroma collection, top-4 dense query, and
the first sentence of the best chunk as the answer. Its vectors are built like the synthetic ones."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import numpy as np

from benchmarks.corpus import read_parts

COLLECTION = "tutorial"
BUILD_VERSION = 1
_FIRST_SENTENCE = re.compile(r"(.+?[.!?])(\s|$)", re.S)


def build(corpus_dir: Path, path: Path, sentence_vecs: np.ndarray, title_vecs: np.ndarray, seed: int = 8) -> dict:
    """The tutorial's Chroma folder for the corpus (reused while its marker matches)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from benchmarks.synthetic import NOISE, chunk_vectors
    from ingest.load import load_folder

    manifest = json.loads((corpus_dir / "_manifest.json").read_text())
    key = {"build": BUILD_VERSION, "corpus": manifest["sha256"], "noise": NOISE, "seed": seed}
    marker = path / "built.json"
    if marker.is_file() and json.loads(marker.read_text()).get("key") == key:
        return json.loads(marker.read_text())
    shutil.rmtree(path, ignore_errors=True)
    started = time.perf_counter()
    client = chromadb.PersistentClient(path=str(path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection(COLLECTION, embedding_function=None,
                                                  configuration={"hnsw": {"space": "cosine"}})
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    parts = read_parts(corpus_dir)
    rng = np.random.default_rng(seed + 1)
    batch: dict[str, list] = {"ids": [], "embeddings": [], "documents": [], "metadatas": []}
    total = 0

    class _Text:  # chunk_vectors only needs .text
        def __init__(self, text):
            self.text = text

    def flush():
        if batch["ids"]:
            collection.add(**batch)
            for v in batch.values():
                v.clear()

    for article in load_folder(corpus_dir).articles:
        texts = splitter.split_text(article.body)
        title_index, article_parts = parts[article.id]
        vectors = chunk_vectors([_Text(t) for t in texts], article_parts, title_vecs[title_index], sentence_vecs, rng)
        for n, (text, vec) in enumerate(zip(texts, vectors, strict=True)):
            batch["ids"].append(f"{article.id}:{n}")
            batch["embeddings"].append(vec.tolist())
            batch["documents"].append(text)
            batch["metadatas"].append({"title": article.title, "source": article.outlet})
        total += len(texts)
        if len(batch["ids"]) >= 512:
            flush()
    flush()
    built = {"key": key, "chunks": total, "build_s": round(time.perf_counter() - started, 1)}
    marker.write_text(json.dumps(built, indent=1))
    return built


class Tutorial:
    """Query time of the tutorial pipeline: embed, top-4, first sentence."""

    def __init__(self, path: Path, embedder):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.PersistentClient(path=str(path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
        self._collection = client.get_collection(COLLECTION, embedding_function=None)
        self._embedder = embedder

    def ask(self, question: str) -> str:
        vector = self._embedder.embed([question])[0]
        got = self._collection.query(query_embeddings=[vector.tolist()], n_results=4,
                                     include=["documents", "metadatas", "distances"])
        docs = got["documents"][0]
        if not docs:
            return ""
        match = _FIRST_SENTENCE.match(docs[0].strip())
        return match.group(1) if match else docs[0][:200]
