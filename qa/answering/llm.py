"""The opt-in LLM answerer: an OpenAI-compatible chat model writes the answer from fenced, numbered
passages; every [n] it writes is checked against those passages and every sentence against the text
it cites. Refusal happens before the model; any server failure falls back to the extractive answer."""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from importlib import resources

from qa.answering.refusal import refusal
from qa.answering.short_answer import short_answer
from qa.config import Settings
from qa.index.corpus import CorpusSnapshot
from qa.answering.question import Question
from qa.retrieval.retrieve import Retrieved
from qa.schema import Answer, AnswerSentence, Citation, Passage
from qa.language.sentences import split_sentences
from qa.language.text import fold, terms
from qa.language.support import claims, supported

log = logging.getLogger(__name__)

PROMPT = "answer.txt"
_SECTION = re.compile(r"^### (system|user)[ \t]*$", re.M)
_PLACEHOLDER = re.compile(r"\{(passages|question)\}")
_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
# "... war. [1]" -> "... war [1]." so the marker stays with the sentence it follows
_MARKERS_AFTER_END = re.compile(r"([.!?])((?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+)")
_BULLET = re.compile(r"^[ \t]*(?:[-*•]|\d+[.)])[ \t]+", re.M)
_FENCE_TAG = re.compile(r"<(?=\s*/?\s*passage\b)", re.I)
_DONT_SAY = re.compile(r"\b(the )?(articles?|passages?|sources?) (do not|don't|does not|doesn't) say\b")

Event = tuple[str, object]  # ("token", str) while the model writes, then ("done", Answer)


def load_prompt(name: str = PROMPT) -> tuple[str, str]:
    """(system prompt, user template) from a prompt file of `### system` and `### user` sections."""
    text = resources.files("qa.answering").joinpath("prompts", name).read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"}:
        raise ValueError(f"prompt file {name} needs a '### system' and a '### user' section")
    return sections["system"], sections["user"]


def fence(n: int, passage: Passage) -> str:
    """One passage as quoted data: numbered, with its source, and no way to close the fence early."""
    a = passage.article
    attrs = " ".join(f'{k}="{_attr(v)}"' for k, v in
                     (("n", str(n)), ("article", a.title), ("outlet", a.outlet), ("date", a.published or "undated")))
    return f"<passage {attrs}>\n{neutralise(passage.text)}\n</passage>"


def neutralise(text: str) -> str:
    """Corpus text cannot open or close a passage fence: `</passage>` becomes `&lt;/passage>`."""
    return _FENCE_TAG.sub("&lt;", text)


def _attr(value: str) -> str:
    return html.escape(" ".join(value.split()), quote=True)


