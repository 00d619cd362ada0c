"""General answering steps, each shown on the second corpus (qa/evaluation/testsets/harbour) as well as the seeds:
initialisms read in the passages' words, "how many" counts, and "which X" wants a named X (a near miss
that mentions an X without naming it, or never mentions one, is refused), quotes given to their speaker, and
an outlet's later figure read as an update, not a disagreement."""

from __future__ import annotations

import pytest

from qa.language.initialisms import spelled_out
from qa.answering.question import analyse
from qa.answering.short_answer import durations, named_spans, short_answer

# ---- initialisms ------------------------------------------------------------------------------------


def test_an_initialism_is_spelled_out_from_the_passages_own_words():
    passages = ["Ferry crews are employed by the Portmere Regional Transit Authority, which runs four vessels.",
                "The authority said 240 jobs would go."]
    assert spelled_out("How many jobs will the PRTA cut?", passages) == (
        "How many jobs will the portmere regional transit authority cut?")
    # written so in the passages themselves, or spelled by nothing there: left as it is
    assert spelled_out("Did the US agree?", ["the US and Ukraine"]) == "Did the US agree?"
    assert spelled_out("What did the BBC say?", passages) == "What did the BBC say?"


def test_a_question_in_initialisms_finds_its_answer(assistant):
    for question in ("How many POWs did Russia and Ukraine agree to exchange?", "abu dhabi prisoner swap - how many POWs"):
        answer = assistant.ask(question)
        assert not answer.refused and "314" in answer.short_answer, question


# ---- what the question wants ----------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "kind"), [
    ("How many jobs will the ferry closure cost?", "count"),
    ("How much will the ferry closure cost?", "money"),
    ("Which councillor was absent from the final vote?", "named"),
    ("What was the name of the hotel where the talks took place?", "named"),
    ("name of the company running the island boat", "named"),
    ("Which day did the council vote?", "date"),
    ("Which of them voted no?", "general"),
    # "what X is/does ...?" asks as "which X ...?" does; a passive's agent is a person
    ("What bridge does the 14X route cross?", "named"),
    ("What street is the union hall on?", "named"),
    ("What it is?", "general"),
    ("'this budget stops pretending' - said by?", "person"),
    ("By whom was the review released?", "person"),
])
def test_what_kind_of_answer_a_question_wants(question, kind):
    assert analyse(question).kind == kind


@pytest.mark.parametrize(("request_", "question"), [
    ("Tell me which councillor was absent from the final vote.", "Which councillor was absent from the final vote?"),
    ("I'd like to know how long the committee session lasted.", "How long did the committee session last?"),
    ("Can you tell me when the rally was held?", "When was the rally held?"),
    ("Do you know how many jobs the closure will cost?", "How many jobs will the closure cost?"),
])
def test_a_request_to_be_told_is_read_as_the_question_it_embeds(request_, question):
    assert analyse(request_).kind == analyse(question).kind != "general"
    assert analyse("Tell me about the rally").kind == "general"  # no question embedded: nothing to read


def test_a_request_is_answered_as_its_question_is(harbour_assistant):
    answer = harbour_assistant.ask(
        "Tell me which Eastbank resident said he pays for the ferry in his taxes whether he uses it or not.")
    # the quote is "..., he said." after the sentence that names him; "I'm" in the quote is no name
    assert answer.short_answer == "Derek Nunes"


def test_a_length_of_time_measures_the_subject_whose_predicate_it_is(harbour_assistant):
    strike = analyse("How long did the strike last?")
    assert durations(strike, "The strike, called by the union on Monday, lasted three days.") == ["three days"]
    assert durations(strike, "The strike lasted three days.") == ["three days"]
    assert durations(strike, "The talks, which began on Monday, lasted three days.") == []
    answer = harbour_assistant.ask("For how long did the Ferry Quay rally go on?")
    assert not answer.refused and answer.short_answer == "about two hours"


def test_words_a_question_quotes_in_single_quotes_find_their_speaker(harbour_assistant):
    for question in ("'this budget stops pretending' - said by?", "Whose line was 'This budget stops pretending'?"):
        answer = harbour_assistant.ask(question)
        assert not answer.refused and "Okafor" in answer.sentences[0].text, question
        assert "This budget stops pretending" in answer.sentences[0].text
    assert analyse("the ferry workers' union hall").kind == "general"  # an apostrophe opens no quote


