"""The extractive answerer: leads with what was asked, refuses when the corpus does not say, shows
disagreement, and every sentence is checked against the passage it cites."""

from dataclasses import replace

import pytest

from qa.answering.conflicts import Statement, asks_for_verdict, find_conflicts, polarity
from qa.answering.question import analyse
from qa.language.text import stem, terms
from qa.language.support import claims, supported


def _statement(n, text, article, coverage=1.0):
    return Statement(n, text, article, f"Title {article}", f"Outlet {article}", "2026-02-0" + str(n), coverage)


def test_supported_checks_numbers_names_dates_and_quotes():
    passage = "On Monday, Rubio said the talks had “substantially diminished” the 27 open issues."
    assert supported("Rubio said on Monday that 27 issues were open.", [passage])
    assert not supported("Rubio said on Monday that 28 issues were open.", [passage])  # wrong number
    assert not supported("Lavrov said on Monday that 27 issues were open.", [passage])  # wrong name
    assert not supported("Rubio said on Tuesday that 27 issues were open.", [passage])  # wrong day
    assert not supported("Rubio called them “fully resolved”.", [passage])  # invented quote
    assert not supported("Rubio said so.", [])  # no citation, no support
    assert set(claims("Putin met Trump on 3 February [2].")) == {"3", "february", "putin", "trump"}


def test_question_analysis_finds_kind_focus_and_entities():
    info = analyse("Exactly how many ballistic missiles did Russia launch at Kyiv?")
    assert (info.kind, info.focus) == ("count", tuple(terms("ballistic missiles")))
    assert set(info.entities) == {"russia", "kyiv"}
    assert analyse("What is the dollar value of the deal?").kind == "money"
    assert analyse("When did the talks begin?").kind == "date"
    assert analyse("Which Kremlin aide said it?").kind == "person"
    assert analyse("Why did the talks stall?").kind == "reason"
    assert analyse("Were talks held in the Ukrainian-held part of Donetsk?").entities == ("ukrainian", "donetsk")
    assert analyse("What role did Kirill Dmitriev play?").kind == "profile"
    # a dotted acronym is its letters: "U.S." meets "US" in questions, sentences and the index
    assert analyse("Who won the U.S. Open in 2021?").entities == ("us open",)
    assert terms("U.S.-mediated talks with U.K. officials") == terms("US-mediated talks with UK officials")
    assert analyse("What do the articles say about Medinsky?").kind == "profile"
    assert analyse("What did Rubio say about the hardest issues?").kind != "profile"  # a topic, not a profile
    assert analyse("What role does NATO want?").kind != "profile"


def test_stemming_joins_the_forms_of_a_word_and_keeps_different_words_apart():
    for forms in ("presents presented presenting", "secure secured securing", "meeting meetings meet",
                  "continue continued continuing", "agree agreed agreeing", "stop stopped stopping"):
        assert len({stem(w) for w in forms.split()}) == 1, forms
    assert len({stem(w) for w in "string sting swing talk talks".split()}) == 4  # no vowel left: kept whole
    assert stem("witkoffs") == stem("witkoff") == "witkoff"  # only -ed/-ing forms lose a doubled letter


def test_count_question_leads_with_the_number_and_gives_a_short_answer(assistant):
    answer = assistant.ask("how many missiles did russia fire in the big overnight strike?")
    assert not answer.refused and answer.short_answer == "over 70 missiles"
    assert "over 70 missiles" in answer.sentences[0].text


def test_refuses_when_the_number_asked_for_is_not_stated(assistant):
    # the corpus says "over 70 missiles ... including many ballistic missiles": no count of ballistic ones
    answer = assistant.ask("Exactly how many ballistic missiles did Russia fire overnight into Tuesday?")
    assert answer.refused and answer.diagnostics["reason"] == "no passage states the number asked for"
    assert answer.diagnostics["closest"]  # shows what came closest instead of a bare "not found"


