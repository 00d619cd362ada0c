"""The OpenAPI 3.1 description of the JSON API and the OpenAI-compatible surface, served at
/api/openapi.json. The tests hold the server to it (tests/test_api_properties.py)."""

from __future__ import annotations

import copy

from flask import Blueprint

from web.api import ANSWERERS, ARTICLES_MAX_PAGE, ARTICLES_PAGE, MAX_HISTORY
from web.openai_api import MODEL

openapi = Blueprint("openapi", __name__)

VERSION = "1.0.0"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def string(max_length: int | None = None, **extra) -> dict:
    return {"type": "string", **({"maxLength": max_length} if max_length else {}), **extra}


INTEGER = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
NUMBER = {"type": "number"}
DATE_OR_EMPTY = {"type": "string", "description": "ISO date YYYY-MM-DD, or \"\" when undated",
                 "anyOf": [{"format": "date"}, {"maxLength": 0}]}
TIMINGS = {"type": "object", "additionalProperties": NUMBER,
           "description": "milliseconds per stage (embed_ms, dense_ms, keyword_ms, retrieve_ms, answer_ms, total_ms)"}


def obj(properties: dict, required: list[str] | None = None, additional: bool = True, **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    if not additional:
        schema["additionalProperties"] = False
    return schema


ANSWERER = {"enum": list(ANSWERERS),
            "description": "default: llm when the server has one configured (QA_LLM_BASE_URL, QA_LLM_MODEL), "
                           "else extractive; an llm answer that cannot be had or checked falls back to the "
                           "extractive one, and fallback_reason says why"}

SCHEMAS = {
    "Error": obj({"error": obj({"code": string(description="machine-readable, e.g. bad_request, not_found, "
                                                "index_empty, store_unavailable"),
                                "message": string(description="one human-readable sentence")},
                               ["code", "message"], additional=False)},
                 ["error"], additional=False),
    "Filters": obj({
        "outlet": string(200, description="only this outlet (case-insensitive)"),
        "since": {"type": "string", "format": "date", "description": "published on or after (inclusive)"},
        "until": {"type": "string", "format": "date", "description": "published on or before (inclusive); "
                                                                      "excludes undated articles"},
    }, additional=False, description="restrict the articles searched; since must not be after until"),
    "Turn": obj({"role": {"enum": ["user", "assistant"]}, "content": string(4000)},
                ["role", "content"]),
    "AskRequest": obj({
        "question": string(1000, minLength=1, pattern=r"\S", description="the question (at most 1000 characters)"),
        "history": {"type": "array", "items": ref("Turn"), "maxItems": MAX_HISTORY,
                    "description": "earlier turns, oldest first; follow-ups are condensed with them"},
        "filters": ref("Filters"),
        "k": {"type": "integer", "minimum": 1, "maximum": 50, "description": "passages to retrieve"},
        "answerer": ANSWERER,
    }, ["question"], additional=False),
    "SearchRequest": obj({
        "query": string(1000, minLength=1, pattern=r"\S"),
        "history": {"type": "array", "items": ref("Turn"), "maxItems": MAX_HISTORY},
        "filters": ref("Filters"),
        "k": {"type": "integer", "minimum": 1, "maximum": 50},
    }, ["query"], additional=False),
    "Citation": obj({
        "n": {"type": "integer", "minimum": 1, "description": "the number used as [n] in the text"},
        "article_id": string(), "title": string(), "outlet": string(), "published": DATE_OR_EMPTY,
        "url": string(), "quote": string(description="the cited span: article body[start:end]"),
        "start": COUNT, "end": COUNT, "chunk_id": string(),
        "passage_start": COUNT, "passage_end": COUNT,
    }, ["n", "article_id", "title", "outlet", "published", "url", "quote", "start", "end"]),
    "Sentence": obj({"text": string(), "citations": {"type": "array", "items": INTEGER},
                     "supported": {"type": "boolean"}}, ["text", "citations", "supported"]),
    "Conflict": obj({"topic": string(), "versions": {"type": "array", "items": {"type": "object"}}},
                    ["topic", "versions"]),
    "Answer": obj({
        "question": string(),
        "answer": string(description="the answer text with [n] markers"),
        "short_answer": string(description="the answer in a few words, or \"\""),
        "sentences": {"type": "array", "items": ref("Sentence")},
        "citations": {"type": "array", "items": ref("Citation")},
        "refused": {"type": "boolean", "description": "true when the articles don't hold the answer"},
        "query": string(description="the standalone query searched (follow-ups condensed with history)"),
        "conflicts": {"type": "array", "items": ref("Conflict")},
        "answerer": string(),
        "fallback_reason": string(),
        "diagnostics": obj({"index_version": INTEGER, "reason": string(), "searched": string(),
                            "closest": {"type": "array", "items": {"type": "object"}},
                            "date_range": {"type": "object"}},
                           description="why a question was refused, what was searched, the index version"),
        "timings": TIMINGS,
    }, ["question", "answer", "short_answer", "sentences", "citations", "refused", "query", "conflicts",
        "diagnostics", "timings"]),
    "Passage": obj({
        "rank": {"type": "integer", "minimum": 1}, "score": NUMBER, "chunk_id": string(),
        "article_id": string(), "title": string(), "outlet": string(), "published": DATE_OR_EMPTY,
        "url": string(), "text": string(), "start": COUNT, "end": COUNT,
        "dense_score": NUMBER, "keyword_score": NUMBER,
    }, ["rank", "score", "chunk_id", "article_id", "title", "outlet", "published", "url", "text", "start", "end"]),
    "SearchResponse": obj({"query": string(), "timings": TIMINGS,
                           "passages": {"type": "array", "items": ref("Passage")}},
                          ["query", "timings", "passages"]),
    "ArticleSummary": obj({"id": string(), "title": string(), "outlet": string(), "published": DATE_OR_EMPTY,
                           "url": string()}, ["id", "title", "outlet", "published", "url"]),
    "Article": obj({"id": string(), "title": string(), "outlet": string(), "published": DATE_OR_EMPTY,
                    "url": string(), "byline": string(),
                    "body": string(description="the cleaned text every citation offset points into")},
                   ["id", "title", "outlet", "published", "url", "byline", "body"]),
    "ArticlesPage": obj({
        "articles": {"type": "array", "items": ref("ArticleSummary")},
        "total": COUNT, "limit": {"type": "integer", "minimum": 1}, "offset": COUNT,
        "next_offset": {"type": ["integer", "null"], "description": "offset of the next page, null on the last"},
    }, ["articles", "total", "limit", "offset", "next_offset"]),
    "Health": obj({"status": {"const": "ok"}}, ["status"]),
    "Session": obj({"required": {"type": "boolean", "description": "whether this server needs a key"},
                    "authenticated": {"type": "boolean", "description": "whether this request may use the API"}},
                   ["required", "authenticated"], additional=False),
    "SignIn": obj({"key": string(1000, minLength=1, description="QA_API_KEY, or QA_PAGE_PASSWORD when set")},
                  ["key"], additional=False),
    "Ready": obj({
        "status": {"const": "ready"}, "articles": COUNT, "chunks": COUNT, "index_version": INTEGER,
        "embedding_model": string(), "dimension": COUNT, "oldest": DATE_OR_EMPTY, "newest": DATE_OR_EMPTY,
        "outlets": {"type": "array", "items": string()}, "store": {"enum": ["embedded", "server"]},
    }, ["status", "articles", "chunks", "index_version", "embedding_model", "oldest", "newest"]),
    "TokenEvent": obj({"text": string()}, ["text"],
                      description="data of an `event: token` of /api/ask/stream: raw LLM text as it is "
                                  "written (the checked sentences follow)"),
    "SentenceEvent": obj({"text": string(), "citations": {"type": "array", "items": INTEGER},
                          "supported": {"type": "boolean"}}, ["text", "citations", "supported"],
                         description="data of an `event: sentence` of /api/ask/stream"),
    "Model": obj({"id": string(), "object": {"const": "model"}, "created": INTEGER, "owned_by": string()},
                 ["id", "object", "created", "owned_by"]),
    "ModelList": obj({"object": {"const": "list"}, "data": {"type": "array", "items": ref("Model")}},
                     ["object", "data"]),
    "ChatMessage": obj({
        "role": {"enum": ["system", "developer", "user", "assistant", "tool"]},
        "content": {"anyOf": [
            string(4000),
            {"type": "array", "maxItems": 20, "items": obj(
                {"type": string(), "text": string(4000)}, ["type"])},
            {"type": "null"},
        ]},
    }, ["role"]),
    "ChatCompletionRequest": obj({
        "model": {"const": MODEL, "description": "one of GET /v1/models"},
        "messages": {"type": "array", "minItems": 1, "maxItems": 50, "items": ref("ChatMessage"),
                     "description": "the last message must be the user's question; earlier user and "
                                    "assistant messages are the history; system messages are ignored"},
        "stream": {"type": "boolean"},
        "stream_options": obj({"include_usage": {"type": "boolean"}}),
        "n": {"const": 1},
        "filters": ref("Filters"),
        "k": {"type": "integer", "minimum": 1, "maximum": 50},
        "answerer": ANSWERER,
    }, ["model", "messages"], description="other OpenAI parameters (temperature, max_tokens, ...) are "
                                          "accepted and ignored; filters, k and answerer are extensions"),
    "Usage": obj({"prompt_tokens": COUNT, "completion_tokens": COUNT, "total_tokens": COUNT},
                 ["prompt_tokens", "completion_tokens", "total_tokens"],
                 description="cl100k_base token counts"),
    "ChatCompletion": obj({
        "id": string(), "object": {"const": "chat.completion"}, "created": INTEGER, "model": string(),
        "choices": {"type": "array", "minItems": 1, "items": obj({
            "index": INTEGER,
            "message": obj({"role": {"const": "assistant"}, "content": string(
                description="the answer, then \"\\n\\nSources:\\n[1] Title — Outlet, date (article_id)\" lines")},
                ["role", "content"]),
            "finish_reason": string(),
        }, ["index", "message", "finish_reason"])},
        "usage": ref("Usage"),
        "citations": {"type": "array", "items": ref("Citation")},
    }, ["id", "object", "created", "model", "choices", "usage", "citations"]),
    "ChatCompletionChunk": obj({
        "id": string(), "object": {"const": "chat.completion.chunk"}, "created": INTEGER, "model": string(),
        "choices": {"type": "array", "items": obj({
            "index": INTEGER, "delta": obj({"role": string(), "content": string()}),
            "finish_reason": {"type": ["string", "null"]},
        }, ["index", "delta"])},
        "citations": {"type": "array", "items": ref("Citation"), "description": "on the stop chunk"},
        "usage": ref("Usage"),
    }, ["id", "object", "created", "model", "choices"],
        description="data of each event of a streamed completion; the stream ends with `data: [DONE]`"),
}

ERRORS = {
    "400": ("the input is invalid", "Error"),
    "401": ("the key is not right", "Error"),
    "404": ("no such thing", "Error"),
    "503": ("the index is empty or the store is unreachable", "Error"),
    "default": ("any other failure, in the same shape", "Error"),
}


def json_response(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def responses(ok: dict, *errors: str) -> dict:
    out = {"200": ok}
    for status in (*errors, "default"):
        description, schema = ERRORS[status]
        out[status] = json_response(description, schema)
    return out


def json_body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def sse_event(event: str | None, data: dict) -> dict:
    """One Server-Sent Event as a parsed object {event, data}: `data` is a string holding JSON."""
    props = {"data": {"type": "string", **data}}
    if event:
        props["event"] = {"const": event}
    return obj(props, ["data"])


def json_data(schema: str) -> dict:
    return {"contentMediaType": "application/json", "contentSchema": ref(schema)}


# For text/event-stream, `schema` describes one event (as OpenAPI 3.2's itemSchema does).
SSE_ASK = {
    "description": "with the llm answerer, `event: token` (data: TokenEvent) as the model writes; then "
                   "`event: sentence` (data: SentenceEvent) per checked answer sentence, then `event: done` "
                   "(data: Answer); `event: error` (data: Error) if the stream fails midway",
    "content": {"text/event-stream": {"schema": {"oneOf": [
        sse_event("token", json_data("TokenEvent")),
        sse_event("sentence", json_data("SentenceEvent")),
        sse_event("done", json_data("Answer")),
        sse_event("error", json_data("Error")),
    ]}}},
}
SSE_CHAT = {"schema": {"anyOf": [
    sse_event(None, {"const": "[DONE]"}),
    sse_event(None, {"contentMediaType": "application/json",
                     "contentSchema": {"anyOf": [ref("ChatCompletionChunk"), ref("Error")]}}),
]}}

ARTICLE_QUERY = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": ARTICLES_MAX_PAGE,
                                                 "default": ARTICLES_PAGE}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 1_000_000,
                                                  "default": 0}},
    {"name": "outlet", "in": "query", "schema": string(200), "description": "exact outlet, case-insensitive"},
    {"name": "since", "in": "query", "schema": {"type": "string", "format": "date"}},
    {"name": "until", "in": "query", "schema": {"type": "string", "format": "date"}},
]

