"""A refusal's data: the closest passages are one per article, quoted in whole sentences at offsets that
hold the quote, with their scores kept for the API and out of the reason a reader is shown."""

from __future__ import annotations

import re

from qa.answering.refusal import QUOTE_CHARS, closest, quote_span
from qa.schema import ArticleMeta, Passage


def _passage(article_id: str, text: str, start: int = 100, rank: int = 1) -> Passage:
    return Passage(chunk_id=f"{article_id}:0", article=ArticleMeta(id=article_id, title=f"Title {article_id}"),
                   text=text, start=start, end=start + len(text), score=0.5, rank=rank, dense_score=0.123456)


def test_closest_passages_are_one_per_article_in_whole_sentences(assistant):
    answer = assistant.ask("How many tanks did the Russian army lose in 2024?")
    assert answer.refused
    found = answer.diagnostics["closest"]
    assert found and len({c["article_id"] for c in found}) == len(found)  # no article twice
    bodies = {a.id: a.body for a in assistant.articles()}
    for c in found:
        assert c["passage_start"] <= c["start"] < c["end"] <= c["passage_end"]
        assert re.search(r"[.!?…][\"”’)]*$", c["quote"]), c["quote"]  # ends where a sentence ends
        assert 0 <= c["similarity"] <= 1
        assert bodies[c["article_id"]][c["start"]:c["end"]] == c["quote"]  # the page highlights exactly this
    assert "similarity" not in answer.diagnostics["reason"]


def test_a_quote_is_whole_sentences_and_a_long_sentence_is_cut_at_a_word():
    text = "The council met on Tuesday. It voted on the budget. " + "Then it adjourned for lunch. " * 20
    p = _passage("a", text.strip())
    start, end = quote_span(p)
    quote = text[start - p.start:end - p.start]
    assert quote.startswith("The council met") and quote.endswith(".") and len(quote) <= QUOTE_CHARS
    long = "The council " + "voted and argued and " * 40 + "then went home."
    q = _passage("b", long)
    start, end = quote_span(q)
    cut = long[start - q.start:end - q.start]
    assert len(cut) <= QUOTE_CHARS and long[end - q.start] == " " and not cut.endswith(" ")


def test_closest_keeps_the_best_passage_of_each_article_and_at_most_three():
    passages = [_passage("a", "First a. More a.", rank=1), _passage("a", "Second a.", start=500, rank=2),
                _passage("b", "Only b.", rank=3), _passage("c", "Only c.", rank=4), _passage("d", "Only d.", rank=5)]
    found = closest(passages)
    assert [c["article_id"] for c in found] == ["a", "b", "c"]
    assert found[0]["quote"] == "First a. More a." and found[0]["similarity"] == 0.1235