def test_duration_question_leads_with_the_length_of_time(assistant):
    answer = assistant.ask("How long did the second day of talks in Geneva last?")
    assert answer.short_answer == "just two hours" and "lasted just two hours" in answer.sentences[0].text
    # of the plan's three phases, the sentence whose duration stands beside "third phase" leads
    answer = assistant.ask("How soon after a first violation would the third phase of Rutte's plan begin?")
    assert answer.short_answer == "72 hours" and "72 hours" in answer.sentences[0].text


def test_a_date_is_checked_against_the_other_articles_and_a_difference_is_shown(assistant):
    # 003 says the first round was held January 23-24, 004 that it kicked off on January 24
    answer = assistant.ask("When did the first round of trilateral talks in Abu Dhabi start?")
    assert answer.text.startswith("The sources disagree.") and answer.short_answer == ""
    (conflict,) = answer.conflicts
    values = {v["article_id"][:3]: v["value"] for v in conflict.versions}
    assert conflict.topic == "date" and values["003"] == "january 23" and values["004"] == "january 24"
    assert "According to the article “" in answer.text  # 003 has no outlet: named by its headline


def test_an_undisputed_figure_is_not_called_a_disagreement(assistant):
    answer = assistant.ask("How many prisoners of war were exchanged?")
    assert not answer.conflicts and answer.short_answer == "314 prisoners of war"


def test_refuses_when_the_question_is_about_something_the_articles_never_mention(assistant):
    answer = assistant.ask("What did Macron say about the talks in Istanbul?")
    assert answer.refused and "istanbul" in answer.diagnostics["reason"]


def test_a_name_spelled_another_way_in_an_article_still_counts_as_mentioned(assistant):
    # article 004 writes "Zelenskiy" and names Donbas; "Zelensky" must not make it unusable
    answer = assistant.ask("What did Zelensky say about withdrawing from Donbas?")
    assert not answer.refused
    assert "004_38e88933e8b5a746" in {c.article_id for c in answer.citations}


def test_a_question_about_a_name_is_answered_though_its_embedding_is_far(assistant):
    answer = assistant.ask("Who is Harry Nedelcu?")
    assert not answer.refused and "Rasmussen Global" in answer.text
    assert assistant.ask("Who is Taylor Swift?").refused  # a name no article holds is still refused


def test_who_questions_get_the_names_as_a_short_answer(assistant):
    answer = assistant.ask("Who were the American envoys at the talks?")
    assert answer.short_answer == "Steve Witkoff and Jared Kushner"
    assert answer.shown().startswith("Steve Witkoff and Jared Kushner ")


SPANNING = ("Between the New York Times report quoting Harry Nedelcu on sequencing and the IntelliNews report "
            "on {}'s ceasefire enforcement plan, what did each article say?")


def test_a_long_question_naming_things_from_two_articles_is_answered_from_both(assistant):
    answer = assistant.ask(SPANNING.format("Rutte"))  # Nedelcu is only in 001, Rutte only in 004
    assert not answer.refused
    assert {"001_9bf2e5c4133dbb3e", "004_38e88933e8b5a746"} <= {c.article_id for c in answer.citations}
    assert "Nedelcu" in answer.text and "Rutte" in answer.text


def test_names_no_article_holds_still_refuse_long_and_short_questions(assistant):
    spanning = assistant.ask(SPANNING.format("Erdogan"))
    assert spanning.refused and "erdogan" in spanning.diagnostics["reason"]
    # a short question must find every name in one article: no article has both
    assert assistant.ask("What did Harry Nedelcu say about Rutte's plan?").refused


def test_attributed_quote_stays_verbatim_and_names_the_speaker(assistant):
    answer = assistant.ask("Who described the Geneva talks as tough but businesslike?")
    first = answer.sentences[0].text
    assert "Medinsky" in first and "“were tough but businesslike.”" in first
    body = assistant.article(answer.citations[0].article_id).body
    assert first in body