def test_which_x_is_answered_by_a_name_beside_an_x():
    info = analyse("Which councillor chairs the committee?")
    sentence = "Councillor Dana Whitcombe, an independent, chairs the committee, the Portmere Gazette reported."
    assert short_answer(info, sentence) == "Dana Whitcombe"
    titled = analyse("Which councillor from the Civic Union voted yes?")
    assert "Ruth Adeyemi" in named_spans(titled, "They were joined by Civic Union Councillor Ruth Adeyemi.")
    assert named_spans(info, "For Kells Island, the committee hired a private operator.") == []


@pytest.mark.parametrize("question", [
    "Which private operator will run the Kells Island lifeline boat?",  # "a private operator", unnamed
    "name of the company running the island replacement boat",

    "Which hotel did the council meet in?",  # no hotel at all
])
def test_a_named_one_the_articles_never_name_is_refused(harbour_assistant, question):
    answer = harbour_assistant.ask(question)
    assert answer.refused, (question, answer.text)


def test_a_named_one_the_articles_name_is_answered(harbour_assistant, assistant):
    union = harbour_assistant.ask("Which union represents the ferry workers?")
    assert not union.refused and "Harbour Marine Workers Union" in union.short_answer
    hotel = assistant.ask("Which hotel hosted the Geneva talks?")  # the seeds name no hotel either
    assert hotel.refused


# ---- whose words ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "speaker"), [
    ('Who said "A smaller ferry is still an expensive ferry"?', "Lorna Feldt"),
    ("who said a smaller ferry is still expensive", "Lorna Feldt"),
    ('Who asked why he should pay for "a boat I will never use"?', "Colin Pratt"),
])
def test_a_quote_said_by_he_or_she_is_given_to_the_person_named_before_it(harbour_assistant, question, speaker):
    answer = harbour_assistant.ask(question)
    assert not answer.refused and answer.short_answer == speaker, (question, answer.text)
    assert speaker in answer.text  # the quote is shown with the sentence that says who is speaking


def test_a_quote_with_its_speaker_named_is_left_as_it_is(assistant):
    answer = assistant.ask("Who said the negotiations were not easy?")
    assert "Zelensky" in answer.short_answer


# ---- updates and disagreements -------------------------------------------------------------------------


def statement(n, text, outlet, published, article=None):
    from qa.answering.conflicts import Statement

    return Statement(n, text, article or f"{outlet}-{published}", "t", outlet, published)


def test_an_outlets_later_figure_updates_its_own_and_other_outlets_figures_disagree():
    from qa.answering.conflicts import find_conflicts

    info = analyse("How many ferry jobs would the closure eliminate?")
    assert info.kind == "count"
    answer_of = lambda text: short_answer(info, text)  # noqa: E731
    earlier = statement(1, "The closure would eliminate 212 ferry jobs, the authority said.", "Portmere Gazette", "2027-03-03")
    later = statement(2, "The closure would now eliminate 240 ferry jobs, the authority said.", "Portmere Gazette", "2027-03-09")
    assert find_conflicts(info, [later, earlier], answer_of) == ()  # one outlet, updated
    rival = statement(3, "The closure would eliminate 260 ferry jobs, union figures show.", "Coastline Public Radio", "2027-03-05")
    [conflict] = find_conflicts(info, [later, earlier, rival], answer_of)
    assert conflict.topic == "figure"
    assert {v["outlet"] for v in conflict.versions} == {"Portmere Gazette", "Coastline Public Radio"}
    assert "212" not in str(conflict.versions)  # the Gazette speaks through its latest figure


def test_numbers_that_do_not_answer_the_question_are_no_rival_figures():
    from qa.answering.conflicts import find_conflicts

    question = "How much is the ferry subsidy?"
    info = analyse(question)
    subsidy = statement(1, "The ferry subsidy costs the city $9.7 million a year.", "Portmere Gazette", "2027-03-01")
    budget = statement(2, "The ferry subsidy sits inside a $1.42 billion budget.", "The Regional Ledger", "2027-03-02")
    assert find_conflicts(info, [subsidy, budget]) != ()  # every number compared: a false alarm
    assert find_conflicts(info, [subsidy, budget], lambda text: short_answer(info, text)) == () or (
        short_answer(info, budget.text) != short_answer(info, subsidy.text))


def test_a_revised_count_in_the_harbour_corpus_is_no_disagreement(harbour_assistant):
    answer = harbour_assistant.ask("How many jobs will the ferry closure cost?")
    assert not answer.refused and not answer.conflicts and "240" in answer.short_answer


# ---- questions in parts ---------------------------------------------------------------------------------


