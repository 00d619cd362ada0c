"""One table from the results: every figure beside the reference it was measured against in the
same run, the ratio, the target and whether it is met. Printed, and written as JSON and Markdown."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.stats import ratio

HEADER = ("area", "corpus", "measure", "value", "reference (same run)", "ratio", "target", "status")


def _x(r: float | None) -> str:
    return f"{r:.2f}x" if r is not None else ""


def _status(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "MISSED")


def _size(n: int | str, vectors: str = "") -> str:
    label = f"{int(n):,}" if str(n).isdigit() else str(n)
    return f"{label} {vectors.split()[0][:5]}" if vectors else label


def rows(results: dict) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    out += _ingest_rows(results.get("ingest"))
    for size, q in sorted(results.get("query", {}).items(), key=lambda kv: int(kv[0])):
        out += _query_rows(int(size), q)
    out += _service_rows(results.get("service"), results.get("query", {}))
    out += _startup_rows(results.get("startup"))
    out += _fresh_rows(results.get("fresh"))
    return out


def _ingest_rows(ing: dict | None) -> list[tuple[str, ...]]:
    if not ing:
        return []
    model, runs = ing["model"], ing["ingest"]
    ref = sum(m["chunks"] for m in model) / sum(m["seconds"] for m in model)
    rate = sum(r["chunks"] for r in runs) / sum(r["seconds"] for r in runs)
    per_slice = [ratio(r["chunks_per_s"], m["chunks_per_s"]) for r, m in zip(runs, model, strict=True)]
    spread = f" (slices {min(per_slice):.2f}-{max(per_slice):.2f}x)" if len(per_slice) > 1 else ""
    size = _size(sum(r["chunks"] for r in runs), "real vectors")
    r = ratio(rate, ref)
    peak, ref_peak = max(x["peak_rss_mb"] for x in runs), max(m["peak_rss_mb"] for m in model)
    last = runs[-1]
    return [
        ("ingest", size, f"chunks/s end to end, {len(runs)} slice(s)", f"{rate:.1f}/s",
         f"model alone on the same texts {ref:.1f}/s", _x(r) + spread, ">= 0.8x", _status(r is not None and r >= 0.8)),
        ("ingest", size, "peak RSS of the ingest process", f"{peak:.0f} MB", f"model alone {ref_peak:.0f} MB",
         _x(ratio(peak, ref_peak)), "", ""),
        ("ingest", size, "re-run of the last slice, nothing changed", f"{last['rerun_seconds']:.2f} s",
         f"its first run {last['seconds']:.1f} s", _x(ratio(last["rerun_seconds"], last["seconds"])),
         "no re-embedding", _status(not last["rerun_changed"])),
    ]


def _query_rows(size: int, q: dict) -> list[tuple[str, ...]]:
    lat, label = q["latency_ms"], _size(q["chunks"], q["vectors"])
    lim = lat["limit"]
    limit_ref = f"limit {lim['p50']:.0f} / {lim['p95']:.0f} ms"
    ask, search, tut = lat["ask"], lat["search"], lat.get("tutorial")
    ask_r = ratio(ask["p50"], lim["p50"])
    target, ok = "", None
    if size == 10000 or size >= 500000:
        target, ok = "p50 <= 2x limit", ask_r is not None and ask_r <= 2.0
    elif size == 50000:
        target, ok = "p50 <= 1.5x limit", ask_r is not None and ask_r <= 1.5
    st = q["ask_stages_ms"]
    stages = " / ".join(f"{st[k]['p50']:.1f}" for k in ("embed_ms", "dense_ms", "keyword_ms", "answer_ms") if k in st)
    out = [
        ("query", label, "limit = query embed + bare Chroma top-5, p50/p95", f"{lim['p50']:.0f} / {lim['p95']:.0f} ms",
         "(the reference)", "", "", ""),
        ("query", label, "search p50/p95", f"{search['p50']:.0f} / {search['p95']:.0f} ms", limit_ref,
         _x(ratio(search["p50"], lim["p50"])), "", ""),
        ("query", label, "ask (extractive) p50/p95", f"{ask['p50']:.0f} / {ask['p95']:.0f} ms", limit_ref,
         _x(ask_r), target, _status(ok)),
        ("query", label, "tutorial pipeline p50/p95", f"{tut['p50']:.0f} / {tut['p95']:.0f} ms" if tut else "not built",
         "ask/tutorial, p50", _x(ratio(ask["p50"], tut["p50"])) if tut else "", "", ""),
        ("query", label, "ask stages p50: embed/dense/keyword/answer", f"{stages} ms", "", "", "", ""),
        ("query", label, "snapshot open (keyword index, mmap), once per version", f"{q['index_load_ms']:.0f} ms",
         f"ask p50 {ask['p50']:.0f} ms", _x(ratio(q["index_load_ms"], ask["p50"])),
         "not per request",
         _status(q["snapshot_builds_during_run"] == 0 and q["snapshot_same_object"])),
    ]
    if size >= 50000:
        budget = 150 if size == 50000 else 250
        out.append(("query", label, "ask p95", f"{ask['p95']:.0f} ms", limit_ref, _x(ratio(ask["p95"], lim["p95"])),
                    f"<= {budget} ms", _status(ask["p95"] <= budget)))
    rss = q["rss_mb"]
    out.append(("query", label, "process RSS: store opened / snapshot open / after the run",
                f"{rss['opened']:.0f} / {rss['index_loaded']:.0f} / {rss['after']:.0f} MB", "", "", "", ""))
    return out


def _service_rows(svc: dict | None, query: dict) -> list[tuple[str, ...]]:
    if not svc:
        return []
    out: list[tuple[str, ...]] = []
    q = query.get(str(svc["size"]))
    serial = {ep: 1000 / q["latency_ms"][ep]["mean"] for ep in ("ask", "search")} if q else {}
    base = svc["configs"][0]
    label = _size(svc["size"], q["vectors"] if q else "")
    for cfg in svc["configs"]:
        one = {r["endpoint"]: r["rps"] for r in cfg["runs"] if r["clients"] == 1}
        where = f"{label}; {cfg['workers']}w x {cfg['threads']}t, " + ("chroma run" if cfg["chroma"] else "embedded")
        where += "".join(f", {k.removeprefix('QA_').lower()}={v}" for k, v in (cfg.get("env") or {}).items())
        for r in cfg["runs"]:
            ep, lat = r["endpoint"], r["latency_ms"]
            value = (f"{r['rps']:.1f}/s, p50 {lat['p50']:.0f} p95 {lat['p95']:.0f} ms; cores: server "
                     f"{r['server_cores_busy']:.1f}, machine {r['machine_cores_busy']:.1f} of {r['cores']}"
                     + (f"; {r['errors']} errors" if r["errors"] else ""))
            if ep in serial:
                ref = f"in-process serial {serial[ep]:.1f}/s" + (f"; x1 {one[ep]:.1f}/s" if r["clients"] > 1 else "")
                rr = ratio(r["rps"], serial[ep])
            else:
                ref, rr = "(HTTP overhead alone)", None
            out.append(("service", where, f"{ep} x{r['clients']} clients", value, ref, _x(rr), "no errors",
                        _status(r["errors"] == 0)))
        if not cfg["runs"]:
            continue
        out.append(("service", where, "server RSS before / after load",
                    f"{cfg['rss_mb_before']:.0f} / {cfg['rss_mb_after']:.0f} MB", "",
                    _x(ratio(cfg["rss_mb_after"], cfg["rss_mb_before"])), "", ""))
    chroma_runs = [c for c in svc["configs"] if c["chroma"]]
    one = next((c for c in chroma_runs if c["workers"] == 1), None)
    for two in (c for c in chroma_runs if c["workers"] == 2):
        for ep in ("search", "ask"):
            top = max(r["clients"] for r in one["runs"])
            a = next(r for r in one["runs"] if r["endpoint"] == ep and r["clients"] == top)
            b = next(r for r in two["runs"] if r["endpoint"] == ep and r["clients"] == top)
            saturated = a["machine_cores_busy"] >= 0.85 * a["cores"]
            variant = "" if not two.get("env") else " (" + ", ".join(f"{k}={v}" for k, v in two["env"].items()) + ")"
            out.append(("service", f"{label}; chroma run", f"{ep} x{top}: 2 workers{variant} vs 1",
                        f"{b['rps']:.1f} req/s ({b['server_cores_busy']:.1f} cores)",
                        f"1 worker {a['rps']:.1f} req/s ({a['server_cores_busy']:.1f} cores)", _x(ratio(b["rps"], a["rps"])),
                        "scales until cores saturated",
                        _status(not (a["errors"] or b["errors"]) and ratio(b["rps"], a["rps"]) >= (0.9 if saturated else 1.3))))
    soak = base.get("soak")
    if soak:
        growth = soak["growth_mb_after_first_step"]
        out.append(("service", label, f"soak {soak['requests']:,} asks: RSS after 1,000 / at end",
                    f"{soak['rss_mb'][1]:.0f} / {soak['rss_mb'][-1]:.0f} MB", f"before {soak['rss_mb'][0]:.0f} MB",
                    _x(ratio(soak["rss_mb"][-1], soak["rss_mb"][1])), "no growth (< 5%)",
                    _status(growth <= 0.05 * soak["rss_mb"][1])))
    else:
        out.append(("service", label, "soak (10,000 asks)", "not run (--soak)", "", "", "no growth", ""))
    return out


def _startup_rows(st: dict | None) -> list[tuple[str, ...]]:
    if not st:
        return []
    ref = st["model_only_s"]
    out = []
    for label, row in st["sizes"].items():
        size = "seed (5 articles)" if label == "seed" else _size(label)
        target, ok = ("<= 5 s", row["ready_s"] <= 5) if label == "seed" else (
            ("<= 2 s", row["ready_s"] <= 2) if label.isdigit() and int(label) >= 50000 else ("", None))
        runs = f" (runs {', '.join(str(r) for r in row['runs'])})" if len(row["runs"]) > 1 else ""
        out.append(("start-up", size, f"spawn -> /api/ready 200 ({st['server']})", f"{row['ready_s']:.2f} s{runs}",
                    f"python + chromadb import + model load {ref:.2f} s", _x(ratio(row["ready_s"], ref)), target, _status(ok)))
        if "dev_server_ready_s" in row:
            out.append(("start-up", size, "spawn -> /api/ready 200 (development server)",
                        f"{row['dev_server_ready_s']:.2f} s", f"python + chromadb import + model load {ref:.2f} s",
                        _x(ratio(row["dev_server_ready_s"], ref)), "", ""))
    return out


def _fresh_rows(fresh: dict | None) -> list[tuple[str, ...]]:
    if not fresh:
        return []
    out = []
    for size, got in sorted(fresh.items(), key=lambda kv: int(kv[0])):
        label = _size(size)
        one, two = got["memory"]["1"], got["memory"]["2"]
        uss1 = one["workers"][0].get("uss_mb", 0)
        uss2 = max(w.get("uss_mb", 0) for w in two["workers"])
        out.append(("memory", label, "per worker RSS / PSS / USS, 1 worker",
                    " / ".join(f"{one['workers'][0].get(k, 0):.0f}" for k in ("rss_mb", "pss_mb", "uss_mb")) + " MB",
                    "", "", "", ""))
        out.append(("memory", label, "per worker USS, 2 workers sharing the index (largest)", f"{uss2:.0f} MB",
                    f"1 worker {uss1:.0f} MB", _x(ratio(uss2, uss1)), "not growing with workers",
                    _status(uss2 <= 1.1 * uss1)))
        f = got.get("fresh")
        if f:
            out.append(("fresh", label, "ingest 1 article -> every worker (2) answers from it",
                        f"{f['every_worker_answers_s']:.2f} s", f"the ingest itself {f['ingest_s']:.2f} s",
                        _x(ratio(f["every_worker_answers_s"], f["ingest_s"])), "<= 3 s" if int(size) == 50000 else "",
                        _status(f["seen"] and f["every_worker_answers_s"] <= 3) if int(size) == 50000 else
                        _status(f["seen"])))
    return out


def text_table(table: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *table]) for i in range(len(HEADER))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(HEADER), line(tuple("-" * w for w in widths)), *(line(r) for r in table)])


def markdown_table(table: list[tuple[str, ...]]) -> str:
    esc = lambda c: c.replace("|", "\\|")  # noqa: E731
    return "\n".join(["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER),
                      *("| " + " | ".join(esc(c) for c in r) + " |" for r in table)])


def notes(results: dict) -> list[str]:
    meta = results["meta"]
    out = [f"command: {meta['command']}", f"when: {meta['when']}; commit {meta['commit']}; {meta['cores']} cores; "
           f"load average at start {meta['load_start']}, at end {meta.get('load_end', '?')}"]
    synthetic = [s for s, q in results.get("query", {}).items() if q["vectors"] == "synthetic vectors"]
    if synthetic:
        out.append("synthetic vectors (no model per chunk; real pool-sentence embeddings + seeded noise, "
                   f"real Chroma, real retrieval and answer code, real query embeddings) at: {', '.join(synthetic)} chunks; "
                   "the tutorial indexes use synthetic vectors at every size")
    for line in meta.get("notes", []):
        out.append(line)
    return out


def write(results: dict, out: Path) -> str:
    table = rows(results)
    results["table"] = [dict(zip(HEADER, r, strict=True)) for r in table]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=1))
    md = "\n".join(["# Benchmark results", "", *(f"- {n}" for n in notes(results)), "", markdown_table(table), ""])
    out.with_suffix(".md").write_text(md)
    return "\n".join([text_table(table), "", *notes(results)])
