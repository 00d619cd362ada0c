"""Every endpoint through the Flask test client: happy paths, the documented shapes (checked against the
app's own OpenAPI spec) and the one error shape on every failure."""

from __future__ import annotations

import json
import pytest
from jsonschema import Draft202012Validator

from tests.conftest import make_settings, open_store

POW_QUESTION = "How many prisoners of war did Russia and Ukraine agree to exchange?"
POW_ARTICLE = "004_38e88933e8b5a746"


# ---- helpers -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec():
    from web.openapi import spec

    return spec()


def conforms(spec: dict, schema_name: str, data) -> None:
    """`data` validates against components/schemas/<schema_name> of the served spec."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors[:5]]


def assert_error(response, status: int, code: str) -> str:
    """The one error shape, exactly: {"error": {"code", "message"}}; returns the message."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) == {"error"}
    assert set(data["error"]) == {"code", "message"}
    assert data["error"]["code"] == code
    assert isinstance(data["error"]["message"], str) and data["error"]["message"]
    return data["error"]["message"]


def sse_events(response) -> list[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream body; event is "message" when unnamed."""
    events = []
    for block in response.get_data(as_text=True).split("\n\n"):
        if not block.strip():
            continue
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                data.append(line[len("data: "):])
        events.append((name, "\n".join(data)))
    return events


@pytest.fixture()
def empty_client(tmp_path, embedder):
    """An app over an index nothing was ingested into."""
    from qa.assistant import Assistant
    from web import create_app

    settings = make_settings(tmp_path)
    app = create_app(settings, assistant=Assistant(settings, open_store(settings, embedder), embedder))
    return app.test_client()


# ---- /api/ask ------------------------------------------------------------------------------------


def test_ask_answers_with_citations_that_point_into_the_article(client, spec):
    response = client.post("/api/ask", json={"question": POW_QUESTION})
    assert response.status_code == 200
    data = response.get_json()
    conforms(spec, "Answer", data)
    assert not data["refused"] and "314" in data["answer"] and data["short_answer"] == "314 prisoners of war"
    citation = data["citations"][0]
    assert citation["article_id"] == POW_ARTICLE and citation["outlet"] == "bne IntelliNews"
    assert citation["published"] == "2026-02-05"
    body = client.get(f"/api/articles/{POW_ARTICLE}").get_json()["body"]
    assert body[citation["start"]:citation["end"]] == citation["quote"]
    assert all(s["supported"] and s["citations"] for s in data["sentences"])
    assert data["query"] == POW_QUESTION
    assert {"retrieve_ms", "answer_ms", "total_ms"} <= set(data["timings"])
    assert isinstance(data["diagnostics"]["index_version"], int)


def test_ask_refuses_off_topic_questions_with_diagnostics(client, spec):
    data = client.post("/api/ask", json={"question": "What is the recipe for a good sourdough bread?"}).get_json()
    conforms(spec, "Answer", data)
    assert data["refused"] and data["citations"] == []
    assert data["diagnostics"]["searched"] and data["diagnostics"]["closest"]


def test_ask_condenses_a_follow_up_with_history(client):
    data = client.post("/api/ask", json={
        "question": "And how many did they exchange?",
        "history": [{"role": "user", "content": "Prisoners of war exchange between Russia and Ukraine"},
                    {"role": "assistant", "content": "They agreed to an exchange. [1]"}],
    }).get_json()
    assert data["query"] != data["question"] and "Prisoners" in data["query"]


def test_ask_filters_restrict_the_cited_articles(client):
    data = client.post("/api/ask", json={"question": "What happened at the peace talks?",
                                         "filters": {"outlet": "the new york times"}, "k": 3}).get_json()
    assert {c["outlet"] for c in data["citations"]} <= {"The New York Times"}


def test_ask_answerer_is_chosen_per_request(client):
    extractive = client.post("/api/ask", json={"question": POW_QUESTION, "answerer": "extractive"}).get_json()
    assert extractive["answerer"] == "extractive" and extractive["fallback_reason"] == ""
    # no LLM configured: asking for one still answers, extractively, and says why
    llm = client.post("/api/ask", json={"question": POW_QUESTION, "answerer": "llm"}).get_json()
    assert llm["answerer"] == "extractive" and "QA_LLM_BASE_URL" in llm["fallback_reason"]
    assert "one of" in assert_error(client.post("/api/ask", json={"question": POW_QUESTION, "answerer": "gpt"}),
                                    400, "bad_request")


@pytest.mark.parametrize("body", [
    {},
    {"question": "   "},
    {"question": 42},
    {"question": "x" * 1001},
    {"question": "ok", "k": 0},
    {"question": "ok", "k": 51},
    {"question": "ok", "k": "5"},
    {"question": "ok", "k": True},
    {"question": "ok", "k": 2.5},
    {"question": "ok", "filters": {"since": "yesterday"}},
    {"question": "ok", "filters": {"since": "2026-02-10", "until": "2026-02-01"}},
    {"question": "ok", "filters": {"author": "x"}},
    {"question": "ok", "filters": ["outlet"]},
    {"question": "ok", "history": "earlier"},
    {"question": "ok", "history": [{"role": "system", "content": "x"}]},
    {"question": "ok", "history": [{"role": "user", "content": "x"}] * 21},
    {"question": "ok", "extra": 1},
], ids=lambda body: json.dumps(body)[:40])
def test_ask_rejects_bad_input_with_the_error_shape(client, body):
    assert_error(client.post("/api/ask", json=body), 400, "bad_request")


@pytest.mark.parametrize(("data", "content_type"), [
    ("not json", "application/json"),
    ('{"question": "ok"}', "text/plain"),
    ('["a list"]', "application/json"),
    ("", "application/json"),
    ('{"question": "\\ud800 lone surrogate"}', "application/json"),
])
def test_ask_rejects_bodies_that_are_not_a_json_object(client, data, content_type):
    assert_error(client.post("/api/ask", data=data, content_type=content_type), 400, "bad_request")


def test_oversized_bodies_are_413_in_the_error_shape(client):
    assert_error(client.post("/api/ask", json={"question": "x" * 70_000}), 413, "request_entity_too_large")


def test_unknown_routes_and_wrong_methods_have_the_error_shape(client):
    assert_error(client.get("/api/nope"), 404, "not_found")
    response = client.get("/api/ask")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_an_empty_index_is_503_not_200(empty_client):
    body = {"question": POW_QUESTION}
    assert "qa ingest" in assert_error(empty_client.post("/api/ask", json=body), 503, "index_empty")
    assert_error(empty_client.post("/api/ask/stream", json=body), 503, "index_empty")
    assert_error(empty_client.post("/api/search", json={"query": "talks"}), 503, "index_empty")
    assert_error(empty_client.get("/api/ready"), 503, "index_empty")
    assert_error(empty_client.post("/v1/chat/completions", json={
        "model": "news-qa", "messages": [{"role": "user", "content": POW_QUESTION}]}), 503, "index_empty")
    assert empty_client.get("/api/health").get_json() == {"status": "ok"}  # alive, though not ready
    assert empty_client.get("/api/articles").get_json()["articles"] == []


# ---- /api/ask/stream -----------------------------------------------------------------------------


def test_ask_stream_sends_sentences_then_the_whole_answer(client, spec):
    response = client.post("/api/ask/stream", json={"question": POW_QUESTION})
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["X-Accel-Buffering"] == "no"
    events = sse_events(response)
    names = [name for name, _ in events]
    assert names[-1] == "done" and set(names[:-1]) == {"sentence"}
    done = json.loads(events[-1][1])
    conforms(spec, "Answer", done)
    sentences = [json.loads(data) for _, data in events[:-1]]
    for sentence in sentences:
        conforms(spec, "SentenceEvent", sentence)
    assert sentences == done["sentences"]
    assert done["citations"][0]["article_id"] == POW_ARTICLE
    plain = client.post("/api/ask", json={"question": POW_QUESTION}).get_json()
    assert {k: v for k, v in done.items() if k != "timings"} == {k: v for k, v in plain.items() if k != "timings"}


def test_ask_stream_of_a_refusal_is_just_done(client):
    events = sse_events(client.post("/api/ask/stream", json={"question": "What is the recipe for sourdough?"}))
    assert [name for name, _ in events] == ["done"] and json.loads(events[0][1])["refused"]


def test_ask_stream_validates_before_streaming(client):
    assert_error(client.post("/api/ask/stream", json={"question": ""}), 400, "bad_request")
    assert_error(client.post("/api/ask/stream", json={"question": "ok", "k": 99}), 400, "bad_request")


def test_ask_stream_sends_llm_tokens_before_the_checked_sentences(seeded_settings, assistant):
    from qa.assistant import Assistant
    from tests.openai_replay import ReplayServer
    from web import create_app

    with ReplayServer("The warring parties agreed to exchange 314 prisoners of war [1].") as server:
        settings = seeded_settings.with_(llm_base_url=server.base_url, llm_model="replay")
        llm = Assistant(settings, assistant.store, assistant.embedder, retriever=assistant.retriever)
        client = create_app(settings, assistant=llm).test_client()
        events = sse_events(client.post("/api/ask/stream", json={"question": POW_QUESTION}))
    names = [name for name, _ in events]
    assert names.count("token") >= 2 and names.index("sentence") > max(i for i, n in enumerate(names) if n == "token")
    assert names[-1] == "done"
    tokens = "".join(json.loads(data)["text"] for name, data in events if name == "token")
    done = json.loads(events[-1][1])
    assert "314" in tokens and done["answerer"] == "llm" and done["citations"][0]["article_id"] == POW_ARTICLE


def test_a_failure_mid_stream_is_an_error_event(seeded_settings, assistant):
    """Once the 200 is sent, a failure must still reach the client, in the error shape."""
    from web import create_app

    class BrokenAssistant:
        def ask_stream(self, question, history=(), filters=None, k=None, answerer=None, tokens=True):
            def events():
                yield "token", "The parties"
                raise RuntimeError("the model server hung up")

            return events()

    client = create_app(seeded_settings, assistant=BrokenAssistant()).test_client()
    events = sse_events(client.post("/api/ask/stream", json={"question": "anything"}))
    assert [name for name, _ in events] == ["token", "error"]
    assert json.loads(events[-1][1]) == {"error": {"code": "internal_error", "message":
                                                   "the server failed to answer; the error was logged"}}


# ---- /api/search ---------------------------------------------------------------------------------


def test_search_returns_ranked_passages_with_citation_metadata(client, spec):
    response = client.post("/api/search", json={"query": "prisoners of war exchange", "k": 3})
    assert response.status_code == 200
    data = response.get_json()
    conforms(spec, "SearchResponse", data)
    passages = data["passages"]
    assert 1 <= len(passages) <= 3 and [p["rank"] for p in passages] == list(range(1, len(passages) + 1))
    assert passages[0]["article_id"] == POW_ARTICLE
    body = client.get(f"/api/articles/{POW_ARTICLE}").get_json()["body"]
    assert body[passages[0]["start"]:passages[0]["end"]] == passages[0]["text"]


def test_search_filters_and_errors(client):
    data = client.post("/api/search", json={"query": "talks", "filters": {"until": "2026-02-02"}}).get_json()
    assert data["passages"] and {p["published"] for p in data["passages"]} == {"2026-02-01"}
    assert_error(client.post("/api/search", json={"question": "talks"}), 400, "bad_request")
    assert_error(client.post("/api/search", json={}), 400, "bad_request")


# ---- /api/articles -------------------------------------------------------------------------------


def test_articles_are_listed_newest_first_with_paging(client, spec):
    first = client.get("/api/articles").get_json()
    conforms(spec, "ArticlesPage", first)
    assert first["total"] == 5 and len(first["articles"]) == 5 and first["next_offset"] is None
    dates = [a["published"] for a in first["articles"] if a["published"]]
    assert dates == sorted(dates, reverse=True)
    page = client.get("/api/articles?limit=2&offset=2").get_json()
    assert page["articles"] == first["articles"][2:4] and page["next_offset"] == 4
    assert client.get("/api/articles?limit=2&offset=4").get_json()["next_offset"] is None
    assert client.get("/api/articles?offset=10").get_json()["articles"] == []


def test_articles_filter_by_outlet_and_dates(client):
    only = client.get("/api/articles?outlet=BNE%20intellinews").get_json()
    assert [a["id"] for a in only["articles"]] == [POW_ARTICLE]
    ranged = client.get("/api/articles?since=2026-02-04&until=2026-2-5").get_json()
    assert sorted(a["published"] for a in ranged["articles"]) == ["2026-02-04", "2026-02-05"]
    assert ranged["total"] == 2


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "offset=-1", "offset=1.5",
                                   "since=2026-13-01", "until=soon", "since=2026-02-10&until=2026-02-01",
                                   "page=2", "outlet=" + "x" * 201])
def test_articles_reject_bad_parameters(client, query):
    assert_error(client.get(f"/api/articles?{query}"), 400, "bad_request")


def test_one_article_has_its_cleaned_text_and_metadata(client, spec):
    data = client.get(f"/api/articles/{POW_ARTICLE}").get_json()
    conforms(spec, "Article", data)
    assert data["title"] == "Ukraine, Russia peace deal talks in Abu Dhabi end in stalemate"
    assert "314 prisoners of war" in data["body"] and "Log In" not in data["body"]
    assert "no article" in assert_error(client.get("/api/articles/999_nope"), 404, "not_found")
    assert_error(client.get("/api/articles/.hidden"), 400, "bad_request")


# ---- health, readiness, spec ---------------------------------------------------------------------


def test_health_is_liveness_and_ready_reports_the_index(client, spec):
    assert client.get("/api/health").get_json() == {"status": "ok"}
    ready = client.get("/api/ready").get_json()
    conforms(spec, "Ready", ready)
    assert ready["status"] == "ready" and ready["articles"] == 5 and ready["chunks"] > 5
    assert ready["embedding_model"] and ready["oldest"] == "2026-02-01" and ready["newest"] == "2026-02-18"
    assert ready["store"] == "embedded"


def test_ready_counts_what_answers_are_drawn_from_not_a_half_finished_ingest(client, assistant, monkeypatch):
    # another process has written articles but not yet bumped the index version: until it does, the
    # worker answers from the old snapshot, and readiness must not claim the new articles
    monkeypatch.setattr(assistant.store, "counts", lambda: (6, 99))
    ready = client.get("/api/ready").get_json()
    assert (ready["articles"], ready["chunks"]) == (5, assistant.snapshot().chunk_count)


def test_openapi_spec_is_valid_and_documents_every_route(client, app):
    from openapi_spec_validator import validate

    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    served = response.get_json()
    assert served["openapi"].startswith("3.1")
    validate(served)
    for name, schema in served["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    documented = {(path, method.upper()) for path, item in served["paths"].items() for method in item}
    routed = {
        (rule.rule.replace("<", "{").replace(">", "}"), method)
        for rule in app.url_map.iter_rules() if rule.rule.startswith(("/api/", "/v1/"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routed == documented


def test_security_headers_are_on_api_responses(client):
    headers = client.get("/api/health").headers
    assert headers["X-Content-Type-Options"] == "nosniff" and "frame-ancestors 'none'" in headers[
        "Content-Security-Policy"]


# ---- /v1 (OpenAI-compatible) ---------------------------------------------------------------------


def chat(client, question=POW_QUESTION, **extra):
    return client.post("/v1/chat/completions", json={
        "model": "news-qa", "messages": [{"role": "user", "content": question}], **extra})


def test_models_list_and_retrieve(client, spec):
    models = client.get("/v1/models").get_json()
    conforms(spec, "ModelList", models)
    assert [m["id"] for m in models["data"]] == ["news-qa"]
    assert client.get("/v1/models/news-qa").get_json()["id"] == "news-qa"
    assert_error(client.get("/v1/models/gpt-4"), 404, "not_found")


def test_chat_completion_has_the_openai_shape_and_citations(client, spec):
    response = chat(client, temperature=0.2, max_tokens=100, user="someone")  # ignored OpenAI params
    assert response.status_code == 200
    data = response.get_json()
    conforms(spec, "ChatCompletion", data)
    assert data["object"] == "chat.completion" and data["id"].startswith("chatcmpl-")
    choice = data["choices"][0]
    assert choice["message"]["role"] == "assistant" and choice["finish_reason"] == "stop"
    content = choice["message"]["content"]
    assert "314" in content and content.endswith(
        "\n\nSources:\n[1] Ukraine, Russia peace deal talks in Abu Dhabi end in stalemate — bne IntelliNews, "
        f"2026-02-05 ({POW_ARTICLE})")
    assert data["citations"][0]["article_id"] == POW_ARTICLE and data["citations"][0]["quote"]
    usage = data["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_chat_completion_takes_history_and_content_parts(client):
    data = client.post("/v1/chat/completions", json={"model": "news-qa", "messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Prisoners of war exchange between Russia and Ukraine"},
        {"role": "assistant", "content": "They agreed. [1]\n\nSources:\n[1] Something — X, 2026-02-05 (id)"},
        {"role": "user", "content": [{"type": "text", "text": "And how many did they exchange?"}]},
    ]}).get_json()
    assert "314" in data["choices"][0]["message"]["content"]


def test_chat_completion_refusal_has_no_sources(client):
    data = chat(client, "What is the recipe for sourdough?").get_json()
    assert data["citations"] == [] and "Sources:" not in data["choices"][0]["message"]["content"]


def test_chat_completion_stream_is_chunks_then_done(client, spec):
    whole = chat(client).get_json()["choices"][0]["message"]["content"]
    response = chat(client, stream=True, stream_options={"include_usage": True})
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    events = sse_events(response)
    assert events[-1] == ("message", "[DONE]")
    chunks = [json.loads(data) for _, data in events[:-1]]
    for chunk in chunks:
        conforms(spec, "ChatCompletionChunk", chunk)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert streamed == whole
    stop = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"] == "stop"]
    assert len(stop) == 1 and stop[0]["citations"][0]["article_id"] == POW_ARTICLE
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"messages": [{"role": "user", "content": "hi"}]}, 400, "bad_request"),
    ({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}, 404, "not_found"),
    ({"model": "news-qa", "messages": []}, 400, "bad_request"),
    ({"model": "news-qa", "messages": "hi"}, 400, "bad_request"),
    ({"model": "news-qa", "messages": [{"role": "assistant", "content": "hi"}]}, 400, "bad_request"),
    ({"model": "news-qa", "messages": [{"role": "wizard", "content": "hi"}]}, 400, "bad_request"),
    ({"model": "news-qa", "messages": [{"role": "user", "content": 7}]}, 400, "bad_request"),
    ({"model": "news-qa", "messages": [{"role": "user", "content": ""}]}, 400, "bad_request"),
    ({"model": "news-qa", "messages": [{"role": "user", "content": "hi"}], "stream": "yes"}, 400, "bad_request"),
    ({"model": "news-qa", "messages": [{"role": "user", "content": "hi"}], "n": 2}, 400, "bad_request"),
    ({"model": "news-qa", "messages": [{"role": "user", "content": "hi"}], "k": 0}, 400, "bad_request"),
    ({"model": "news-qa", "messages": [{"role": "user", "content": "hi"}], "stream": True,
      "stream_options": {"include_usage": "yes"}}, 400, "bad_request"),
], ids=lambda v: json.dumps(v)[:50] if isinstance(v, dict) else str(v))
def test_chat_completion_errors_use_the_error_shape(client, body, status, code):
    assert_error(client.post("/v1/chat/completions", json=body), status, code)
