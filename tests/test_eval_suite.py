"""`qa eval --all`: the shipped sets (the news questions and their rewordings, the harbour corpus and
its questions and rewordings), verdicts and paraphrase consistency, follow-ups asked with their
history, either copy of a syndicated story counting as its source, and the one table of every set."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace

import pytest

from qa.evaluation.suite import consistency, verdict
from qa.evaluation.evaluate import (
    SHIPPED_SETS,
    TestCase,
    TestSet,
    _failed,
    evaluate,
    parse_testset,
    resolve_sources,
    shipped_corpus,
    shipped_set,
)
from tests.conftest import ROOT, SEEDS

TESTSETS = ROOT / "qa" / "evaluation" / "testsets"
HARBOUR = TESTSETS / "harbour"
FORMAT_TYPES = {"single", "multi", "unanswerable", "conflict", "temporal", "attribution", "followup"}
COPIED = ("answer", "aliases", "sources", "evidence", "type", "difficulty", "history")


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (TESTSETS / SHIPPED_SETS[name].split("/", 1)[1]).read_text().splitlines()
            if line.strip()]


# ---- verdicts and consistency ---------------------------------------------------------------------


def result(case_id: str, unanswerable=False, refused=False, matched=False):
    base = _failed(TestCase(case_id, "q?", "" if unanswerable else "a", unanswerable=unanswerable), "")
    return replace(base, refused=refused, answer_match=None if unanswerable else matched)


def test_a_verdict_is_what_a_reader_would_say():
    assert verdict(result("a", matched=True)) == "right"
    assert verdict(result("a", matched=False)) == "wrong"
    assert verdict(result("a", refused=True)) == "refused"
    assert verdict(result("u", unanswerable=True, refused=True)) == "right"
    assert verdict(result("u", unanswerable=True, refused=False)) == "wrong"


def test_consistency_is_the_share_of_groups_whose_wordings_all_agree():
    cases = [result("q1", matched=True), result("q1-r1", matched=True), result("q1-r2", matched=True),
             result("q2", matched=True), result("q2-r1", refused=True),
             result("q3", matched=False), result("q3-r1", matched=False),  # wrong every time: consistent
             result("q4", matched=True)]  # no rewording: not a group
    groups = {"q1-r1": "q1", "q1-r2": "q1", "q2-r1": "q2", "q3-r1": "q3"}
    assert consistency(cases, groups) == (2 / 3, 3)
    assert consistency([result("q4", matched=True)], {}) == (None, 0)


# ---- the shipped sets -------------------------------------------------------------------------------


@pytest.mark.parametrize(("rewordings", "originals"), [("news-rewordings", "news"),
                                                         ("harbour-rewordings", "harbour")])
def test_every_question_has_two_or_three_rewordings_that_keep_its_gold(rewordings, originals):
    by_id = {r["id"]: r for r in rows(originals)}
    reworded = rows(rewordings)
    per = Counter(r["group"] for r in reworded)
    assert set(per) == set(by_id) and set(per.values()) <= {2, 3}, per
    assert len({r["id"] for r in reworded}) == len(reworded)
    for row in reworded:
        original = by_id[row["group"]]
        assert row["question"].strip().casefold() != original["question"].strip().casefold(), row["id"]
        assert {k: row.get(k) for k in COPIED} == {k: original.get(k) for k in COPIED}, row["id"]
    # and the loader keeps the groups
    assert {c.group for c in shipped_set(rewordings).cases} == set(by_id)


def harbour_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in (HARBOUR / "articles").glob("*.md")}


def test_the_harbour_corpus_is_a_news_story_told_by_several_outlets_over_several_days():
    texts = harbour_texts()
    assert len(texts) >= 20
    meta = [dict(re.findall(r"^(outlet|published|url): *(.+)$", t.split("---")[1], re.M)) for t in texts.values()]
    assert all({"outlet", "published"} <= set(m) for m in meta)
    assert len({m["outlet"] for m in meta}) >= 5 and len({m["published"] for m in meta}) >= 5


def test_the_harbour_questions_cover_every_type_with_verbatim_evidence():
    texts = harbour_texts()
    questions = rows("harbour")
    assert len(questions) >= 80
    kinds = Counter(r["type"] for r in questions)
    assert set(kinds) == FORMAT_TYPES and min(kinds.values()) >= 8, kinds
    for r in questions + rows("harbour-rewordings"):
        options = [name for source in r["sources"] for name in source.split("|")]
        assert all(name in texts for name in options), r["id"]
        for quote in r["evidence"]:
            assert any(quote in texts[name] for name in options), (r["id"], quote)
        if r["type"] == "unanswerable":
            assert r["answer"] == "" and not r["sources"] and not r["evidence"], r["id"]
        if r["type"] == "followup":
            assert r["history"] and all(t["role"] in ("user", "assistant") and t["content"] for t in r["history"])
    assert any("|" in s for r in questions for s in r["sources"])  # the syndicated copy


def test_the_harbour_corpus_is_ingested_as_the_seeds_are(tmp_path, embedder):
    from tests.conftest import ingest, make_settings

    settings = make_settings(tmp_path)
    report = ingest(shipped_corpus("harbour"), settings, embedder)
    assert not report.skipped and report.articles == len(harbour_texts())
    assert report.duplicates == [("h12_wire_auditor", "h13_reprint_auditor")]  # the syndicated copy, and only it
    again = ingest(shipped_corpus("harbour"), settings, embedder)
    assert again.added == again.updated == again.removed == 0


# ---- follow-ups and syndicated sources ------------------------------------------------------------


def test_a_syndicated_source_counts_in_either_copy():
    assert resolve_sources(("wire|reprint", "other"), ["reprint"]) == ("reprint", "other")
    assert resolve_sources(("wire|reprint",), []) == ("wire",)
    parsed = parse_testset(json.dumps({"question": "q?", "answer": "a", "sources": ["dir/wire.md|reprint.txt"]}), "t")
    assert parsed.cases[0].sources == ("wire|reprint",)


def test_a_follow_up_is_asked_with_its_history(assistant):
    from qa.evaluation.evaluate import AssistantSystem

    history = [{"role": "user", "content": "How many prisoners of war did Russia and Ukraine agree to exchange?"},
               {"role": "assistant", "content": "They agreed to exchange 314 prisoners of war."}]
    line = json.dumps({"id": "f1", "question": "Where was that agreed?", "answer": "Abu Dhabi",
                       "sources": ["004_38e88933e8b5a746.txt"], "type": "followup", "history": history})
    testset = parse_testset(line, "followups")
    assert testset.cases[0].history == tuple(history)
    seen = []

    class Recording(AssistantSystem):
        def ask(self, question, history=()):
            seen.append(history)
            return super().ask(question, history)

    run = evaluate([Recording("ours", assistant)], testset)
    assert seen == [tuple(history)]
    assert run.systems[0].cases[0].answer  # answered, with the turn before it in view


# ---- the command --------------------------------------------------------------------------------


@pytest.mark.slow
def test_qa_eval_all_prints_one_table_with_a_row_per_set(tmp_path, capsys, monkeypatch):
    from qa.cli import main

    monkeypatch.setenv("QA_SEEDS_DIR", str(SEEDS))
    out = tmp_path / "suite.json"
    assert main(["--data-dir", str(tmp_path / "data"), "eval", "--all", "--limit", "4", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    table = printed.split("by question type")[0].splitlines()
    labels = [re.split(r"\s{2,}", line)[0] for line in table[3:] if line.strip()]
    assert labels == ["news", "news rewordings", "harbour", "harbour rewordings"]
    assert "consistency" in table[0] and "answer match" in table[0]
    assert table[1].split()[2:6] == ["ours", "bm25", "dense", "tutor"]
    assert "news / single" in printed and "harbour / single" in printed
    saved = json.loads(out.read_text())
    assert [s["label"] for s in saved] == labels
    reworded = saved[1]
    assert reworded["groups"] >= 1 and set(reworded["consistency"]) == {"ours", "keyword", "dense", "tutorial"}
    assert all(0.0 <= v <= 1.0 for v in reworded["consistency"].values())
    assert saved[0]["run"]["corpus"]["articles"] == 5 and saved[2]["run"]["corpus"]["articles"] >= 19


def test_qa_eval_all_refuses_a_test_set_beside_it(tmp_path, capsys):
    from qa.cli import main

    assert main(["--data-dir", str(tmp_path), "eval", "--all", str(tmp_path / "x.jsonl")]) != 0
    assert "--all" in capsys.readouterr().err


def test_every_shipped_set_parses():
    for name in SHIPPED_SETS:
        assert isinstance(shipped_set(name), TestSet) and shipped_set(name).cases
