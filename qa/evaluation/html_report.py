"""`qa eval --report FILE.html`: one self-contained page (inline CSS, no script, nothing fetched) that
shows, per test set, bars per question type for ours and each baseline, the latency distribution of
each system, and the questions ours missed (question, expected answer, what it answered, what it cited),
so that a reader sees at a glance where it fails. Every value from a test set or an answer is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from qa.evaluation.report import failures
from qa.evaluation.evaluate import EvalRun, Summary

LATENCY_BINS_MS = (25, 50, 100, 250, 500, 1000, 2500)  # upper edges; one more bin above the last
MAX_SHOWN_CHARS = 500  # an answer is shown up to this long in the list of misses
COLOURS = ("#1f5fbf", "#b3541e", "#2f7d32", "#7b3fa0", "#8a6d00", "#00707a")

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.25rem 3rem; color: #1b1b1b; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; border-top: 1px solid #ccc; padding-top: 1rem; }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
.meta, .note { color: #555; font-size: 0.9rem; }
.legend { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; padding: 0; list-style: none; font-size: 0.9rem; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 2px; margin-right: 0.3rem; vertical-align: -1px; }
.chart { display: grid; grid-template-columns: minmax(9rem, 14rem) 1fr; gap: 0.75rem 1rem; align-items: start; }
.group-label { font-weight: 600; } .group-label small { display: block; font-weight: 400; color: #555; }
.bars { display: grid; gap: 3px; }
.bar-row { display: grid; grid-template-columns: 6.5rem 1fr 3.2rem; align-items: center; gap: 0.5rem; font-size: 0.85rem; }
.track { background: #eee; border-radius: 3px; height: 0.9rem; }
.fill { height: 100%; border-radius: 3px; min-width: 1px; }
.value { text-align: right; font-variant-numeric: tabular-nums; }
.hist { display: flex; align-items: flex-end; gap: 4px; height: 6rem; border-bottom: 1px solid #999; }
.hist .col { flex: 1; display: flex; flex-direction: column; justify-content: flex-end; align-items: center; height: 100%; font-size: 0.75rem; }
.hist .col div { width: 100%; border-radius: 2px 2px 0 0; }
.hist-labels { display: flex; gap: 4px; font-size: 0.72rem; color: #555; } .hist-labels span { flex: 1; text-align: center; }
figure { margin: 0; }
.hist-labels span { overflow: hidden; white-space: nowrap; }
.latency { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 1rem 1.5rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.35rem 0.4rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; position: sticky; top: 0; }
td.problem { color: #8a1c1c; }
"""


def render_report(sets: Sequence[tuple[str, EvalRun]], title: str = "Evaluation report") -> str:
    """The whole page for (label, run) pairs, in order."""
    body = [f"<h1>{escape(title)}</h1>",
            f"<p class=\"meta\">{len(sets)} test set{'s' if len(sets) != 1 else ''}: "
            + ", ".join(f"<a href=\"#{_anchor(label)}\">{escape(label)}</a>" for label, _ in sets) + "</p>"]
    for label, run in sets:
        body.append(_set_section(label, run))
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _anchor(label: str) -> str:
    return "set-" + "".join(ch if ch.isalnum() else "-" for ch in label.lower())


def _set_section(label: str, run: EvalRun) -> str:
    corpus = run.corpus or {}
    facts = [f"{run.n_cases} questions", f"{len(run.systems)} systems"]
    if corpus.get("articles") is not None:
        facts.append(f"{corpus['articles']} articles, {corpus.get('chunks', '?')} chunks")
    facts.append(f"{run.elapsed_s:.1f} s")
    out = [f"<section id=\"{_anchor(label)}\" aria-label=\"{escape(label)}\">",
           f"<h2>{escape(label)}</h2>", f"<p class=\"meta\">{escape(' · '.join(facts))}</p>"]
    out += [f"<p class=\"note\">{escape(n)}</p>" for n in run.notes]
    out.append(_legend(run))
    out.append(_type_chart(run))
    out.append(_latency(run))
    out.append(_misses(run))
    out.append("</section>")
    return "\n".join(out)


def _legend(run: EvalRun) -> str:
    items = "".join(f"<li><span class=\"swatch\" style=\"background:{COLOURS[i % len(COLOURS)]}\"></span>"
                    f"<strong>{escape(s.name)}</strong>: {escape(s.description)}</li>"
                    for i, s in enumerate(run.systems))
    return f"<ul class=\"legend\" aria-label=\"Systems\">{items}</ul>"


def _measure(summaries) -> tuple[str, str]:
    """(metric key, its label) a group's bars show: answer match, or for a group of questions with no
    answer (unanswerable, MultiHop's null_query), whether they were refused."""
    if any(v and v.metrics.get("answer_match") is not None for v in summaries.values()):
        return "answer_match", "answer match"
    return "abstain_recall", "refusal recall"


