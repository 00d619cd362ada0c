"""The `qa eval` runner: every question of a test set through each system under test (our Assistant,
the baselines, named variants), scored with qa.evaluation.metrics into frozen results. It prints nothing; a
progress callback reports each finished question."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib.resources import files
from pathlib import Path
from typing import Protocol

from qa.evaluation import metrics
from qa.errors import BadInput, QAError
from qa.schema import Answer, Passage

RETRIEVAL_DEPTH = 10  # passages ranked per question for hit@k and MRR
HIT_KS = (1, 5, 10)
ALL_SOURCES_K = 8  # "every gold source within the top 8": what a multi-source answer needs to read
ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")
SHIPPED_TESTSET = "testsets/news.jsonl"
# the sets `qa eval --all` runs: the news questions over the seeds, a second corpus with its own
# questions, and rewordings of each (rows grouped with the question they reword)
SHIPPED_SETS = {"news": "testsets/news.jsonl", "news-rewordings": "testsets/news-rewordings.jsonl",
                "harbour": "testsets/harbour/questions.jsonl", "harbour-rewordings": "testsets/harbour/rewordings.jsonl"}
MULTIHOP_REFUSAL = "Insufficient information."  # the gold answer of MultiHop-RAG's null queries
MULTIHOP_NOTE = ("MultiHop-RAG sample: corpus rebuilt from the evidence facts only (one short article per url), "
                 "500 of 2,556 queries; not comparable to the paper's full-corpus figures.")

Progress = Callable[[str, int], None]  # (system name, questions done) after each question


# ---- test sets ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TestCase:
    """One gold question: sources are article ids, evidence verbatim quotes from them."""

    __test__ = False  # not a pytest class

    id: str
    question: str
    answer: str
    aliases: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    type: str = "single"
    difficulty: str = ""
    unanswerable: bool = False
    wrong_answers: tuple[str, ...] = ()  # false answers the corpus also states (RGB's counterfactuals)
    group: str = ""  # rewordings of one question share a group (the original's id)
    history: tuple[dict, ...] = ()  # the earlier turns of a follow-up, as the API takes them


@dataclass(frozen=True)
class TestSet:
    __test__ = False

    name: str
    cases: tuple[TestCase, ...]
    scoring: str = "gold"  # gold | multihop (adds the upstream MultiHop-RAG metrics) | counterfactual (RGB)
    note: str = ""


def source_id(name: str) -> str:
    """Test sets name sources by file ("004_38e8.txt"); the article id is the file stem."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in ARTICLE_SUFFIXES:
        if base.lower().endswith(suffix):
            return base[: -len(suffix)]
    return base


def parse_testset(text: str, name: str) -> TestSet:
    """A JSONL test set in the shared dev-set format (see the eval README)."""
    cases = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
                raise ValueError("no question")
            question = row["question"]
            kind = str(row.get("type") or "single")
            answer = str(row.get("answer") or "")
            # "a.txt|b.txt": a story in two files (a wire copy), either of which counts
            sources = tuple("|".join(source_id(part) for part in s.split("|")) for s in row.get("sources") or ())
            history = tuple({"role": str(t["role"]), "content": str(t["content"])} for t in row.get("history") or ())
            cases.append(TestCase(
                id=str(row.get("id") or f"line{n}"), question=question, answer=answer,
                aliases=tuple(row.get("aliases") or ()), sources=sources, evidence=tuple(row.get("evidence") or ()),
                type=kind, difficulty=str(row.get("difficulty") or ""),
                unanswerable=kind == "unanswerable" or not (answer or sources),
                group=str(row.get("group") or ""), history=history,
            ))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadInput(f"{name} line {n}: not a test case ({exc})") from None
    if not cases:
        raise BadInput(f"{name} holds no test cases")
    return TestSet(name, tuple(cases))


def load_testset(path: Path) -> TestSet:
    try:
        return parse_testset(path.read_text(encoding="utf-8"), path.name)
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read the test set {path}: {exc}") from None


def shipped_testset() -> TestSet:
    """The product's own questions over the seed articles, so `qa eval` works out of the box."""
    return shipped_set("news")


def shipped_set(name: str) -> TestSet:
    """One of SHIPPED_SETS, as the package ships it, named by its path under qa/evaluation/testsets."""
    path = SHIPPED_SETS[name]
    return parse_testset(files("qa.evaluation").joinpath(path).read_text(encoding="utf-8"), path.split("/", 1)[1])


