"""Ingest under faults: killed with SIGKILL mid-run, run twice at once, fed bad files."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import SEEDS, ingest, make_settings, open_store

TOPICS = ["grain exports", "port security", "energy grid repairs", "prisoner exchanges", "border crossings",
          "sanctions relief", "ceasefire monitoring", "air defence", "reconstruction funds", "refugee returns"]


def _write_corpus(folder, count):
    folder.mkdir()
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        body = " ".join(
            f"Officials in city {i} discussed {topic} on day {j} of the meeting, and delegation {i} "
            f"said the plan number {i * 10 + j} would need approval by the council before it takes effect."
            for j in range(12))
        (folder / f"a{i:03d}.json").write_text(json.dumps(
            {"title": f"Report {i} on {topic}", "body": body, "outlet": "Test Wire", "published": "2026-02-10"}),
            encoding="utf-8")


def _ingest_process(folder, data_dir):
    env = dict(os.environ, QA_DATA_DIR=str(data_dir))
    return subprocess.Popen([sys.executable, "-m", "qa.cli", "ingest", str(folder)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _consistent(store):
    """Every committed article has all its chunks, and no chunk is visible without its article."""
    articles = {a.id: a for a in store.articles()}
    visible = store.chunks()
    by_article = {}
    for c in visible:
        assert c.article.id in articles
        by_article.setdefault(c.article.id, []).append(c)
    return articles, by_article


@pytest.mark.slow
def test_sigkill_mid_ingest_leaves_a_consistent_index_and_the_next_run_finishes(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    _write_corpus(corpus, 40)
    settings = make_settings(tmp_path)
    proc = _ingest_process(corpus, settings.data_dir)
    store = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until some, but not all, articles are committed
        time.sleep(0.2)
        if (settings.data_dir / "chroma").exists():
            try:
                store = store or open_store(settings, embedder)
                if 3 <= store.counts()[0] < 40:
                    break
            except Exception:
                pass
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    store = open_store(settings, embedder)
    committed, chunks = _consistent(store)
    assert 3 <= len(committed) < 40, "the kill did not land mid-run"
    for article_id in committed:
        assert chunks.get(article_id), f"committed article {article_id} lost its chunks"
    report = ingest(corpus, settings, embedder, store)
    assert report.articles_added == 40 - len(committed) and report.articles_unchanged == len(committed)
    committed, chunks = _consistent(store)
    assert len(committed) == 40 and all(chunks.get(a) for a in committed)
    again = ingest(corpus, settings, embedder, store)
    assert not again.changed


@pytest.mark.slow
def test_a_second_ingest_at_once_refuses_clearly(tmp_path):
    """While an ingest holds the data dir's lock (here the test holds it, as ingest_path does, so that the
    overlap does not depend on how fast either process runs), `qa ingest` refuses at once with one line and
    exit code 4; once the lock is released the same command ingests."""
    from ingest.lock import ingest_lock

    corpus = tmp_path / "corpus"
    _write_corpus(corpus, 3)
    data = tmp_path / "data"
    with ingest_lock(data):
        second = _ingest_process(corpus, data)
        out, err = second.communicate(timeout=120)
    assert second.returncode == 4, out + err
    assert err.strip().startswith("qa: error: another ingest is running") and err.count("\n") == 1
    after = _ingest_process(corpus, data)
    out, err = after.communicate(timeout=120)
    assert after.returncode == 0, out + err


def test_bad_files_are_skipped_counted_and_reported_by_the_exit_code(tmp_path, capsys, monkeypatch):
    from qa.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in sorted(SEEDS.glob("00[01]*.txt")):
        (corpus / seed.name).write_bytes(seed.read_bytes())
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    (corpus / "binary.html").write_bytes(bytes(range(256)) * 64)
    (corpus / "bad.jsonl").write_text('{"title": "ok", "body": "' + "Fine prose sentence here. " * 5 + '"}\n{oops\n',
                                      encoding="utf-8")
    (corpus / "huge.txt").write_bytes(b"Huge headline\n\n" + b"word " * (11 * 1024 * 1024))  # ~55 MB
    (corpus / "utf16.txt").write_text("Headline in UTF-16\n\n" + "A sentence of article prose that is long enough. " * 4,
                                      encoding="utf-16")
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    assert main(["ingest", str(corpus)]) == 1  # something was skipped: non-zero, the rest indexed
    out = capsys.readouterr().out
    assert "4 articles (4 added" in out  # two seeds, the good JSONL record, the UTF-16 page
    for name, why in [("empty.txt", "empty file"), ("binary.html", "binary file"), ("bad.jsonl:2", "invalid JSON"),
                      ("huge.txt", "file is larger than")]:
        assert f"skipped {name}: {why}" in out, name


def test_a_locked_index_is_waited_for_and_a_lasting_failure_is_store_unavailable():
    import sqlite3

    from qa.errors import StoreUnavailable
    from qa.index.store import LOCKED_RETRY_S, ChromaStore

    calls, waits = [], []

    def locked_twice():
        calls.append(1)
        if len(calls) <= 2:
            raise sqlite3.OperationalError("database is locked")
        return "written"

    assert ChromaStore._guard(locked_twice, sleep=waits.append) == "written"
    assert waits == list(LOCKED_RETRY_S[:2])

    def always_locked():
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(StoreUnavailable, match="database is locked"):
        ChromaStore._guard(always_locked, sleep=waits.append)

    def refused():  # any other failure is not retried
        calls.append(1)
        raise ConnectionError("refused")

    calls.clear()
    with pytest.raises(StoreUnavailable, match="refused"):
        ChromaStore._guard(refused, sleep=waits.append)
    assert len(calls) == 1


def test_a_new_index_created_by_two_processes_at_once_is_retried_not_failed():
    from qa.index.store import LOCKED_RETRY_S, _opened

    attempts, waits = [], []

    def racing():  # what chromadb raises when another process created the tables a moment before
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("error returned from database: (code: 1) table collections already exists")
        return "client"

    forgotten = []
    assert _opened(racing, sleep=waits.append, forget=lambda: forgotten.append(1)) == "client"
    assert waits == [LOCKED_RETRY_S[0]] and forgotten == [1]  # the half-started system is dropped first

    def broken():
        raise RuntimeError("disk I/O error")

    with pytest.raises(RuntimeError, match="disk I/O"):  # anything else fails at once
        _opened(broken, sleep=waits.append)
    assert waits == [LOCKED_RETRY_S[0]]
