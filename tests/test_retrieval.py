"""Retrieval: fusion, diversity, filters (explicit and named in the question), follow-up condensation,
near-duplicate articles."""

import shutil

import pytest

from qa.retrieval.conversation import condense
from qa.retrieval.retrieve import RetrievalConfig, Retriever
from qa.schema import Filters
from qa.retrieval.scope import date_bounds, named_outlet
from tests.conftest import SEEDS, ingest, make_settings, open_store


def _retriever(assistant, **config):
    return Retriever(assistant.store, assistant.embedder, RetrievalConfig(**config))


def _rank(passages, article_id, needle):
    return next((p.rank for p in passages if p.article.id == article_id and needle in p.text), None)


def test_fusion_finds_what_either_signal_alone_misses(assistant):
    snap = assistant.snapshot()
    # a paraphrase sharing no words with the passage (dense finds it) and a rare exact name (keyword finds it)
    cases = [("trading captive soldiers", "004_38e88933e8b5a746", "314 prisoners"),
             ("Harry Nedelcu Rasmussen Global", "001_9bf2e5c4133dbb3e", "Nedelcu")]
    ranks = {}
    for mode in ("hybrid", "dense", "keyword"):
        retriever = _retriever(assistant, mode=mode, per_article_cap=0)
        ranks[mode] = [_rank(retriever.search(snap, q, 10).passages, a, n) for q, a, n in cases]
    assert ranks["hybrid"] == [1, 1]
    assert ranks["keyword"][0] is None and ranks["dense"][0] == 1  # no shared words: only dense can find it
    assert ranks["keyword"][1] == 1 and (ranks["dense"][1] or 99) > 3  # a bare name: dense alone ranks it low
    fused = _retriever(assistant).search(snap, cases[1][0], 5).passages
    assert fused[0].keyword_score > 0 and fused[0].dense_score > 0


def test_per_article_cap_spreads_passages_over_articles(assistant):
    snap = assistant.snapshot()
    query = "Who are the lead US negotiators in the talks?"
    capped = _retriever(assistant, per_article_cap=1).search(snap, query, 4).passages
    assert len({p.article.id for p in capped}) == 4
    uncapped = _retriever(assistant, per_article_cap=0).search(snap, query, 4).passages
    assert len({p.article.id for p in uncapped}) <= len({p.article.id for p in capped})


def test_explicit_filters_restrict_dense_and_keyword_candidates(assistant):
    snap = assistant.snapshot()
    passages = assistant.retriever.search(snap, "security guarantees", 5, Filters(outlet="The New York Times")).passages
    assert passages and {p.article.outlet for p in passages} == {"The New York Times"}
    early = assistant.retriever.search(snap, "security guarantees", 5, Filters(until="2026-02-04")).passages
    assert early and all("2026-02-01" <= p.article.published <= "2026-02-04" for p in early)  # undated 003 excluded


def test_question_naming_an_outlet_is_answered_from_that_outlet(assistant):
    answer = assistant.ask("According to IntelliNews, who led the Ukrainian delegation?")
    assert not answer.refused
    assert {c.outlet for c in answer.citations} == {"bne IntelliNews"}
    assert "Umerov" in answer.text
    assert answer.diagnostics["filters_from_question"] == {"outlet": "bne IntelliNews"}


def test_named_outlet_and_date_bounds_parsing():
    outlets = ["bne IntelliNews", "The New York Times", "Breitbart News"]
    assert named_outlet("What did the New York Times say?", outlets) == "The New York Times"
    assert named_outlet("According to Breitbart, ...", outlets) == "Breitbart News"
    assert named_outlet("What did Breitbart and the New York Times both report?", outlets) == ""  # two named
    assert named_outlet("Which business news did the talks make?", ["Business Today"]) == ""  # a common word
    assert named_outlet("What did Bloomberg report?", outlets) == ""  # quoted agency, not a corpus outlet
    assert named_outlet("Is there news about the times of the talks?", outlets) == ""  # generic words only
    assert date_bounds("What happened before February 3?", 2026) == Filters(until="2026-02-02")
    assert date_bounds("since 1 February 2026 and until Feb 5", 2026) == Filters(since="2026-02-01", until="2026-02-05")


def test_question_date_bound_filters_by_publication_date(assistant):
    answer = assistant.ask("What did the Kremlin expect from the talks, in reports before February 3?")
    assert answer.diagnostics["filters"] == {"until": "2026-02-02"}
    assert answer.citations and all(c.published and c.published <= "2026-02-02" for c in answer.citations)


def test_follow_up_is_condensed_with_the_previous_turn(assistant):
    history = ({"role": "user", "content": "Who led the Russian negotiating team in Geneva?"},
               {"role": "assistant", "content": "Vladimir Medinsky [1]"})
    standalone = condense("And why did Kyiv worry about his return?", history)
    assert standalone == "Why did Kyiv worry about Vladimir Medinsky's return?"  # a question a reader knows
    assert condense("Who is Rustem Umerov?", history) == "Who is Rustem Umerov?"  # stands alone
    answer = assistant.ask("And why did Kyiv worry about his return?", history=history)
    assert answer.query == standalone
    assert "Medinsky" in answer.text and answer.citations[0].article_id == "001_9bf2e5c4133dbb3e"


