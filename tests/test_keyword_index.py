"""The on-disk keyword index: written by ingest beside the Chroma index (changed articles only), caught up
from the store's change log by any host, pinned per snapshot, swapped in without holding a request."""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from qa.assistant import Assistant
from qa.index import sync as sync_module
from qa.index.keyword import KeywordIndex
from qa.index.sync import keyword_folder, sync
from qa.schema import Filters
from tests.conftest import SEEDS, ingest, make_settings, open_store

NEW_ARTICLE = """---
title: Tram depot opens in Eastfield
outlet: The Harbour Gazette
published: 2026-03-02
---
# Tram depot opens in Eastfield

The city opened a tram depot in Eastfield on Monday, with room for 42 trams, the transport office said.
"""
TRAM_QUESTION = "How many trams does the Eastfield depot hold?"


def held(keyword: KeywordIndex, store) -> dict[str, str]:
    """chunk id -> hash of every chunk the keyword index holds, read through the store's ids."""
    ids = [c.id for c in store.chunks()] + ["tram:0", "tram_depot:0"]
    return {cid: c.hash for cid, c in keyword.searcher().chunks(ids).items()}


@pytest.fixture()
def corpus(tmp_path, embedder):
    """The seed articles in a folder of their own, ingested into a fresh index."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    settings = make_settings(tmp_path)
    ingest(folder, settings, embedder)
    return settings, folder


def test_ingest_writes_a_keyword_index_that_holds_exactly_the_committed_chunks(corpus, embedder):
    settings, folder = corpus
    store = open_store(settings, embedder)
    keyword = KeywordIndex(keyword_folder(settings))
    searcher = keyword.searcher()
    assert searcher.state.version == store.version() > 0
    assert held(keyword, store) == {c.id: c.hash for c in store.chunks()}
    assert searcher.articles() == 5 and searcher.size == store.counts()[1]


def test_reingest_replays_only_the_changed_articles_and_matches_the_store(corpus, embedder, monkeypatch):
    settings, folder = corpus
    store = open_store(settings, embedder)
    before = store.version()
    changed = folder / "004_38e88933e8b5a746.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("exchange 314 prisoners", "exchange 1,314 prisoners"),
                       encoding="utf-8")
    removed = sorted(folder.glob("*.txt"))[1]
    removed.unlink()
    (folder / "tram_depot.md").write_text(NEW_ARTICLE, encoding="utf-8")

    rebuilt = []
    real_chunks = type(store).iter_chunks
    monkeypatch.setattr(type(store), "iter_chunks", lambda self: rebuilt.append(1) or real_chunks(self))
    report = ingest(folder, settings, embedder, store=store)
    monkeypatch.undo()

    assert (report.articles_updated, report.articles_added, report.articles_removed) == (1, 1, 1)
    assert store.version() == before + 1
    logged = store.changes_since(before)[before + 1]
    assert len(logged) == 3 and "tram_depot" in logged
    assert not rebuilt  # the keyword index was updated in place, not rebuilt from every chunk
    keyword = KeywordIndex(keyword_folder(settings))
    assert held(keyword, store) == {c.id: c.hash for c in store.chunks()}
    searcher = keyword.searcher()
    assert searcher.state.version == store.version() and searcher.articles() == 5
    assert [c.article.id for c, _ in searcher.top(TRAM_QUESTION, 1)] == ["tram_depot"]
    # the filters run inside the engine: an outlet and a date range
    assert searcher.count(Filters(outlet="the harbour gazette")) == 1
    assert searcher.count(Filters(since="2026-03-01")) == 1 and searcher.count(Filters(until="2026-02-01")) >= 1

    again = ingest(folder, settings, embedder, store=store)
    assert not again.changed and store.version() == before + 1  # re-running changes nothing


def test_a_second_host_catches_up_from_the_log_and_rebuilds_when_the_log_cannot_take_it(corpus, embedder, tmp_path):
    settings, folder = corpus
    store = open_store(settings, embedder)
    other = KeywordIndex(tmp_path / "host-b" / "keyword")  # a host that has never synced
    assert sync(store, other).version == store.version()
    assert held(other, store) == {c.id: c.hash for c in store.chunks()}

    (folder / "tram_depot.md").write_text(NEW_ARTICLE, encoding="utf-8")
    ingest(folder, settings, embedder, store=store)
    (folder / "tram_depot.md").write_text(NEW_ARTICLE.replace("42 trams", "44 trams"), encoding="utf-8")
    ingest(folder, settings, embedder, store=store)  # two versions behind: both replayed at once
    assert other.searcher().state.version == store.version() - 2
    state = sync(store, other)
    assert state.version == store.version() and other.searcher().articles() == 6
    assert held(other, store) == {c.id: c.hash for c in store.chunks()}
    tram = other.searcher().article_chunks("tram_depot")
    assert len(tram) == 1 and "44 trams" in tram[0].text

    store.bump_version(None)  # a version published without saying what changed: the next sync rebuilds
    rebuilt = sync(store, other)
    assert rebuilt.version == store.version() and held(other, store) == {c.id: c.hash for c in store.chunks()}


def test_an_ingest_stopped_between_logging_and_publishing_is_finished_by_the_next(corpus, embedder, monkeypatch):
    settings, folder = corpus
    store = open_store(settings, embedder)
    before = store.version()
    (folder / "tram_depot.md").write_text(NEW_ARTICLE, encoding="utf-8")

    def killed(self, version):
        raise KeyboardInterrupt("killed between log and publish")

    monkeypatch.setattr(type(store), "_publish", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest(folder, settings, embedder, store=store)
    monkeypatch.undo()
    assert store.version() == before  # readers still see the old version whole
    assistant = Assistant(settings, store, embedder)
    assert assistant.snapshot().version == before
    assert "tram_depot" not in {p.article.id for p in assistant.search(TRAM_QUESTION)[0]}

    report = ingest(folder, settings, embedder, store=store)  # nothing left to write: the bump is finished
    assert not report.changed and store.version() == before + 1
    assert KeywordIndex(keyword_folder(settings)).searcher().state.version == before + 1
    assistant.refresh()
    assert "tram_depot" in {p.article.id for p in assistant.search(TRAM_QUESTION)[0]}


def test_chunks_written_but_not_published_are_not_answered_from(corpus, embedder):
    settings, folder = corpus
    store = open_store(settings, embedder)
    assistant = Assistant(settings, store, embedder)
    assistant.snapshot()
    # another process writes an article's chunks into Chroma (dense search sees them at once) but has
    # not published: neither search returns them, the status does not count them
    from ingest.chunk import chunk_article
    from ingest.load import load_folder

    (folder / "tram_depot.md").write_text(NEW_ARTICLE, encoding="utf-8")
    article = next(a for a in load_folder(folder).articles if a.id == "tram_depot")
    chunks = chunk_article(article, settings.chunk_tokens, settings.chunk_overlap_tokens)
    store.upsert_chunks([(article, c) for c in chunks], embedder.embed([c.text for c in chunks]))
    passages, _, _ = assistant.search(TRAM_QUESTION)
    assert "tram_depot" not in {p.article.id for p in passages}
    assert assistant.status()["chunks"] == store.counts()[1] - len(chunks)


def test_a_new_version_is_swapped_in_without_holding_a_request(corpus, embedder, monkeypatch):
    settings, folder = corpus
    store = open_store(settings, embedder)
    assistant = Assistant(settings, store, embedder)
    old = assistant.snapshot()
    first = assistant.ask(TRAM_QUESTION)
    assert first.refused and first.diagnostics["index_version"] == old.version

    (folder / "tram_depot.md").write_text(NEW_ARTICLE, encoding="utf-8")
    # the ingest runs on another host: this host's index is only caught up by the reader, slowly
    gate = threading.Event()
    real_sync = sync_module.sync

    def slow_sync(*args, **kwargs):
        gate.wait(10)
        return real_sync(*args, **kwargs)

    monkeypatch.setattr("ingest.pipeline.sync", lambda store, keyword: None)  # the writer's own index is elsewhere
    ingest(folder, settings, embedder, store=store)
    monkeypatch.setattr("qa.assistant.sync", slow_sync)
    assistant._checked_at = 0.0  # the once-a-second version check is due
    started = time.perf_counter()
    during = assistant.ask(TRAM_QUESTION)
    held_for = time.perf_counter() - started
    assert during.diagnostics["index_version"] == old.version and during.refused  # the old snapshot, whole
    assert held_for < 5  # answered while the sync waits on the gate (10 s)
    gate.set()
    deadline = time.monotonic() + 20
    while assistant.snapshot().version == old.version and time.monotonic() < deadline:
        time.sleep(0.05)
        assistant._checked_at = 0.0
    after = assistant.ask(TRAM_QUESTION)
    assert after.diagnostics["index_version"] == store.version() > old.version
    assert not after.refused and after.short_answer.startswith("42")
