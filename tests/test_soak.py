"""A bounded soak on loopback: `qa serve --production` (gunicorn) under 16 concurrent clients for ~40 s of
mixed endpoints, good and bad requests. Zero 5xx, zero dropped connections, the worker's memory stays
within a stated bound after warm-up; the figures (requests, rps, p50/p95/p99, RSS) are printed and
written to a JSON file."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import shutil
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tests.conftest import make_settings, wait_for_port
from tests.test_openai_compat import ProductionServer

pytestmark = pytest.mark.slow

CLIENTS = 16
DURATION_S = float(os.environ.get("SOAK_SECONDS", "40"))
MAX_REQUESTS_PER_CLIENT = 1500  # a bound on the run besides time
WARM_UP_S = 8.0  # the first requests load lazy state (tokenizer caches, keyword index pages, sockets)
RSS_GROWTH_BOUND_MB = 50.0  # after warm-up, the worker may grow by at most this much
KEY = "qa-test-API-KEY-soak-61f0aa"
LLM_KEY = "sk-test-LLM-KEY-soak-d49e07"
POW_ARTICLE = "004_38e88933e8b5a746"

QUESTIONS = [
    "How many prisoners of war did Russia and Ukraine agree to exchange?",
    "How long did the second day of the Geneva talks last?",
    "Who described the territorial question as “a bridge we haven't crossed”?",
    "What did the Kremlin expect from the talks in the UAE?",
    "What is the recipe for a good sourdough bread?",  # refused
]


def request_kinds() -> list[tuple[str, str, str, dict | str | None, set[int], bool]]:
    """(label, method, path, body, expected statuses, with the key) of every kind of request the clients send."""
    kinds = []
    for i, question in enumerate(QUESTIONS):
        kinds.append((f"ask{i}", "POST", "/api/ask", {"question": question}, {200}, True))
    kinds += [
        ("ask-stream", "POST", "/api/ask/stream", {"question": QUESTIONS[0]}, {200}, True),
        ("search", "POST", "/api/search", {"query": QUESTIONS[1], "k": 5}, {200}, True),
        ("search-filtered", "POST", "/api/search",
         {"query": QUESTIONS[0], "filters": {"outlet": "bne IntelliNews"}}, {200}, True),
        ("chat", "POST", "/v1/chat/completions",
         {"model": "news-qa", "messages": [{"role": "user", "content": QUESTIONS[2]}]}, {200}, True),
        ("articles", "GET", "/api/articles?limit=3", None, {200}, True),
        ("article", "GET", f"/api/articles/{POW_ARTICLE}", None, {200}, True),
        ("ready", "GET", "/api/ready", None, {200}, True),
        ("health", "GET", "/api/health", None, {200}, False),
        ("models", "GET", "/v1/models", None, {200}, True),
        # bad requests: each must be a 4xx in the error shape, never a 5xx
        ("bad-empty-question", "POST", "/api/ask", {"question": ""}, {400}, True),
        ("bad-json", "POST", "/api/ask", "{not json", {400}, True),
        ("bad-k", "POST", "/api/search", {"query": "talks", "k": 10_000}, {400}, True),
        ("bad-traversal", "GET", "/api/articles/..%2F..%2Fetc%2Fpasswd", None, {400, 404}, True),
        ("bad-traversal-raw", "GET", "/api/articles/../../etc/passwd", None, {400, 404}, True),
        ("bad-nul-id", "GET", "/api/articles/a%00b", None, {400, 404}, True),
        ("bad-no-key", "POST", "/api/ask", {"question": QUESTIONS[0]}, {401}, False),
        ("bad-method", "GET", "/api/ask", None, {405}, True),
    ]
    return kinds


def worker_pids(master: int) -> list[int]:
    """gunicorn workers: the children of the `qa serve --production` process (the arbiter)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


