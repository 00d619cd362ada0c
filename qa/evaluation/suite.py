"""Several test sets in one `qa eval --all` run: one row per set with the baselines beside ours, the
per-type figures, and paraphrase consistency, the share of question groups (a question and its
rewordings) in which every wording gets the same verdict. An answerer tuned to one phrasing scores
well on a set and badly here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from qa.evaluation.report import fmt
from qa.evaluation.evaluate import CaseResult, EvalRun

__all__ = ["SetResult", "consistency", "format_suite", "verdict"]

SYSTEMS = ("ours", "keyword", "dense", "tutorial")
SHORT = {"keyword": "bm25", "tutorial": "tutor"}
ROW_METRICS = (("answer_match", "answer match"), ("citation_precision", "citation precision"),
               ("abstain_recall", "refusal recall"),
               ("wrong_refusal_rate", "wrong refusals"), ("source_hit@5", "source hit@5"))


def verdict(case: CaseResult) -> str:
    """right, wrong or refused: what a reader would say of one answer."""
    if case.unanswerable:
        return "right" if case.refused else "wrong"
    if case.refused:
        return "refused"
    return "right" if case.answer_match else "wrong"


def consistency(cases: Sequence[CaseResult], groups: dict[str, str]) -> tuple[float | None, int]:
    """(share of groups of two or more wordings whose verdicts all agree, how many such groups).
    `groups` maps a case id to its group; a case without one is its own group (an original question)."""
    verdicts: dict[str, set[str]] = defaultdict(set)
    sizes: dict[str, int] = defaultdict(int)
    for case in cases:
        group = groups.get(case.id) or case.id
        verdicts[group].add(verdict(case))
        sizes[group] += 1
    scored = [g for g, n in sizes.items() if n > 1]
    if not scored:
        return None, 0
    return sum(len(verdicts[g]) == 1 for g in scored) / len(scored), len(scored)


@dataclass(frozen=True)
class SetResult:
    """One set's run, and the consistency of each system over it and the set it rewords (if any)."""

    label: str
    run: EvalRun
    consistency: dict[str, float | None]  # system -> share, for a rewordings set (with its originals)
    groups: int = 0

    def to_dict(self) -> dict:
        return {"label": self.label, "consistency": self.consistency, "groups": self.groups,
                "run": asdict(self.run)}


def _value(run: EvalRun, system: str, key: str) -> float | None:
    found = [s for s in run.systems if s.name == system]
    return found[0].overall.metrics.get(key) if found else None


def format_suite(results: Sequence[SetResult]) -> str:
    """One table, a row per set: each headline metric for ours and the three baselines side by side,
    then consistency; below it, answer match (refusal recall for unanswerable questions) per type."""
    names = [s for s in SYSTEMS if any(any(r.name == s for r in res.run.systems) for res in results)]
    width = 6 * len(names)
    groups = [label for _, label in ROW_METRICS] + ["consistency"]
    lines = [" " * 30 + "   ".join(g.center(width) for g in groups),
             f"{'set':<24}{'n':>5} " + "   ".join("".join(SHORT.get(n, n)[:5].rjust(6) for n in names) for _ in groups)]
    lines.append("-" * len(lines[0]))
    for res in results:
        cells = ["".join(fmt(key, _value(res.run, n, key)).rjust(6) for n in names) for key, _ in ROW_METRICS]
        cells.append("".join((fmt("share", res.consistency.get(n)) if res.consistency else "-").rjust(6) for n in names))
        lines.append(f"{res.label:<24}{res.run.n_cases:>5} " + "   ".join(cells))
    lines += ["", f"{'by question type':<56}{'n':>4} " + "".join(SHORT.get(n, n)[:5].rjust(6) for n in names)]
    for res in results:
        ours = [s for s in res.run.systems if s.name == "ours"]
        for kind, summary in (ours[0].by_type.items() if ours else ()):
            refusals = summary.counts.get("unanswerable") == summary.n  # a type of unanswerable questions
            key = "abstain_recall" if refusals else "answer_match"
            per = []
            for n in names:
                system = [s for s in res.run.systems if s.name == n]
                value = system[0].by_type[kind].metrics.get(key) if system and kind in system[0].by_type else None
                per.append(fmt(key, value).rjust(6))
            label = f"{res.label} / {kind}" + (" (refusal recall)" if refusals else "")
            lines.append(f"  {label:<54}{summary.n:>4} " + "".join(per))
    return "\n".join(lines)