def test_a_statement_after_its_lead_in_is_shown_whole_and_nothing_adds_only_repeats(assistant):
    answer = assistant.ask("How did Rustem Umerov describe the structure of the negotiations once talks began?")
    first = answer.sentences[0]
    # "... said in a statement:" then a paragraph of two sentences: both are his statement
    assert "said in a statement:" in first.text and "started in a trilateral format" in first.text
    assert first.text.endswith("joint synchronisation of positions is planned.") and first.supported
    # another article's sentence naming Umerov and the talks, but nothing the first lacks, is not added
    assert len(answer.sentences) == 1


def test_a_question_about_a_change_is_answered_with_both_moments(assistant):
    assert analyse("How has the Kremlin's position on guarantees shifted?").kind == "change"
    assert analyse("How did the talks go?").kind == "general"
    answer = assistant.ask("How has Zelenskiy's view of when peace could come changed?")
    first = answer.sentences[0].text
    assert "until next year" in first and "by this summer" in first and answer.sentences[0].supported


def test_a_where_question_leads_with_a_sentence_naming_a_place_the_question_does_not(assistant):
    answer = assistant.ask("Where did the Russia-Ukraine-US talks take place?")
    # better-matching sentences say "will take place without the US" or name only Russia and Ukraine:
    # "take place" says that it happened, not where
    assert answer.short_answer and answer.short_answer in answer.sentences[0].text
    assert answer.short_answer not in ("Russia", "Ukraine", "the US")


def test_sources_that_disagree_are_shown_with_each_version(assistant):
    answer = assistant.ask("Did the Abu Dhabi talks succeed or fail?")
    assert not answer.refused and answer.conflicts
    conflict = answer.conflicts[0]
    articles = {v["article_id"] for v in conflict.versions}
    assert len(articles) >= 2
    assert answer.text.startswith("The sources disagree.")
    for version in conflict.versions:
        assert version["quote"] in answer.text and version["outlet"] or version["title"]
    cited = {c.article_id for c in answer.citations}
    assert articles <= cited


def test_agreeing_sources_are_not_a_conflict(assistant):
    answer = assistant.ask("How many prisoners of war did Russia and Ukraine agree to exchange?")
    assert answer.conflicts == ()


def test_find_conflicts_on_values_and_framings():
    dates = [_statement(1, "The round is scheduled for February 1.", "a"),
             _statement(2, "Delegates met on Wednesday morning.", "b")]
    (conflict,) = find_conflicts(analyse("Did the round take place on February 1?"), dates)
    # a bare weekday is the one on or before the article's date (2026-02-02 here)
    assert conflict.topic == "date" and [v["value"] for v in conflict.versions] == ["february 1", "january 28 (wednesday)"]
    undated = [dates[0], replace(dates[1], published="")]
    assert [v["value"] for v in find_conflicts(analyse("Did it happen on February 1?"), undated)[0].versions] == [
        "february 1", "wednesday"]
    # "met on Wednesday" in a paper of Wednesday February 4 and "February 4" elsewhere agree
    same_day = [_statement(1, "Talks began on February 4.", "a"),
                replace(_statement(2, "Delegates met on Wednesday morning.", "b"), published="2026-02-04")]
    assert find_conflicts(analyse("Did talks begin on February 1?"), same_day) == ()
    ahead = replace(_statement(2, "Delegates will meet on Sunday.", "b"), published="2026-02-04")
    assert find_conflicts(analyse("Did talks begin on February 1?"), [dates[0], ahead])[0].versions[1]["value"] == (
        "february 8 (sunday)")
    same = [_statement(1, "Talks began on February 4.", "a"), _statement(2, "On February 4 talks began in Abu Dhabi.", "b")]
    assert find_conflicts(analyse("When did talks begin?"), same) == ()
    framing = [_statement(1, "All sides called the talks very constructive.", "a"),
               _statement(2, "The talks ended in a stalemate.", "b")]
    (conflict,) = find_conflicts(analyse("Were the talks a success or a failure?"), framing)
    assert conflict.topic == "framing"
    one_article = [_statement(1, "Constructive.", "a"), _statement(2, "A stalemate.", "a")]
    assert find_conflicts(analyse("Were the talks a success?"), one_article) == ()
    off_topic = [framing[0], _statement(2, "The talks ended in a stalemate.", "b", coverage=0.05)]
    assert find_conflicts(analyse("Were the talks a success or a failure?"), off_topic) == ()


