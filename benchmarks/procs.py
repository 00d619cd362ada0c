"""Processes the benchmarks start: servers on loopback, steps in their own interpreter, their memory."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kb(pid: int | str, field: str) -> int:
    """A field of /proc/<pid>/status in kB (VmRSS, VmHWM); 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """pid and every process below it (gunicorn master and workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_rss_mb(pid: int) -> float:
    return round(sum(status_kb(p, "VmRSS") for p in descendants(pid)) / 1024, 1)


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by pid and its descendants."""
    ticks = 0
    for p in descendants(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def peak_rss_mb() -> float:
    """This process's peak resident memory."""
    return round(status_kb("self", "VmHWM") / 1024, 1)


def run_step(module: str, args: list[str], timeout: float = 3600) -> dict:
    """Run `python -m benchmarks.<module> ...` in a fresh interpreter (clean peak memory, no shared
    caches) and return the JSON it writes to --result."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        result = Path(tmp.name)
    try:
        cmd = [sys.executable, "-m", f"benchmarks.{module}", *args, "--result", str(result)]
        proc = subprocess.run(cmd, cwd=REPO, timeout=timeout, env=clean_env(), capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"benchmarks.{module} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        return json.loads(result.read_text())
    finally:
        result.unlink(missing_ok=True)


def clean_env(**extra: str) -> dict:
    """The environment without our QA_* settings (a developer's shell must not change the figures)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def production_available() -> bool:
    return (REPO / "web" / "production.py").is_file()


class _Spawned:
    """A process we started in its own session: stopping it reaches its children and nothing else."""

    proc: subprocess.Popen
    _log = None

    def rss_mb(self) -> float:
        return tree_rss_mb(self.proc.pid)

    def cpu_s(self) -> float:
        return tree_cpu_s(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Server(_Spawned):
    """`qa serve` (gunicorn with --production, else the development server) on a free loopback port."""

    def __init__(self, data_dir: Path, production: bool = True, workers: int = 1, threads: int = 4,
                 chroma_url: str = "", log: Path | None = None, env: dict | None = None):
        self.port = free_port()
        self.production = production
        cmd = [str(BIN / "qa"), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if production:
            cmd += ["--production", "--workers", str(workers), "--threads", str(threads)]
        # capacity is measured, not the per-client rate limit (issue 9): every request here comes from one IP
        extra_env = env or {}
        env = clean_env(QA_DATA_DIR=str(data_dir), QA_RATE_LIMIT_PER_MINUTE="0")
        env.update(extra_env)
        if chroma_url:
            env["QA_CHROMA_URL"] = chroma_url
        self._log = open(log or os.devnull, "ab")
        self.started = time.perf_counter()
        # its own session, so stopping it reaches the gunicorn workers too and nothing else
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120.0, path: str = "/api/ready") -> float:
        """Seconds from process start until `path` answers 200."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode} before it was ready")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - self.started
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.02)
        raise TimeoutError(f"the server was not ready within {timeout:.0f} s")


class ChromaServer(_Spawned):
    """`chroma run` over an index folder, for more than one gunicorn worker."""

    def __init__(self, data_dir: Path, log: Path | None = None):
        self.port = free_port()
        self._log = open(log or os.devnull, "ab")
        self.proc = subprocess.Popen(
            [str(BIN / "chroma"), "run", "--path", str(data_dir / "chroma"), "--host", "127.0.0.1",
             "--port", str(self.port)], cwd=REPO, env=clean_env(), stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        self.stop()
        raise TimeoutError("chroma run did not come up within 60 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