def shared_questions(held_out: TestSet, *others: TestSet) -> tuple[str, ...]:
    """The questions of a held-out set also asked, word for word (case and spacing aside), in the others:
    a set scored as unseen that shares questions with the sets tuned on is no check."""
    def key(q: str) -> str:
        return " ".join(q.casefold().split())
    seen = {key(c.question) for s in others for c in s.cases}
    return tuple(c.question for c in held_out.cases if key(c.question) in seen)


def shipped_corpus(name: str) -> Path:
    """The articles folder of a corpus shipped beside its questions (qa/evaluation/testsets/<name>/articles)."""
    return Path(str(files("qa.evaluation").joinpath("testsets", name, "articles")))


def is_multihop_folder(path: Path) -> bool:
    return path.is_dir() and bool(_multihop_files(path))


def load_multihop(folder: Path) -> tuple[TestSet, list[dict]]:
    """The MultiHop-RAG sample as a test set, and the corpus built from its evidence records: one
    article per url (title, source, published_at, author; its distinct facts, in order, as body)."""
    found = _multihop_files(folder)
    if not found:
        raise BadInput(f"{folder} holds no MultiHop-RAG *queries.json and *ground_truth.json")
    queries_path, truth_path = found
    try:
        queries = json.loads(queries_path.read_text(encoding="utf-8"))["queries"]
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        raise BadInput(f"cannot read the MultiHop-RAG files in {folder}: {exc}") from None
    articles: dict[str, dict] = {}
    cases = []
    for q in queries:
        gold = truth.get(str(q["id"]), {})
        evidence = gold.get("evidence_list") or []
        for e in evidence:
            record = articles.setdefault(e["url"], {
                "id": multihop_article_id(e["url"]), "title": e.get("title", ""), "source": e.get("source", ""),
                "published_at": str(e.get("published_at", ""))[:10], "author": e.get("author", ""),
                "url": e["url"], "facts": [],
            })
            if e["fact"] not in record["facts"]:
                record["facts"].append(e["fact"])
        kind = q.get("question_type", "")
        cases.append(TestCase(
            id=str(q["id"]), question=q["question"], answer=str(gold.get("answer", "")),
            sources=tuple(dict.fromkeys(multihop_article_id(e["url"]) for e in evidence)),
            evidence=tuple(e["fact"] for e in evidence), type=kind, unanswerable=kind == "null_query",
        ))
    corpus = [{k: v for k, v in a.items() if k != "facts"} | {"body": "\n\n".join(a["facts"])}
              for a in articles.values()]
    return TestSet(f"MultiHop-RAG {queries_path.name}", tuple(cases), scoring="multihop", note=MULTIHOP_NOTE), corpus


def unreachable_quotes(testset: TestSet, passage_texts: Sequence[str]) -> list[str]:
    """Gold quotes that no single passage holds whole (cut by chunk boundaries): evidence hit@k can
    never count them, whatever the ranking."""
    texts = [metrics.normalise_quote(t) for t in passage_texts]
    wanted = dict.fromkeys(q for c in testset.cases for q in c.evidence)
    return [q for q in wanted if not any(metrics.normalise_quote(q) in t for t in texts)]


def multihop_article_id(url: str) -> str:
    return "mh-" + hashlib.sha1(url.encode()).hexdigest()[:12]


def _multihop_files(folder: Path) -> tuple[Path, Path] | None:
    queries = sorted(folder.glob("*queries.json"))
    truth = sorted(folder.glob("*ground_truth.json"))
    return (queries[0], truth[0]) if queries and truth else None


# ---- systems under test ------------------------------------------------------------------------

class System(Protocol):
    """Something that ranks passages for a question and answers it."""

    name: str
    description: str

    def ranked(self, question: str, depth: int) -> tuple[Passage, ...]: ...

    def ask(self, question: str) -> Answer: ...


@dataclass(frozen=True)
class AssistantSystem:
    """An Assistant under test: answers exactly as the web app would (its default k)."""

    name: str
    assistant: object  # qa.assistant.Assistant; not imported here so tests may pass a double
    description: str = ""

    def ranked(self, question: str, depth: int, history: tuple[dict, ...] = ()) -> tuple[Passage, ...]:
        return self.assistant.search(question, k=depth, history=history)[0]

    def ask(self, question: str, history: tuple[dict, ...] = ()) -> Answer:
        return self.assistant.ask(question, history=history)