def test_verdict_questions_and_polarity():
    assert asks_for_verdict("Have the US and Ukraine agreed on guarantees?")
    assert asks_for_verdict("Were the talks a success or a failure?")
    assert not asks_for_verdict("Did the Geneva talks happen before or after Abu Dhabi?")  # order, not outcome
    assert not asks_for_verdict("Who led the talks?")
    assert polarity("the talks were constructive and productive") == 1
    assert polarity("the talks ended in a stalemate") == -1
    assert polarity("the talks were held in Geneva") == 0


@pytest.mark.parametrize("question", ["", "   ", "x" * 1001])
def test_bad_questions_are_rejected(assistant, question):
    from qa.errors import BadInput

    with pytest.raises(BadInput):
        assistant.ask(question)


def test_short_answer_never_ends_on_a_function_word():
    from qa.answering.short_answer import short_answer

    info = analyse("How much money was pledged?")
    assert short_answer(info, "The fund pledged 12,000 euros and more later.") == "12,000 euros"
    assert polarity("the positions, which have prevented progress, remain unchanged") == -1
    # "agreement" named only to say it expired, by a side "not truly interested" in peace
    assert polarity("Russia isn’t truly interested in peace and used the ceasefire to build up forces once the "
                    "agreement expired.") == -1


def test_outlet_named_in_the_question_is_not_required_in_the_text(assistant):
    # outlets name where to look: an IntelliNews article need not mention the New York Times to answer
    answer = assistant.ask("Did the New York Times and IntelliNews both describe the Abu Dhabi talks as a stalemate?")
    assert not answer.refused
    assert {"The New York Times", "bne IntelliNews"} <= {c.outlet for c in answer.citations}


def test_a_where_question_about_several_meetings_lists_each_place_with_its_sentence(assistant):
    answer = assistant.ask("Where were the peace talks held?")
    assert answer.short_answer == "Abu Dhabi and Geneva"  # the UAE, named beside Abu Dhabi, is not a third venue
    cited = {c.article_id[:3]: c.quote for c in answer.citations}
    assert "Geneva" in cited["001"]  # only the New York Times reports the Geneva round
    assert any("Abu Dhabi" in quote for quote in cited.values())


def _located(article, text):
    from types import SimpleNamespace

    return SimpleNamespace(text=text, passage=SimpleNamespace(article=SimpleNamespace(id=article)))


def test_places_count_only_beside_what_is_asked_and_a_country_beside_its_city_is_dropped():
    from qa.answering.places import answer_places, asks_for_several

    info = analyse("Where have the Russia-Ukraine talks been held?")
    assert asks_for_several(info) and not asks_for_several(analyse("Where is Donetsk?"))
    found = answer_places(info, [
        _located("a", "The talks in Abu Dhabi ended."),
        _located("a", "Delegates met for talks in the United Arab Emirates."),  # the country of Abu Dhabi
        _located("b", "The discussions in Geneva were short."),  # another word for a meeting
        _located("b", "Tatiana Stanovaya of the Carnegie Russia Eurasia Center in Berlin said so."),  # not a venue
        _located("c", "An envoy met officials in Florida."),  # "met" alone says nothing of the talks
    ])
    assert found and found[1] == "Abu Dhabi and Geneva"
    assert [c.passage.article.id for c in found[0]] == ["a", "b"]
    assert answer_places(info, [_located("a", "The talks in Abu Dhabi ended.")]) is None  # one place: no list
    assert answer_places(info, [_located("a", "Talks in Paris."), _located("b", "Talks in France.")])[1] == (
        "Paris and France")  # a country named by another article may be elsewhere: kept