class LLMAnswerer:
    """Answers with a chat model behind an OpenAI-compatible server (Ollama, llama.cpp, vLLM, hosted)."""

    name = "llm"

    def __init__(self, settings: Settings, chat_model=None, prompt: str = PROMPT):
        self.settings = settings
        self._model = chat_model  # a LangChain chat model; built from settings on first use when None
        self._lock = threading.Lock()
        self.system_prompt, self.user_template = load_prompt(prompt)

    # ---- public ------------------------------------------------------------------------------

    def answer(self, question: Question, found: Retrieved, snapshot: CorpusSnapshot, base: Answer) -> Answer:
        """The model's answer, validated. `base` is the extractive answer to the same question: a refusal
        there is the refusal here (decided outside the model), and it is the answer when the model's
        cannot be had."""
        for kind, value in self._run(question, found.passages, snapshot, base, stream=False):
            if kind == "done":
                return value  # type: ignore[return-value]
        raise AssertionError("the answer loop ended without an answer")

    def stream(self, question: Question, found: Retrieved, snapshot: CorpusSnapshot, base: Answer) -> Iterator[Event]:
        """("token", text) events as the model writes, then one ("done", Answer): the same Answer
        `answer()` returns. Streamed tokens are raw model text; the done Answer is the checked one."""
        return self._run(question, found.passages, snapshot, base, stream=True)

    def messages(self, question: str, passages: tuple[Passage, ...]) -> list:
        """The system prompt from the prompt file and a user message with the passages fenced."""
        from langchain_core.messages import HumanMessage, SystemMessage

        values = {"passages": "\n\n".join(fence(i, p) for i, p in enumerate(passages, 1)),
                  "question": neutralise(" ".join(question.split()))}
        user = _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.user_template)
        return [SystemMessage(self.system_prompt), HumanMessage(user)]

    # ---- the run -----------------------------------------------------------------------------

    def _run(self, question: Question, passages, snapshot, base: Answer, stream: bool) -> Iterator[Event]:
        if base.refused:  # refusal is decided outside the model
            yield "done", replace(base, answerer=self.name, diagnostics=dict(base.diagnostics, llm_called=False))
            return
        missing = self._missing_configuration()
        if missing:
            yield "done", _fall_back(base, missing)
            return
        errors = _server_errors()
        messages = self.messages(question.standalone, passages)
        parts: list[str] = []
        try:
            model = self._chat_model()
            if stream:
                finished = False
                for chunk in model.stream(messages):
                    finished = finished or bool(chunk.response_metadata.get("finish_reason"))
                    token = _text(chunk.content)
                    if token:
                        parts.append(token)
                        yield "token", token
                if not finished:  # the connection closed mid-answer: the text may be cut anywhere
                    yield "done", _fall_back(base, "the LLM stream ended before the answer was finished")
                    return
            else:
                parts.append(_text(model.invoke(messages).content))
        except errors as exc:
            reason = self._describe(exc)
            # the server's own error text may echo what it was sent (a key): log and return only our words
            log.warning("LLM call failed (%s), answering extractively: %s", type(exc).__name__, reason)
            yield "done", _fall_back(base, reason, exc)
            return
        yield "done", self._finish(question, "".join(parts), passages, snapshot, base)

    def _finish(self, question: Question, text: str, passages, snapshot, base: Answer) -> Answer:
        text = text.strip()
        if not text:
            return _fall_back(base, "the LLM returned no text")
        sentences, citations, invalid = parse(text, passages)
        diagnostics = {"model": self.settings.llm_model, "model_text": text, "invalid_citations": invalid,
                       "llm_called": True}
        if sentences and all(_DONT_SAY.search(fold(s.text)) for s in sentences):
            refused = refusal(question.typed, question.standalone, passages, snapshot,
                              "the model found no answer in the passages")
            return replace(refused, answerer=self.name, diagnostics=dict(refused.diagnostics, **diagnostics))
        if not any(s.citations for s in sentences):
            return _fall_back(base, "the LLM answer cited none of the passages", diagnostics=diagnostics)
        first = next((s.text for s in sentences if s.supported), "")
        return Answer(
            question=question.typed,
            text=" ".join(f"{s.text} {''.join(f'[{n}]' for n in s.citations)}".strip() for s in sentences),
            sentences=tuple(sentences), citations=tuple(citations), refused=False,
            short_answer=short_answer(question.info, first) if first else "", query=question.standalone,
            answerer=self.name, diagnostics=diagnostics, passages=tuple(passages),
        )

    # ---- the model ---------------------------------------------------------------------------

    def _missing_configuration(self) -> str:
        if self._model is not None:
            return ""
        if not self.settings.llm_base_url:
            return "no LLM server configured (QA_LLM_BASE_URL)"
        if not self.settings.llm_model:
            return "no LLM model configured (QA_LLM_MODEL)"
        return ""

    def _chat_model(self):
        """The chat model, built once on first use so that constructing the answerer costs nothing."""
        with self._lock:
            if self._model is None:
                from langchain_openai import ChatOpenAI

                s = self.settings
                self._model = ChatOpenAI(base_url=s.llm_base_url, model=s.llm_model, api_key=s.llm_api_key or "unused",
                                         timeout=s.llm_timeout_s, max_retries=0, temperature=0)
            return self._model

    def _describe(self, exc: Exception) -> str:
        import httpx
        import openai

        if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException)):
            return f"the LLM server did not answer within {self.settings.llm_timeout_s:g} s"
        if isinstance(exc, (openai.APIConnectionError, httpx.TransportError)):
            return f"the LLM server at {public_url(self.settings.llm_base_url)} is unreachable"
        if isinstance(exc, openai.APIStatusError):
            return f"the LLM server answered HTTP {exc.status_code}"
        return f"the LLM server sent an unusable response ({type(exc).__name__})"


