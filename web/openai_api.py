"""An OpenAI-compatible surface (/v1/models, /v1/chat/completions) so any OpenAI client or chat UI can
ask the corpus. Answers come from the same Assistant; citations ride along as data and as source lines."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator

from flask import Blueprint

from qa.index import tokens
from qa.errors import BadInput, NotFound
from qa.retrieval.filters import parse_filters
from qa.schema import Answer
from web.api import MAX_HISTORY, assistant, error_payload, json_body, parse_answerer, sse_event, sse_response

log = logging.getLogger(__name__)

openai_api = Blueprint("openai_api", __name__, url_prefix="/v1")

MODEL = "news-qa"
MODEL_CREATED = 1767225600  # 2026-01-01: a fixed date, so /v1/models is the same on every worker
MAX_MESSAGES = 200
MAX_TURN_CHARS = 4000
ROLES = ("system", "developer", "user", "assistant", "tool")
SOURCES_HEADING = "\n\nSources:\n"


def model_card() -> dict:
    return {"id": MODEL, "object": "model", "created": MODEL_CREATED, "owned_by": "news-qa"}


@openai_api.get("/models")
def models():
    return {"object": "list", "data": [model_card()]}


@openai_api.get("/models/<model_id>")
def model(model_id: str):
    if model_id != MODEL:
        raise NotFound(f"model {model_id[:100]!r} does not exist; available: {MODEL}")
    return model_card()


@openai_api.post("/chat/completions")
def chat_completions():
    # Unknown OpenAI parameters (temperature, max_tokens, tools, ...) are accepted and ignored, as chat
    # UIs send many; `filters`, `k` and `answerer` are our extensions (openai client: extra_body={...}).
    body = json_body(None)
    model_id = body.get("model")
    if not isinstance(model_id, str) or not model_id:
        raise BadInput(f"model is required; available: {MODEL}")
    if model_id != MODEL:
        raise NotFound(f"model {model_id[:100]!r} does not exist; available: {MODEL}")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadInput("stream must be true or false")
    if body.get("n", 1) not in (1, None):
        raise BadInput("only n=1 is supported")
    include_usage = stream_usage(body.get("stream_options"))
    question, history = split_messages(body.get("messages"))
    # Streamed or not, the reply is the checked answer (citations validated), sent once it is ready.
    answer = assistant().ask(question, history=history, filters=parse_filters(body.get("filters")),
                             k=body.get("k"), answerer=parse_answerer(body.get("answerer")))
    content = message_content(answer)
    usage = {"prompt_tokens": prompt_tokens(question, history), "completion_tokens": tokens.count(content)}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    citations = answer.to_dict()["citations"]
    if stream:
        return sse_response(completion_chunks(completion_id, created, content, citations,
                                              usage if include_usage else None))
    return {
        "id": completion_id, "object": "chat.completion", "created": created, "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": usage,
        "citations": citations,
    }


def stream_usage(raw) -> bool:
    if raw is None:
        return False
    if not isinstance(raw, dict):
        raise BadInput("stream_options must be an object")
    include = raw.get("include_usage", False)
    if not isinstance(include, bool):
        raise BadInput("stream_options.include_usage must be true or false")
    return include


def split_messages(raw) -> tuple[str, tuple[dict, ...]]:
    """The last message (a user's) is the question; earlier user/assistant turns are the history."""
    if not isinstance(raw, list) or not raw:
        raise BadInput("messages must be a non-empty list of {role, content}")
    if len(raw) > MAX_MESSAGES:
        raise BadInput(f"messages holds more than {MAX_MESSAGES} messages")
    turns = []
    for i, message in enumerate(raw):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise BadInput(f"messages[{i}] must be an object with role one of: {', '.join(ROLES)}")
        turns.append((message["role"], message_text(message.get("content"), i)))
    role, question = turns[-1]
    if role != "user":
        raise BadInput("the last message must be the user's question")
    history = tuple(
        {"role": r, "content": strip_sources(text)[:MAX_TURN_CHARS]}
        for r, text in turns[:-1] if r in ("user", "assistant") and text.strip()
    )[-MAX_HISTORY:]
    return question, history


def message_text(content, i: int) -> str:
    """A message's text: a string, or the text parts of a list of content parts; null counts as ""."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict):
                raise BadInput(f"messages[{i}].content parts must be objects")
            if part.get("type") == "text":
                if not isinstance(part.get("text"), str):
                    raise BadInput(f"messages[{i}].content text parts need a string text")
                parts.append(part["text"])
        return "\n".join(parts)
    raise BadInput(f"messages[{i}].content must be a string or a list of content parts")


def strip_sources(text: str) -> str:
    """Our own earlier answers come back as history: drop their source lines."""
    return text.split(SOURCES_HEADING, 1)[0]


def prompt_tokens(question: str, history: tuple[dict, ...]) -> int:
    return tokens.count(question) + sum(tokens.count(turn["content"]) for turn in history)


def message_content(answer: Answer) -> str:
    """The answer text, then numbered source lines: "[1] Title — Outlet, 2026-02-05 (article_id)"."""
    lines = []
    for c in answer.sources():
        where = ", ".join(x for x in (c.outlet, c.published or "undated") if x)
        lines.append(f"[{c.n}] {c.title or c.article_id} — {where} ({c.article_id})")
    return answer.text + (SOURCES_HEADING + "\n".join(lines) if lines else "")


def completion_chunks(completion_id: str, created: int, content: str, citations: list[dict],
                      usage: dict | None) -> Iterator[str]:
    """chat.completion.chunk events: the role, the content word by word, a stop chunk carrying the
    citations, optionally the usage chunk, then [DONE] -- the sequence OpenAI clients expect."""

    def chunk(delta: dict, finish_reason=None, **extra) -> str:
        return sse_event({"id": completion_id, "object": "chat.completion.chunk", "created": created,
                          "model": MODEL, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                       "finish_reason": finish_reason}], **extra})

    try:
        yield chunk({"role": "assistant", "content": ""})
        for piece in re.findall(r"\s*\S+|\s+", content):
            yield chunk({"content": piece})
        yield chunk({}, "stop", citations=citations)
        if usage is not None:
            yield sse_event({"id": completion_id, "object": "chat.completion.chunk", "created": created,
                             "model": MODEL, "choices": [], "usage": usage})
    except Exception as exc:  # the 200 is already sent: report in-band (the openai client raises on it)
        log.exception("failed while streaming a completion")
        yield sse_event(error_payload(exc))
    yield sse_event("[DONE]")
