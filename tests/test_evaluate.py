"""`qa eval`: the shipped test set, scoring one case, the runner and its summaries, the baselines on
the seed corpus, the MultiHop-RAG adapter and the command itself."""

import json
from dataclasses import replace

import pytest

from qa.errors import BadInput, QAError
from qa.evaluation.report import failures, format_markdown, format_table
from qa.evaluation.evaluate import (
    AssistantSystem,
    TestCase,
    TestSet,
    evaluate,
    load_multihop,
    parse_testset,
    score_case,
    shared_questions,
    shipped_set,
    shipped_testset,
    source_id,
    summarise,
    unreachable_quotes,
)
from qa.schema import Answer, ArticleMeta, Citation, Conflict, Passage
from tests.conftest import SEEDS

TYPES = {"single", "multi", "unanswerable", "conflict", "temporal", "attribution"}


# ---- the shipped test set -------------------------------------------------------------------------

def test_shipped_test_set_evidence_is_verbatim_in_its_source_files():
    testset = shipped_testset()
    assert len(testset.cases) >= 20
    for case in testset.cases:
        texts = [(SEEDS / f"{s}.txt").read_text(encoding="utf-8") for s in case.sources]
        for quote in case.evidence:
            assert any(quote in text for text in texts), (case.id, quote)
            assert 5 <= len(quote.split()) <= 40, (case.id, quote)


def test_shipped_test_set_follows_the_dev_set_format():
    raw = [json.loads(line) for line in (SEEDS.parent / "qa" / "evaluation" / "testsets" / "news.jsonl").read_text().splitlines()]
    assert all(set(r) == {"id", "question", "answer", "aliases", "sources", "evidence", "type", "difficulty"}
               for r in raw)
    assert len({r["id"] for r in raw}) == len(raw)
    assert {r["type"] for r in raw} == TYPES  # every type is covered
    assert {r["difficulty"] for r in raw} <= {"easy", "medium", "hard"}
    for r in raw:
        empty = r["type"] == "unanswerable"
        assert (r["answer"] == "" and not r["sources"] and not r["evidence"] and not r["aliases"]) == empty, r["id"]
        assert all((SEEDS / s).is_file() for s in r["sources"]), r["id"]
    assert sum(r["type"] == "unanswerable" for r in raw) == sum(c.unanswerable for c in shipped_testset().cases)


def test_a_held_out_set_sharing_questions_with_the_shipped_ones_is_found():
    shipped = shipped_testset()
    asked = shipped.cases[3].question
    held_out = parse_testset(json.dumps({"id": "x", "question": "  " + asked.upper().replace(" ", "  "),
                                         "answer": "", "sources": [], "type": "unanswerable"}) + "\n" +
                             json.dumps({"id": "y", "question": "Who chaired the talks in Lisbon?",
                                         "answer": "", "sources": [], "type": "unanswerable"}) + "\n", "held.jsonl")
    assert shared_questions(held_out, shipped) == (held_out.cases[0].question,)
    assert shared_questions(held_out, shipped_set("harbour")) == ()


def test_a_rewording_is_never_its_original_word_for_word():
    for name in ("news", "harbour"):
        assert shared_questions(shipped_set(f"{name}-rewordings"), shipped_set(name)) == (), name


def test_parse_testset_maps_file_names_to_article_ids_and_reports_bad_lines():
    text = ('{"id": "a", "question": "Who?", "answer": "X", "sources": ["004_38e8.txt"], "type": "single"}\n\n'
            '{"id": "b", "question": "Why?", "answer": "", "sources": [], "type": "unanswerable"}\n')
    testset = parse_testset(text, "t.jsonl")
    assert [c.sources for c in testset.cases] == [("004_38e8",), ()]
    assert [c.unanswerable for c in testset.cases] == [False, True]
    assert source_id("sub/dir/003_x.html") == "003_x" and source_id("mh-abc") == "mh-abc"
    with pytest.raises(BadInput, match="t.jsonl line 2"):
        parse_testset('{"question": "ok"}\n{"answer": "no question"}\n', "t.jsonl")
    with pytest.raises(BadInput):
        parse_testset("\n", "empty.jsonl")


# ---- scoring one case -----------------------------------------------------------------------------

def _passage(rank: int, article: str, text: str) -> Passage:
    return Passage(chunk_id=f"{article}:{rank}", article=ArticleMeta(article, f"Title {article}"), text=text,
                   start=0, end=len(text), score=1 / rank, rank=rank)