PATHS = {
    "/api/ask": {"post": {
        "operationId": "ask", "summary": "Answer a question; every sentence cites its passage",
        "requestBody": json_body("AskRequest"),
        "responses": responses(json_response("the answer (refused=true when the articles don't hold it)",
                                             "Answer"), "400", "503"),
    }},
    "/api/ask/stream": {"post": {
        "operationId": "askStream", "summary": "The same answer as Server-Sent Events",
        "description": "Input is validated and the answer computed before the stream starts, so errors "
                       "before it are ordinary JSON errors with a 4xx/5xx status.",
        "requestBody": json_body("AskRequest"),
        "responses": responses(SSE_ASK, "400", "503"),
    }},
    "/api/search": {"post": {
        "operationId": "search", "summary": "Ranked passages with scores and citation metadata",
        "requestBody": json_body("SearchRequest"),
        "responses": responses(json_response("passages, best first", "SearchResponse"), "400", "503"),
    }},
    "/api/articles": {"get": {
        "operationId": "listArticles", "summary": "Articles, newest first, paged and filterable",
        "parameters": ARTICLE_QUERY,
        "responses": responses(json_response("one page of articles", "ArticlesPage"), "400", "503"),
    }},
    "/api/articles/{article_id}": {"get": {
        "operationId": "getArticle", "summary": "One article's cleaned text and metadata (citation previews)",
        "parameters": [{"name": "article_id", "in": "path", "required": True,
                        "schema": string(200, minLength=1, pattern=r"^[^/.][^/]*$")}],
        "responses": responses(json_response("the article", "Article"), "400", "404", "503"),
    }},
    "/api/health": {"get": {
        "operationId": "health", "summary": "Liveness: the process answers (touches neither model nor store)",
        "responses": responses(json_response("alive", "Health")),
    }},
    "/api/session": {
        "get": {"operationId": "getSession", "summary": "Whether a key is needed, and whether this client has it",
                "responses": responses(json_response("the session", "Session"))},
        "post": {"operationId": "signIn", "summary": "Sign a page in with the key: sets the session cookie",
                 "description": "A signed, HttpOnly, SameSite=Strict cookie that stands in for the key on "
                                "every API route; rate limited like the API.",
                 "requestBody": json_body("SignIn"),
                 "responses": responses(json_response("signed in", "Session"), "400", "401")},
        "delete": {"operationId": "signOut", "summary": "Sign out: clears the session cookie",
                   "responses": responses(json_response("signed out", "Session"))},
    },
    "/api/ready": {"get": {
        "operationId": "ready", "summary": "Readiness: the index is loaded; counts, model, date range",
        "responses": responses(json_response("ready to answer", "Ready"), "503"),
    }},
    "/api/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {
            "schema": {"type": "object"}}}}},
    }},
    "/v1/models": {"get": {
        "operationId": "listModels", "summary": "OpenAI-compatible: the models this server offers",
        "tags": ["openai"], "responses": responses(json_response("the models", "ModelList")),
    }},
    "/v1/models/{model_id}": {"get": {
        "operationId": "getModel", "summary": "OpenAI-compatible: one model", "tags": ["openai"],
        "parameters": [{"name": "model_id", "in": "path", "required": True, "schema": string(200, minLength=1)}],
        "responses": responses(json_response("the model", "Model"), "404"),
    }},
    "/v1/chat/completions": {"post": {
        "operationId": "chatCompletions", "tags": ["openai"],
        "summary": "OpenAI-compatible chat completion over the corpus (stream and non-stream)",
        "description": "The answer text ends with numbered source lines; the citations are also returned as "
                       "data in `citations` (on the stop chunk when streaming).",
        "requestBody": json_body("ChatCompletionRequest"),
        "responses": responses({
            "description": "a chat.completion, or with stream=true chat.completion.chunk events "
                           "(`data: ChatCompletionChunk`) ending with `data: [DONE]`",
            "content": {"application/json": {"schema": ref("ChatCompletion")},
                        "text/event-stream": SSE_CHAT},
        }, "400", "404", "503"),
    }},
}


def spec() -> dict:
    """The whole OpenAPI document (a fresh dict each call)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "News QA", "version": VERSION,
                 "description": "Questions answered from a news corpus; every sentence cites its passage. "
                                "Errors always have the shape {\"error\": {\"code\", \"message\"}}."},
        "servers": [{"url": "/"}],
        "paths": copy.deepcopy(PATHS),
        "components": {"schemas": copy.deepcopy(SCHEMAS)},
    }


@openapi.get("/api/openapi.json")
def openapi_json():
    return spec()
