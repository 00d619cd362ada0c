"""The app under the production server (`qa serve --production`, gunicorn), driven over real sockets by
the official `openai` client and by plain HTTP; and several workers sharing one `chroma run` server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import openai
import pytest

from tests.conftest import SEEDS, free_port, ingest, make_settings, wait_for_port

pytestmark = pytest.mark.slow

POW_QUESTION = "How many prisoners of war did Russia and Ukraine agree to exchange?"
POW_ARTICLE = "004_38e88933e8b5a746"


class ProductionServer:
    """`qa serve --production` as a subprocess on a free loopback port; its log goes to a file."""

    def __init__(self, workdir: Path, env: dict[str, str], *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"server-{self.port}.log"
        command = [sys.executable, "-m", "qa.cli", "serve", "--production", "--host", "127.0.0.1",
                   "--port", str(self.port), *args]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                                         env={**os.environ, **env})

    def wait_ready(self, timeout: float = 90.0) -> dict:
        """Poll /api/ready until the worker has loaded the model and the index."""
        wait_for_port(self.port, timeout=timeout, proc=self.proc)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                status, data = get(f"{self.url}/api/ready")
                if status == 200:
                    return data
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"not ready after {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown of master and workers
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def post(url: str, body: dict):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    return urllib.request.urlopen(request, timeout=30)


def read_sse(response) -> list[tuple[str, dict]]:
    """Read a live event stream line by line until it closes."""
    events, name, data = [], "message", []
    for raw in response:
        line = raw.decode("utf-8").rstrip("\r\n")
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            data.append(line[len("data: "):])
        elif not line and data:
            events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
    return events


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    """One production server over an embedded index of the seeds (ingested with the conftest helpers)."""
    tmp = tmp_path_factory.mktemp("production")
    settings = make_settings(tmp)
    ingest(SEEDS, settings, embedder)
    server = ProductionServer(tmp, {"QA_DATA_DIR": str(settings.data_dir)}, "--threads", "4")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, timeout=30)


# ---- the openai client ---------------------------------------------------------------------------


def test_openai_client_non_stream_answers_314_citing_004(client):
    completion = client.chat.completions.create(
        model="news-qa", messages=[{"role": "user", "content": POW_QUESTION}])
    content = completion.choices[0].message.content
    assert "314" in content and "\n\nSources:\n[1] " in content and f"({POW_ARTICLE})" in content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.citations[0]["article_id"] == POW_ARTICLE
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_openai_client_stream_gives_the_same_content_and_citations(client):
    whole = client.chat.completions.create(
        model="news-qa", messages=[{"role": "user", "content": POW_QUESTION}]).choices[0].message.content
    pieces, citations, usage, finish = [], None, None, None
    stream = client.chat.completions.create(
        model="news-qa", messages=[{"role": "user", "content": POW_QUESTION}], stream=True,
        stream_options={"include_usage": True})
    for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
        citations = getattr(chunk, "citations", None) or citations
        usage = chunk.usage or usage
    assert len(pieces) > 3, "the content arrives in several chunks"
    assert "".join(pieces) == whole and "314" in whole
    assert finish == "stop" and citations[0]["article_id"] == POW_ARTICLE
    assert usage.completion_tokens > 0


def test_openai_client_lists_models_and_reads_our_errors(client):
    assert [m.id for m in client.models.list()] == ["news-qa"]
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError, match="user's question"):
        client.chat.completions.create(model="news-qa", messages=[{"role": "assistant", "content": "hi"}])


# ---- plain HTTP ----------------------------------------------------------------------------------


def test_plain_http_ask(server):
    with post(f"{server.url}/api/ask", {"question": POW_QUESTION}) as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("application/json")
        data = json.load(response)
    assert data["short_answer"] == "314 prisoners of war" and data["citations"][0]["article_id"] == POW_ARTICLE


def test_plain_http_ask_stream(server):
    with post(f"{server.url}/api/ask/stream", {"question": POW_QUESTION}) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert response.headers["Cache-Control"] == "no-cache"
        events = read_sse(response)
    assert [name for name, _ in events][-1] == "done" and events[0][0] == "sentence"
    assert events[-1][1]["citations"][0]["article_id"] == POW_ARTICLE


def test_plain_http_errors_and_probes(server):
    with pytest.raises(urllib.error.HTTPError) as caught:
        post(f"{server.url}/api/ask", {"question": ""})
    assert caught.value.code == 400 and set(json.load(caught.value)["error"]) == {"code", "message"}
    assert get(f"{server.url}/api/health") == (200, {"status": "ok"})
    status, spec = get(f"{server.url}/api/openapi.json")
    assert status == 200 and "/v1/chat/completions" in spec["paths"]


def test_stalled_clients_hold_a_thread_only_for_the_read_timeout(server):
    """Twice as many connections as the worker has threads stall, half in their headers and half in their
    body: gunicorn's threads read requests themselves, so they are held, but each only for READ_TIMEOUT_S
    (two rounds of four here); the stalled bodies get a 408 in the error shape and the server answers."""
    import socket

    from web.production import READ_TIMEOUT_S

    heads, bodies = [], []
    try:
        for i in range(8):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=READ_TIMEOUT_S + 20)
            if i % 2:
                sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 400\r\n\r\n{\"question\": ")
                bodies.append(sock)
            else:
                sock.sendall(b"GET /api/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nAcc")
                heads.append(sock)
        time.sleep(0.5)
        started = time.monotonic()
        status, data = get(f"{server.url}/api/health")
        waited = time.monotonic() - started
        answers = [read_answer(sock) for sock in bodies]
    finally:
        for sock in heads + bodies:
            sock.close()
    print(f"\n8 stalled connections on 4 threads: answered after {waited:.1f} s (read timeout {READ_TIMEOUT_S} s)")
    assert status == 200 and data == {"status": "ok"}
    assert waited < 2 * READ_TIMEOUT_S + 5
    for answer in answers:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), answer[:200]
        assert json.loads(body)["error"]["code"] == "request_timeout"
    log = server.log.read_text()
    assert "dropped a connection that stopped sending" in log and "Traceback" not in log


def read_answer(sock) -> bytes:
    """A whole HTTP answer from a raw socket: its head, then as many body bytes as it announces."""
    data = b""
    while b"\r\n\r\n" not in data and (chunk := sock.recv(4096)):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next((line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
                      b"0"))
    while len(body) < length and (chunk := sock.recv(4096)):
        body += chunk
    return head + b"\r\n\r\n" + body


def test_the_access_log_shows_no_query_string(server):
    secret = "sk-in-a-url-5b9e0f"
    for path in (f"/api/ready?api_key={secret}", f"/api/articles?limit=2&token={secret}"):
        status, data = get(f"{server.url}{path}")
        assert status == 400 and data["error"]["code"] == "credential_in_url"
    assert get(f"{server.url}/api/articles?limit=2")[0] == 200
    time.sleep(0.5)  # gunicorn writes its access line after the response
    log = server.log.read_text()
    assert '"GET /api/ready?… HTTP/1.1" 400' in log and '"GET /api/articles?… HTTP/1.1" 200' in log
    assert secret not in log


def test_several_workers_need_a_chroma_server(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "qa.cli", "serve", "--production", "--workers", "2", "--port", str(free_port())],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={**os.environ, "QA_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 2 and "QA_CHROMA_URL" in result.stderr


def test_workers_on_one_host_split_its_cores_between_their_models_unless_told_otherwise():
    from qa.config import Settings
    from web.production import share_cores

    settings = Settings.from_env({})
    assert share_cores(settings, 2, {}, 2).embed_threads == 1  # 2 workers x 1 thread on 2 cores
    assert share_cores(settings, 2, {}, 8).embed_threads == 4
    assert share_cores(settings, 4, {}, 2).embed_threads == 1  # never below one
    assert share_cores(settings, 1, {}, 2) is settings  # one worker keeps the configured threads
    assert share_cores(settings, 2, {"QA_EMBED_THREADS": "2"}, 2) is settings  # an explicit setting wins


# ---- scaling out on a Chroma server --------------------------------------------------------------

NEW_ARTICLE = """---
outlet: Harbour Gazette
published: 2026-03-02
---
# Lighthouse keepers on the northern coast vote to strike

