"""The JSON API: thin views that validate input, call the Assistant once and return a dict."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from qa.errors import BadInput
from qa.filters import parse_filters

api = Blueprint("api", __name__, url_prefix="/api")

ASK_FIELDS = {"question", "history", "filters", "k"}
MAX_HISTORY = 20


def assistant():
    return current_app.extensions["qa.assistant"]


def json_body(allowed: set[str]) -> dict:
    """The request's JSON object; BadInput for anything else."""
    if not request.is_json:
        raise BadInput("send a JSON body with Content-Type: application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadInput(f"unknown field(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    return body


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


@api.post("/ask")
def ask():
    body = json_body(ASK_FIELDS)
    answer = assistant().ask(
        body.get("question"), history=parse_history(body.get("history")),
        filters=parse_filters(body.get("filters")), k=body.get("k"),
    )
    return answer.to_dict()


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
    return {"articles": [
        {"id": a.id, "title": a.title, "outlet": a.outlet, "published": a.published, "url": a.url}
        for a in assistant().articles()
    ]}


@api.get("/health")
def health():
    status = assistant().status()
    if not status["chunks"]:
        return {"status": "empty", **status}, 503
    return {"status": "ok", **status}