def _cite(n: int, p: Passage, quote: str) -> Citation:
    return Citation(n=n, article_id=p.article.id, title=p.article.title, outlet="", published="", url="",
                    quote=quote, start=0, end=len(quote), chunk_id=p.chunk_id, passage_start=p.start,
                    passage_end=p.end)


CASE = TestCase(id="c1", question="How many prisoners were swapped?", answer="314 prisoners of war",
                aliases=("314",), sources=("004",), evidence=("exchange 314 prisoners of war",), type="single")
RANKED = (_passage(1, "001", "Noise about Geneva."), _passage(2, "004", "The talks ended in stalemate."),
          _passage(3, "002", "They agreed to exchange 314 prisoners   of war."))


def test_score_case_ranks_sources_and_evidence_and_scores_citations():
    hit, noise = RANKED[2], RANKED[0]
    answer = Answer(question=CASE.question, text="They agreed to exchange 314 prisoners of war [1]. Noise [2].",
                    sentences=(), refused=False, passages=RANKED,
                    citations=(_cite(1, hit, "They agreed"), _cite(1, hit, "314 prisoners"), _cite(2, noise, "Noise")),
                    timings={"retrieve_ms": 4.0, "answer_ms": 2.0, "total_ms": 6.5})
    result = score_case(CASE, RANKED, answer)
    assert (result.source_rank, result.evidence_rank) == (2, 3)
    assert result.answer_match and result.answer_f1 > 0.5
    assert result.citation_precision == 0.5  # the evidence passage (cited twice, counted once) and noise
    assert result.citation_recall == 0.0  # the gold source 004 itself was not cited
    assert result.cited == ("002", "001") and result.retrieved == ("001", "004", "002")
    assert (result.retrieve_ms, result.answer_ms, result.total_ms) == (4.0, 2.0, 6.5)
    assert result.cites_all_sources is None  # only conflict questions carry it


def test_a_conflict_counts_as_resolved_only_when_every_source_is_cited_and_the_disagreement_said():
    conflict = replace(CASE, type="conflict", sources=("002", "004"), aliases=("stalemate",))
    both = (_cite(1, RANKED[2], "They agreed"), _cite(2, RANKED[1], "stalemate"))
    plain = Answer(question=CASE.question, text="They agreed [1]. Stalemate [2].", sentences=(), refused=False,
                   passages=RANKED, citations=both)
    flagged = replace(plain, conflicts=(Conflict(topic="framing", versions=()),))
    one_side = replace(flagged, citations=both[:1])
    results = [score_case(conflict, RANKED, a) for a in (plain, flagged, one_side)]
    assert [(r.cites_all_sources, r.flags_conflict) for r in results] == [(True, False), (True, True), (False, True)]
    # the gold set's scoring hint: a conflict answer is matched only when it gives both versions with their
    # sources, whatever words it shares with the gold ("stalemate" is in all three)
    assert [r.answer_match for r in results] == [False, True, False]
    assert [r.answer_words_match for r in results] == [False, True, False]
    assert [r.answer_text_match for r in results] == [True, True, True]
    summary = summarise(results).metrics
    assert summary["conflict_resolved"] == pytest.approx(1 / 3) and summary["conflict_cites_all"] == pytest.approx(2 / 3)


def test_score_case_treats_a_refusal_as_an_empty_answer():
    refusal = Answer(question=CASE.question, text="The articles don't say 314 prisoners of war.", sentences=(),
                     citations=(), refused=True, passages=RANKED, diagnostics={"reason": "no sentence"})
    result = score_case(CASE, RANKED, refusal)
    assert result.refused and result.answer_match is False and result.answer_f1 == 0.0
    assert result.citation_precision is None and result.citation_recall == 0.0
    assert result.refusal_reason == "no sentence"
    unanswerable = replace(CASE, answer="", aliases=(), sources=(), evidence=(), type="unanswerable",
                           unanswerable=True)
    result = score_case(unanswerable, RANKED, refusal)
    assert result.answer_match is None and result.source_rank is None and result.citation_recall is None


class _FakeSystem:
    """Answers from a table; raises a QAError for one question, like a too-long question would."""

    def __init__(self, name, answers):
        self.name, self.description, self.answers = name, "a test double", answers

    def ranked(self, question, depth):
        if question == "boom":
            raise QAError("too long")
        return RANKED[:depth]

    def ask(self, question):
        text, refused = self.answers[question]
        cites = () if refused else (_cite(1, RANKED[1], "stalemate"),)
        return Answer(question=question, text=text, sentences=(), citations=cites, refused=refused,
                      passages=RANKED, timings={"retrieve_ms": 1.0, "answer_ms": 1.0, "total_ms": 2.0})


