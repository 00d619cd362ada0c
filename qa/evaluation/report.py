"""Formatting an EvalRun: a plain-text table for the terminal and a Markdown report for people,
systems side by side in columns. The JSON summary is EvalRun.to_dict()."""

from __future__ import annotations

from collections.abc import Sequence

from qa.evaluation.evaluate import CaseResult, EvalRun, Summary

# (section, [(metric key, label)]); latency rows are milliseconds, the rest shares in 0..1
SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Retrieval: gold sources (article id)", (
        ("source_hit@1", "hit@1"), ("source_hit@5", "hit@5"), ("source_hit@10", "hit@10"), ("source_mrr", "MRR"),
        ("all_sources@8", "every gold source in top 8"),
        ("scoped_share", "questions filtered by an outlet/date they name"))),
    ("Retrieval: gold evidence quotes", (
        ("evidence_hit@1", "hit@1"), ("evidence_hit@5", "hit@5"), ("evidence_hit@10", "hit@10"),
        ("evidence_mrr", "MRR"))),
    ("Answers (answerable questions)", (("answer_match", "match (answer or alias; conflict: both versions cited)"),
                                        ("answer_words_match", "match, any order (content words)"),
                                        ("answer_text_match", "answer or alias in the text (conflicts too)"),
                                        ("answer_f1", "token F1"),
                                        ("answer_recall", "token recall"))),
    ("Citations", (("citation_precision", "precision"), ("citation_recall", "recall of gold sources"))),
    ("Abstention", (("abstain_precision", "refusal precision"), ("abstain_recall", "refusal recall"),
                    ("wrong_refusal_rate", "wrong refusals (answerable)"))),
    ("Conflicts", (("conflict_cites_all", "cites every gold source"), ("conflict_flagged", "says the sources disagree"),
                   ("conflict_resolved", "both: every source cited, disagreement said"))),
    ("Latency (ms)", (("retrieve_p50_ms", "retrieve p50"), ("retrieve_p95_ms", "retrieve p95"),
                      ("answer_p50_ms", "answer p50"), ("answer_p95_ms", "answer p95"),
                      ("total_p50_ms", "total p50"), ("total_p95_ms", "total p95"))),
    ("MultiHop-RAG upstream scoring (non-null queries; accuracy over all)", (
        ("mh_hits@4", "Hits@4"), ("mh_hits@10", "Hits@10"), ("mh_map@10", "MAP@10"), ("mh_mrr@10", "MRR@10"),
        ("mh_accuracy", "answer accuracy (shared token)"))),
    ("RGB counterfactual robustness (true and false passages both in the corpus)", (
        ("cf_true_shown", "true answer shown"), ("cf_false_shown", "false answer shown"),
        ("cf_misled", "false answer shown without the true one"), ("cf_flagged", "says the sources disagree"),
        ("cf_detected", "both shown and the disagreement said"))),
)

# the few metrics worth a row per question type
TYPE_METRICS = {
    "unanswerable": ("abstain_recall",),
    "null_query": ("abstain_recall", "mh_accuracy"),
    "counterfactual": ("source_hit@5", "cf_true_shown", "cf_misled", "cf_detected"),
    "conflict": ("source_hit@5", "all_sources@8", "citation_recall", "conflict_cites_all", "conflict_flagged",
                 "conflict_resolved"),
}
DEFAULT_TYPE_METRICS = ("source_hit@5", "all_sources@8", "evidence_hit@5", "answer_match", "answer_f1",
                        "citation_recall", "wrong_refusal_rate")
MULTIHOP_TYPE_METRICS = ("mh_hits@4", "mh_mrr@10", "mh_accuracy", "citation_recall", "wrong_refusal_rate")
LABELS = {key: label for _, rows in SECTIONS for key, label in rows} | {
    "source_hit@5": "source hit@5", "evidence_hit@5": "evidence hit@5", "mh_hits@4": "MultiHop Hits@4",
    "mh_mrr@10": "MultiHop MRR@10", "mh_accuracy": "MultiHop accuracy", "cf_true_shown": "RGB true answer shown",
    "cf_misled": "RGB false answer only", "cf_detected": "RGB both shown, disagreement said"}