# ---- results -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseResult:
    """One question scored for one system. Rank fields are 1-based, None when nothing relevant came up."""

    id: str
    question: str
    type: str
    unanswerable: bool
    refused: bool
    answer: str
    source_rank: int | None
    all_sources_rank: int | None  # rank by which every gold source has appeared
    evidence_rank: int | None
    # the gold set's scoring hint: the answer or an alias matched; a conflict question is credited only
    # when it gives both versions with their sources (every gold source cited, the disagreement said)
    answer_match: bool | None  # None for unanswerable questions
    answer_words_match: bool | None  # every content word of the answer or an alias, in any order
    answer_f1: float | None
    answer_recall: float | None  # share of the gold answer's words the answer holds
    citation_precision: float | None
    citation_recall: float | None
    cites_all_sources: bool | None  # only for conflict questions
    retrieve_ms: float
    answer_ms: float
    total_ms: float
    gold_sources: int = 0  # how many gold sources and evidence quotes the case has
    gold_quotes: int = 0
    retrieved: tuple[str, ...] = ()  # article ids of the ranked passages
    cited: tuple[str, ...] = ()  # article ids the answer cites, in order, once each
    refusal_reason: str = ""
    filters: dict = field(default_factory=dict)  # filters the assistant read from the question itself
    error: str = ""
    multihop: dict = field(default_factory=dict)  # upstream per-query scores, for MultiHop-RAG
    flags_conflict: bool | None = None  # conflict questions: says the sources disagree (a `conflicts` entry)
    counterfactual: dict = field(default_factory=dict)  # RGB: true / false answer shown, disagreement said
    answer_text_match: bool | None = None  # the answer or an alias in the text, for every type (conflicts too)
    expected: str = ""  # the gold answer ("" for an unanswerable question: a refusal is expected)
    cited_titles: tuple[str, ...] = ()  # the headlines of `cited`, in the same order


@dataclass(frozen=True)
class Summary:
    """Averages over a group of cases; a metric is None when no case of the group defines it."""

    n: int
    metrics: dict[str, float | None]
    counts: dict[str, int]


@dataclass(frozen=True)
class SystemResult:
    name: str
    description: str
    overall: Summary
    by_type: dict[str, Summary]
    cases: tuple[CaseResult, ...]


@dataclass(frozen=True)
class EvalRun:
    testset: str
    scoring: str
    n_cases: int
    depth: int
    systems: tuple[SystemResult, ...]
    notes: tuple[str, ...] = ()
    corpus: dict = field(default_factory=dict)
    elapsed_s: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def system(self, name: str) -> SystemResult:
        return next(s for s in self.systems if s.name == name)


# ---- running -----------------------------------------------------------------------------------

def evaluate(systems: Sequence[System], testset: TestSet, depth: int = RETRIEVAL_DEPTH,
             progress: Progress | None = None, notes: Sequence[str] = (), corpus: dict | None = None) -> EvalRun:
    """Run every case through every system, side by side on the same questions."""
    if len({s.name for s in systems}) != len(systems):
        raise BadInput("system names must be unique")
    started = time.perf_counter()
    results = []
    for system in systems:
        cases = []
        for done, case in enumerate(testset.cases, 1):
            cases.append(run_case(system, case, depth, testset.scoring))
            if progress:
                progress(system.name, done)
        results.append(SystemResult(system.name, system.description, summarise(cases, testset.scoring),
                                    {t: summarise([c for c in cases if c.type == t], testset.scoring)
                                     for t in sorted({c.type for c in cases})},
                                    tuple(cases)))
    all_notes = tuple(n for n in (testset.note, *notes) if n)
    return EvalRun(testset.name, testset.scoring, len(testset.cases), depth, tuple(results), all_notes,
                   dict(corpus or {}), round(time.perf_counter() - started, 2))


def run_case(system: System, case: TestCase, depth: int, scoring: str = "gold") -> CaseResult:
    # a follow-up's earlier turns go along; systems without a conversation (test doubles) take none
    turns = {"history": case.history} if case.history else {}
    try:
        ranked = system.ranked(case.question, depth, **turns)
        answer = system.ask(case.question, **turns)
    except QAError as exc:  # one unusable question must not sink a 500-question run
        return _failed(case, f"{type(exc).__name__}: {exc.message}")
    return score_case(case, ranked, answer, scoring)


