"""The JSON API: thin views that validate input, call the Assistant once and return a dict."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import ClientDisconnected, RequestTimeout

from qa.errors import BadInput, IndexEmpty, QAError
from qa.retrieval.filters import FILTER_FIELDS, parse_filters
from qa.schema import Answer

log = logging.getLogger(__name__)

api = Blueprint("api", __name__, url_prefix="/api")

ASK_FIELDS = {"question", "history", "filters", "k", "answerer"}
ANSWERERS = ("extractive", "llm")
MAX_HISTORY = 20
MAX_JSON_DEPTH = 32  # the deepest valid body (filters inside history inside a request) is 4
ARTICLES_PAGE = 20
ARTICLES_MAX_PAGE = 100
ARTICLES_PARAMS = {"limit", "offset", "outlet", "since", "until"}


def assistant():
    return current_app.extensions["qa.assistant"]


# ---- input ---------------------------------------------------------------------------------------


def json_body(allowed: set[str] | None) -> dict:
    """The request's JSON object; BadInput for anything else. `allowed=None` accepts any field."""
    if not request.is_json:
        raise BadInput("send a JSON body with Content-Type: application/json")
    try:
        raw = request.get_data(cache=True)  # past MAX_CONTENT_LENGTH, however sent: 413
    except (ClientDisconnected, OSError):  # the client stopped sending (the production read timeout)
        raise RequestTimeout("the request body stopped arriving; send it whole") from None
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    if allowed is not None:
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise BadInput(f"unknown field(s): {', '.join(shown(name) for name in unknown[:10])}; "
                           f"allowed: {', '.join(sorted(allowed))}")
    return body


