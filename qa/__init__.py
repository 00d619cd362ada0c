"""The question-answering library the front ends (web, ingest, eval_cli) use, in stages:

- qa/language/  words, stems, sentences, dates, country names: pure functions over text
- qa/index/     tokens, embeddings, the Chroma store, the keyword index, the corpus snapshot
- qa/retrieval/ hybrid search, filters, a question's scope, follow-ups completed
- qa/answering/ question reading, sentence choice, short answers, verdicts, conflicts, refusals, LLM
- qa/evaluation/ test sets, metrics, baselines, external sets, reports

with config, errors, schema and progress below them all and assistant (which wires the stages) and cli
above. Imports point down that list (evaluation -> answering -> retrieval -> index -> language), never
back; tests/test_architecture.py checks it. Importing this package loads nothing: the names below are
loaded on first use, so `import qa.schema` costs only qa.schema."""

from importlib import import_module as _import_module

_WHERE = {
    "Assistant": "qa.assistant", "Settings": "qa.config",
    **{name: "qa.errors" for name in ("BadInput", "IndexEmpty", "IndexMismatch", "IngestLocked", "ModelMissing",
                                      "NotFound", "QAError", "StoreUnavailable")},
    **{name: "qa.schema" for name in ("Answer", "AnswerSentence", "Article", "Chunk", "Citation", "Conflict",
                                      "Filters", "IngestReport", "Passage")},
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    value = getattr(_import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
