"""Past one machine, on loopback: two "hosts" (two `qa serve --production` servers with two workers each
and separate data directories, so separate keyword indexes) share one `chroma run` server. An ingest on
one host must reach every worker of both within a few seconds, keyword results included."""

from __future__ import annotations

import json
import time
import urllib.request
from collections import Counter

import pytest

from tests.conftest import SEEDS, ingest, make_settings
from tests.test_keyword_index import NEW_ARTICLE, TRAM_QUESTION
from tests.test_openai_compat import ProductionServer, get

pytestmark = pytest.mark.slow

SEEN_WITHIN_S = 10.0  # "within a few seconds": one-second version checks, then a sync per host


def search(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}/api/search", data=json.dumps({"query": query, "k": 3}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def ask(url: str, question: str) -> dict:
    request = urllib.request.Request(f"{url}/api/ask", data=json.dumps({"question": question}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_an_ingest_on_one_host_reaches_every_worker_of_both_hosts(tmp_path, chroma_server, embedder):
    host_a = make_settings(tmp_path / "host-a", chroma_url=chroma_server.url)
    host_b = make_settings(tmp_path / "host-b", chroma_url=chroma_server.url)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for source in SEEDS.glob("*.txt"):
        (corpus / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    ingest(corpus, host_a, embedder)

    servers = []
    try:
        for settings in (host_a, host_b):
            env = {"QA_DATA_DIR": str(settings.data_dir), "QA_CHROMA_URL": chroma_server.url,
                   "QA_RATE_LIMIT_PER_MINUTE": "0"}
            servers.append(ProductionServer(tmp_path, env, "--workers", "2", "--threads", "2"))
        ready = [s.wait_ready() for s in servers]
        assert {r["index_version"] for r in ready} == {ready[0]["index_version"]} and ready[1]["store"] == "server"
        assert (tmp_path / "host-b" / "data" / "keyword").is_dir()  # host B built its own keyword index
        for server in servers:
            assert ask(server.url, TRAM_QUESTION)["refused"]

        (corpus / "tram_depot.md").write_text(NEW_ARTICLE, encoding="utf-8")
        started = time.monotonic()
        ingest(corpus, host_a, embedder)
        ingested_s = time.monotonic() - started
        seen_at = {}
        deadline = started + ingested_s + SEEN_WITHIN_S
        while len(seen_at) < len(servers) and time.monotonic() < deadline:
            for i, server in enumerate(servers):
                passages = search(server.url, TRAM_QUESTION)["passages"]
                if i not in seen_at and passages and passages[0]["article_id"] == "tram_depot":
                    seen_at[i] = time.monotonic() - started
            time.sleep(0.1)
        assert len(seen_at) == len(servers), f"seen by hosts {sorted(seen_at)} only, after {SEEN_WITHIN_S} s"
        # once a host has it, every one of its workers answers from it: many requests, spread by gunicorn
        time.sleep(1.2)  # past the version check of the worker that has not been asked yet
        for server in servers:
            versions = Counter()
            for _ in range(12):
                found = search(server.url, TRAM_QUESTION)["passages"][0]
                assert found["article_id"] == "tram_depot" and found["keyword_score"] > 0, found
                answer = ask(server.url, TRAM_QUESTION)
                assert not answer["refused"] and answer["short_answer"].startswith("42"), answer["answer"]
                versions[answer["diagnostics"]["index_version"]] += 1
            assert len(versions) == 1 and get(f"{server.url}/api/ready")[1]["index_version"] in versions
        print(f"\ntwo hosts: ingest {ingested_s:.1f} s; seen by host A after {seen_at[0]:.1f} s, "
              f"host B after {seen_at[1]:.1f} s (from the start of the ingest)")
    finally:
        for server in servers:
            server.stop()