def test_a_profile_question_gives_what_each_article_says_of_the_person_in_publication_order(assistant):
    answer = assistant.ask("What role has Yury Ushakov played?")
    cited = [(c.article_id[:3], c.published) for c in answer.citations]
    assert [a for a, _ in cited] == ["002", "004", "003"]  # Feb 1, Feb 5, then the undated article
    assert all("Ushakov" in s.text for s in answer.sentences)  # "Yuri" in two articles, "Yury" in one


def test_asked_what_someone_said_the_sentence_naming_them_brings_their_quoted_words(assistant):
    answer = assistant.ask("What did Witkoff say about the prisoner exchange?")
    lead = answer.sentences[0]
    assert lead.text.startswith("Steve Witkoff") and "“significant work remains" in lead.text and lead.supported
    citation = answer.citations[0]
    # the two sentences are one cited span of the article
    assert "confirmed the prisoner exchange" in citation.quote and citation.quote.endswith("war in Ukraine.”")


def test_words_for_the_same_act_match_each_other_and_other_words_do_not():
    from qa.language.synonyms import canonical_terms

    assert canonical_terms("Did they take part?") & canonical_terms("without the participation of the US")
    assert canonical_terms("hand over Donbas") & canonical_terms("give up Donbas") - canonical_terms("Donbas")
    assert canonical_terms("the talks were floated") & canonical_terms("he suggested talks") - canonical_terms("talks")
    assert not canonical_terms("Russia launched missiles") & canonical_terms("The meeting kicked off")  # not one act


def test_a_question_worded_otherwise_than_the_article_finds_its_sentence(assistant):
    # the article: "Mr. Zelensky has signaled openness to compromising ..., suggesting a demilitarized zone"
    answer = assistant.ask("Which compromise on territory has Zelenskiy floated?")
    assert "suggesting a demilitarized zone" in answer.sentences[0].text


def test_a_why_question_adds_no_sentence_that_gives_no_reason(assistant):
    # "giving up" meets "surrendering"; 004's "The Kremlin is insisting that Bankova give up control of
    # the remaining parts of the Donetsk region" holds more of the question's words but no reason
    answer = assistant.ask("Why would giving up the Ukrainian-held part of Donetsk be risky for Kyiv?")
    assert answer.sentences[0].text.startswith("The area is heavily fortified, so surrendering it")
    assert not any("insisting" in s.text for s in answer.sentences)


def test_asked_what_someone_said_a_sentence_in_which_they_speak_leads(assistant):
    # "Dmitriev has been leading a parallel process in talks with Witkoff" holds more of the question's words
    answer = assistant.ask("What has Dmitriev said about the talks?")
    assert "told Russian state media that “things are moving forward" in answer.sentences[0].text


def test_several_places_are_read_from_deeper_in_the_ranking(assistant):
    # Geneva's passage ranks below five Abu Dhabi passages for this wording
    answer = assistant.ask("Which cities have hosted the trilateral negotiations?")
    assert answer.short_answer == "Abu Dhabi and Geneva"


def test_a_sentence_printed_with_another_name_or_number_is_a_rewrite_and_a_spelling_is_not():
    from qa.language.support import rewritten_claims

    tampa = "The game was played on February 7, 2021, at Raymond James Stadium in Tampa, Florida."
    assert rewritten_claims(tampa, tampa.replace("Tampa, Florida", "Glendale, Arizona")) == (
        ["tampa", "florida"], ["glendale", "arizona"])
    assert rewritten_claims("They swapped 314 prisoners.", "They swapped 341 prisoners.") == (["314"], ["341"])
    assert rewritten_claims("Mr. Zelensky said the talks ended.", "Mr. Zelenskiy said the talks ended.") is None
    assert rewritten_claims(tampa, "Tickets for Super Bowl LVIII in Las Vegas are on sale.") is None  # not a version
    # more changed than the facts: another sentence that happens to look alike
    assert rewritten_claims("On Location is the only place for Super Bowl LVIII ticket packages.",
                            "On Location is your only source for Official ...") is None