def parse_json(raw: bytes):
    """A JSON document of at most MAX_JSON_DEPTH levels whose strings are all valid Unicode."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadInput(f"the JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels)") from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, and int() past sys.get_int_max_str_digits
        raise BadInput("the body is not valid JSON") from None
    if depth(value) > MAX_JSON_DEPTH:
        raise BadInput(f"the JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels)")
    check_unicode(value)
    return value


def depth(value) -> int:
    """How many arrays and objects deep a decoded JSON value goes (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


def shown(name: str) -> str:
    """A client's field or parameter name, quoted, escaped and cut, for an error message."""
    return json.dumps(name[:40] + ("…" if len(name) > 40 else ""), ensure_ascii=True)


def check_unicode(value) -> None:
    """JSON may carry lone surrogates ("\\ud800"), which no tokenizer or encoder downstream accepts."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadInput("strings must be valid Unicode (no lone surrogates)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            check_unicode(key)
            check_unicode(item)
    elif isinstance(value, list):
        for item in value:
            check_unicode(item)


def parse_history(raw) -> tuple[dict, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_HISTORY:
        raise BadInput(f"history must be a list of at most {MAX_HISTORY} turns")
    turns = []
    for turn in raw:
        if not (isinstance(turn, dict) and turn.get("role") in ("user", "assistant")
                and isinstance(turn.get("content"), str) and len(turn["content"]) <= 4000):
            raise BadInput('each history turn must be {"role": "user"|"assistant", "content": string}')
        turns.append({"role": turn["role"], "content": turn["content"]})
    return tuple(turns)


def parse_answerer(raw) -> str | None:
    """None (the server's default: llm when one is configured, else extractive), "extractive" or "llm"."""
    if raw is None:
        return None
    if raw not in ANSWERERS:
        raise BadInput(f"answerer must be one of: {', '.join(ANSWERERS)}")
    return raw


def ask_args(body: dict) -> dict:
    """The Assistant.ask arguments of an ask body, validated (shared by /api/ask and /api/ask/stream)."""
    return {"question": body.get("question"), "history": parse_history(body.get("history")),
            "filters": parse_filters(body.get("filters")), "k": body.get("k"),
            "answerer": parse_answerer(body.get("answerer"))}


# ---- server-sent events --------------------------------------------------------------------------


def sse_event(data, event: str | None = None) -> str:
    """One SSE event; `data` is JSON-encoded on one line (json never emits raw newlines)."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return (f"event: {event}\n" if event else "") + f"data: {payload}\n\n"


def sse_response(events: Iterable[str]) -> Response:
    """A streamed text/event-stream response that proxies must not buffer or cache."""
    response = Response(events, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def error_payload(exc: Exception) -> dict:
    """The error shape, for failures that happen after a stream has started (status already sent)."""
    if isinstance(exc, QAError):
        return {"error": {"code": exc.code, "message": exc.message}}
    return {"error": {"code": "internal_error", "message": "the server failed to answer; the error was logged"}}


def answer_events(events: Iterable[tuple[str, object]]) -> Iterator[str]:
    """`token` events while an LLM writes (raw text, none for the extractive answerer), then one
    `sentence` event per checked answer sentence, then `done` with the whole answer."""
    try:
        for kind, value in events:
            if kind == "token":
                yield sse_event({"text": value}, "token")
            elif kind == "done":
                yield from done_events(value)
                return
        raise RuntimeError("the answer stream ended without an answer")
    except Exception as exc:  # the 200 is already sent: report in-band, never end silently
        log.exception("failed while streaming an answer")
        yield sse_event(error_payload(exc), "error")


def done_events(answer: Answer) -> Iterator[str]:
    for sentence in answer.sentences:
        yield sse_event({"text": sentence.text, "citations": list(sentence.citations),
                         "supported": sentence.supported}, "sentence")
    yield sse_event(answer.to_dict(), "done")


# ---- views ---------------------------------------------------------------------------------------


@api.post("/ask")
def ask():
    return assistant().ask(**ask_args(json_body(ASK_FIELDS))).to_dict()


@api.post("/ask/stream")
def ask_stream():
    # ask_stream validates the input and retrieves before it returns, so bad input and an empty index
    # still get a normal JSON error with a 4xx/5xx status; only the answering itself is streamed.
    events = assistant().ask_stream(**ask_args(json_body(ASK_FIELDS)), tokens=True)
    return sse_response(answer_events(events))


@api.post("/search")
def search():
    body = json_body({"query", "filters", "k", "history"})
    passages, query, timings = assistant().search(
        body.get("query"), filters=parse_filters(body.get("filters")), k=body.get("k"),
        history=parse_history(body.get("history")),
    )
    return {
        "query": query, "timings": timings,
        "passages": [
            {"rank": p.rank, "score": p.score, "chunk_id": p.chunk_id, "article_id": p.article.id,
             "title": p.article.title, "outlet": p.article.outlet, "published": p.article.published,
             "url": p.article.url, "text": p.text, "start": p.start, "end": p.end,
             "dense_score": p.dense_score, "keyword_score": p.keyword_score}
            for p in passages
        ],
    }


@api.get("/articles/<article_id>")
def article(article_id: str):
    if len(article_id) > 200 or "/" in article_id or article_id.startswith("."):
        raise BadInput("invalid article id")
    a = assistant().article(article_id)
    return {"id": a.id, "title": a.title, "outlet": a.outlet, "published": a.published, "url": a.url,
            "byline": a.byline, "body": a.body}


@api.get("/articles")
def articles():
    limit, offset, outlet, since, until = articles_query()
    found = [
        a for a in assistant().articles()
        if (not outlet or a.outlet.casefold() == outlet.casefold())
        and (not since or (a.published and a.published >= since))
        and (not until or (a.published and a.published <= until))
    ]
    page = found[offset:offset + limit]
    return {
        "articles": [{"id": a.id, "title": a.title, "outlet": a.outlet, "published": a.published, "url": a.url}
                     for a in page],
        "total": len(found), "limit": limit, "offset": offset,
        "next_offset": offset + limit if offset + limit < len(found) else None,
    }


def articles_query() -> tuple[int, int, str, str, str]:
    """limit, offset, outlet, since, until from the query string; BadInput names the bad parameter."""
    unknown = sorted(set(request.args) - ARTICLES_PARAMS)
    if unknown:
        raise BadInput(f"unknown parameter(s): {', '.join(shown(name) for name in unknown[:10])}; "
                       f"allowed: {', '.join(sorted(ARTICLES_PARAMS))}")
    limit = int_param("limit", ARTICLES_PAGE, 1, ARTICLES_MAX_PAGE)
    offset = int_param("offset", 0, 0, 1_000_000)
    filters = parse_filters({name: request.args.get(name, "") for name in FILTER_FIELDS})
    return limit, offset, filters.outlet, filters.since, filters.until


def int_param(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # the length is bounded before int(): Python refuses to convert more than 4300 digits
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(high))) or not low <= int(raw) <= high:
        raise BadInput(f"{name} must be an integer from {low} to {high}")
    return int(raw)


@api.get("/health")
def health():
    """Liveness: the process answers. It touches neither the model nor the store (see /api/ready)."""
    return {"status": "ok"}


@api.get("/ready")
def ready():
    """Readiness: the index is reachable and holds passages; 503 in the error shape otherwise."""
    status = assistant().status()
    if not status["chunks"]:
        raise IndexEmpty("the index is empty: run `qa ingest` first")
    return {"status": "ready", **status}