Lighthouse keepers on the northern coast voted on Monday to strike for three days in March, the union said.
In the ballot, 171 lighthouse keepers backed the strike over night-shift pay and 41 voted against it.
"""


def test_workers_share_one_chroma_server_and_see_a_new_ingest(tmp_path, chroma_server, embedder):
    settings = make_settings(tmp_path, chroma_url=chroma_server.url)
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    ingest(corpus, settings, embedder)  # ingest writes to the server

    server = ProductionServer(tmp_path, {"QA_CHROMA_URL": chroma_server.url,
                                         "QA_DATA_DIR": str(tmp_path / "unused")},
                              "--workers", "2", "--threads", "2")
    try:
        ready = server.wait_ready()
        assert ready["store"] == "server" and ready["articles"] == 5
        with post(f"{server.url}/api/ask", {"question": POW_QUESTION}) as response:
            assert json.load(response)["citations"][0]["article_id"] == POW_ARTICLE

        (corpus / "harbour_strike.md").write_text(NEW_ARTICLE, encoding="utf-8")
        report = ingest(corpus, settings, embedder)  # another process writes; the workers must notice
        assert report.articles_added == 1

        # Connections go to either worker; every one must see six articles within a few seconds.
        deadline, streak = time.monotonic() + 20, 0
        while streak < 8 and time.monotonic() < deadline:
            streak = streak + 1 if get(f"{server.url}/api/ready")[1]["articles"] == 6 else 0
            time.sleep(0.1)
        assert streak >= 8, server.log.read_text()
        with post(f"{server.url}/api/ask", {"question": "How many lighthouse keepers backed the strike?"}) as r:
            answer = json.load(r)
        assert not answer["refused"] and answer["citations"][0]["article_id"] == "harbour_strike"
        pids = {line.split("pid: ")[1].strip(")\n ") for line in server.log.read_text().splitlines()
                if "Booting worker with pid" in line}
        assert len(pids) == 2
    finally:
        server.stop()
