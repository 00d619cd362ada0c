"""One ingest at a time per data dir: a second one refuses at once with a clear message."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from qa.errors import IngestLocked


@contextmanager
def ingest_lock(data_dir: Path):
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "ingest.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestLocked(f"another ingest is running on {data_dir} (lock {path}); try again when it ends") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock, also when the process is killed