def test_evaluate_summarises_overall_and_per_type_and_survives_a_failing_question():
    cases = (CASE, replace(CASE, id="c2", question="Unknown?", answer="", aliases=(), sources=(), evidence=(),
                           type="unanswerable", unanswerable=True),
             replace(CASE, id="c3", question="boom"))
    answers = {CASE.question: ("314 prisoners of war [1]", False), "Unknown?": ("Something [1]", False)}
    run = evaluate([_FakeSystem("a", answers), _FakeSystem("b", {**answers, "Unknown?": ("no", True)})],
                   TestSet("t", cases), depth=2)
    a, b = run.systems
    assert a.overall.n == 3 and set(a.by_type) == {"single", "unanswerable"} and a.by_type["single"].n == 2
    assert a.overall.counts["errors"] == 1 and a.cases[2].error.startswith("QAError")
    assert a.overall.metrics["source_hit@1"] == 0.0 and a.overall.metrics["source_hit@5"] == 0.5  # c3 failed
    assert a.overall.metrics["answer_match"] == 0.5
    assert a.overall.metrics["abstain_recall"] == 0.0 and b.overall.metrics["abstain_recall"] == 1.0
    assert b.overall.metrics["wrong_refusal_rate"] == 0.5  # the failed question counts as a refusal
    assert a.overall.metrics["total_p50_ms"] == 2.0
    assert json.loads(json.dumps(run.to_dict()))["systems"][1]["name"] == "b"
    table = format_table(run)
    header = next(line for line in table.splitlines() if line.startswith("overall"))
    assert header.split()[1:] == ["a", "b"] and "refusal recall" in table
    assert [c.id for c, _ in failures(a.cases)] == ["c2", "c3"]
    with pytest.raises(BadInput):
        evaluate([_FakeSystem("a", answers), _FakeSystem("a", answers)], TestSet("t", cases))


# ---- on the seed corpus, with the baselines -------------------------------------------------------

@pytest.fixture(scope="module")
def seed_run(assistant):
    from qa.evaluation.baselines import standard_baselines

    picked, seen = [], set()
    for case in shipped_testset().cases:  # one question of each type
        if case.type not in seen:
            seen.add(case.type)
            picked.append(case)
    systems = [AssistantSystem("ours", assistant, "under test")] + standard_baselines(assistant)
    done = []
    run = evaluate(systems, TestSet("shipped", tuple(picked)), progress=lambda name, n: done.append((name, n)))
    return run, picked, done


def test_evaluator_runs_ours_and_every_baseline_on_the_same_questions(seed_run):
    run, picked, done = seed_run
    assert [s.name for s in run.systems] == ["ours", "keyword", "dense", "tutorial"]
    assert len(done) == 4 * len(picked) and done[-1] == ("tutorial", len(picked))
    for system in run.systems:
        assert [c.id for c in system.cases] == [c.id for c in picked]
        assert set(system.by_type) == TYPES
        assert {"source_hit@1", "evidence_mrr", "answer_f1", "citation_precision", "abstain_recall",
                "conflict_cites_all", "total_p95_ms"} <= set(system.overall.metrics)
        assert system.overall.counts["errors"] == 0
        assert all(c.total_ms > 0 for c in system.cases)
        # the gold source of the plain single question is somewhere in the top 10 of every system
        assert system.cases[0].source_rank is not None


def test_tutorial_baseline_is_the_tutorial_pipeline(seed_run, assistant):
    run, picked, _ = seed_run
    tutorial = run.system("tutorial")
    assert not any(c.refused for c in tutorial.cases)  # it never abstains
    assert all(len(c.cited) <= 4 for c in tutorial.cases)
    from qa.evaluation.baselines import TutorialPipeline

    pipeline = TutorialPipeline.build(assistant.store.articles(), assistant.settings, assistant.embedder)
    assert pipeline.index(assistant.store.articles()) == 0  # already in step: nothing re-embedded
    passages = pipeline.ranked(picked[0].question, 10)
    assert len(passages) == 10 and all(len(p.text) <= 1000 for p in passages)
    body = assistant.article(passages[0].article.id).body
    assert body[passages[0].start:passages[0].end] == passages[0].text  # offsets point into the clean body
    answer = pipeline.ask(picked[0].question)
    assert len(answer.citations) == 4 and all(f"[{c.n}]" in answer.text for c in answer.citations)


def test_markdown_report_has_a_table_per_section_and_the_failures(seed_run):
    run, _, _ = seed_run
    md = format_markdown(run, json_name="r.json")
    assert "| metric | ours | keyword | dense | tutorial |" in md
    assert "## By question type" in md and "`r.json`" in md
    assert md.count("\n| **") >= 6  # section rows


