"""Short answers: the span of the lead sentence that answers the question, or nothing when unsure."""

import pytest

from qa.answering.question import analyse
from qa.answering.short_answer import short_answer


def said(question: str, sentence: str) -> str:
    return short_answer(analyse(question), sentence)


def test_who_lists_the_people_named_without_titles_or_possessive_descriptors():
    sentence = ("The two lead American negotiators — Steve Witkoff, President Trump’s special envoy; and Jared "
                "Kushner, the president’s son-in-law — did not take part in Wednesday’s session in Abu Dhabi.")
    assert said("Who are the lead US negotiators?", sentence) == "Steve Witkoff and Jared Kushner"


@pytest.mark.parametrize("sentence, name", [
    ("On the eve, US Secretary of State Marco Rubio announced the agreement.", "Marco Rubio"),
    ("Mr. Zelensky has said the United States and Ukraine have agreed.", "Zelensky"),
    ("Russian President Vladimir Putin met the envoys in Moscow.", "Vladimir Putin"),
])
def test_titles_before_a_name_are_dropped(sentence, name):
    assert said("Who spoke about it?", sentence) == name


def test_places_organisations_and_lone_words_are_not_people():
    assert said("Who objected?", "But Washington objected in Abu Dhabi and at the United Arab Emirates.") == ""


def test_the_person_asked_about_is_not_the_answer():
    assert said("Who did Yuri Ushakov meet?", "Yuri Ushakov met Emmanuel Bonne in Moscow.") == "Emmanuel Bonne"


def test_a_quoted_question_gets_the_speaker_nearest_the_quote():
    sentence = ("Presidential aide Yury Ushakov repeated Moscow's demands, while US Secretary of State Marco Rubio "
                "called the territorial question “a bridge we haven't crossed yet.”")
    assert said("Who called territory “a bridge we haven't crossed”?", sentence) == "Marco Rubio"


def test_whose_questions_and_crowded_sentences_get_no_short_answer():
    assert said("Whose sources did the paper cite?", "Bloomberg Media and Reuters Staff reported it.") == ""
    crowd = "Anna Bell, Carl Dunn, Eva Ford and Gil Hart signed."
    assert said("Who signed?", crowd) == ""


def test_when_gives_the_one_date_the_sentence_states():
    assert said("When did Ushakov reject it?", "“No,” presidential aide Yuri Ushakov said on January 29.") == "January 29"
    assert said("When did Russia strike?", "Russia struck overnight into Tuesday morning.") == \
        "overnight into Tuesday morning"


def test_when_with_two_dates_is_left_to_the_sentence():
    assert said("When did the talks begin?", "They began on January 24 and ended on January 25.") == ""


def test_where_gives_the_place_that_is_not_in_the_question():
    sentence = "On the eve of the talks in Abu Dhabi, Kirill Dmitriev flew to Miami, where Trump lives."
    assert said("Where did Kirill Dmitriev fly before the Abu Dhabi talks?", sentence) == "Miami"


def test_other_kinds_get_no_short_answer():
    assert said("Why did the talks stall?", "Because Russia wanted land in Donetsk, Ukraine said.") == ""


def test_a_possessor_inside_a_capitalised_run_is_not_a_person():
    sentence = "Kremlin envoy Kirill Dmitriev flew to Miami, where Donald Trump’s Mar-a-Lago residence is."
    assert said("Who flew to Miami?", sentence) == "Kirill Dmitriev"


def test_who_is_a_named_person_asks_for_a_description_not_other_names():
    assert said("Who is Harry Nedelcu?", "“It matters,” said Harry Nedelcu, a director, to Anna Bell.") == ""


def test_how_long_is_a_duration_question():
    assert analyse("How long did the session last?").kind == "duration"
    assert analyse("How soon after the violation does phase three start?").kind == "duration"


def test_duration_is_given_when_it_stands_beside_what_is_asked_about():
    sentence = "A second day of discussions lasted just two hours, a brief session."
    assert said("How long did the second day of talks last?", sentence) == "just two hours"
    # the only duration measures something the question does not name
    assert said("How long has the war lasted?", sentence) == ""