def test_two_articles_printing_one_sentence_with_different_names_disagree():
    tampa = "The game was played on February 7, 2021, at Raymond James Stadium in Tampa, Florida."
    statements = [_statement(1, tampa, "a"), _statement(2, tampa.replace("Tampa, Florida", "Glendale, Arizona"), "b"),
                  _statement(3, "The halftime show drew record ratings.", "c")]
    (conflict,) = find_conflicts(analyse("Where was the Super Bowl played?"), statements)
    assert conflict.topic == "version"
    assert [(v["article_id"], v["value"]) for v in conflict.versions] == [("a", "tampa, florida"), ("b", "glendale, arizona")]
    assert not find_conflicts(analyse("Where was the Super Bowl played?"), statements[:1] + statements[2:])


def test_a_sentence_about_another_year_does_not_answer_for_the_year_asked(tmp_path, embedder):
    from qa.assistant import Assistant
    from tests.conftest import ingest, make_settings, open_store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Wimbledon 2018 report\n\nAngelique Kerber beat Serena Williams in the final to win "
                                  "the Wimbledon women's singles title in 2018, her first on grass.\n")
    (corpus / "b.txt").write_text("Wimbledon 2019 report\n\nSimona Halep was the champion in 2019, beating Williams "
                                  "in straight sets.\n")
    settings = make_settings(tmp_path)
    store = open_store(settings, embedder)
    ingest(corpus, settings, embedder, store)
    answer = Assistant(settings, store, embedder).ask(
        "Who beat Serena Williams to win the Wimbledon women's singles title in 2019?")
    # the 2018 sentence holds more of the question's words, but names only another year
    assert answer.short_answer == "Simona Halep" and answer.sentences[0].text.startswith("Simona Halep")


def test_a_where_question_leads_with_the_sentence_of_the_act_asked_about(assistant):
    answer = assistant.ask("Where did Dmitriev travel?")
    assert answer.short_answer == "Miami" and "flew to Miami" in answer.sentences[0].text


def test_which_outlets_reported_something_lists_each_articles_outlet_with_its_sentence(assistant):
    assert analyse("Which newspaper first reported the plan?").kind != "outlets"  # one paper, often one cited
    answer = assistant.ask("Which outlets reported on the prisoner swap?")
    # bne IntelliNews: "did agree on another prisoner swap"; the Times: "prisoner-of-war exchanges"
    assert answer.short_answer == "bne IntelliNews and The New York Times"
    assert [c.article_id[:3] for c in answer.citations] == ["004", "001"]  # in publication order


def test_a_date_stated_beside_the_name_asked_about_answers_and_a_question_with_more_does_not(assistant):
    # "The discussions in Geneva ..." and "... wrapped up a new round of peace talks on Wednesday" share a passage
    answer = assistant.ask("When did the Geneva talks take place?")
    assert not answer.refused and answer.short_answer == "Wednesday"
    # no dated sentence there says "next" or "scheduled": still no answer
    assert assistant.ask("When is the next round of talks after Geneva scheduled?").refused


@pytest.mark.parametrize("question, words", [
    ("What are the main sticking points?", "sticking point"),
    ("What happened on January 29?", "January 29"),
])
def test_a_short_question_without_names_is_answered_past_a_low_cosine_when_a_sentence_holds_it(
        assistant, question, words):
    answer = assistant.ask(question)  # the closest passage's cosine is under the off-topic bar for both
    assert not answer.refused and words in answer.sentences[0].text
    assert assistant.ask("What is the capital of France?").refused  # "capital" is no word of the corpus


def test_a_verdict_word_in_the_question_is_the_claim_not_what_a_sentence_must_be_about(assistant):
    from qa.answering.answer import ExtractiveAnswerer
    from qa.schema import Filters

    question = "Have the US and Ukraine agreed on security guarantees?"
    snap = assistant.snapshot()
    found = assistant.retriever.search(snap, question, 8, Filters())
    candidates, _ = ExtractiveAnswerer()._candidates(analyse(question), found.passages, snap)
    coverage = {c.text[:40]: c.coverage for c in candidates}
    # "... something Kyiv is unlikely to agree to" is about territory: "agree" alone no longer makes it
    # a position on the question (it scored 0.28 when "agreed" counted, past the 0.15 bar for a voice)
    assert coverage["It remains the case that Russia absolute"] < 0.15
    assert coverage["And Ukraine absolutely insists on gettin"] > 0.6  # the guarantees themselves still count