def score_case(case: TestCase, ranked: Sequence[Passage], answer: Answer, scoring: str = "gold") -> CaseResult:
    """Score one answer and its ranked passages against the gold case."""
    texts = {p.chunk_id: p.text for p in answer.passages}
    cited = [(c.article_id, texts.get(c.chunk_id, c.quote)) for c in answer.citations]
    gold = set(resolve_sources(case.sources, [a for a, _ in cited] + [p.article.id for p in ranked]))
    source_rank = metrics.first_relevant_rank(p.article.id in gold for p in ranked) if gold else None
    all_sources_rank = metrics.all_found_rank((p.article.id for p in ranked), gold)
    evidence_rank = (metrics.first_relevant_rank(any(metrics.contains_quote(p.text, q) for q in case.evidence)
                                                 for p in ranked) if case.evidence else None)
    said = "" if answer.refused else answer.shown()  # the page and the CLI show the short answer first
    cited_articles = tuple(dict.fromkeys(a for a, _ in cited))
    timings = answer.timings or {}
    answers = (case.answer, *case.aliases)
    cites_all = metrics.cites_all(cited_articles, gold) if case.type == "conflict" else None
    flags = bool(answer.conflicts) if case.type == "conflict" else None
    if case.unanswerable:
        matched = words = literal = None
    else:  # a conflict is credited, as the gold set's scoring hint says, only for both versions with sources
        literal = metrics.answer_matches(said, answers)
        both_versions = bool(cites_all and flags)
        matched = both_versions if case.type == "conflict" else literal
        words = both_versions if case.type == "conflict" else metrics.answer_words_match(said, answers)
    result = CaseResult(
        id=case.id, question=case.question, type=case.type, unanswerable=case.unanswerable, refused=answer.refused,
        answer=answer.shown(),
        source_rank=source_rank, all_sources_rank=all_sources_rank, evidence_rank=evidence_rank,
        answer_match=matched, answer_words_match=words, answer_text_match=literal,
        answer_f1=None if case.unanswerable else metrics.token_f1(said, case.answer),
        answer_recall=None if case.unanswerable else metrics.token_recall(said, case.answer),
        citation_precision=metrics.citation_precision(cited, gold, case.evidence),
        citation_recall=metrics.citation_recall(cited_articles, gold),
        cites_all_sources=cites_all, flags_conflict=flags,
        retrieve_ms=float(timings.get("retrieve_ms", 0.0)), answer_ms=float(timings.get("answer_ms", 0.0)),
        total_ms=float(timings.get("total_ms", 0.0)), gold_sources=len(gold), gold_quotes=len(case.evidence),
        retrieved=tuple(p.article.id for p in ranked), cited=cited_articles,
        refusal_reason=str(answer.diagnostics.get("reason", "")) if answer.refused else "",
        filters=dict(answer.diagnostics.get("filters_from_question") or {}),
        expected="" if case.unanswerable else case.answer,
        cited_titles=tuple(_titles(answer).get(a, "") for a in cited_articles),
    )
    if scoring == "multihop":
        result = _with_multihop(result, case, ranked, answer)
    if scoring == "counterfactual":
        result = replace(result, counterfactual=metrics.counterfactual_scores(said, bool(answer.conflicts), answers,
                                                                       case.wrong_answers))
    return result


def _titles(answer: Answer) -> dict[str, str]:
    return {c.article_id: c.title for c in answer.citations}


def resolve_sources(sources: Sequence[str], seen: Sequence[str]) -> tuple[str, ...]:
    """Gold sources with each "a|b" choice made: the alternative the system cited or retrieved, else the
    first one."""
    seen_set = set(seen)
    return tuple(next((o for o in s.split("|") if o in seen_set), s.split("|")[0]) for s in sources)


def _with_multihop(result: CaseResult, case: TestCase, ranked: Sequence[Passage], answer: Answer) -> CaseResult:
    # a refusal is the system saying "Insufficient information.", the gold answer of null queries; the
    # prediction is the short answer when there is one, as upstream extracts "The answer to the question
    # is ..." from a model's reply (the whole text, scored too, credits any shared word of a long quote)
    prediction = MULTIHOP_REFUSAL if answer.refused else (answer.short_answer or answer.text)
    scores: dict = {"correct": metrics.multihop_answer_correct(prediction, case.answer),
                    "correct_on_text": metrics.multihop_answer_correct(
                        MULTIHOP_REFUSAL if answer.refused else answer.text, case.answer)}
    if case.evidence and not case.unanswerable:
        scores.update(asdict(metrics.multihop_retrieval([p.text for p in ranked], case.evidence)))
    return replace(result, multihop=scores)


