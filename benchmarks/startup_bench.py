"""Start-up: seconds from spawning the server until GET /api/ready answers 200 (model loaded, store
open, keyword index built), against a bare interpreter that imports chromadb and loads the model."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.procs import REPO, Server, clean_env, production_available

MODEL_ONLY = "import chromadb; from qa.index.embeddings import MiniLMEmbedder; MiniLMEmbedder()"


def model_only_s() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", MODEL_ONLY], cwd=REPO, env=clean_env(), check=True)
    return time.perf_counter() - t


def run(indexes: dict[str, Path], repeats: int, logs: Path) -> dict:
    production = production_available()
    out = {"server": "production" if production else "development (web/production.py is missing)", "sizes": {}}
    reference = []
    for label, index in indexes.items():
        runs = repeats if label == "seed" else 1
        times = []
        for _ in range(runs):
            reference.append(model_only_s())
            with Server(index, production=production, log=logs / "startup.log") as server:
                times.append(server.wait_ready(timeout=600))
        row = {"ready_s": round(statistics.median(times), 2), "runs": [round(t, 2) for t in times]}
        if label == "seed" and production:
            with Server(index, production=False, log=logs / "startup.log") as server:
                row["dev_server_ready_s"] = round(server.wait_ready(timeout=600), 2)
        out["sizes"][label] = row
    out["model_only_s"] = round(statistics.median(reference), 2)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", action="append", default=[], help="label=path; repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--logs", type=Path, default=Path(".bench/logs"))
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    args.logs.mkdir(parents=True, exist_ok=True)
    indexes = dict((item.split("=", 1)[0], Path(item.split("=", 1)[1])) for item in args.index)
    args.result.write_text(json.dumps(run(indexes, args.repeats, args.logs), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
