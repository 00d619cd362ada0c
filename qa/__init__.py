"""The question-answering library both front ends (web, ingest) use."""

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import (
    BadInput,
    IndexEmpty,
    IndexMismatch,
    IngestLocked,
    ModelMissing,
    NotFound,
    QAError,
    StoreUnavailable,
)
from qa.schema import Answer, AnswerSentence, Article, Chunk, Citation, Conflict, Filters, IngestReport, Passage

__all__ = [
    "Answer", "AnswerSentence", "Article", "Assistant", "BadInput", "Chunk", "Citation", "Conflict", "Filters",
    "IndexEmpty", "IndexMismatch", "IngestLocked", "IngestReport", "ModelMissing", "NotFound", "Passage",
    "QAError", "Settings", "StoreUnavailable",
]