def test_a_question_for_one_person_gets_a_name_only_when_the_sentence_names_one():
    sentence = "Vladimir Medinsky led the team, Dmitry Peskov said on Monday."
    assert said("Who led the Russian team?", sentence) == ""  # two people: the sentence has to speak
    assert said("Who are the people named?", sentence) == "Vladimir Medinsky and Dmitry Peskov"
    assert said("Who led the Russian team?", "Vladimir Medinsky led the team.") == "Vladimir Medinsky"


def test_a_duration_beside_something_else_the_question_names_is_not_its_answer():
    asked = "How soon after the first violation would the third phase start?"
    first = "A first-phase response includes actions by forces to stop the violations within 24 hours."
    third = "If the violation escalates, a third phase will commence 72 hours after the initial incident."
    assert said(asked, first) == ""  # one question word beside it ("violations"): it measures the first phase
    assert said(asked, third) == "72 hours"


@pytest.mark.parametrize("statements, span", [
    ("He didn’t think peace would come until next year. In January he said the war might be over by this summer.",
     "from this summer to next year"),  # the statement placed in the past is the earlier, wherever it stands
    ("Earlier he said a deal could come by March. He now says it could come by June.", "from March to June"),
    ("In January he said peace would come soon. Now he expects it by next year.", ""),  # "January" is when, not what
    ("He expects peace by next year. She expects it by this summer.", ""),  # neither is placed earlier
    ("Earlier he said a deal could come by March. He still says it could come by March.", ""),  # no change
])
def test_a_change_is_from_the_earlier_expected_time_to_the_later(statements, span):
    assert said("How has his forecast for the end of the war changed?", statements) == span


def test_of_several_places_the_one_after_the_asked_act_is_the_answer():
    sentence = ("On the eve of the talks in Abu Dhabi, Kremlin special representative Kirill Dmitriev flew to Miami, "
                "where Donald Trump’s Mar-a-Lago residence is located.")
    assert said("Where did Dmitriev travel?", sentence) == "Miami"  # "flew" is how the article says travel
    assert said("Where did Dmitriev stay?", sentence) == ""  # neither place follows the act asked about


def test_a_body_before_a_name_is_no_part_of_it():
    sentence = ("The talks were useful, said Ukrainian Secretary of the National Security and Defence Council "
                "Rustem Umerov, who led the Ukraine delegation.")
    assert said("Who led the Ukrainian delegation?", sentence) == "Rustem Umerov"  # not "Council Rustem Umerov"


def test_a_person_of_another_side_is_no_short_answer_for_the_country_asked_about():
    sentence = "Vladimir Medinsky, a Kremlin aide who led the Russian negotiating team in Geneva, spoke."
    assert said("Who represented Ukraine in Geneva?", sentence) == ""
    assert said("Who represented Russia in Geneva?", sentence) == "Vladimir Medinsky"
    assert said("Who are the lead US negotiators?", "The American negotiators, Steve Witkoff and Jared Kushner, "
                "did not take part.") == "Steve Witkoff and Jared Kushner"  # "American" names the US


def test_of_several_people_the_one_whose_titles_were_asked_for_is_the_answer():
    sentence = ("French President Emmanuel Macron said he is in talks on a meeting with Russian President Vladimir "
                "Putin, and an official met Yuri Ushakov.")
    assert said("Who is the French president?", sentence) == "Emmanuel Macron"  # "French President", 2 words
    assert said("Who met the officials?", sentence) == ""  # no title to go by: too many people to pick one
    rubio = "Yury Ushakov spoke, while U.S. Secretary of State Marco Rubio acknowledged the challenge."
    assert said("Who is the US Secretary of State?", rubio) == "Marco Rubio"  # titles, not a name, asked about
    assert said("Who is Harry Nedelcu?", "“It matters,” said Harry Nedelcu, a senior director.") == ""


def test_a_name_opening_the_sentence_before_its_apposition_is_the_subject():
    sentence = ("Steve Witkoff, the US special envoy leading the American mediation team alongside Jared Kushner, "
                "confirmed the prisoner exchange in a post on X on Thursday.")
    assert said("Who confirmed the prisoner exchange?", sentence) == "Steve Witkoff"
    assert said("Who confirmed the exchange?", "Officials said Steve Witkoff and Jared Kushner confirmed it.") == ""
    assert said("Who signed?", "Anna Bell, Carl Dunn and Eva Ford signed.") == ""  # a list, no apposition