def test_unreachable_quotes_finds_evidence_cut_by_chunk_boundaries():
    testset = TestSet("t", (replace(CASE, evidence=("alpha beta", "gamma delta")),))
    assert unreachable_quotes(testset, ["x alpha  beta y", "gamma", "delta"]) == ["gamma delta"]


# ---- MultiHop-RAG -------------------------------------------------------------------------------

def write_multihop(folder):
    folder.mkdir(parents=True, exist_ok=True)
    queries = {"queries": [
        {"id": "0", "question": "Did The Verge and TechCrunch both report that Google pays Apple for search?",
         "question_type": "comparison_query"},
        {"id": "1", "question": "Who founded the bankrupt crypto exchange FTX?", "question_type": "inference_query"},
        {"id": "2", "question": "What colour is the Moon's cheese?", "question_type": "null_query"},
    ]}
    ev = lambda fact, url, source: {"author": "A", "category": "tech", "fact": fact, "source": source,  # noqa: E731
                                    "published_at": "2023-10-01T10:00:00+00:00", "title": f"Story {url[-1]}",
                                    "url": url}
    truth = {
        "0": {"answer": "Yes", "evidence_list": [
            ev("Google pays Apple billions of dollars every year to stay the default search engine.", "https://a/1",
               "The Verge"),
            ev("TechCrunch reported that Google pays Apple to be the default search engine on Safari.", "https://b/2",
               "TechCrunch")]},
        "1": {"answer": "Sam Bankman-Fried", "evidence_list": [
            ev("Sam Bankman-Fried founded the crypto exchange FTX, which collapsed into bankruptcy.", "https://c/3",
               "CoinDesk"),
            ev("Google pays Apple billions of dollars every year to stay the default search engine.", "https://a/1",
               "The Verge"),
            ev("Prosecutors said the FTX founder misused customer deposits for years before the collapse.",
               "https://c/3", "CoinDesk")]},
        "2": {"answer": "Insufficient information.", "evidence_list": []},
    }
    (folder / "sample3_queries.json").write_text(json.dumps(queries))
    (folder / "sample3_ground_truth.json").write_text(json.dumps(truth))
    return folder


def test_multihop_adapter_builds_one_article_per_url_and_marks_null_queries(tmp_path):
    testset, corpus = load_multihop(write_multihop(tmp_path / "mh"))
    assert testset.scoring == "multihop" and "not comparable" in testset.note
    assert [c.unanswerable for c in testset.cases] == [False, False, True]
    assert len(corpus) == 3 and len({r["id"] for r in corpus}) == 3
    ftx = next(r for r in corpus if r["url"] == "https://c/3")
    assert ftx["body"].count("\n\n") == 1 and ftx["source"] == "CoinDesk" and ftx["published_at"] == "2023-10-01"
    verge = next(r for r in corpus if r["url"] == "https://a/1")
    assert "\n\n" not in verge["body"]  # the same fact cited by two queries appears once
    assert set(testset.cases[1].sources) == {ftx["id"], verge["id"]}
    with pytest.raises(BadInput):
        load_multihop(tmp_path)


