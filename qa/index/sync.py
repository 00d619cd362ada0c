"""Bring a host's keyword index in step with the store it serves.

Every index version the store publishes is logged with the ids of the articles it changed or removed
(ChromaStore.bump_version). A keyword index records the version it reflects; catching up replays the
log from there: those articles' chunks are deleted and their committed chunks, read back from the
store, added, all in one tantivy commit with the new version. Replaying is idempotent, so a sync cut
short (a killed ingest, a crashed worker) is finished by the next one. When the log cannot take the
index there (a new host, an index built before the log, a store that was reset), the index is rebuilt
from every committed chunk.

Ingest syncs its own host's index as its last step; every worker of every host sharing the store
syncs its host's index when it sees a version it has not got (one at a time per folder: a file lock).
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from contextlib import contextmanager
from pathlib import Path

from qa.config import Settings
from qa.index.keyword import IndexState, KeywordIndex
from qa.index.store import ChromaStore

log = logging.getLogger(__name__)

LOCK_WAIT_S = 60.0  # how long a waiting sync waits for another to finish


def keyword_folder(settings: Settings) -> Path:
    """Where this host keeps the keyword index of settings' collection."""
    return settings.data_dir / "keyword" / settings.collection


class SyncBusy(Exception):
    """Another process is syncing this folder right now."""


def sync(store: ChromaStore, keyword: KeywordIndex, wait: bool = True) -> IndexState:
    """Catch the keyword index up with the store's published version; returns the state it now has.
    With wait=False, raises SyncBusy at once when another process holds the folder."""
    with _folder_lock(keyword.folder, wait):
        current = keyword.searcher()
        have, target = current.state.version, store.version()
        if have == target:
            return current.state
        started = time.perf_counter()
        changes = store.changes_since(have) if 0 < have < target else {}
        replayable = all(changes.get(v) is not None for v in range(have + 1, target + 1)) if changes else False
        with keyword.writer() as writer:
            if replayable:
                ids = sorted(set().union(*(c for c in changes.values() if c)))
                writer.delete_articles(ids)
                writer.add(store.committed_chunks(ids))
                how = f"{len(ids)} articles replayed"
            else:
                writer.delete_all()
                added = writer.add(store.iter_chunks())
                how = f"rebuilt from {added} chunks"
            writer.set_state(IndexState(target))
        log.info("keyword index %s -> version %d (%s) in %.0f ms", keyword.folder, target, how,
                 (time.perf_counter() - started) * 1000)
        return IndexState(target)


@contextmanager
def _folder_lock(folder: Path, wait: bool):
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder.parent / f"{folder.name}.sync.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + (LOCK_WAIT_S if wait else 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SyncBusy(f"another process is syncing {folder}") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock, also when the process is killed
