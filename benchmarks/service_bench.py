"""The HTTP service under concurrent clients on loopback: requests/s and latency for /api/search and
/api/ask at 1, 4 and 16 clients, server memory before and after, and an optional soak run.

The client is a stdlib thread pool (http.client, one keep-alive connection per client thread)."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import threading
import time
from pathlib import Path

from benchmarks.procs import ChromaServer, Server, machine_cpu, production_available
from benchmarks.questions import questions
from benchmarks.stats import summary

ENDPOINTS = {"search": ("/api/search", "query"), "ask": ("/api/ask", "question")}


def load(port: int, endpoint: str, clients: int, requests: int, time_limit: float, qs: list[str]) -> dict:
    """`clients` threads in a closed loop until `requests` are done or `time_limit` passes."""
    path, field = ENDPOINTS[endpoint] if endpoint in ENDPOINTS else (endpoint, "")
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    issued = {"n": 0}
    deadline = time.perf_counter() + time_limit

    def next_index() -> int | None:
        with lock:
            if issued["n"] >= requests or time.perf_counter() > deadline:
                return None
            issued["n"] += 1
            return issued["n"] - 1

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while (i := next_index()) is not None:
            t = time.perf_counter()
            try:
                if field:
                    body = json.dumps({field: qs[i % len(qs)]})
                    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                else:
                    conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except (OSError, http.client.HTTPException) as exc:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                resp = exc
            ms = (time.perf_counter() - t) * 1000
            with lock:
                if ok:
                    latencies.append(ms)
                else:
                    errors.append(str(getattr(resp, "status", resp))[:80])
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"endpoint": endpoint, "clients": clients, "ok": len(latencies), "errors": len(errors),
            "error_examples": sorted(set(errors))[:3], "rps": round(len(latencies) / wall, 2),
            "latency_ms": summary(latencies)}


def run(index: Path, levels: list[int], requests: int, time_limit: float, n_questions: int,
        scaling: bool, soak: int, logs: Path) -> dict:
    """All configurations are up at once and measured in turns, rotating, at each endpoint and level, so
    drifting load from elsewhere on the machine falls on every configuration alike."""
    qs = questions(n_questions)
    production = production_available()
    out: dict = {"server": "qa serve --production (gunicorn gthread)" if production
                 else "qa serve (development server: web/production.py is missing)", "configs": []}
    configs = [{"name": "1 worker x 4 threads, embedded Chroma", "workers": 1, "threads": 4, "chroma": False}]
    if scaling and production and levels:
        configs += [
            {"name": "1 worker x 4 threads, Chroma server", "workers": 1, "threads": 4, "chroma": True},
            {"name": "2 workers x 4 threads, Chroma server", "workers": 2, "threads": 4, "chroma": True},
            # two workers each running ONNX on 2 threads oversubscribe 2 cores: one thread each
            {"name": "2 workers x 4 threads, Chroma server, QA_EMBED_THREADS=1", "workers": 2, "threads": 4,
             "chroma": True, "env": {"QA_EMBED_THREADS": "1"}},
        ]
    chroma = servers = None
    try:
        chroma = ChromaServer(index, log=logs / "chroma.log") if any(c["chroma"] for c in configs) else None
        servers = [Server(index, production=production, workers=c["workers"], threads=c["threads"],
                          chroma_url=chroma.url if c["chroma"] else "", log=logs / "server.log",
                          env=c.get("env")) for c in configs]
        results = []
        for cfg, server in zip(configs, servers, strict=True):
            ready_s = server.wait_ready(timeout=600)
            # warm every worker: each builds its own keyword index on its first request
            load(server.port, "ask", cfg["workers"] * 4, cfg["workers"] * 8, 600, qs)
            load(server.port, "search", cfg["workers"] * 4, cfg["workers"] * 8, 600, qs)
            results.append({**cfg, "ready_s": round(ready_s, 2), "rss_mb_before": server.rss_mb(), "runs": []})
        plan = [("/api/health", 4)] + [(ep, c) for ep in ENDPOINTS for c in levels] if levels else []
        for step, (endpoint, clients) in enumerate(plan):
            order = list(range(len(configs)))
            order = order[step % len(order):] + order[: step % len(order)]
            for i in order:
                watched = [servers[i]] + ([chroma] if configs[i]["chroma"] else [])
                n = requests if endpoint.startswith("/") else max(requests, 4 * clients)
                results[i]["runs"].append(measured(watched, servers[i].port, endpoint, clients, n, time_limit, qs))
        for result, server in zip(results, servers, strict=True):
            result["runs"].sort(key=lambda r: (list(ENDPOINTS).index(r["endpoint"]) if r["endpoint"] in ENDPOINTS
                                               else -1, r["clients"]))
            result["rss_mb_after"] = server.rss_mb()
        if chroma:
            results[-1]["chroma_rss_mb"] = chroma.rss_mb()
        if soak:
            results[0]["soak"] = soak_run(servers[0], soak, qs)
        out["configs"] = results
    finally:
        for server in servers or []:
            server.stop()
        if chroma:
            chroma.stop()
    return out


def measured(watched, port: int, endpoint: str, clients: int, requests: int, time_limit: float,
             qs: list[str]) -> dict:
    """A load run plus the share of this machine's cores the server processes used during it."""
    cpu, (m_busy, m_total) = sum(p.cpu_s() for p in watched), machine_cpu()
    t = time.perf_counter()
    got = load(port, endpoint, clients, requests, time_limit, qs)
    busy = (sum(p.cpu_s() for p in watched) - cpu) / (time.perf_counter() - t)
    m_busy2, m_total2 = machine_cpu()
    cores = os.cpu_count() or 1
    machine = cores * (m_busy2 - m_busy) / max(1, m_total2 - m_total)
    # machine includes this client and whatever else runs here (other developers' tests)
    return {**got, "server_cores_busy": round(busy, 2), "machine_cores_busy": round(machine, 2), "cores": cores}


def soak_run(server: Server, total: int, qs: list[str], step: int = 1000) -> dict:
    """`total` /api/ask requests from 4 clients; server RSS after every `step`."""
    samples = [server.rss_mb()]
    done = errors = 0
    t0 = time.perf_counter()
    while done < total:
        got = load(server.port, "ask", 4, min(step, total - done), 3600, qs)
        done += got["ok"] + got["errors"]
        errors += got["errors"]
        samples.append(server.rss_mb())
    return {"requests": done, "errors": errors, "seconds": round(time.perf_counter() - t0, 1),
            "rss_mb": samples, "growth_mb_after_first_step": round(samples[-1] - samples[1], 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--levels", default="1,4,16", help='concurrent clients; "" for the soak run alone')
    parser.add_argument("--requests", type=int, default=120)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--scaling", action="store_true", help="also 1 and 2 workers over a `chroma run` server")
    parser.add_argument("--soak", type=int, default=0, help="requests of the soak run (0: none)")
    parser.add_argument("--logs", type=Path, default=Path(".bench/logs"))
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    args.logs.mkdir(parents=True, exist_ok=True)
    result = run(args.index, [int(x) for x in args.levels.split(",") if x], args.requests, args.time_limit,
                 args.questions, args.scaling, args.soak, args.logs)
    args.result.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
