"""The index job: idempotent, updates changed files, deletes removed ones, on embedded Chroma and on
a real `chroma run` server."""

import shutil

import pytest

from qa.errors import IndexMismatch, IngestLocked
from qa.index.store import ChromaStore
from tests.conftest import SEEDS, ingest, make_settings, open_store


def _copy_seeds(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    return corpus


def _exercise_lifecycle(corpus, settings, embedder):
    store = open_store(settings, embedder)
    first = ingest(corpus, settings, embedder, store)
    assert (first.articles, first.articles_added, first.removed) == (5, 5, 0)
    assert first.added == store.counts()[1] > 30
    version = store.version()

    again = ingest(corpus, settings, embedder, store)
    assert not again.changed
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, first.added)
    assert store.version() == version  # nothing written, nothing for readers to reload

    # change one sentence of one article: only its chunks are touched
    path = corpus / "002_c980effe1f55e4a2.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("flew to Miami", "flew to Orlando"), encoding="utf-8")
    changed = ingest(corpus, settings, embedder, store)
    assert (changed.articles_updated, changed.articles_unchanged) == (1, 4)
    assert changed.updated >= 1 and changed.added == 0
    assert "Orlando" in store.article("002_c980effe1f55e4a2").body
    texts = [c.text for c in store.chunks() if c.article.id == "002_c980effe1f55e4a2"]
    assert any("flew to Orlando" in t for t in texts) and not any("flew to Miami" in t for t in texts)
    assert store.version() > version

    # remove a file: its article and chunks go
    (corpus / "003_815099c763844b8a.txt").unlink()
    removed = ingest(corpus, settings, embedder, store)
    assert removed.articles_removed == 1 and removed.removed > 0
    assert "003_815099c763844b8a" not in {a.id for a in store.articles()}
    assert not [c for c in store.chunks() if c.article.id == "003_815099c763844b8a"]
    return store


def test_ingest_lifecycle_embedded(tmp_path, embedder):
    settings = make_settings(tmp_path)
    _exercise_lifecycle(_copy_seeds(tmp_path), settings, embedder)
    # the index persists on disk: a new client in the same folder sees it
    reopened = open_store(settings, embedder)
    assert reopened.counts()[0] == 4


@pytest.mark.slow
def test_ingest_lifecycle_on_chroma_server(tmp_path, embedder, chroma_server):
    settings = make_settings(tmp_path, chroma_url=chroma_server.url)
    store = _exercise_lifecycle(_copy_seeds(tmp_path), settings, embedder)
    assert store.counts()[0] == 4
    assert not (tmp_path / "data" / "chroma").exists()  # nothing went to the embedded store


def test_embedding_model_mismatch_is_refused(tmp_path, embedder):
    settings = make_settings(tmp_path)
    ingest(SEEDS, settings, embedder)
    with pytest.raises(IndexMismatch, match="re-ingest"):
        ChromaStore.open(settings, "another-model", 768)


def test_second_ingest_at_once_is_refused(tmp_path, embedder):
    from ingest.lock import ingest_lock

    settings = make_settings(tmp_path)
    with ingest_lock(settings.data_dir):
        with pytest.raises(IngestLocked, match="another ingest"):
            ingest(SEEDS, settings, embedder)


def test_files_outside_the_ingested_folder_are_not_removed(tmp_path, embedder):
    settings = make_settings(tmp_path)
    store = open_store(settings, embedder)
    ingest(SEEDS, settings, embedder, store)
    other = tmp_path / "other"
    other.mkdir()
    (other / "extra.txt").write_text("Extra headline\n\n" + "A long enough paragraph of article prose about talks. " * 5,
                                     encoding="utf-8")
    report = ingest(other, settings, embedder, store)
    assert report.articles_removed == 0 and store.counts()[0] == 6
