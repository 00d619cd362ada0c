"""The Assistant picks its answerer per request or from configuration, and streams LLM tokens."""

import pytest

from qa.assistant import Assistant
from qa.errors import BadInput
from tests.openai_replay import ReplayServer

QUESTION = "How many prisoners of war did Russia and Ukraine agree to exchange?"


def _assistant(assistant, **settings):
    return Assistant(assistant.settings.with_(**settings), assistant.store, assistant.embedder,
                     retriever=assistant.retriever)


def test_extractive_is_the_default_without_an_llm(assistant):
    assert assistant.default_answerer == "extractive"
    assert assistant.ask(QUESTION).answerer == "extractive"
    with pytest.raises(BadInput, match="answerer must be"):
        assistant.ask(QUESTION, answerer="gpt")


def test_configured_llm_answers_streams_and_is_checked(assistant):
    with ReplayServer("The warring parties agreed to exchange 314 prisoners of war [1].") as server:
        llm_assistant = _assistant(assistant, llm_base_url=server.base_url, llm_model="replay")
        assert llm_assistant.default_answerer == "llm"
        events = list(llm_assistant.ask_stream(QUESTION))
        kinds = [kind for kind, _ in events]
        assert kinds[-1] == "done" and kinds.count("token") >= 2
        answer = events[-1][1]
        assert answer.answerer == "llm" and "314" in answer.text
        assert answer.citations and answer.citations[0].article_id == "004_38e88933e8b5a746"
        assert all(s.supported for s in answer.sentences)
        assert answer.timings["total_ms"] > 0 and answer.diagnostics["index_version"] >= 1
        # the extractive answerer can still be asked for explicitly, without a request to the server
        before = len(server.requests)
        assert llm_assistant.ask(QUESTION, answerer="extractive").answerer == "extractive"
        assert len(server.requests) == before


def test_llm_down_falls_back_to_extractive_and_says_so(assistant):
    server = ReplayServer("unused")  # never started: nothing listens on its port
    llm_assistant = _assistant(assistant, llm_base_url=server.base_url, llm_model="replay", llm_timeout_s=2.0)
    answer = llm_assistant.ask(QUESTION)
    assert answer.answerer == "extractive" and "unreachable" in answer.fallback_reason
    assert "314" in answer.text and answer.citations


def test_bad_input_is_raised_before_any_event(assistant):
    with pytest.raises(BadInput):
        assistant.ask_stream("   ")
