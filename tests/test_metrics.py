"""The scoring functions of `qa eval` on small hand-made cases, edge cases included."""

import pytest

from qa.evaluation import metrics


# ---- evidence quotes ---------------------------------------------------------------------------

def test_quote_containment_ignores_whitespace_runs_and_curly_quotes():
    passage = "Medinsky said the talks\n\n“were  tough but businesslike.” Others  agreed."
    assert metrics.contains_quote(passage, '"were tough but businesslike."')
    assert metrics.contains_quote(passage, "the talks “were tough")
    assert metrics.contains_quote("the Donetsk region", "Donetsk\u00a0region")  # no-break space in the source
    assert metrics.contains_quote("Russia’s red lines", "Russia's red lines")
    assert not metrics.contains_quote(passage, "were tough and businesslike")
    assert not metrics.contains_quote(passage, "   ")  # an empty quote is never evidence


# ---- ranks -------------------------------------------------------------------------------------

def test_first_relevant_rank_hits_and_reciprocal_rank():
    rank = metrics.first_relevant_rank([False, False, True, True])
    assert rank == 3
    assert [metrics.hit_at(rank, k) for k in (1, 2, 3, 10)] == [False, False, True, True]
    assert metrics.reciprocal_rank(rank) == pytest.approx(1 / 3)
    missing = metrics.first_relevant_rank([False, False])
    assert missing is None and not metrics.hit_at(missing, 10) and metrics.reciprocal_rank(missing) == 0.0
    assert metrics.first_relevant_rank([]) is None


# ---- answers -----------------------------------------------------------------------------------

def test_all_found_rank_is_where_the_last_wanted_id_appears():
    assert metrics.all_found_rank(["a", "b", "a", "c", "b"], {"a", "c"}) == 4
    assert metrics.all_found_rank(["a", "a"], {"a"}) == 1
    assert metrics.all_found_rank(["a", "b"], {"a", "z"}) is None  # one never comes up
    assert metrics.all_found_rank(["a"], set()) is None  # nothing wanted: undefined, not a hit


def test_answer_match_needs_a_whole_answer_or_alias_in_the_prediction():
    prediction = "Vladimir Medinsky, a Kremlin aide, led the Russian team in Geneva [1]."
    assert metrics.answer_matches(prediction, ["Vladimir Medinsky, a Kremlin aide."])
    assert metrics.answer_matches(prediction, ["Sergei Lavrov", "medinsky"])  # an alias is enough
    assert not metrics.answer_matches(prediction, ["Lavrov"])
    assert not metrics.answer_matches("Medinskyite views", ["Medinsky"])  # whole words only
    assert metrics.answer_matches("Trump’s son-in-law", ["Trump's son in law"])  # quotes and hyphens
    assert not metrics.answer_matches("", ["Medinsky"])  # empty answer
    assert not metrics.answer_matches("anything at all", ["", "  "])  # empty gold matches nothing


def test_answer_words_match_needs_every_content_word_in_any_order():
    said = "The area is heavily fortified, so surrendering it could give Russia a strategic foothold [1]."
    assert metrics.answer_words_match(said, ["fortified and would give Russia a foothold"])
    assert not metrics.answer_matches(said, ["fortified and would give Russia a foothold"])  # strict: no
    assert not metrics.answer_words_match(said, ["fortified and would give Belarus a foothold"])  # a word missing
    assert metrics.answer_words_match("Witkoff’s and Kushner's talks", ["Kushner and Witkoff"])  # quotes, order


def test_answer_words_match_falls_back_to_strict_for_answers_of_stopwords_only():
    assert metrics.answer_words_match("It came after the Abu Dhabi rounds.", ["after"])
    assert not metrics.answer_words_match("It came before the Abu Dhabi rounds.", ["after"])
    assert not metrics.answer_words_match("", ["Monday"]) and not metrics.answer_words_match("Monday", [""])


def test_normalised_answers_drop_citation_marks_articles_and_punctuation():
    assert metrics.normalise_answer("The  “314” prisoners [2], of war!") == "314 prisoners of war"


def test_token_f1_on_partial_overlap_and_edge_cases():
    # prediction: over 70 missiles were launched (5 tokens); gold: over 70 missiles (3): 3 shared
    f1 = metrics.token_f1("Over 70 missiles were launched [1].", "over 70 missiles")
    assert f1 == pytest.approx(2 * (3 / 5) * 1.0 / (3 / 5 + 1.0))
    assert metrics.token_f1("Witkoff and Kushner", "Kushner and Witkoff") == 1.0  # order does not matter
    assert metrics.token_f1("", "Witkoff") == 0.0  # empty answer
    assert metrics.token_f1("Witkoff", "") == 0.0
    assert metrics.token_f1("", "") == 1.0  # both empty agree
    assert metrics.token_f1("no overlap here", "Witkoff") == 0.0
    assert metrics.token_f1("talks talks talks", "talks") == pytest.approx(0.5)  # repeats are not free


def test_token_recall_counts_gold_words_present():
    assert metrics.token_recall("He said over 70 missiles were fired at night.", "over 70 missiles") == 1.0
    assert metrics.token_recall("70 drones", "over 70 missiles") == pytest.approx(1 / 3)
    assert metrics.token_recall("", "over 70 missiles") == 0.0
    assert metrics.token_recall("anything", "") == 1.0


# ---- citations ---------------------------------------------------------------------------------

