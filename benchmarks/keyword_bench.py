"""`python -m benchmarks.keyword_bench --data-dir DIR`: keyword engines side by side, on quality and on
speed, for issue 22's choice of a kept engine for the persistent keyword index.

Engines: ours (the in-memory BM25 the service used before the tantivy index, kept here as the
reference: `FormerBM25`), tantivy and bm25s, each
once over our own terms (our stemmer and stop words, so the idf the answerer reads stays the same) and
once with its own analysis (tantivy's `en_stem` tokenizer; bm25s with PyStemmer's English stemmer and
its English stop words).

Quality: keyword search alone, the question as the query, over the chunks `qa eval` indexed in DIR
(the seeds, and each `eval-*` corpus found there), scored on the test sets whose corpus that is: the
share of answerable questions with a gold source in the top 5 chunks (hit@5) and the mean reciprocal
rank of the first gold chunk's article (MRR@10).

Speed, at each --sizes (chunks made by repeating the real chunks, each copy with its words shuffled
differently so that no two documents are one): build and write, open from disk (what a worker pays at
start), query p50/p95 and the memory the open index adds."""

from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.procs import status_kb

ENGINES = ("ours", "tantivy-our-terms", "tantivy-en-stem", "bm25s-our-terms", "bm25s-pystemmer")
K = 10


# ---- engines -------------------------------------------------------------------------------------

class FormerBM25:
    """Okapi BM25 over a fixed list of documents, in memory (the service's keyword index until c02e905)."""

    def __init__(self, texts, k1: float = 1.2, b: float = 0.75):
        import math
        from collections import Counter, defaultdict

        import numpy as np

        from qa.language.text import terms
        self._np, self._terms = np, terms
        self.size = len(texts)
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths = np.zeros(self.size, dtype=np.float32)
        for doc, text in enumerate(texts):
            counts = Counter(terms(text))
            lengths[doc] = sum(counts.values())
            for term, tf in counts.items():
                postings[term].append((doc, tf))
        norm = k1 * (1 - b + b * lengths / max(float(lengths.mean()) if self.size else 1.0, 1e-9))
        self._postings = {}
        for term, plist in postings.items():
            docs = np.fromiter((d for d, _ in plist), dtype=np.int32, count=len(plist))
            tfs = np.fromiter((tf for _, tf in plist), dtype=np.float32, count=len(plist))
            idf = math.log(1 + (self.size - len(plist) + 0.5) / (len(plist) + 0.5))
            self._postings[term] = (docs, idf * tfs * (k1 + 1) / (tfs + norm[docs]))

    def top(self, query: str, n: int) -> list[tuple[int, float]]:
        np = self._np
        scores = np.zeros(self.size, dtype=np.float32)
        for term in set(self._terms(query)):
            hit = self._postings.get(term)
            if hit is not None:
                scores[hit[0]] += hit[1]
        n = min(n, int((scores > 0).sum()))
        if n <= 0:
            return []
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(i), float(scores[i])) for i in best]


class Ours:
    def __init__(self, texts, folder: Path):
        self.texts = list(texts)
        self.index = FormerBM25(self.texts)

    @classmethod
    def open(cls, texts, folder: Path):
        return cls(texts, folder)  # nothing persists: a worker builds it from the chunk texts

    def top(self, query: str, n: int) -> list[int]:
        return [doc for doc, _ in self.index.top(query, n)]


class Tantivy:
    def __init__(self, texts, folder: Path, our_terms: bool):
        import tantivy
        from qa.language.text import terms
        self.our_terms, self.terms = our_terms, terms
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("doc", stored=True, fast=True)
        builder.add_text_field("body", tokenizer_name="whitespace" if our_terms else "en_stem", index_option="freq")
        schema = builder.build()
        folder.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(schema, path=str(folder))
        writer = index.writer(heap_size=256_000_000, num_threads=1)
        for doc, text in enumerate(texts):
            body = " ".join(terms(text)) if our_terms else text
            writer.add_document(tantivy.Document(doc=doc, body=body))
        writer.commit()
        writer.wait_merging_threads()
        self._open(folder)

    def _open(self, folder: Path):
        import tantivy
        self.index = tantivy.Index.open(str(folder))
        self.index.reload()
        self.searcher = self.index.searcher()

    @classmethod
    def open(cls, texts, folder: Path, our_terms: bool):
        self = cls.__new__(cls)
        from qa.language.text import terms
        self.our_terms, self.terms = our_terms, terms
        self._open(folder)
        return self

    def top(self, query: str, n: int) -> list[int]:
        import tantivy
        if self.our_terms:
            words = sorted(set(self.terms(query)))
            if not words:
                return []
            q = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(self.index.schema, "body", w))
                                             for w in words])
        else:
            q = self.index.parse_query_lenient(_plain(query), ["body"])[0]
        hits = self.searcher.search(q, n).hits
        return [self.searcher.doc(address)["doc"][0] for _, address in hits]