def test_a_question_in_two_parts_is_split_where_a_second_question_begins():
    from qa.answering.parts import completed, split_parts

    assert split_parts("Who leads the union, and on what day did it file its complaint?") == [
        "Who leads the union?", "on what day did it file its complaint?"]
    assert split_parts("who unveiled the worker fund and when") == ["who unveiled the worker fund?", "when?"]
    assert split_parts("Did Russia and Ukraine agree?") == ["Did Russia and Ukraine agree?"]
    assert split_parts("What did Ferreira and Okafor say?") == ["What did Ferreira and Okafor say?"]
    # a later part reads the first part's answer for its pronoun, and borrows its words when it has none
    assert completed("what did he propose?", "Who chairs the committee?", "Martin Reyes-Blake") == (
        "what did Martin Reyes-Blake propose?")
    assert completed("when?", "who unveiled the worker fund?", "") == "when unveiled the worker fund?"


def test_each_part_is_answered_and_cited(harbour_assistant):
    answer = harbour_assistant.ask("Who announced the $1.5 million transition fund for ferry workers, and on what day?")
    assert not answer.refused and "Okafor" in answer.short_answer and "Wednesday" in answer.short_answer
    assert answer.diagnostics["parts"][1].startswith("on what day")
    # one numbering, by cited passage as for any answer: 1, 2, ... in order of first use, one passage each
    numbers = list(dict.fromkeys(c.n for c in answer.citations))
    assert numbers == list(range(1, len(numbers) + 1))
    assert all(len({c.chunk_id for c in answer.citations if c.n == n}) == 1 for n in numbers)
    assert all(set(s.citations) <= set(numbers) for s in answer.sentences)


def test_a_part_the_articles_do_not_answer_is_said_to_be_missing_and_the_other_is_answered(harbour_assistant):
    answer = harbour_assistant.ask("Who announced the $1.5 million transition fund, and which hotel did she stay in?")
    assert not answer.refused and "Okafor" in answer.text
    assert "The articles don't say: which hotel" in answer.text
    assert answer.diagnostics["refused_parts"] == [answer.diagnostics["parts"][1]]


# ---- follow-ups ------------------------------------------------------------------------------------------


def test_a_follow_up_is_completed_into_a_question_a_reader_would_recognise(harbour_assistant):
    history = ({"role": "user", "content": "Who is the president of the ferry workers' union?"},
               {"role": "assistant", "content": "Tomás Quill is president of the Harbour Marine Workers Union Local 17."})
    answer = harbour_assistant.ask("Where did he say the union would file a complaint?", history=history)
    assert answer.query == "Where did Tomás Quill say the union would file a complaint?"
    assert "Public Employment Relations Board" in answer.text
    levy = harbour_assistant.ask("How much would his parking levy raise?", history=(
        {"role": "user", "content": "Who chairs the council's finance committee?"},
        {"role": "assistant", "content": "Councillor Martin Reyes-Blake of the Civic Union chairs it."}))
    assert levy.query == "How much would Councillor Martin Reyes-Blake's parking levy raise?"
    assert "5.2 million" in levy.short_answer


def test_a_follow_up_about_a_thing_is_asked_after_the_question_it_follows():
    from qa.retrieval.conversation import condense

    history = ({"role": "user", "content": "What would replace the Eastbank ferry crossing?"},
               {"role": "assistant", "content": "an express bus [1]"})
    assert condense("How often would it run at peak times?", history) == (
        "How often would it run at peak times? (after: What would replace the Eastbank ferry crossing?)")


def test_an_initialism_the_passages_write_in_a_longer_token_is_left_alone():
    passages = ["Generative Pre-trained Transformer 3 (GPT-3) is a large language model."]
    assert spelled_out("When was GPT-3 released?", passages) == "When was GPT-3 released?"


# ---- near misses --------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    "How many of the roughly 60 bus division vacancies are mechanic jobs?",  # only the whole is stated
    "How many of the 240 ferry jobs are on the Kells Island route?",
    "In what year did the newest vessel in the ferry fleet enter service?",  # only weekdays and one other year
])
def test_a_figure_the_question_states_itself_or_a_date_that_is_no_year_does_not_answer_it(harbour_assistant, question):
    answer = harbour_assistant.ask(question)
    assert answer.refused, (question, answer.text)


def test_the_whole_figure_still_answers_a_question_about_the_whole(harbour_assistant):
    answer = harbour_assistant.ask("How many vacancies does the bus division have?")
    assert not answer.refused and "60" in answer.short_answer
    year = harbour_assistant.ask("In what year did the MV Gannet enter service?")
    assert not year.refused and "1989" in year.short_answer


# ---- tallies --------------------------------------------------------------------------------------------