def test_a_year_counts_nothing_and_a_percentage_needs_per_cent(assistant):
    # "... part of Russia following 2022 referendums" gave "2022 referendums" for a share it never states
    answer = assistant.ask("What percentage of Donetsk does Ukraine hold?")
    assert answer.refused and answer.diagnostics["reason"] == "no passage states the number asked for"
    from qa.answering.short_answer import short_answer

    info = analyse("How many referendums were held?")
    assert short_answer(info, "Russia annexed four regions following 2022 referendums.") == ""
    assert short_answer(info, "Russia held 4 referendums in 2022.") == "4 referendums"


def test_the_numbered_parts_of_a_plan_are_each_shown_in_order(assistant):
    answer = assistant.ask("What are the phases of the ceasefire enforcement plan?")
    said = " ".join(s.text for s in answer.sentences)
    first, second, third = (said.find(w) for w in ("first-phase", "second phase", "third phase"))
    assert 0 <= first < second < third  # all three, in order, from the one article that sets them out
    assert "The second phase will include forces from the Coalition of the Willing" in said
    assert {c.article_id for c in answer.citations} == {"004_38e88933e8b5a746"}


def test_a_yes_no_question_is_read_for_what_each_sentence_says_of_the_claim_it_tests():
    from qa.answering.conflicts import verdict_claim

    claim = verdict_claim("Have the US and Ukraine agreed on security guarantees?")
    assert "agre" in claim and verdict_claim("Who agreed to the plan?") == frozenset()  # no yes/no, no claim
    sentence = ("The next meeting will take place without the participation of US representatives; Rubio announced "
                "the agreement on security guarantees.")
    assert polarity(sentence) == 0  # one cue each way
    assert polarity(sentence, claim) == 1  # but of the agreement asked about, it says yes
    assert polarity("The talks ended in a stalemate.", claim) == -1  # no cue names the claim: the others count


def _asked_of(tmp_path, embedder, articles: dict[str, str], question: str):
    from qa.assistant import Assistant
    from tests.conftest import ingest, make_settings, open_store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in articles.items():
        (corpus / name).write_text(text)
    settings = make_settings(tmp_path)
    store = open_store(settings, embedder)
    ingest(corpus, settings, embedder, store)
    return Assistant(settings, store, embedder).ask(question)


def test_sources_answering_yes_and_no_are_shown_without_one_that_takes_no_side(tmp_path, embedder):
    answer = _asked_of(tmp_path, embedder, {
        "a.txt": "Geneva talks report\n\nThe Geneva ceasefire talks ended in a stalemate on Friday.\n",
        "b.txt": "Geneva talks praised\n\nAll delegations called the Geneva ceasefire talks very constructive.\n",
        "c.txt": "Geneva talks resume\n\nThe Geneva ceasefire talks resumed on Monday with new delegations.\n",
    }, "Were the Geneva ceasefire talks a success or a failure?")
    assert answer.conflicts and answer.conflicts[0].topic == "framing"
    assert sorted(c.article_id for c in answer.citations) == ["a", "b"]
    assert "resumed on Monday" not in answer.text


def test_a_sentence_about_another_of_a_series_does_not_answer_for_the_one_asked(tmp_path, embedder):
    answer = _asked_of(tmp_path, embedder, {
        "a.txt": "Talks in Geneva\n\nThe first round of ceasefire talks was held in Geneva on March 3.\n",
        "b.txt": "Talks in Vienna\n\nThe second round of ceasefire talks was held in Vienna on April 9.\n",
    }, "When was the second round of ceasefire talks held?")
    # the first round's date is no rival version of the second's
    assert answer.conflicts == () and answer.short_answer == "April 9"
    assert [c.article_id for c in answer.citations] == ["b"]
