"""Shared fixtures: real embedder, real Chroma (embedded in tmp dirs, or a `chroma run` server),
the seed corpus ingested once per session, and the Flask app on top."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from qa.config import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """Tests never see the developer's QA_* settings."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def embedder():
    from qa.index.embeddings import MiniLMEmbedder

    return MiniLMEmbedder(threads=2)


def make_settings(tmp: Path, **changes) -> Settings:
    return Settings(data_dir=tmp / "data", seeds_dir=SEEDS).with_(**changes)


def open_store(settings: Settings, embedder):
    from qa.index.store import ChromaStore

    return ChromaStore.open(settings, embedder.name, embedder.dimension)


def ingest(root: Path, settings: Settings, embedder, store=None):
    from ingest.pipeline import ingest_path

    store = store or open_store(settings, embedder)
    return ingest_path(root, store, embedder, settings)


@pytest.fixture(scope="session")
def seeded_settings(tmp_path_factory, embedder) -> Settings:
    """Settings of an embedded index holding the five seed articles (built once per session)."""
    settings = make_settings(tmp_path_factory.mktemp("seeded"))
    ingest(SEEDS, settings, embedder)
    return settings


@pytest.fixture(scope="session")
def assistant(seeded_settings, embedder):
    from qa.assistant import Assistant

    return Assistant(seeded_settings, open_store(seeded_settings, embedder), embedder)


@pytest.fixture(scope="session")
def harbour_assistant(tmp_path_factory, embedder):
    """An Assistant over the second corpus the project ships (qa/evaluation/testsets/harbour), ingested once."""
    from qa.assistant import Assistant
    from qa.evaluation.evaluate import shipped_corpus

    settings = make_settings(tmp_path_factory.mktemp("harbour"))
    ingest(shipped_corpus("harbour"), settings, embedder)
    return Assistant(settings, open_store(settings, embedder), embedder)


@pytest.fixture()
def app(seeded_settings, assistant):
    from web import create_app

    app = create_app(seeded_settings, assistant=assistant)
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def client(app):
    return app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class LiveServer:
    """The app under `qa serve`'s own server (waitress, web/server.py) in a thread on a free loopback port."""

    def __init__(self, app, **limits):
        from web import MAX_BODY_BYTES
        from web.server import build_server

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = build_server(app, "127.0.0.1", self.port, MAX_BODY_BYTES, **limits)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        wait_for_port(self.port)
        return self

    def __exit__(self, *exc):
        from web.server import stop_server

        stop_server(self.server)
        self.thread.join(10)


def chroma_executable() -> str:
    found = Path(sys.executable).parent / "chroma"
    return str(found) if found.exists() else (shutil.which("chroma") or "chroma")


class ChromaServer:
    """A real `chroma run` process on loopback; stop()/start() simulate an outage."""

    def __init__(self, path: Path):
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [chroma_executable(), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, proc=self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture()
def chroma_server(tmp_path):
    server = ChromaServer(tmp_path / "chroma-server")
    server.start()
    yield server
    server.stop()