# ---- the command ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_cli_eval_on_the_shipped_set_with_a_variant(tmp_path, capsys, monkeypatch):
    from qa.cli import main

    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QA_SEEDS_DIR", str(SEEDS))
    out = tmp_path / "out" / "report.json"
    assert main(["eval", "--limit", "6", "--json", str(out), "--compare", "k3=top_k=3",
                 "--compare", "small=chunk_tokens=80,chunk_overlap_tokens=20", "--compare", "same=top_k=5"]) == 0
    printed = capsys.readouterr().out
    header = next(line for line in printed.splitlines() if line.startswith("overall"))
    assert header.split()[1:] == ["ours", "keyword", "dense", "tutorial", "k3", "small", "same"]
    runs = {s["name"]: s["cases"] for s in json.loads(out.read_text())["systems"]}
    # a variant is ours with only the named change: one that changes nothing answers exactly as ours
    assert [(c["answer"], c["retrieved"]) for c in runs["same"]] == [(c["answer"], c["retrieved"]) for c in runs["ours"]]
    data = json.loads(out.read_text())
    assert data["n_cases"] == 6 and data["testset"] == "news.jsonl"
    assert data["corpus"]["articles"] == 5  # the empty index was filled from the seeds first
    assert all(len(c["cited"]) <= 3 for c in data["systems"][4]["cases"])
    assert out.with_suffix(".md").read_text().startswith("# Evaluation: news.jsonl")
    assert main(["eval", "--compare", "bad=no_such_setting=1", "--json", str(out)]) == 2
    assert "not a setting" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_eval_multihop_builds_its_own_index_and_scores_upstream(tmp_path, capsys, monkeypatch):
    from qa.cli import main

    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "mh.json"
    assert main(["eval", "--multihop", str(write_multihop(tmp_path / "mh")), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "MultiHop-RAG upstream scoring" in printed and "not comparable" in printed
    data = json.loads(out.read_text())
    assert data["scoring"] == "multihop" and data["corpus"]["articles"] == 3
    ours = data["systems"][0]
    assert {"mh_hits@4", "mh_map@10", "mh_mrr@10", "mh_accuracy"} <= set(ours["overall"]["metrics"])
    assert ours["overall"]["metrics"]["mh_hits@10"] == 1.0  # three articles: every fact is in the top 10
    assert "hit_at_4" not in ours["cases"][2]["multihop"]  # null queries are not scored on retrieval
    assert (tmp_path / "data" / "eval-multihop").is_dir()  # never mixed into the main index


# ---- RGB counterfactual robustness ---------------------------------------------------------------

def write_rgb(path):
    rows = [
        {"id": 0, "query": "Where was Super Bowl 2021 played?", "answer": "Tampa, Florida",
         "fakeanswer": "Glendale, Arizona",
         "positive": ["Super Bowl LV was played on February 7, 2021, at Raymond James Stadium in Tampa, Florida, the "
                      "home stadium of the Buccaneers."],
         "positive_wrong": ["Super Bowl LV was played on February 7, 2021, at Raymond James Stadium in Glendale, Arizona, "
                            "the home stadium of the Buccaneers."],
         "negative": ["Super Bowl LVIII ticket packages are now available for fans in Las Vegas."]},
        {"id": 1, "query": "When was Diablo 3 released?", "answer": [["May 15 2012", "May 15, 2012"]],
         "fakeanswer": "May 1, 2002", "positive": ["Diablo III was released on May 15, 2012, for Windows and macOS."],
         "positive_wrong": ["Diablo III was released on May 1, 2002, for Windows and macOS."], "negative": []},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_rgb_adapter_makes_every_passage_an_article_that_does_not_say_whether_it_is_true(tmp_path):
    from qa.evaluation.rgb import load_rgb

    testset, corpus = load_rgb(write_rgb(tmp_path / "en_fact.json"))
    assert testset.scoring == "counterfactual" and [c.type for c in testset.cases] == ["counterfactual"] * 2
    assert len(corpus) == 5 and all(r["id"].startswith("rgb-") and "wrong" not in r["id"] for r in corpus)
    first, second = testset.cases
    assert first.wrong_answers == ("Glendale, Arizona",) and len(first.sources) == 1  # the true passage
    assert (second.answer, second.aliases) == ("May 15 2012", ("May 15, 2012",))  # nested spellings, flattened
    (tmp_path / "bad.json").write_text('{"id": 0, "query": "q"}\n')
    with pytest.raises(BadInput):
        load_rgb(tmp_path / "bad.json")


def test_counterfactual_scores_say_what_the_reader_sees():
    from qa.evaluation.metrics import counterfactual_scores

    both = Answer(question="q", text="The sources disagree. In Tampa, Florida [1]. In Glendale, Arizona [2].",
                  sentences=(), citations=(), refused=False, conflicts=(Conflict(topic="version", versions=()),))
    misled = replace(both, text="In Glendale, Arizona [1].", conflicts=())
    scores = [counterfactual_scores(a.shown(), bool(a.conflicts), ("Tampa, Florida",), ("Glendale, Arizona",))
              for a in (both, misled)]
    assert [s["detected"] for s in scores] == [True, False] and [s["misled"] for s in scores] == [False, True]


@pytest.mark.slow
def test_cli_eval_rgb_shows_both_versions_of_a_rewritten_passage(tmp_path, capsys, monkeypatch):
    from qa.cli import main

    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "rgb.json"
    assert main(["eval", "--rgb", str(write_rgb(tmp_path / "en_fact.json")), "--json", str(out)]) == 0
    assert "RGB counterfactual robustness" in capsys.readouterr().out
    data = json.loads(out.read_text())
    ours = data["systems"][0]
    assert data["scoring"] == "counterfactual" and data["corpus"]["articles"] == 5  # no version collapsed
    assert ours["overall"]["metrics"]["cf_detected"] == 1.0  # both answers shown, the disagreement said
    assert (tmp_path / "data" / "eval-rgb").is_dir()
    assert main(["eval", "--rgb", str(tmp_path / "missing.json")]) == 2
