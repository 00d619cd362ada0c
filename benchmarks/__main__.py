"""`python -m benchmarks`: prepare corpora and indexes, run the ingest, query, service and start-up
benchmarks (each in its own interpreter), print one table, write JSON + Markdown to --out."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks import report
from benchmarks.procs import REPO, production_available, run_step

STEPS = ("ingest", "query", "service", "startup", "fresh")


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--sizes", default="1000,10000,50000,500000", help="corpus sizes in chunks for the query benchmark")
    p.add_argument("--fresh-sizes", default="50000,500000",
                   help="sizes of the after-an-ingest and memory-per-worker runs (must be among --sizes)")
    p.add_argument("--quick", action="store_true", help="1k only, few requests: about two minutes once cached")
    p.add_argument("--cache", type=Path, default=Path(".bench"), help="generated corpora and indexes (reused)")
    p.add_argument("--out", type=Path, default=None, help="results path without suffix (default <cache>/results)")
    p.add_argument("--ingest-chunks", type=int, default=1000, help="corpus size of the end-to-end ingest run")
    p.add_argument("--ingest-slices", type=int, default=4, help="slices the ingest and model runs alternate over")
    p.add_argument("--questions", type=int, default=60)
    p.add_argument("--rounds", type=int, default=3, help="passes over the questions in the query benchmark")
    p.add_argument("--service-size", type=int, default=0, help="corpus of the service benchmark (default 10k)")
    p.add_argument("--levels", default="1,4,16", help="concurrent clients")
    p.add_argument("--requests", type=int, default=160, help="requests per endpoint and level (at least 4 per client)")
    p.add_argument("--time-limit", type=float, default=20.0, help="seconds per endpoint and level, at most")
    p.add_argument("--no-scaling", action="store_true", help="skip 1 vs 2 workers over a `chroma run` server")
    p.add_argument("--soak", type=int, nargs="?", const=10000, default=0, help="also N asks watching RSS (10000)")
    p.add_argument("--skip", default="", help=f"comma-separated steps to skip: {', '.join(STEPS)}")
    p.add_argument("--seed", type=int, default=8)
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.ingest_chunks, args.ingest_slices, args.questions, args.rounds = "1000", 200, 1, 20, 1
        args.fresh_sizes = "1000"
        args.requests, args.time_limit, args.no_scaling = 16, 8.0, True
    args.cache = args.cache.resolve()
    args.out = (args.out or args.cache / "results").resolve()
    return args


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    args = parse(argv)
    skip = {s for s in args.skip.split(",") if s}
    sizes = [int(s) for s in args.sizes.split(",") if s]
    ingest_chunks = 0 if "ingest" in skip else args.ingest_chunks
    args.cache.mkdir(parents=True, exist_ok=True)
    logs = args.cache / "logs"
    logs.mkdir(exist_ok=True)
    results: dict = {"meta": {
        "command": "python -m benchmarks " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": _commit(),
        "cores": os.cpu_count(), "load_start": _load(), "quick": args.quick, "notes": [],
    }}
    if not production_available():
        results["meta"]["notes"].append("web/production.py is missing: the service and start-up runs used the "
                                         "plain `qa serve` development server")
    results["meta"]["notes"].append("servers run with QA_RATE_LIMIT_PER_MINUTE=0: all clients share one IP, and "
                                    "capacity is measured, not the per-client limit")
    dirty = _dirty()
    if dirty:
        results["meta"]["notes"].append(f"working tree had uncommitted changes in: {dirty}")
    started = time.perf_counter()

    say(f"preparing corpora and indexes in {args.cache} (cached after the first run)")
    prep = run_step("prepare", ["--cache", str(args.cache), "--sizes", ",".join(map(str, sizes)),
                                "--ingest-chunks", str(ingest_chunks), "--seed", str(args.seed)], timeout=7200)
    results["prepare"] = prep
    indexes = {size: (Path(info["index"]), "synthetic vectors") for size, info in prep["sizes"].items()}

    if ingest_chunks:
        from benchmarks.ingest_bench import split

        slices = split(Path(prep["ingest_corpus"]["path"]), args.ingest_slices, args.cache / f"ingest-{ingest_chunks}-slices")
        data_dir = args.cache / f"ingest-{ingest_chunks}"
        runs: dict = {"model": [], "ingest": []}
        # model and ingest alternate slice by slice (and swap which goes first), so drifting machine load
        # falls on the reference and the measured run alike; the slices add up to one index
        for k, folder in enumerate(slices):
            for mode in (("model", "ingest") if k % 2 == 0 else ("ingest", "model")):
                say(f"ingest benchmark, slice {k + 1}/{len(slices)}: {mode}")
                cmd = ["--mode", mode, "--corpus", str(folder), "--data-dir", str(data_dir)]
                cmd += (["--append"] if k else []) + (["--rerun"] if k == len(slices) - 1 else [])
                runs[mode].append(run_step("ingest_bench", cmd))
        results["ingest"] = runs
        if str(ingest_chunks) in indexes:  # the same corpus, embedded for real: query it as is
            indexes[str(ingest_chunks)] = (data_dir, "real vectors")

    if "query" not in skip:
        results["query"] = {}
        for size in map(str, sizes):
            index, vectors = indexes[size]
            say(f"query benchmark at {size} chunks ({vectors})")
            tutorial = prep["sizes"][size]["tutorial"]
            got = run_step("query_bench", ["--index", str(index), *(["--tutorial", tutorial] if tutorial else []),
                                           "--questions", str(args.questions), "--rounds", str(args.rounds)])
            results["query"][size] = {**got, "vectors": vectors}

    if "service" not in skip or args.soak:
        size = str(args.service_size or (10000 if 10000 in sizes else min(sizes)))
        index, vectors = indexes[size]
        say(f"service benchmark at {size} chunks ({vectors})" + (f", soak {args.soak} asks" if args.soak else ""))
        levels = "" if "service" in skip else args.levels  # --soak with --skip service: the soak run alone
        cmd = ["--index", str(index), "--levels", levels, "--requests", str(args.requests),
               "--time-limit", str(args.time_limit), "--questions", str(args.questions), "--logs", str(logs)]
        cmd += [] if args.no_scaling or not levels else ["--scaling"]
        cmd += ["--soak", str(args.soak)] if args.soak else []
        results["service"] = {**run_step("service_bench", cmd), "size": int(size)}

    if "startup" not in skip:
        say("start-up benchmark")
        cmd = ["--index", f"seed={prep['seed_index']['path']}", "--repeats", "1" if args.quick else "3",
               "--logs", str(logs)]
        cmd += [a for size in map(str, sizes) for a in ("--index", f"{size}={indexes[size][0]}")]
        results["startup"] = run_step("startup_bench", cmd)

    if "fresh" not in skip:
        results["fresh"] = {}
        for size in (s for s in args.fresh_sizes.split(",") if s and int(s) in sizes):
            say(f"after-an-ingest and memory-per-worker benchmark at {size} chunks")
            results["fresh"][size] = run_step("fresh_bench", ["--index", str(indexes[size][0]), "--logs", str(logs)])

    results["meta"]["load_end"] = _load()
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    print(report.write(results, args.out))
    say(f"done in {results['meta']['seconds']:.0f} s; wrote {args.out.with_suffix('.json')} and .md")
    return 0


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _dirty() -> str:
    """Tracked files changed in the working tree (the figures measure them too)."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""
    return ", ".join(sorted(line[3:] for line in out.splitlines() if line.strip()))


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


if __name__ == "__main__":
    raise SystemExit(main())