class BM25S:
    def __init__(self, texts, folder: Path, our_terms: bool):
        import bm25s
        self.our_terms = our_terms
        self.retriever = bm25s.BM25(k1=1.2, b=0.75)
        self.retriever.index(self._tokens(list(texts)), show_progress=False)
        self.retriever.save(str(folder))
        self.size = len(texts)

    def _tokens(self, texts):
        import bm25s
        if self.our_terms:
            from qa.language.text import terms
            return [terms(t) or ["_"] for t in texts]
        import Stemmer
        self.stemmer = Stemmer.Stemmer("english")
        return bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False, return_ids=False)

    @classmethod
    def open(cls, texts, folder: Path, our_terms: bool):
        import bm25s
        self = cls.__new__(cls)
        self.our_terms = our_terms
        self.retriever = bm25s.BM25.load(str(folder), mmap=True)
        if not our_terms:
            import Stemmer
            self.stemmer = Stemmer.Stemmer("english")
        self.size = None
        return self

    def top(self, query: str, n: int) -> list[int]:
        import bm25s
        if self.our_terms:
            from qa.language.text import terms
            tokens = [t for t in terms(query) if t in self.retriever.vocab_dict]
        else:
            tokens = [t for t in bm25s.tokenize([query], stopwords="en", stemmer=self.stemmer, show_progress=False,
                                                return_ids=False)[0] if t in self.retriever.vocab_dict]
        if not tokens:
            return []
        docs, scores = self.retriever.retrieve([tokens], k=min(n, self.retriever.scores["num_docs"]), show_progress=False)
        return [int(d) for d, s in zip(docs[0], scores[0]) if s > 0]


def build(engine: str, texts, folder: Path):
    if engine == "ours":
        return Ours(texts, folder)
    kind, _, analysis = engine.partition("-")
    cls = Tantivy if kind == "tantivy" else BM25S
    return cls(texts, folder, our_terms=analysis == "our-terms")


def reopen(engine: str, texts, folder: Path):
    if engine == "ours":
        return Ours.open(texts, folder)
    kind, _, analysis = engine.partition("-")
    cls = Tantivy if kind == "tantivy" else BM25S
    return cls.open(texts, folder, our_terms=analysis == "our-terms")


def _plain(query: str) -> str:
    """The question as words only: the query parser reads punctuation as syntax."""
    import re
    return " ".join(re.findall(r"\w+", query))


# ---- quality -------------------------------------------------------------------------------------

def corpora(data_dir: Path, multihop: Path | None) -> list[tuple[str, list, list]]:
    """(name, chunks, test sets) of each corpus `qa eval` indexed in data_dir."""
    from qa.config import Settings
    from qa.evaluation.evaluate import load_multihop, shipped_set
    from qa.index.store import ChromaStore

    def chunks_of(folder: Path, collection: str = "news"):
        from qa.index.embeddings import MiniLMEmbedder
        store = ChromaStore.open(Settings(data_dir=folder, collection=collection), MiniLMEmbedder.name,
                                 MiniLMEmbedder.dimension)
        return sorted(store.chunks(), key=lambda c: c.id)

    found = [("seeds", chunks_of(data_dir), [shipped_set("news"), shipped_set("news-rewordings")])]
    if (data_dir / "eval-harbour").is_dir():
        found.append(("harbour", chunks_of(data_dir / "eval-harbour", "news-harbour"),
                      [shipped_set("harbour"), shipped_set("harbour-rewordings")]))
    if multihop and (data_dir / "eval-multihop").is_dir():
        found.append(("multihop", chunks_of(data_dir / "eval-multihop", "news-multihop"), [load_multihop(multihop)[0]]))
    return found


