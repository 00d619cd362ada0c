"""Yes/no questions get a verdict: each claim checked against the sentence that best states it (from the
outlet it names), the order of two events from their dates, and "did it stay the same" from whether the
sources give different figures. Shown on the second corpus (qa/evaluation/testsets/harbour)."""

from __future__ import annotations

import pytest

from qa.answering import order
from qa.answering.verdicts import asks_yes_no, claims

OUTLETS = ("Coastline Public Radio", "Metro Wire", "Portmere Gazette", "The Regional Ledger")


def test_a_question_is_split_into_the_claims_it_joins_each_with_the_outlet_it_names():
    found = claims("Does the Portmere Gazette report a 5-4 vote, while Coastline Public Radio says it was 6-3?", OUTLETS)
    assert [c.outlet for c in found] == ["Portmere Gazette", "Coastline Public Radio"]
    assert "5-4" in found[0].text and "6-3" in found[1].text
    one = claims("Was the mayor at the rally?", OUTLETS)
    assert len(one) == 1 and one[0].outlet == ""


def test_a_claim_put_to_two_outlets_jointly_is_put_to_each():
    found = claims("Do Metro Wire and the Portmere Gazette give the same count of jobs lost?", OUTLETS)
    assert [c.outlet for c in found] == ["Metro Wire", "Portmere Gazette"] and all(c.shared for c in found)
    scene = claims("Between the Metro Wire report on the vote and the Gazette's on the jobs, did the figure change?",
                   OUTLETS + ("Gazette",))
    assert len(scene) == 2 and all(c.shared for c in scene)


def test_a_later_claim_too_short_to_search_borrows_the_first_claims_words():
    found = claims("Did Coastline Public Radio count about 1,500 at the rally, while The Regional Ledger said nearly "
                   "3,000?", OUTLETS)
    assert "rally" in found[1].text and "3,000" in found[1].text
    assert "Coastline" not in found[1].text


def test_either_or_questions_are_not_yes_no_questions():
    assert asks_yes_no("Did the council pass the budget?")
    assert not asks_yes_no("Was the rally a success or a failure?")
    assert not asks_yes_no("Who voted against the budget?")
    # a clause setting the scene, then the question proper
    assert asks_yes_no("Between the Gazette's report on March 3 and its report on March 9, did the job count change?")
    assert not asks_yes_no("Between the Gazette's report and Metro Wire's, which gave the higher count?")


def test_a_yes_no_question_on_the_order_of_two_events_is_parsed_with_its_relation():
    asked = order.parse("Did the rally take place after the auditor released the review?")
    assert asked and asked.relation == "after" and "rally" in asked.first_event and "auditor" in asked.second_event
    assert order.parse("Did the mayor sign the budget?") is None


@pytest.mark.parametrize(("question", "said"), [
    # a claim each outlet states, and one where the outlets are swapped
    ("Did Coastline Public Radio put the rally at about 1,500 people while The Regional Ledger said nearly 3,000?", "Yes"),
    ("Did the Portmere Gazette count a 6-3 committee vote, while Coastline Public Radio counted 5-4?", "No"),
    # a plain claim, and one the sentence negates
    ("Did Colin Pratt speak in favour of closing the ferry?", "Yes"),
    ("Will the transit authority need to buy new vehicles for the 14X bus?", "No"),
    # "voted no" after the claim's words is a vote cast, not a negation of it
    ("Did a Civic Union councillor back the budget in the committee vote, according to Coastline Public Radio?", "Yes"),
    # the order of two events by their dates
    ("Did the Gazette report 212 jobs at risk before it reported the revised count of 240?", "Yes"),
    # sameness: the sources give different figures
    ("Do Harbour Business Daily and Metro Wire agree on the first-year savings from closing the ferry?", "No"),
])
def test_a_yes_no_question_is_answered_yes_or_no_with_its_evidence_cited(harbour_assistant, question, said):
    answer = harbour_assistant.ask(question)
    assert not answer.refused, question
    assert answer.short_answer == said, (question, answer.short_answer, answer.text)
    assert answer.citations, question


def test_each_claim_of_a_comparison_is_cited_at_its_own_outlet(harbour_assistant):
    answer = harbour_assistant.ask("Does Coastline Public Radio say about 1,500 attended the rally, while The Regional "
                                   "Ledger reports nearly 3,000?")
    outlets = {c.outlet for c in answer.citations}
    assert {"Coastline Public Radio", "The Regional Ledger"} <= outlets, answer.text


class _CountingEmbedder:
    """Bag-of-letters vectors, normalised; counts the texts it is asked to embed."""

    def __init__(self):
        self.embedded: list[str] = []

    def embed(self, texts):
        import numpy as np
        self.embedded.extend(texts)
        out = np.zeros((len(texts), 26), dtype=np.float32)
        for row, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    out[row, ord(ch) - 97] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_a_sentence_read_for_meaning_again_is_not_embedded_again():
    from qa.answering.answer import ExtractiveAnswerer
    embedder = _CountingEmbedder()
    answerer = ExtractiveAnswerer(embedder=embedder)
    sentences = ["The council passed the budget.", "The ferry closes in June."]
    first = answerer._similarity("Did the council pass the budget?", sentences)
    again = answerer._similarity("Will the ferry close?", sentences)
    assert embedder.embedded == ["Did the council pass the budget?", *sentences, "Will the ferry close?"]
    assert first[0] > first[1] and again[1] > again[0]  # each claim is nearest its own sentence
    assert answerer._similarity("Did the council pass the budget?", sentences) == first