def test_a_vote_is_answered_with_its_tally_and_outlets_with_other_tallies_disagree(harbour_assistant):
    assert analyse("What was the finance committee's vote on the budget?").kind == "tally"
    assert analyse("by what margin did the council pass the budget").kind == "tally"
    reprieve = harbour_assistant.ask("How did the council vote on the Reyes-Blake reprieve amendment?")
    assert reprieve.short_answer == "6-7"
    committee = harbour_assistant.ask("What was the finance committee's vote on sending the budget to the full council?")
    [conflict] = committee.conflicts  # 5-4 in the Gazette, 6-3 on Coastline Public Radio
    assert {v["outlet"] for v in conflict.versions} == {"Portmere Gazette", "Coastline Public Radio"}
    assert {v["value"] for v in conflict.versions} == {"5-4", "6-3"}


def test_a_follow_up_is_read_for_what_it_asks_not_for_the_question_it_follows():
    asked_after = "Which Civic Union councillor voted for it? (after: How did the council vote on the amendment?)"
    assert analyse(asked_after).kind == "named"  # not the tally the earlier question asked for
    assert "amendment" in analyse(asked_after).terms  # but searched with its words


# ---- dates an article gives relative to its own -----------------------------------------------------------


def test_last_year_in_an_article_is_the_year_before_its_date_and_counts_for_that_year(harbour_assistant):
    from qa.language.dates import relative_years

    assert relative_years("the ferry carried 1.4 million trips last year", "2027-03-03") == {"2026"}
    assert relative_years("service ends next year", "2027-03-03") == {"2028"}
    assert relative_years("the ferry carried 1.4 million trips last year", "") == set()  # undated: unknown
    trips = harbour_assistant.ask("How many trips did the ferry carry in 2026?")
    [conflict] = trips.conflicts  # 1.1 million (transit authority) against 1.4 million "last year" (traders)
    assert {v["outlet"] for v in conflict.versions} >= {"Portmere Gazette", "Harbour Business Daily"}


# ---- which outlet, and amounts written short ------------------------------------------------------------


@pytest.mark.parametrize(("question", "outlet"), [
    ("Which outlet reported that the deficit is $23 million?", "Harbour Business Daily"),
    ("which paper put the deficit at $23m", "Harbour Business Daily"),  # "$23m" read as "$23 million"
    ("Which outlet first reported that 212 ferry jobs were at risk?", "Portmere Gazette"),  # the earliest
])
def test_which_outlet_is_the_reporting_articles_outlet(harbour_assistant, question, outlet):
    answer = harbour_assistant.ask(question)
    assert answer.short_answer == outlet, (question, answer.text)


def test_which_newspaper_is_the_one_an_article_cites_when_it_cites_one(assistant):
    answer = assistant.ask("Which newspaper first reported Rutte's plan for enforcing a ceasefire?")
    assert answer.short_answer == "Financial Times"


def test_amounts_written_short_are_spelled_as_articles_write_them():
    from qa.language.text import spelled_amounts

    assert spelled_amounts("a $1.5bn fund for 40k people and $23m") == "a $1.5 billion fund for 40 thousand people and $23 million"
    assert spelled_amounts("5 m away in 2026") == "5 m away in 2026"


@pytest.mark.parametrize(("question", "speaker"), [
    ('Who said "We cannot disagree about arithmetic"?', "Sam Ferreira"),
    ("who said you can't compare a boat to a bus with no road", "Tomás Quill"),
])
def test_a_quotes_speaker_named_in_the_chunk_before_its_passage_is_found(harbour_assistant, question, speaker):
    answer = harbour_assistant.ask(question)
    assert speaker in answer.short_answer, (question, answer.short_answer, answer.text)


# ---- lengths of time written as adjectives ------------------------------------------------------------


@pytest.mark.parametrize(("question", "length"), [
    ("How long did the finance committee session last?", "six hours"),  # "after a six-hour session"
    ("How long does the ferry's Eastbank crossing take?", "12 minutes"),  # "the 12-minute ferry crossing"
])
def test_a_length_joined_to_its_noun_is_that_things_length(harbour_assistant, question, length):
    assert harbour_assistant.ask(question).short_answer == length


def test_an_actor_known_only_as_she_is_the_person_named_before(harbour_assistant):
    answer = harbour_assistant.ask("Who asked whether the Kells Island lifeline boat contract had been put out to tender?")
    assert "Dana Whitcombe" in answer.short_answer and "Feldt" not in answer.short_answer


# ---- searches typed as noun phrases ------------------------------------------------------------------


