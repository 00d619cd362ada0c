"""A minimal OpenAI-compatible chat server on loopback that replays scripted completions over the real
protocol (JSON, or SSE `chat.completion.chunk` lines then `[DONE]`) and records what it was sent."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.conftest import free_port

PATH = "/v1/chat/completions"


class ReplayServer:
    """Answers each POST /v1/chat/completions with the next scripted text (the last one repeats).

    delay_s: sleep this long before answering (to provoke client timeouts);
    status: answer with this HTTP status and an OpenAI-style error body instead when not 200;
    cut_after: in a stream, drop the connection after this many content chunks (no finish, no [DONE])."""

    def __init__(self, replies: str | list[str] = "", delay_s: float = 0.0, status: int = 200,
                 cut_after: int | None = None):
        self.replies = [replies] if isinstance(replies, str) else list(replies)
        self.delay_s = delay_s
        self.status = status
        self.cut_after = cut_after
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.requests: list[dict] = []  # {"path", "headers", "body"} in arrival order
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ReplayServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="openai-replay",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _next_reply(self, body: dict, path: str, headers: dict) -> str:
        with self._lock:
            self.requests.append({"path": path, "headers": headers, "body": body})
            index = min(len(self.requests) - 1, len(self.replies) - 1)
            return self.replies[index] if self.replies else ""


def tokens(text: str) -> list[str]:
    """Word-sized pieces that join back to `text`, as a server streams them."""
    return re.findall(r"\s*\S+", text) + ([text[len(text.rstrip()):]] if text != text.rstrip() else [])


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw or b"{}")
            if self.path != PATH:
                return self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            text = server._next_reply(body, self.path, {k.lower(): v for k, v in self.headers.items()})
            if server.delay_s and server._stopping.wait(server.delay_s):
                return
            if server.status != 200:
                return self._json(server.status, {"error": {"message": "scripted failure", "type": "server_error"}})
            model = body.get("model", "replay")
            created = int(time.time())
            if not body.get("stream"):
                return self._json(200, {
                    "id": "chatcmpl-replay", "object": "chat.completion", "created": created, "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                 "finish_reason": "stop", "logprobs": None}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": len(tokens(text)), "total_tokens": 10 + len(tokens(text))},
                })
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()

            def chunk(delta: dict, finish: str | None = None, **extra) -> None:
                data = {"id": "chatcmpl-replay", "object": "chat.completion.chunk", "created": created,
                        "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                                                     "logprobs": None}], **extra}
                self._send(f"data: {json.dumps(data)}\n\n")

            chunk({"role": "assistant", "content": ""})
            for i, piece in enumerate(tokens(text)):
                if i == server.cut_after:
                    self.close_connection = True
                    return
                chunk({"content": piece})
            chunk({}, "stop")
            if (body.get("stream_options") or {}).get("include_usage"):
                usage = {"id": "chatcmpl-replay", "object": "chat.completion.chunk", "created": created,
                         "model": model, "choices": [],
                         "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}}
                self._send(f"data: {json.dumps(usage)}\n\n")
            self._send("data: [DONE]\n\n")

        def _send(self, line: str) -> None:
            self.wfile.write(line.encode())
            self.wfile.flush()

        def _json(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def handle(self) -> None:
            try:
                super().handle()
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

    return Handler