def test_syndicated_copy_is_collapsed_to_one_canonical_article(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    original = (SEEDS / "004_038e88933e8b5a746.txt".replace("_038", "_38")).read_text(encoding="utf-8")
    # a re-post: another site's chrome around the same story, one sentence trimmed
    copy = "Wire Daily\n\nSubscribe\n\n" + original.replace("To further heighten tensions, ", "") + "\n\nShare this article\n"
    (corpus / "900_syndicated.txt").write_text(copy, encoding="utf-8")
    settings = make_settings(tmp_path)
    store = open_store(settings, embedder)
    report = ingest(corpus, settings, embedder, store)
    assert report.duplicates == [("004_38e88933e8b5a746", "900_syndicated")]
    assert store.article("900_syndicated").duplicate_of == "004_38e88933e8b5a746"
    assert not [c for c in store.chunks() if c.article.id == "900_syndicated"]
    # distinct stories on the same topic are not copies
    assert {a.id for a in store.articles() if a.duplicate_of} == {"900_syndicated"}
    # the canonical copy disappears: the re-post takes its place on the next run
    (corpus / "004_38e88933e8b5a746.txt").unlink()
    report = ingest(corpus, settings, embedder, store)
    assert report.duplicates == [] and store.article("900_syndicated").duplicate_of == ""
    assert [c for c in store.chunks() if c.article.id == "900_syndicated"]


def test_a_re_post_that_changes_a_figure_is_no_copy_and_the_answer_shows_both(tmp_path, embedder):
    from qa.assistant import Assistant

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    original = (SEEDS / "004_38e88933e8b5a746.txt").read_text(encoding="utf-8")
    assert original.count("314") >= 1
    # the same story re-posted with another count of prisoners: another version, not a copy
    (corpus / "900_revised.txt").write_text("Wire Daily\n\n" + original.replace("314", "341"), encoding="utf-8")
    settings = make_settings(tmp_path)
    store = open_store(settings, embedder)
    report = ingest(corpus, settings, embedder, store)
    assert report.duplicates == [] and not store.article("900_revised").duplicate_of
    answer = Assistant(settings, store, embedder).ask("How many prisoners of war did Russia and Ukraine swap?")
    assert answer.conflicts and {"004_38e88933e8b5a746", "900_revised"} <= {c.article_id for c in answer.citations}
    assert answer.text.startswith("The sources disagree.") and "314" in answer.text and "341" in answer.text


def test_filter_dates_are_validated_and_normalised():
    from qa.errors import BadInput
    from qa.retrieval.filters import parse_filters

    assert parse_filters({"since": "2026-2-5", "until": "2026-02-18"}) == Filters(since="2026-02-05", until="2026-02-18")
    for bad in ({"since": "2026-02-30"}, {"until": "Feb 5"}, {"since": "2026-02-10", "until": "2026-02-01"},
                {"outlet": 5}, {"region": "x"}):
        with pytest.raises(BadInput):
            parse_filters(bad)


def test_a_quoted_phrase_brings_its_passage_first(assistant):
    snap = assistant.snapshot()
    query = "Who said “the sequencing matters a lot” about territory and security guarantees?"
    top = _retriever(assistant).search(snap, query, 3).passages[0]
    assert "sequencing matters a lot" in top.text
    assert assistant.ask(query).sentences[0].text.startswith("“The sequencing matters a lot,” said Harry Nedelcu")


def test_a_name_to_profile_brings_every_passage_that_names_it(assistant):
    snap = assistant.snapshot()
    query = "What role has Yury Ushakov played in the peace process?"
    naming = {c.id for c in assistant.store.chunks() if "ushakov" in c.text.lower()}
    assert len(naming) == 3  # 002, 003 and 004 each name him once
    plain = {p.chunk_id for p in _retriever(assistant).search(snap, query, 8).passages}
    named = {p.chunk_id for p in _retriever(assistant).search(snap, query, 8, naming="ushakov").passages}
    assert naming <= named and not naming <= plain  # 004's passage on Macron's overture ranks low on the words


def test_rescoring_is_off_by_default_and_only_reorders_when_on(assistant):
    snap = assistant.snapshot()
    question = "What did Zelensky say about the negotiations?"

    def ranked(**config):  # the configured fusion weights (keyword 2x), as the Assistant uses
        retriever = _retriever(assistant, keyword_weight=assistant.settings.keyword_weight, **config)
        return [p.chunk_id for p in retriever.search(snap, question, 5).passages]

    assert ranked() == ranked(rescore_weight=0.0)
    rescored = ranked(rescore_weight=2.0)
    assert rescored != ranked() and rescored[0] == ranked()[0]  # the same best passage, the rest reordered


def test_an_elliptical_follow_up_stands_on_the_turn_before(assistant):
    history = ({"role": "user", "content": "Who confirmed the prisoner exchange?"},
               {"role": "assistant", "content": "Steve Witkoff ... confirmed the prisoner exchange ... [1]"})
    assert condense("When?", history).startswith("When? (") and "prisoner" in condense("When?", history)
    assert condense("When?", ()) == "When?"  # nothing before it: as asked
    answer = assistant.ask("When?", history=history)
    assert not answer.refused and answer.short_answer == "Thursday"  # "in a post on X on Thursday"