def quality(data_dir: Path, multihop: Path | None) -> dict:
    out: dict = {}
    for name, chunks, sets in corpora(data_dir, multihop):
        texts = [f"{c.article.title}\n{c.text}" for c in chunks]
        with tempfile.TemporaryDirectory() as tmp:
            for engine in ENGINES:
                index = build(engine, texts, Path(tmp) / engine)
                for testset in sets:
                    hits, rr, n = 0, 0.0, 0
                    for case in testset.cases:
                        if case.unanswerable or not case.sources:
                            continue
                        gold = {o for s in case.sources for o in s.split("|")}
                        ranked = [chunks[d].article.id for d in index.top(case.question, K)]
                        n += 1
                        hits += any(a in gold for a in ranked[:5])
                        first = next((i for i, a in enumerate(ranked, 1) if a in gold), None)
                        rr += 1 / first if first else 0.0
                    out.setdefault(testset.name, {"questions": n})[engine] = {
                        "hit@5": round(hits / max(n, 1), 3), "mrr@10": round(rr / max(n, 1), 3)}
    return out


# ---- speed ---------------------------------------------------------------------------------------

def synthetic(texts: list[str], size: int, seed: int = 8) -> list[str]:
    """`size` documents: the real ones, then copies with their words shuffled (no two alike)."""
    rng = random.Random(seed)
    out = list(texts[:size])
    while len(out) < size:
        words = texts[len(out) % len(texts)].split()
        rng.shuffle(words)
        out.append(" ".join(words))
    return out


def speed(texts: list[str], questions: list[str], sizes: list[int], engines) -> dict:
    out: dict = {}
    for size in sizes:
        docs = synthetic(texts, size)
        for engine in engines:
            folder = Path(tempfile.mkdtemp(prefix=f"kw-{engine}-"))
            try:
                t0 = time.perf_counter()
                built = build(engine, docs, folder)
                build_s = time.perf_counter() - t0
                del built
                gc.collect()
                rss0 = status_kb("self", "VmRSS") / 1024
                t0 = time.perf_counter()
                index = reopen(engine, docs, folder)
                open_s = time.perf_counter() - t0
                rss = status_kb("self", "VmRSS") / 1024 - rss0
                index.top(questions[0], K)
                times = []
                for q in questions * 3:
                    t = time.perf_counter()
                    index.top(q, 40)
                    times.append((time.perf_counter() - t) * 1000)
                times.sort()
                disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
                out.setdefault(str(size), {})[engine] = {
                    "build_s": round(build_s, 2), "open_s": round(open_s, 3), "query_p50_ms": round(statistics.median(times), 2),
                    "query_p95_ms": round(times[int(0.95 * (len(times) - 1))], 2), "open_rss_mb": round(rss, 1),
                    "disk_mb": round(disk, 1)}
                del index
                gc.collect()
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            print(f"  {size:>7} {engine:18} {json.dumps(out[str(size)][engine])}", flush=True)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.keyword_bench", description=__doc__)
    p.add_argument("--data-dir", type=Path, required=True, help="a `qa eval --data-dir` folder (seeds indexed)")
    p.add_argument("--multihop", type=Path, default=None, help="the MultiHop-RAG folder, if eval indexed it")
    p.add_argument("--sizes", default="10000,50000")
    p.add_argument("--speed-engines", default=",".join(ENGINES))
    p.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = p.parse_args(argv)

    results = {"quality": quality(args.data_dir, args.multihop)}
    print(f"quality: keyword search alone, hit@5 / MRR@10 of a gold source ({', '.join(ENGINES)})")
    for name, row in results["quality"].items():
        cells = "  ".join(f"{row[e]['hit@5']:.2f}/{row[e]['mrr@10']:.2f}" for e in ENGINES)
        print(f"  {name:22} {row['questions']:4} questions  {cells}")
    found = corpora(args.data_dir, args.multihop)
    texts = [f"{c.article.title}\n{c.text}" for _, chunks, _ in found for c in chunks]
    questions = [c.question for _, _, sets in found for s in sets for c in s.cases][:200]
    print("speed:")
    results["speed"] = speed(texts, questions, [int(s) for s in args.sizes.split(",")], args.speed_engines.split(","))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
