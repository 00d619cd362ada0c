"""Questions about the order of two events: parsing, dating and the answer they get."""

from qa.answering import order
from qa.answering.question import analyse


def test_ordering_questions_are_parsed_into_their_two_events():
    asked = order.parse("Did the Geneva talks happen before or after the Abu Dhabi rounds?")
    assert asked == order.OrderQuestion("Geneva talks", "Abu Dhabi rounds", asks_which=False)
    asked = order.parse("Which came first: the prisoner swap or the Geneva round of talks?")
    assert asked == order.OrderQuestion("prisoner swap", "Geneva round of talks", asks_which=True)
    assert order.parse("Did the talks end in a stalemate?") is None
    assert analyse("Was the swap earlier or later than the strike?").kind == "order"


def test_a_sentence_states_a_date_only_when_it_states_one():
    assert order.stated_date("Rubio told reporters on February 4.") == (2, 4)
    assert order.stated_date("It was signed on 29 January.") == (1, 29)
    assert order.stated_date("They met on January 23 and again on January 24.") is None
    assert order.stated_date("They met on Wednesday.") is None


def test_stated_dates_win_over_publication_dates_and_no_difference_gives_no_order():
    early, late = order.Dated((1, 29), "2026-02-05"), order.Dated((2, 4), "2026-02-01")
    assert order.compare(early, late) == (-1, "the dates the articles state")
    undated = order.Dated(None, "2026-02-18")
    assert order.compare(undated, order.Dated(None, "2026-02-04")) == (1, "the articles' publication dates")
    assert order.compare(undated, order.Dated(None, "2026-02-18")) is None
    assert order.compare(order.Dated(None, ""), order.Dated(None, "2026-02-04")) is None  # undated article


def test_before_or_after_is_answered_from_two_articles(assistant):
    answer = assistant.ask("Did the Abu Dhabi talks come before or after the Geneva talks?")
    assert answer.short_answer == "Before, by the articles' publication dates"
    cited = {c.article_id[:3] for c in answer.citations}
    assert "001" in cited and len(cited) == 2  # the Geneva article and one on Abu Dhabi


def test_which_came_first_names_the_event_by_the_dates_the_sentences_state(assistant):
    answer = assistant.ask("Which came first: Rubio's remarks to reporters or Ushakov's rejection of the guarantees?")
    assert answer.short_answer == "Ushakov's rejection of the guarantees, by the dates the articles state"
    assert any("January 29" in s.text for s in answer.sentences) and any("February 4" in s.text for s in answer.sentences)


def test_an_article_that_calls_the_other_event_earlier_settles_the_order(assistant):
    # 001 (Geneva) speaks of "two earlier rounds of trilateral talks ... in Abu Dhabi"
    answer = assistant.ask("Were the Geneva talks held before or after the Abu Dhabi rounds?")
    assert answer.short_answer == "After, by the article’s own account"
    assert {c.article_id[:3] for c in answer.citations} == {"001"}
