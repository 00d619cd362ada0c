"""A deterministic generator of realistic news articles for scale runs.

Sentences come from the seed articles and (when present) the MultiHop-RAG evidence facts, read by path
and never copied into the repo. Each article takes a base record (title, outlet, date, category), leads
with its fact and adds sentences of the same category, with names and figures varied and dates spread,
so BM25 sees realistic vocabulary and the dedupe step sees distinct articles. Article i depends only on
(seed, i): a smaller corpus is a prefix of a larger one.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

MULTIHOP = Path("/work/shared/eval/external/multihop_rag")
GENERATOR_VERSION = 3
ARTICLES_PER_FILE = 1000

_FIRST = ("Amara Daniel Elena Farid Grace Hiro Ines Jonas Kavya Liam Mateo Nadia Omar Priya Quentin Rosa "
          "Samir Tamsin Uma Viktor Wen Yusuf Zofia Aiko Bruno Chiara Dmitri Esther").split()
_LAST = ("Okafor Lindqvist Moreau Haddad Novak Tanaka Ribeiro Schmidt Kowalski Mensah Ivanova Petrov "
         "Garcia Osei Fischer Romero Nakamura Adeyemi Kovacs Silva Laurent Brennan Varga Castillo").split()
_NAME = re.compile(r"\b[A-Z][a-z]{2,}\s[A-Z][a-z]{2,}\b")
_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})*(?:\.\d+)?(?![\w,]|\.\d)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


@dataclass(frozen=True)
class Record:
    """A base story: the fact that leads an article and the article's metadata."""

    fact: str
    title: str
    outlet: str
    published: str
    category: str


@dataclass(frozen=True)
class Pool:
    records: tuple[Record, ...]
    sentences: tuple[str, ...]  # every distinct sentence, facts included
    by_category: dict[str, tuple[int, ...]]  # category -> sentence indexes
    titles: tuple[str, ...]
    outlets: tuple[str, ...]
    fingerprint: str
    sources: tuple[str, ...]  # what it was built from, for the report

    def index(self, sentence: str) -> int | None:
        """The pool index of a sentence, or None."""
        lookup = self.__dict__.get("_lookup")
        if lookup is None:
            lookup = {s: i for i, s in enumerate(self.sentences)}
            object.__setattr__(self, "_lookup", lookup)  # a cache, not state: frozen stays honest
        return lookup.get(sentence)


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def load_pool(seeds_dir: Path, multihop_dir: Path = MULTIHOP) -> Pool:
    """Base records and sentences from the seeds (cleaned by our loader) and MultiHop-RAG evidence."""
    from ingest.load import load_folder
    from qa.language.sentences import split_sentences

    records: list[Record] = []
    sentences: dict[str, str] = {}  # text -> category
    sources = []
    for article in load_folder(seeds_dir).articles:
        sources.append(f"seed:{article.id}")
        for s in split_sentences(article.body):
            text = _clean(s.text)
            if 6 <= len(text.split()) <= 60:
                sentences.setdefault(text, "world")
                records.append(Record(text, article.title or "Talks resume", article.outlet or "Wire report",
                                      article.published or "2026-02-04", "world"))
    ground_truth = multihop_dir / "sample500_ground_truth.json"
    if ground_truth.is_file():
        sources.append(str(ground_truth))
        data = json.loads(ground_truth.read_text(encoding="utf-8"))
        for key in sorted(data, key=lambda k: int(k) if k.isdigit() else k):
            for ev in data[key].get("evidence_list", []):
                fact, title = _clean(ev.get("fact", "")), _clean(ev.get("title", ""))
                if not fact or not title:
                    continue
                category = ev.get("category") or "news"
                for part in _SENTENCE_END.split(fact):
                    if 6 <= len(part.split()) <= 60:
                        sentences.setdefault(part, category)
                records.append(Record(fact, title, _clean(ev.get("source", "")) or "Wire report",
                                      str(ev.get("published_at", ""))[:10] or "2023-10-01", category))
    texts = tuple(sentences)
    by_category: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        by_category.setdefault(sentences[text], []).append(i)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    return Pool(
        records=tuple(records), sentences=texts,
        by_category={k: tuple(v) for k, v in sorted(by_category.items())},
        titles=tuple(sorted({r.title for r in records})), outlets=tuple(sorted({r.outlet for r in records})),
        fingerprint=digest, sources=tuple(sources),
    )


@dataclass(frozen=True)
class Generated:
    """One article as written to jsonl, with the pool sentences it is made of (for synthetic vectors)."""

    record: dict
    parts: tuple[tuple[int, str], ...]  # (pool sentence index, text as written)
    title_index: int


