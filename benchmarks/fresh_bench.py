"""After an ingest, and per worker: over one prepared index served by `chroma run` (more than one worker
needs a Chroma server), `qa serve --production` workers of one host sharing its keyword index.

- Memory: each worker's RSS, PSS (shared pages divided among the processes that map them) and USS
  (pages only it holds), after it has answered a few questions, with 1 worker and with 2. The keyword
  index is memory-mapped, so the index's pages are shared: USS per worker should not grow with the
  number of workers, nor with the corpus beyond the model and the interpreter.
- Freshness: with 2 workers serving, one new article is ingested (the real `ingest_path`, from a folder
  of its own); the clock runs from the start of the ingest until every worker has answered a search from
  it (that many answers in a row with the new article first: gunicorn spreads requests over its
  workers). The article is removed again afterwards (another ingest), so the index is as it was.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from pathlib import Path

from benchmarks.procs import ChromaServer, Server, descendants, status_kb

ARTICLE = """---
title: Tram depot opens in Eastfield with room for forty-two trams
outlet: Benchmark Gazette
published: 2026-03-02
---
# Tram depot opens in Eastfield with room for forty-two trams

The city opened a tram depot in Eastfield on Monday, with room for 42 trams, the transport office said.
The depot cost 31 million and took two years to build, according to the office.
"""
QUESTION = "How many trams does the Eastfield tram depot hold?"
WARM = ("Who led the talks?", "How many prisoners were exchanged?", "What did the minister say about the plan?")
IN_A_ROW = 8  # consecutive answers from the new article that count as "every worker has it" (2 workers)


def post(url: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(f"{url}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def memory(pid: int) -> dict:
    """RSS, PSS and USS of one process, in MB (PSS/USS from smaps_rollup)."""
    out = {"rss_mb": round(status_kb(pid, "VmRSS") / 1024, 1)}
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return out
    fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:] if line.split()[1:2]}
    out["pss_mb"] = round(fields.get("Pss", 0) / 1024, 1)
    out["uss_mb"] = round((fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)) / 1024, 1)
    return out


def workers_of(server: Server) -> list[int]:
    return [p for p in descendants(server.proc.pid) if p != server.proc.pid]


def serve_and_measure(index: Path, chroma_url: str, workers: int, logs: Path) -> tuple[Server, dict]:
    server = Server(index, production=True, workers=workers, threads=2, chroma_url=chroma_url,
                    log=logs / f"fresh-{workers}.log")
    server.__enter__()
    ready_s = server.wait_ready(timeout=900)
    for _ in range(3 * workers):  # every worker answers a few questions: the pages they touch are mapped
        for q in WARM:
            post(server.url, "/api/ask", {"question": q})
    per = [memory(p) for p in workers_of(server)]
    return server, {"ready_s": round(ready_s, 2), "workers": per}


def run(index: Path, logs: Path) -> dict:
    from ingest.pipeline import ingest_path
    from qa.config import Settings
    from qa.index.embeddings import MiniLMEmbedder
    from qa.index.store import ChromaStore

    out: dict = {"memory": {}}
    chroma = ChromaServer(index, log=logs / "fresh-chroma.log")
    server = None
    try:
        server, measured = serve_and_measure(index, chroma.url, 1, logs)
        server.stop()
        out["memory"]["1"] = measured
        server, measured = serve_and_measure(index, chroma.url, 2, logs)
        out["memory"]["2"] = measured
        out["memory"]["chroma_server_rss_mb"] = round(chroma.rss_mb(), 1)
        settings = Settings(data_dir=index, chroma_url=chroma.url)
        embedder = MiniLMEmbedder(threads=settings.embed_threads, batch_size=settings.embed_batch)
        store = ChromaStore.open(settings, embedder.name, embedder.dimension)
        folder = logs.parent / "fresh-article"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "tram_depot_bench.md").write_text(ARTICLE, encoding="utf-8")
        before = post(server.url, "/api/search", {"query": QUESTION, "k": 1})["passages"]
        started = time.perf_counter()
        report = ingest_path(folder, store, embedder, settings)
        ingest_s = time.perf_counter() - started
        streak, polls = 0, 0
        while streak < IN_A_ROW and time.perf_counter() - started < 120:
            polls += 1
            got = post(server.url, "/api/search", {"query": QUESTION, "k": 1})["passages"]
            streak = streak + 1 if got and got[0]["article_id"] == "tram_depot_bench" else 0
            time.sleep(0.02)
        seen_s = time.perf_counter() - started
        answer = post(server.url, "/api/ask", {"question": QUESTION})
        out["fresh"] = {
            "ingest_s": round(ingest_s, 2), "every_worker_answers_s": round(seen_s, 2), "polls": polls,
            "seen": streak >= IN_A_ROW, "chunks_added": report.added,
            "before_first": before[0]["article_id"] if before else "", "answer": answer.get("short_answer", ""),
            "index_version": answer.get("diagnostics", {}).get("index_version"),
        }
        (folder / "tram_depot_bench.md").unlink()
        ingest_path(folder, store, embedder, settings)  # and gone again: the index is as it was
    finally:
        if server is not None:
            server.stop()
        chroma.stop()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--logs", type=Path, default=Path(".bench/logs"))
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    args.logs.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps(run(args.index, args.logs), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