GOLD = {"004"}
EVIDENCE = ["agree to exchange 314 prisoners of war"]


def test_citation_precision_counts_gold_sources_and_evidence_holders():
    cited = [("004", "the talks ended"), ("001", "they did agree to exchange 314 prisoners of war."),
             ("002", "unrelated passage")]
    assert metrics.citation_precision(cited, GOLD, EVIDENCE) == pytest.approx(2 / 3)


def test_citation_precision_with_no_or_duplicate_citations():
    assert metrics.citation_precision([], GOLD, EVIDENCE) is None  # nothing cited: undefined, not 0 or 1
    twice = [("002", "unrelated"), ("002", "unrelated"), ("004", "the talks ended")]
    assert metrics.citation_precision(twice, GOLD, EVIDENCE) == 0.5  # the same passage counts once


def test_citation_precision_matches_evidence_across_quote_styles():
    cited = [("001", "they did agree to exchange 314 prisoners of war “at once”.")]
    assert metrics.citation_precision(cited, set(), ["314 prisoners of war \"at once\""]) == 1.0


def test_citation_recall_and_cites_all():
    assert metrics.citation_recall(["001", "001", "004"], ["001", "002", "004"]) == pytest.approx(2 / 3)
    assert metrics.citation_recall([], ["001"]) == 0.0  # no citations
    assert metrics.citation_recall(["001"], []) is None  # nothing to recall
    assert metrics.cites_all(["004", "001", "002"], ["001", "002"])
    assert not metrics.cites_all(["001"], ["001", "002"])
    assert not metrics.cites_all([], [])  # a case with no gold sources proves nothing


# ---- abstention --------------------------------------------------------------------------------

def test_abstention_precision_recall_and_wrong_refusals():
    # (should refuse, did refuse): 2 unanswerable (1 refused), 4 answerable (1 wrongly refused)
    outcome = metrics.abstention([(True, True), (True, False), (False, True), (False, False), (False, False),
                                  (False, False)])
    assert (outcome.precision, outcome.recall, outcome.wrong_refusal_rate) == (0.5, 0.5, 0.25)
    assert (outcome.refused, outcome.unanswerable, outcome.answerable) == (2, 2, 4)


def test_abstention_undefined_parts_are_none():
    never = metrics.abstention([(False, False), (True, False)])
    assert never.precision is None and never.recall == 0.0 and never.wrong_refusal_rate == 0.0
    only_answerable = metrics.abstention([(False, True)])
    assert only_answerable.recall is None and only_answerable.precision == 0.0
    assert only_answerable.wrong_refusal_rate == 1.0
    assert metrics.abstention([]).precision is None


# ---- aggregates --------------------------------------------------------------------------------

def test_mean_skips_undefined_values_and_counts_bools():
    assert metrics.mean([True, False, None, True]) == pytest.approx(2 / 3)
    assert metrics.mean([None, None]) is None
    assert metrics.mean([]) is None


def test_percentile_interpolates_and_handles_edges():
    values = [40.0, 10.0, 30.0, 20.0]
    assert metrics.percentile(values, 50) == 25.0
    assert metrics.percentile(values, 0) == 10.0 and metrics.percentile(values, 100) == 40.0
    assert metrics.percentile(values, 95) == pytest.approx(38.5)
    assert metrics.percentile([7.0], 95) == 7.0
    assert metrics.percentile([], 50) is None
    with pytest.raises(ValueError):
        metrics.percentile(values, 101)


# ---- MultiHop-RAG upstream rules ----------------------------------------------------------------

def test_multihop_retrieval_scores_ranks_of_gold_facts():
    facts = ["Google pays Apple for default search.", "Sam Altman returned as CEO."]
    retrieved = ["noise one", "noise two", "Report: Google pays  Apple\nfor default search. More text.",
                 "noise", "Then Sam Altman returned as CEO. Board reshuffled."]
    got = metrics.multihop_retrieval(retrieved, facts)
    assert got.hit_at_4 and got.hit_at_10
    assert got.reciprocal_rank_at_10 == pytest.approx(1 / 3)
    assert got.average_precision_at_10 == pytest.approx((1 / 3 + 1 / 5) / 2)


def test_multihop_retrieval_only_looks_at_the_top_ten_and_counts_each_fact_once():
    facts = ["the fact"]
    late = ["noise"] * 10 + ["the fact"]
    assert metrics.multihop_retrieval(late, facts) == metrics.MultiHopRetrieval(False, False, 0.0, 0.0)
    repeated = metrics.multihop_retrieval(["noise"] * 5 + ["the fact", "the fact"], facts)
    assert (repeated.hit_at_4, repeated.hit_at_10) == (False, True)
    assert repeated.average_precision_at_10 == pytest.approx(1 / 6)  # the second copy adds nothing
    with pytest.raises(ValueError):
        metrics.multihop_retrieval(["x"], [])


def test_multihop_answer_rule_is_a_shared_lowercase_token():
    assert metrics.multihop_answer_correct("Yes, it does.", "yes") is False  # "yes," is not "yes"
    assert metrics.multihop_answer_correct("yes it does", "Yes")
    assert metrics.multihop_answer_correct("It was Sam Bankman-Fried [1]", "Sam Bankman-Fried")
    assert not metrics.multihop_answer_correct("", "Google")
    assert metrics.multihop_answer_correct("Insufficient information.", "Insufficient information.")
