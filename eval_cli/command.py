"""`qa eval [TESTSET] [--json OUT] [--compare NAME=KEY=VALUE,...] [--multihop DIR | --rgb FILE]`: score the Assistant
and the baselines side by side on a test set. It lives in ingest because it may have to index a corpus
first (the seeds when the index is empty, the MultiHop-RAG evidence corpus, re-chunked variants)."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import fields, replace
from pathlib import Path

from qa.config import Settings
from qa.errors import BadInput
from qa.progress import TerminalProgress
from qa.retrieval.retrieve import RetrievalConfig

# Settings a --compare variant may change; paths, URLs and keys stay those of the run
_FIXED = {"data_dir", "chroma_url", "collection", "seeds_dir", "llm_base_url", "llm_model", "llm_api_key", "api_key"}
SETTING_KEYS = {f.name for f in fields(Settings)} - _FIXED
RETRIEVAL_KEYS = {"mode", "dense_weight", "keyword_weight", "rescore_weight"}
REINDEX_KEYS = {"chunk_tokens", "chunk_overlap_tokens"}
RESERVED_NAMES = {"ours", "keyword", "dense", "tutorial"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "eval", help="score answers against a test set, with baselines side by side",
        description="Runs every question through the Assistant the web app uses and through the baselines "
                    "(keyword-only, dense-only, the LangChain tutorial pipeline), prints a table and writes "
                    "a JSON summary and a Markdown report beside it.")
    parser.add_argument("testset", nargs="?", type=Path, default=None,
                        help="JSONL test set, or a MultiHop-RAG folder (default: the shipped news test set)")
    parser.add_argument("--json", dest="json_out", type=Path, default=Path("eval-report.json"),
                        help="where to write the JSON summary (default eval-report.json); the .md goes beside it")
    parser.add_argument("--compare", action="append", default=[], metavar="NAME=KEY=VALUE[,KEY=VALUE]",
                        help="also run a named variant of our settings, e.g. k8=top_k=8 or "
                             "small=chunk_tokens=100,chunk_overlap_tokens=20 (repeatable)")
    parser.add_argument("--multihop", type=Path, default=None, metavar="DIR",
                        help="run the MultiHop-RAG sample in DIR over a corpus built from its evidence")
    parser.add_argument("--rgb", type=Path, default=None, metavar="FILE",
                        help="run RGB's counterfactual set (en_fact.json): true and false passages in one corpus")
    parser.add_argument("--report", type=Path, default=None, metavar="FILE.html",
                        help="also write one self-contained HTML page: bars per question type for each system, "
                             "the latency distribution and the list of misses, per test set")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N questions")
    parser.add_argument("--all", dest="all_sets", action="store_true",
                        help="every shipped set in one table (the news set and its rewordings, the harbour corpus "
                             "and its rewordings), plus --multihop DIR, --rgb FILE and --extra FILE when given")
    parser.add_argument("--extra", action="append", default=[], type=Path, metavar="FILE",
                        help="with --all: one more JSONL test set over the seed articles (repeatable)")
    parser.set_defaults(run=run)


def parse_compare(spec: str) -> tuple[str, dict[str, str]]:
    """"k8=top_k=8,candidates=50" -> ("k8", {"top_k": "8", "candidates": "50"})."""
    name, _, rest = spec.partition("=")
    if not _NAME.match(name) or name in RESERVED_NAMES:
        raise BadInput(f"--compare {spec!r}: the name must be letters, digits, _ or - and not one of "
                       f"{', '.join(sorted(RESERVED_NAMES))}")
    changes = {}
    for pair in filter(None, rest.split(",")):
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or key not in SETTING_KEYS | RETRIEVAL_KEYS:
            raise BadInput(f"--compare {spec!r}: {key!r} is not a setting; use one of "
                           f"{', '.join(sorted(SETTING_KEYS | RETRIEVAL_KEYS))}")
        changes[key] = value.strip()
    if not changes:
        raise BadInput(f"--compare {spec!r}: give NAME=KEY=VALUE[,KEY=VALUE]")
    return name, changes


def variant_values(changes: dict[str, str], settings: Settings) -> tuple[dict, dict]:
    """Typed (settings changes, retrieval config changes) from a --compare spec."""
    setting, retrieval = {}, {}
    for key, raw in changes.items():
        if key in RETRIEVAL_KEYS:
            default, target = getattr(RetrievalConfig(), key), retrieval
        else:
            default, target = getattr(settings, key), setting
        try:
            target[key] = type(default)(raw)
        except ValueError:
            raise BadInput(f"--compare: {key}={raw!r} is not a valid {type(default).__name__}") from None
    if retrieval.get("mode", "hybrid") not in ("hybrid", "dense", "keyword"):
        raise BadInput("--compare: mode must be hybrid, dense or keyword")
    return setting, retrieval


def run(args, settings: Settings) -> int:
    from qa.evaluation.report import format_markdown, format_table
    from qa.evaluation.evaluate import is_multihop_folder, load_multihop, load_testset, shipped_testset
    from qa.evaluation.rgb import load_rgb

    variants = [parse_compare(spec) for spec in args.compare]  # bad specs fail before any model loads
    if len({name for name, _ in variants}) != len(variants):
        raise BadInput("--compare names must be unique")
    if args.limit is not None and args.limit < 1:
        raise BadInput("--limit must be at least 1")
    check_report_path(args.report)
    if args.all_sets:
        if args.testset or variants:
            raise BadInput("--all runs the shipped sets: give no TESTSET and no --compare with it")
        return run_all(args, settings)
    if args.extra:
        raise BadInput("--extra goes with --all")
    multihop = args.multihop or (args.testset if args.testset and is_multihop_folder(args.testset) else None)
    external = bool(multihop or args.rgb)
    if multihop and args.rgb:
        raise BadInput("give --multihop or --rgb, not both")
    if args.rgb:
        if not args.rgb.is_file():
            raise BadInput(f"no such RGB file: {args.rgb}")
        testset, corpus = load_rgb(args.rgb)
        settings = settings.with_(data_dir=settings.data_dir / "eval-rgb", collection=f"{settings.collection}-rgb")
        root = write_corpus(corpus, settings.data_dir / "corpus" / "rgb_corpus.jsonl")
    elif multihop:
        testset, corpus = load_multihop(multihop)
        # a separate index, so the MultiHop corpus never mixes with the news one
        settings = settings.with_(data_dir=settings.data_dir / "eval-multihop",
                                  collection=f"{settings.collection}-multihop")
        root = write_corpus(corpus, settings.data_dir / "corpus" / "multihop_corpus.jsonl")
    elif args.testset:
        if not args.testset.is_file():
            raise BadInput(f"no such test set: {args.testset}")
        testset, root = load_testset(args.testset), settings.seeds_dir
    else:
        testset, root = shipped_testset(), settings.seeds_dir
    if args.limit:
        testset = replace(testset, cases=testset.cases[: args.limit])

    result = score_set(testset, settings, root, external, variants)
    print(format_table(result))
    json_path = args.json_out
    md_path = json_path.with_suffix(".md")
    try:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        md_path.write_text(format_markdown(result, json_name=json_path.name), encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write the report to {json_path}: {exc.strerror}") from None
    print(f"\nwrote {json_path} and {md_path}")
    if args.report:
        write_html(args.report, [(testset.name, result)])
    return 0


def check_report_path(path: Path | None) -> None:
    if path is not None and path.suffix.lower() not in {".html", ".htm"}:
        raise BadInput(f"the report is an HTML page: give a file ending in .html, not {path.name}")


def write_html(path: Path, sets) -> None:
    """The self-contained HTML report of (label, EvalRun) pairs."""
    from qa.evaluation.html_report import render_report

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_report(sets), encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write the report to {path}: {exc.strerror}") from None
    print(f"wrote {path}")


def score_set(testset, settings: Settings, root: Path, external: bool, variants=(), ours=None, label: str = ""):
    """Run one test set through ours, the baselines and the variants over the index `settings` name
    (ingested from `root` when it is external or empty); the EvalRun, printing only the progress bar."""
    from qa.assistant import Assistant
    from qa.evaluation.baselines import standard_baselines
    from qa.evaluation.evaluate import AssistantSystem, evaluate, unreachable_quotes

    ours = ours or Assistant.build(settings)
    notes = []
    if external or ours.store.counts()[1] == 0:
        report = _ingest(root, ours.store, ours.embedder, settings)
        ours.refresh()  # answer from what was just indexed, not from a snapshot taken before
        if report.duplicates:
            notes.append(f"{len(report.duplicates)} near-duplicate articles were collapsed into their originals")
    systems = [AssistantSystem("ours", ours, "hybrid retrieval (dense + BM25, RRF, per-article cap), our answerer "
                                             f"(top_k {settings.top_k})")]
    systems += standard_baselines(ours)
    systems += [_variant(name, changes, ours, root) for name, changes in variants]

    chunks = ours.store.chunks()
    missing = sorted({s for c in testset.cases for s in c.sources} - {a.id for a in ours.store.articles()})
    if missing:
        notes.append(f"{len(missing)} gold sources are not in the index (e.g. {missing[0]}): "
                     "their questions cannot score on retrieval")
    split = unreachable_quotes(testset, [c.text for c in chunks])
    if split:
        notes.append(f"{len(split)} gold evidence quotes are not wholly inside any one of our chunks "
                     "(cut by chunk boundaries), so evidence hit@k cannot count them for our index")
    articles, chunk_count = ours.store.counts()
    corpus_info = {"articles": articles, "chunks": chunk_count, "embedding": ours.embedder.name}

    with TerminalProgress(f"Scoring {label or testset.name}", len(systems) * len(testset.cases),
                          "questions answered", f"by {systems[0].name}") as bar:
        result = evaluate(systems, testset, progress=lambda system, done: bar.advance(1, f"by {system}"),
                          notes=notes, corpus=corpus_info)
    print(summary_line(label or testset.name, result), file=sys.stderr)
    return result


def summary_line(label: str, result) -> str:
    """"news: 32 questions answered by 4 systems in 12.3 s; ours: answer match 0.89, refusal recall 0.80"."""
    ours = result.systems[0]
    named = (("answer match", "answer_match"), ("citation precision", "citation_precision"),
             ("refusal recall", "abstain_recall"))
    figures = ", ".join(f"{name} {ours.overall.metrics[key]:.2f}" for name, key in named
                        if ours.overall.metrics.get(key) is not None)
    return (f"{label}: {result.n_cases} questions answered by {len(result.systems)} systems in "
            f"{result.elapsed_s:.1f} s; {ours.name}: {figures or 'no figures'}")


def run_all(args, settings: Settings) -> int:
    """`qa eval --all`: every shipped set (and the external ones given) in one table."""
    from qa.assistant import Assistant
    from qa.evaluation.suite import SetResult, consistency, format_suite
    from qa.evaluation.evaluate import SHIPPED_SETS, load_testset, shared_questions, shipped_corpus, shipped_set
    from qa.evaluation.rgb import load_rgb

    plans = []  # (label, test set, settings, corpus root, external, reworded label)
    for name, corpus in (("news", None), ("harbour", "harbour")):
        own = settings if corpus is None else settings.with_(data_dir=settings.data_dir / f"eval-{corpus}",
                                                             collection=f"{settings.collection}-{corpus}")
        root = settings.seeds_dir if corpus is None else shipped_corpus(corpus)
        plans.append((name, shipped_set(name), own, root, corpus is not None, None))
        plans.append((f"{name} rewordings", shipped_set(f"{name}-rewordings"), own, root, corpus is not None, name))
        if corpus is None:
            for extra in args.extra:
                if not extra.is_file():
                    raise BadInput(f"no such test set: {extra}")
                extra_set = load_testset(extra)
                repeated = shared_questions(extra_set, *(shipped_set(n) for n in SHIPPED_SETS))
                if repeated:  # a held-out set asked with the shipped questions measures nothing unseen
                    print(f"warning: {len(repeated)} question(s) of {extra} are also in the shipped sets, "
                          f"e.g. {repeated[0]!r}", file=sys.stderr)
                plans.append((extra.stem, extra_set, own, root, False, None))
    if args.multihop:
        from qa.evaluation.evaluate import load_multihop

        testset, records = load_multihop(args.multihop)
        own = settings.with_(data_dir=settings.data_dir / "eval-multihop", collection=f"{settings.collection}-multihop")
        plans.append(("multihop-rag", testset, own, write_corpus(records, own.data_dir / "corpus" / "multihop_corpus.jsonl"),
                      True, None))
    if args.rgb:
        testset, records = load_rgb(args.rgb)
        own = settings.with_(data_dir=settings.data_dir / "eval-rgb", collection=f"{settings.collection}-rgb")
        plans.append(("rgb", testset, own, write_corpus(records, own.data_dir / "corpus" / "rgb_corpus.jsonl"), True, None))
    results: list[SetResult] = []
    assistants: dict[str, object] = {}
    for label, testset, own, root, external, reworded in plans:
        if args.limit:
            testset = replace(testset, cases=testset.cases[: args.limit])
        key = str(own.data_dir) + own.collection
        if key not in assistants:
            assistants[key] = Assistant.build(own)
        run = score_set(testset, own, root, external and key not in {r.run.corpus.get("index") for r in results},
                        ours=assistants[key], label=label)
        run = replace(run, corpus={**run.corpus, "index": key})
        shares, groups = {}, 0
        if reworded:
            originals = next(r for r in results if r.label == reworded)
            group_of = {c.id: c.group for c in testset.cases if c.group}
            for system in run.systems:
                before = [s for s in originals.run.systems if s.name == system.name]
                cases = list(system.cases) + (list(before[0].cases) if before else [])
                shares[system.name], groups = consistency(cases, group_of)
        results.append(SetResult(label, run, shares, groups))
    print(format_suite(results))
    out = args.json_out
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write the report to {out}: {exc.strerror}") from None
    print(f"\nwrote {out}")
    if args.report:
        write_html(args.report, [(r.label, r.run) for r in results])
    return 0


def write_corpus(records: list[dict], path: Path) -> Path:
    """The evidence-built articles as one .jsonl that ingest reads; rewritten only when it changes."""
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path.parent


def _ingest(root: Path, store, embedder, settings: Settings):
    from ingest.pipeline import ingest_path

    if not root.exists():
        raise BadInput(f"the index is empty and there is no corpus at {root} to ingest")
    return ingest_path(root, store, embedder, settings)


def _variant(name: str, changes: dict[str, str], ours, root: Path):
    """An Assistant with changed settings; new chunk sizes get their own collection, ingested from root."""
    from qa.assistant import Assistant
    from qa.evaluation.evaluate import AssistantSystem
    from qa.retrieval.retrieve import Retriever
    from qa.index.store import ChromaStore

    setting, retrieval = variant_values(changes, ours.settings)
    settings = ours.settings.with_(**setting)
    store = ours.store
    if REINDEX_KEYS & set(setting):
        settings = settings.with_(collection=f"{ours.settings.collection}-{name}")
        store = ChromaStore.open(settings, ours.embedder.name, ours.embedder.dimension)
        _ingest(root, store, ours.embedder, settings)
    # ours, as the Assistant builds it from settings, with only the named changes
    config = RetrievalConfig(**{"candidates": settings.candidates, "per_article_cap": settings.per_article_cap,
                                "dense_weight": settings.dense_weight, "keyword_weight": settings.keyword_weight,
                                **retrieval})
    assistant = Assistant(settings, store, ours.embedder, retriever=Retriever(store, ours.embedder, config),
                          answerer=ours.answerer)
    return AssistantSystem(name, assistant, "ours with " + ", ".join(f"{k}={v}" for k, v in changes.items()))