def _type_chart(run: EvalRun) -> str:
    types = sorted({t for s in run.systems for t in s.by_type},
                   key=lambda t: (-max((s.by_type[t].n for s in run.systems if t in s.by_type), default=0), t))
    groups = [("all questions", {s.name: s.overall for s in run.systems})]
    groups += [(t, {s.name: s.by_type.get(t) for s in run.systems}) for t in types]
    out = ["<h3>By question type</h3>", "<div class=\"chart\">"]
    for name, summaries in groups:
        key, label = _measure(summaries)
        n = max((v.n for v in summaries.values() if v), default=0)
        out.append(f"<div class=\"group-label\">{escape(name)}<small>{n} questions · {escape(label)}</small></div>")
        rows = [_bar(system.name, _value(summaries.get(system.name), key), COLOURS[i % len(COLOURS)])
                for i, system in enumerate(run.systems)]
        out.append(f"<div class=\"bars\" role=\"list\" aria-label=\"{escape(name)}\">{''.join(rows)}</div>")
    out.append("</div>")
    return "\n".join(out)


def _value(summary: Summary | None, key: str) -> float | None:
    return summary.metrics.get(key) if summary else None


def _bar(system: str, value: float | None, colour: str) -> str:
    shown = "–" if value is None else f"{value:.2f}"
    width = 0 if value is None else round(100 * max(0.0, min(1.0, value)), 1)
    return (f"<div class=\"bar-row\" role=\"listitem\" data-system=\"{escape(system)}\" data-value=\"{shown}\">"
            f"<span>{escape(system)}</span><span class=\"track\"><span class=\"fill\" "
            f"style=\"display:block;width:{width}%;background:{colour}\"></span></span>"
            f"<span class=\"value\">{shown}</span></div>")


def _latency(run: EvalRun) -> str:
    labels = [f"≤{_ms(edge)}" for edge in LATENCY_BINS_MS] + [f">{_ms(LATENCY_BINS_MS[-1])}"]
    out = ["<h3>Latency per question (total, ms)</h3>", "<div class=\"latency\">"]
    for i, system in enumerate(run.systems):
        times = sorted(c.total_ms for c in system.cases if not c.error)
        counts = [0] * (len(LATENCY_BINS_MS) + 1)
        for t in times:
            counts[next((b for b, edge in enumerate(LATENCY_BINS_MS) if t <= edge), len(LATENCY_BINS_MS))] += 1
        top = max(counts) or 1
        cols = "".join(f"<span class=\"col\" title=\"{n} questions {label} ms\">{n or ''}"
                       f"<div style=\"height:{round(100 * n / top)}%;background:{COLOURS[i % len(COLOURS)]}\"></div></span>"
                       for n, label in zip(counts, labels))
        m = system.overall.metrics
        figures = ", ".join(f"{name} {m[key]:.0f} ms" for key, name in (("total_p50_ms", "p50"), ("total_p95_ms", "p95"))
                            if m.get(key) is not None)
        out.append(f"<figure data-system=\"{escape(system.name)}\"><figcaption><strong>{escape(system.name)}</strong>"
                   f" · {escape(figures or 'no timings')}</figcaption><div class=\"hist\">{cols}</div>"
                   f"<div class=\"hist-labels\">{''.join(f'<span>{escape(x)}</span>' for x in labels)}</div></figure>")
    out.append("</div>")
    return "\n".join(out)


def _ms(value: float) -> str:
    return f"{value / 1000:g}s" if value >= 1000 else f"{value:g}"


def _misses(run: EvalRun) -> str:
    if not run.systems:
        return ""
    ours = run.systems[0]
    missed = failures(ours.cases)
    out = [f"<h3>Where {escape(ours.name)} fell short: {len(missed)} of {len(ours.cases)} questions</h3>"]
    if not missed:
        return out[0] + "<p>Every question was answered as the test set expects.</p>"
    out.append("<table class=\"misses\"><thead><tr><th>id</th><th>type</th><th>question</th><th>expected</th>"
               "<th>answered</th><th>cited</th><th>problem</th></tr></thead><tbody>")
    for case, problem in missed:
        answered = "(refused)" if case.refused else case.answer
        if len(answered) > MAX_SHOWN_CHARS:
            answered = answered[:MAX_SHOWN_CHARS].rsplit(" ", 1)[0] + " …"
        cited = "; ".join(title or article for article, title in
                          zip(case.cited, case.cited_titles or ("",) * len(case.cited))) or "nothing"
        expected = "a refusal" if case.unanswerable else case.expected
        out.append(f"<tr data-id=\"{escape(case.id)}\"><td>{escape(case.id)}</td><td>{escape(case.type)}</td>"
                   f"<td>{escape(case.question)}</td><td>{escape(expected)}</td><td>{escape(answered)}</td>"
                   f"<td>{escape(cited)}</td><td class=\"problem\">{escape(problem)}</td></tr>")
    out.append("</tbody></table>")
    return "\n".join(out)