def article(pool: Pool, seed: int, i: int) -> Generated:
    """Article number i: a function of (pool, seed, i) only."""
    rng = random.Random(f"{seed}:{i}")
    base = pool.records[rng.randrange(len(pool.records))]
    names = {}  # original name -> varied name, consistent inside the article

    def vary(text: str) -> str:
        def swap_name(m):
            if rng.random() < 0.5:
                return m.group(0)
            return names.setdefault(m.group(0), f"{rng.choice(_FIRST)} {rng.choice(_LAST)}")

        def swap_number(m):
            raw = m.group(0)
            if len(raw) == 4 and raw[:2] in ("19", "20"):
                return raw  # a year
            digits = [c for c in raw if c.isdigit()]
            lo = 10 ** (len(digits) - 1) if len(digits) > 1 else 1
            new = str(rng.randrange(lo, 10 ** len(digits)))
            return f"{int(new):,}" if "," in raw else new

        return _NUMBER.sub(swap_number, _NAME.sub(swap_name, text))

    same = pool.by_category.get(base.category) or tuple(range(len(pool.sentences)))
    chosen = [idx for idx in (pool.index(part) for part in _SENTENCE_END.split(base.fact)) if idx is not None]
    want = len(chosen) + rng.randint(7, 14)
    while len(chosen) < want:
        # mostly the lead's own category, sometimes anything (news pages mix topics)
        idx = rng.choice(same) if rng.random() < 0.8 else rng.randrange(len(pool.sentences))
        if idx not in chosen:
            chosen.append(idx)
    parts = tuple((idx, vary(pool.sentences[idx])) for idx in chosen)
    paragraphs, k = [], 0
    while k < len(parts):
        n = rng.randint(1, 3)
        paragraphs.append(" ".join(text for _, text in parts[k : k + n]))
        k += n
    day = _shift(base.published, rng.randint(-400, 400))
    outlet = base.outlet if rng.random() < 0.6 else rng.choice(pool.outlets)
    title = vary(base.title)
    record = {
        "id": f"bench-{i:06d}", "title": title, "body": "\n\n".join(paragraphs), "outlet": outlet,
        "published": day, "url": f"https://news.example/{day.replace('-', '/')}/bench-{i:06d}",
    }
    return Generated(record, parts, pool.titles.index(base.title))


def _shift(iso: str, days: int) -> str:
    try:
        d = date.fromisoformat(iso[:10])
    except ValueError:
        d = date(2024, 1, 1)
    return (d + timedelta(days=days)).isoformat()


def write_corpus(pool: Pool, out_dir: Path, target_chunks: int, seed: int = 8,
                 chunk_tokens: int = 160, overlap_tokens: int = 40) -> dict:
    """Write articles until the real chunker yields `target_chunks` chunks; returns the manifest.

    Files: articles-NNN.jsonl (what ingest reads) and _parts.jsonl (pool sentences per article; the
    leading underscore keeps the loader away from it)."""
    from ingest.chunk import chunk_article
    from qa.schema import Article

    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.jsonl"):
        old.unlink()
    total, i = 0, 0
    files: dict[int, list[str]] = {}
    parts_lines = []
    while total < target_chunks:
        gen = article(pool, seed, i)
        rec = gen.record
        n = len(chunk_article(Article(rec["id"], rec["title"], rec["body"]), chunk_tokens, overlap_tokens))
        files.setdefault(i // ARTICLES_PER_FILE, []).append(json.dumps(rec, ensure_ascii=False))
        parts_lines.append(json.dumps({"id": rec["id"], "title": gen.title_index, "parts": gen.parts},
                                      ensure_ascii=False))
        total += n
        i += 1
    digest = hashlib.sha256()
    for k, lines in sorted(files.items()):
        text = "\n".join(lines) + "\n"
        digest.update(text.encode())
        (out_dir / f"articles-{k:03d}.jsonl").write_text(text, encoding="utf-8")
    (out_dir / "_parts.jsonl").write_text("\n".join(parts_lines) + "\n", encoding="utf-8")
    manifest = {"generator": GENERATOR_VERSION, "seed": seed, "pool": pool.fingerprint, "articles": i,
                "chunks_estimated": total, "sha256": digest.hexdigest()[:16], "sources": list(pool.sources)}
    (out_dir / "_manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def ensure_corpus(pool: Pool, cache: Path, target_chunks: int, seed: int = 8) -> tuple[Path, dict]:
    """The corpus folder for this size, generated once and reused while the pool and generator match."""
    out = cache / f"corpus-{target_chunks}"
    marker = out / "_manifest.json"
    if marker.is_file():
        manifest = json.loads(marker.read_text())
        if (manifest.get("generator"), manifest.get("pool"), manifest.get("seed")) == (GENERATOR_VERSION, pool.fingerprint, seed):
            return out, manifest
    return out, write_corpus(pool, out, target_chunks, seed)


def read_parts(corpus_dir: Path) -> dict[str, tuple[int, list[tuple[int, str]]]]:
    """article id -> (title index, [(pool sentence index, text)])."""
    out = {}
    for line in (corpus_dir / "_parts.jsonl").read_text(encoding="utf-8").splitlines():
        if line:
            rec = json.loads(line)
            out[rec["id"]] = (rec["title"], [tuple(p) for p in rec["parts"]])
    return out