def public_url(url: str) -> str:
    """The URL without credentials or query string, fit to show a user."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse(text: str, passages: tuple[Passage, ...]) -> tuple[list[AnswerSentence], list[Citation], list[dict]]:
    """Split model text into sentences, keep the [n] that name a given passage (renumbered in order of
    first use), check each sentence against what it cites; also return the dropped markers."""
    text = _MARKERS_AFTER_END.sub(lambda m: m.group(2) + m.group(1), text)
    text = re.sub(r"\n+", "\n\n", _BULLET.sub("", text))  # each line its own paragraph
    marked: list[tuple[str, list[int]]] = []  # (sentence without markers, valid passage positions)
    invalid: list[dict] = []
    for s in split_sentences(text):
        given = [int(x) for m in _MARKER.finditer(s.text) for x in re.split(r"[,;]", m.group(1))]
        body = re.sub(r"\s+([.!?,;:])", r"\1", " ".join(_MARKER.sub("", s.text).split()))
        valid = []
        for n in given:
            if not 1 <= n <= len(passages):
                invalid.append({"n": n, "sentence": body or (marked[-1][0] if marked else "")})
            elif n not in valid:
                valid.append(n)
        if body:
            marked.append((body, valid))
        elif marked:  # a line of markers only cites the sentence before it
            marked[-1][1].extend(n for n in valid if n not in marked[-1][1])

    numbers: dict[int, int] = {}  # passage position (1-based, as given) -> number in the answer
    sentences: list[AnswerSentence] = []
    citations: list[Citation] = []
    quoted: set[tuple[int, int]] = set()
    for body, valid in marked:
        for n in valid:
            numbers.setdefault(n, len(numbers) + 1)
            p = passages[n - 1]
            quote, start, end = _best_quote(body, p)
            if (numbers[n], start) not in quoted:
                quoted.add((numbers[n], start))
                citations.append(Citation(
                    n=numbers[n], article_id=p.article.id, title=p.article.title, outlet=p.article.outlet,
                    published=p.article.published, url=p.article.url, quote=quote, start=start, end=end,
                    chunk_id=p.chunk_id, passage_start=p.start, passage_end=p.end,
                ))
        cited = [passages[n - 1].text for n in valid]
        sentences.append(AnswerSentence(body, tuple(numbers[n] for n in valid), supported(body, cited)))
    citations.sort(key=lambda c: c.n)
    return sentences, citations, invalid


def _best_quote(sentence: str, passage: Passage) -> tuple[str, int, int]:
    """The passage sentence sharing most facts and words with the answer sentence (offsets into the
    article body); the whole passage when none shares anything."""
    wanted_terms = set(terms(sentence))
    wanted_claims = claims(sentence)
    best, best_score = None, 0.0
    for s in split_sentences(passage.text, passage.start):
        folded = fold(s.text).replace(",", "")
        score = len(wanted_terms & set(terms(s.text))) + 2 * sum(c in folded for c in wanted_claims)
        if score > best_score:
            best, best_score = s, score
    if best is None:
        return passage.text, passage.start, passage.end
    return best.text, best.start, best.end


def _text(content) -> str:
    """Text of a message's content, which LangChain gives as a string or a list of content blocks."""
    if isinstance(content, str):
        return content
    return "".join(b if isinstance(b, str) else b.get("text", "") for b in content
                   if isinstance(b, str) or b.get("type") == "text")


def _server_errors() -> tuple[type[BaseException], ...]:
    import httpx
    import openai

    return openai.OpenAIError, httpx.HTTPError


def _fall_back(base: Answer, reason: str, exc: Exception | None = None, diagnostics: dict | None = None) -> Answer:
    extra = dict(diagnostics or {})
    if exc is not None:
        extra["llm_error"] = type(exc).__name__
    return replace(base, answerer="extractive", fallback_reason=reason, diagnostics=dict(base.diagnostics, **extra))