class Client(threading.Thread):
    """One client: requests kinds in its own rotation over fresh connections until time or count runs out."""

    def __init__(self, n: int, port: int, kinds, until: float, results: list, lock: threading.Lock):
        super().__init__(daemon=True, name=f"soak-{n}")
        self.port, self.until, self.results, self.lock = port, until, results, lock
        self.kinds = itertools.islice(itertools.cycle(kinds), n, None)  # clients start at different kinds

    def run(self) -> None:
        for kind in itertools.islice(self.kinds, MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= self.until:
                return
            label, method, path, body, expected, keyed = kind
            headers = {"Authorization": f"Bearer {KEY}"} if keyed else {}
            payload = None
            if body is not None:
                payload = (body if isinstance(body, str) else json.dumps(body)).encode()
                headers["Content-Type"] = "application/json"
            started = time.monotonic()
            status, error, shape_ok = 0, "", True
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                try:
                    conn.request(method, path, body=payload, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    status = response.status
                    if status >= 400:
                        parsed = json.loads(data)
                        shape_ok = set(parsed) == {"error"} and set(parsed["error"]) == {"code", "message"}
                        shape_ok = shape_ok and b"root:" not in data
                finally:
                    conn.close()
            except Exception as exc:  # noqa: BLE001 - a dropped or refused connection: counted, asserted zero
                error = f"{type(exc).__name__}: {exc}"
            elapsed = time.monotonic() - started
            with self.lock:
                self.results.append({"label": label, "status": status, "expected": status in expected,
                                     "shape_ok": shape_ok, "error": error, "ms": elapsed * 1000,
                                     "at": started})


def test_soak_production_server_mixed_endpoints(tmp_path, seeded_settings):
    settings = make_settings(tmp_path)
    shutil.copytree(seeded_settings.data_dir, settings.data_dir)
    env = {"QA_DATA_DIR": str(settings.data_dir), "QA_RATE_LIMIT_PER_MINUTE": "0", "QA_API_KEY": KEY,
           "QA_LLM_API_KEY": LLM_KEY}
    server = ProductionServer(tmp_path, env, "--threads", "4")
    try:
        wait_for_port(server.port, timeout=90, proc=server.proc)
        deadline = time.monotonic() + 90
        while True:  # ready: the worker has loaded the model and the index
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                conn.request("GET", "/api/ready", headers={"Authorization": f"Bearer {KEY}"})
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                conn.close()
            assert time.monotonic() < deadline and server.proc.poll() is None, server.log.read_text()
            time.sleep(0.2)
        workers = worker_pids(server.proc.pid)
        assert workers, "no gunicorn worker found"

        results: list[dict] = []
        lock = threading.Lock()
        samples: list[tuple[float, float]] = []  # (seconds since start, RSS MB of all workers)
        start = time.monotonic()
        until = start + DURATION_S
        clients = [Client(n, server.port, request_kinds(), until, results, lock) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        while any(c.is_alive() for c in clients):
            samples.append((time.monotonic() - start, sum(rss_mb(pid) for pid in worker_pids(server.proc.pid))))
            time.sleep(1.0)
        for client in clients:
            client.join(60)
        wall_s = time.monotonic() - start
        final_workers = worker_pids(server.proc.pid)
        rss_end = sum(rss_mb(pid) for pid in final_workers)
    finally:
        server.stop()
    log = server.log.read_text()

    # ---- figures -----------------------------------------------------------------------------
    ms = [r["ms"] for r in results]
    statuses = Counter(r["status"] for r in results)
    by_kind: dict[str, list[float]] = defaultdict(list)
    for r in results:
        by_kind[r["label"]].append(r["ms"])
    warm = [rss for t, rss in samples if t >= WARM_UP_S]
    rss_warm = warm[0] if warm else samples[0][1]
    rss_peak = max(rss for _, rss in samples)
    figures = {
        "clients": CLIENTS, "duration_s": round(wall_s, 1), "requests": len(results),
        "rps": round(len(results) / wall_s, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "server_errors_5xx": sum(v for k, v in statuses.items() if k >= 500),
        "connection_errors": sum(1 for r in results if r["error"]),
        "unexpected_status": sum(1 for r in results if not r["error"] and not r["expected"]),
        "latency_ms": {"p50": round(percentile(ms, 50), 1), "p95": round(percentile(ms, 95), 1),
                       "p99": round(percentile(ms, 99), 1), "max": round(max(ms), 1)},
        "latency_ms_by_kind": {k: {"n": len(v), "p50": round(percentile(v, 50), 1), "p95": round(percentile(v, 95), 1)}
                               for k, v in sorted(by_kind.items())},
        "rss_mb": {"workers": len(final_workers), "after_warm_up": round(rss_warm, 1), "peak": round(rss_peak, 1),
                   "end": round(rss_end, 1), "growth_after_warm_up": round(rss_end - rss_warm, 1),
                   "bound": RSS_GROWTH_BOUND_MB},
        "kinds": [k[0] for k in request_kinds()],
    }
    report = tmp_path / "soak.json"
    report.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"\nsoak: {figures['requests']} requests from {CLIENTS} clients in {figures['duration_s']} s "
          f"({figures['rps']} rps); statuses {figures['statuses']}; 5xx {figures['server_errors_5xx']}, "
          f"connection errors {figures['connection_errors']}; latency ms p50 {figures['latency_ms']['p50']} "
          f"p95 {figures['latency_ms']['p95']} p99 {figures['latency_ms']['p99']}; worker RSS "
          f"{figures['rss_mb']['after_warm_up']} -> {figures['rss_mb']['end']} MB "
          f"(peak {figures['rss_mb']['peak']}, bound +{RSS_GROWTH_BOUND_MB:g})\nsoak figures: {report}")

    # ---- the bar -----------------------------------------------------------------------------
    errors = [r for r in results if r["error"]]
    assert not errors, errors[:5]
    assert figures["server_errors_5xx"] == 0, [r for r in results if r["status"] >= 500][:5]
    assert figures["unexpected_status"] == 0, [r for r in results if not r["expected"]][:5]
    assert all(r["shape_ok"] for r in results), [r for r in results if not r["shape_ok"]][:5]
    assert set(by_kind) == {k[0] for k in request_kinds()}  # every kind was sent
    assert len(results) >= CLIENTS * 10
    assert figures["rss_mb"]["growth_after_warm_up"] < RSS_GROWTH_BOUND_MB, figures["rss_mb"]
    assert final_workers == workers, "a worker was restarted during the run"
    assert "Traceback" not in log and "unhandled error" not in log
    assert KEY not in log and LLM_KEY not in log