def _failed(case: TestCase, error: str) -> CaseResult:
    return CaseResult(
        id=case.id, question=case.question, type=case.type, unanswerable=case.unanswerable, refused=True, answer="",
        source_rank=None, all_sources_rank=None, evidence_rank=None, answer_match=None if case.unanswerable else False,
        answer_words_match=None if case.unanswerable else False,
        answer_text_match=None if case.unanswerable else False,
        answer_f1=None if case.unanswerable else 0.0, answer_recall=None if case.unanswerable else 0.0,
        citation_precision=None,
        citation_recall=metrics.citation_recall((), resolve_sources(case.sources, ())),
        cites_all_sources=False if case.type == "conflict" else None,
        flags_conflict=False if case.type == "conflict" else None,
        retrieve_ms=0.0, answer_ms=0.0, total_ms=0.0, gold_sources=len(set(case.sources)),
        gold_quotes=len(case.evidence), error=error, expected="" if case.unanswerable else case.answer,
    )


# ---- summaries ---------------------------------------------------------------------------------

def summarise(cases: Sequence[CaseResult], scoring: str = "gold") -> Summary:
    """The metrics of the issue, averaged over the cases that define each."""
    m: dict[str, float | None] = {}
    for prefix, attr, gold in (("source", "source_rank", "gold_sources"), ("evidence", "evidence_rank", "gold_quotes")):
        ranks = [getattr(c, attr) for c in cases if getattr(c, gold)]
        for k in HIT_KS:
            m[f"{prefix}_hit@{k}"] = metrics.mean(metrics.hit_at(r, k) for r in ranks) if ranks else None
        m[f"{prefix}_mrr"] = metrics.mean(metrics.reciprocal_rank(r) for r in ranks) if ranks else None
    every = [c.all_sources_rank for c in cases if c.gold_sources]
    m[f"all_sources@{ALL_SOURCES_K}"] = metrics.mean(metrics.hit_at(r, ALL_SOURCES_K) for r in every) if every else None
    m["scoped_share"] = metrics.mean(bool(c.filters) for c in cases if not c.error)
    m["answer_match"] = metrics.mean(c.answer_match for c in cases)
    m["answer_words_match"] = metrics.mean(c.answer_words_match for c in cases)
    m["answer_text_match"] = metrics.mean(c.answer_text_match for c in cases)
    m["answer_f1"] = metrics.mean(c.answer_f1 for c in cases)
    m["answer_recall"] = metrics.mean(c.answer_recall for c in cases)
    m["citation_precision"] = metrics.mean(c.citation_precision for c in cases)
    m["citation_recall"] = metrics.mean(c.citation_recall for c in cases if not c.unanswerable)
    refusals = metrics.abstention((c.unanswerable, c.refused) for c in cases)
    m["abstain_precision"] = refusals.precision
    m["abstain_recall"] = refusals.recall
    m["wrong_refusal_rate"] = refusals.wrong_refusal_rate
    m["conflict_cites_all"] = metrics.mean(c.cites_all_sources for c in cases)
    m["conflict_flagged"] = metrics.mean(c.flags_conflict for c in cases)
    # the conflict target: every gold source cited and the disagreement said
    m["conflict_resolved"] = metrics.mean(None if c.cites_all_sources is None else (c.cites_all_sources and bool(c.flags_conflict))
                                          for c in cases)
    timed = [c for c in cases if not c.error]
    for stage in ("retrieve", "answer", "total"):
        values = [getattr(c, f"{stage}_ms") for c in timed]
        m[f"{stage}_p50_ms"] = metrics.percentile(values, 50)
        m[f"{stage}_p95_ms"] = metrics.percentile(values, 95)
    if scoring == "multihop":
        scored = [c.multihop for c in cases if "hit_at_4" in c.multihop]
        m["mh_hits@4"] = metrics.mean(s["hit_at_4"] for s in scored)
        m["mh_hits@10"] = metrics.mean(s["hit_at_10"] for s in scored)
        m["mh_map@10"] = metrics.mean(s["average_precision_at_10"] for s in scored)
        m["mh_mrr@10"] = metrics.mean(s["reciprocal_rank_at_10"] for s in scored)
        m["mh_accuracy"] = metrics.mean(c.multihop.get("correct") for c in cases)
        m["mh_accuracy_on_text"] = metrics.mean(c.multihop.get("correct_on_text") for c in cases)
    if scoring == "counterfactual":
        scored = [c.counterfactual for c in cases if c.counterfactual]
        for key in ("true_shown", "false_shown", "flagged", "detected", "misled"):
            m[f"cf_{key}"] = metrics.mean(s[key] for s in scored)
    counts = {"answerable": refusals.answerable, "unanswerable": refusals.unanswerable,
              "refused": refusals.refused, "errors": sum(1 for c in cases if c.error)}
    return Summary(len(cases), m, counts)