@pytest.mark.parametrize(("query", "kind"), [
    ("eastbank ferry crossing time", "duration"),
    ("notice period before ferry layoffs", "duration"),
    ("last ferry date", "date"),
    ("committee vote count on the budget", "tally"),
    ("first-year savings from the closure", "money"),
    ("rally turnout?", "count"),
    # a question word anywhere still decides: "total" here is no type noun
    ("Short of total American guarantees, what assurance does Zelensky say Ukraine would need?", "general"),
])
def test_a_search_typed_as_a_noun_phrase_asks_for_what_its_type_noun_names(query, kind):
    assert analyse(query).kind == kind


def test_a_noun_phrase_search_is_answered_like_the_question(harbour_assistant):
    assert "90" in harbour_assistant.ask("notice period before ferry layoffs").short_answer
    assert harbour_assistant.ask("committee vote count on the budget").conflicts  # 5-4 against 6-3


def test_joined_parts_number_their_sources_by_passage_as_any_answer_does():
    from qa.answering.parts import joined
    from qa.schema import Answer, AnswerSentence, Citation

    def cited(n, article, start):
        return Citation(n, article, "t", "o", "2027-03-01", "", "quote", start, start + 5, chunk_id=f"{article}:0")

    first = Answer("q1", "x [1] y [1]", (AnswerSentence("x", (1,)), AnswerSentence("y", (1,))),
                   (cited(1, "a", 0), cited(1, "a", 10)), False)  # two sentences of one passage
    second = Answer("q2", "z [1]", (AnswerSentence("z", (1,)),), (cited(1, "b", 0),), False)
    merged = joined("q", "q", [first, second], ["p1?", "p2?"])
    assert [c.n for c in merged.citations] == [1, 1, 2]
    assert [s.citations for s in merged.sentences] == [(1,), (1,), (2,)] and merged.text == "x [1] y [1] z [2]"


# ---- the type of answer, and the thing asked for ---------------------------------------------------

def test_a_time_question_is_answered_by_a_time_of_day_not_by_the_day(harbour_assistant):
    """"What time ...?" wants "5:40 in the morning", not the "Wednesday" of another sentence."""
    first = harbour_assistant.ask("What time does the first ferry leave Kells Island?")
    assert not first.refused and "5:40 in the morning" in first.text, first.text
    last = harbour_assistant.ask("What time does the last ferry get back to Kells Island?")
    assert not last.refused and "11 at night" in last.text, last.text
    info = analyse("What time does the first ferry leave?")
    assert info.kind == "date" and info.asks_time
    assert short_answer(info, "The first boat leaves at 5:40 in the morning on weekdays.") == "5:40 in the morning"
    assert not analyse("What day does the first ferry leave?").asks_time


def test_which_x_prefers_a_name_that_is_an_x(harbour_assistant):
    """"Which bridge ...?" is answered by "the Harbour Bridge", not by a sentence sharing more of the
    question's other words ("the 14X bus would use eight new buses")."""
    for question in ("Which bridge will the 14X bus cross?", "Which bridge would the replacement bus route use?"):
        assert harbour_assistant.ask(question).short_answer == "Harbour Bridge", question


def test_which_councillor_said_it_when_the_sentence_says_only_she(harbour_assistant):
    answer = harbour_assistant.ask("Which councillor has not yet had a written answer from the transit authority?")
    assert not answer.refused and "Dana Whitcombe" in answer.short_answer, answer.text


@pytest.mark.parametrize("question", [
    "What will the fare on the 14X express bus be?",
    "What will the fare on the Kells Island lifeline boat be?",
])
def test_the_thing_asked_for_must_be_spoken_of_not_a_figure_beside_it(harbour_assistant, question):
    """The articles give the 14X's running cost and the lifeline boat's contract, and use the word
    "fare" elsewhere: no sentence about either states a fare, so it is refused."""
    answer = harbour_assistant.ask(question)
    assert answer.refused, answer.text


@pytest.mark.parametrize("question, noun", [
    ("What will the fare on the 14X express bus be?", "fare"),
    ("What is the ferry subsidy?", "subsidy"),
    ("What is the deficit Portmere has to close?", "deficit"),
    ("What is the release date of the game?", ""),  # a type noun: a date answers it
    ("What are the entities that provide incentives?", ""),  # defined by its clause
    ("What are the entities associated with the report?", ""),
    ("What did the mayor say?", ""),
])
def test_the_noun_a_what_is_the_question_asks_for(question, noun):
    assert analyse(question).asked_noun == noun


def test_a_what_is_the_question_the_articles_answer_is_still_answered(harbour_assistant):
    answer = harbour_assistant.ask("What is the deficit the 2027 budget has to close?")
    assert not answer.refused and ("18.4" in answer.text or "23" in answer.text), answer.text