def fmt(key: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if key.endswith("_ms") else f"{value:.2f}"


def overall_rows(run: EvalRun) -> list[tuple[str, list[str]]]:
    """(label, one cell per system) for the overall table; a section is left out when no system has it."""
    rows: list[tuple[str, list[str]]] = []
    for section, metrics in SECTIONS:
        present = [(k, label) for k, label in metrics if any(k in s.overall.metrics for s in run.systems)]
        if not present or all(s.overall.metrics.get(k) is None for k, _ in present for s in run.systems):
            continue
        rows.append((section, []))
        for key, label in present:
            rows.append((f"  {label}", [fmt(key, s.overall.metrics.get(key)) for s in run.systems]))
    return rows


def type_rows(run: EvalRun) -> list[tuple[str, list[str]]]:
    types = sorted({t for s in run.systems for t in s.by_type})
    rows: list[tuple[str, list[str]]] = []
    for t in types:
        first = next(s.by_type[t] for s in run.systems if t in s.by_type)
        default = MULTIHOP_TYPE_METRICS if run.scoring == "multihop" else DEFAULT_TYPE_METRICS
        keys = [k for k in TYPE_METRICS.get(t, default) if first.metrics.get(k) is not None]
        rows.append((f"{t} ({first.n})", []))
        for key in keys:
            rows.append((f"  {LABELS.get(key, key)}", [fmt(key, _type_metric(s.by_type.get(t), key)) for s in run.systems]))
    return rows


def _type_metric(summary: Summary | None, key: str) -> float | None:
    return summary.metrics.get(key) if summary else None


def _header(run: EvalRun) -> list[str]:
    lines = [f"qa eval: {run.testset}, {run.n_cases} questions, {len(run.systems)} systems, "
             f"retrieval depth {run.depth}, {run.elapsed_s:.1f} s"]
    if run.corpus:
        lines.append("corpus: " + ", ".join(f"{k} {v}" for k, v in run.corpus.items()))
    lines += [f"note: {n}" for n in run.notes]
    return lines


def format_table(run: EvalRun) -> str:
    """The terminal table: metrics down, systems across, then the same per question type."""
    names = [s.name for s in run.systems]
    lines = _header(run)
    for title, rows in (("overall", overall_rows(run)), ("by question type", type_rows(run))):
        width = max([len(title)] + [len(label) for label, _ in rows])
        cols = [max(len(n), 6) for n in names]
        lines.append("")
        lines.append(title.ljust(width) + "  " + "  ".join(n.rjust(c) for n, c in zip(names, cols)))
        lines.append("-" * (width + sum(c + 2 for c in cols)))
        for label, cells in rows:
            cells_text = "  ".join(v.rjust(c) for v, c in zip(cells, cols))
            lines.append((label.ljust(width) + "  " + cells_text) if cells else label)
    lines.append("")
    lines += [f"{s.name}: {s.description}" for s in run.systems if s.description]
    return "\n".join(lines)


def format_markdown(run: EvalRun, json_name: str = "", failures_of: str | None = None, max_failures: int = 40) -> str:
    """A report a person can read: the tables, what each system is, and where the first one failed."""
    names = [s.name for s in run.systems]
    out = [f"# Evaluation: {run.testset}", ""]
    out += [f"- {line}" for line in _header(run)]
    if json_name:
        out.append(f"- machine-readable summary: `{json_name}`")
    out += ["", "## Systems", ""]
    out += [f"- **{s.name}**: {s.description}" for s in run.systems]
    for title, rows in (("Overall", overall_rows(run)), ("By question type", type_rows(run))):
        out += ["", f"## {title}", "", "| metric | " + " | ".join(names) + " |",
                "|---|" + "---:|" * len(names)]
        for label, cells in rows:
            if cells:
                out.append(f"| {label.strip()} | " + " | ".join(cells) + " |")
            else:
                out.append(f"| **{label}** |" + " |" * len(names))
    target = run.system(failures_of) if failures_of else (run.systems[0] if run.systems else None)
    if target:
        failed = failures(target.cases)
        out += ["", f"## Where {target.name} fell short ({len(failed)} of {len(target.cases)} questions)", ""]
        if failed:
            out += ["| id | type | problem | question |", "|---|---|---|---|"]
            for case, problem in failed[:max_failures]:
                out.append(f"| {case.id} | {case.type} | {problem} | {_cell(case.question)} |")
            if len(failed) > max_failures:
                out.append(f"\n{len(failed) - max_failures} more in the JSON summary.")
    return "\n".join(out) + "\n"


def failures(cases: Sequence[CaseResult]) -> list[tuple[CaseResult, str]]:
    """Questions with a wrong refusal, a missed abstention, a missed answer or a missed gold source."""
    out = []
    for c in cases:
        problems = []
        if c.error:
            problems.append(f"error: {c.error}")
        elif c.unanswerable and not c.refused:
            problems.append("answered an unanswerable question")
        elif not c.unanswerable and c.refused:
            problems.append(f"refused ({c.refusal_reason or 'no reason'})")
        if c.gold_sources and (c.source_rank is None or c.source_rank > 5):
            scope = ", ".join(f"{k}={v}" for k, v in c.filters.items())
            problems.append("no gold source in top 5" + (f" (filtered by the question: {scope})" if scope else ""))
        if c.answer_match is False and not c.refused:
            problems.append(f"answer not matched (F1 {c.answer_f1:.2f})")
        if c.cites_all_sources is False:
            problems.append("conflict: not every source cited")
        if c.flags_conflict is False:
            problems.append("conflict: the disagreement is not said")
        if problems:
            out.append((c, "; ".join(problems)))
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
