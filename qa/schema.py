"""Frozen dataclasses handed between stages: ingest -> store -> retrieve -> answer -> web/eval."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Article:
    """One cleaned article; `body` is the text every character offset points into."""

    id: str
    title: str
    body: str
    outlet: str = ""
    published: str = ""  # ISO date (YYYY-MM-DD) or "" when undated
    url: str = ""
    byline: str = ""
    source: str = ""  # the file it came from, relative to the ingested folder
    content_hash: str = ""
    duplicate_of: str = ""  # id of the canonical article when this one is a near-copy (not indexed)


@dataclass(frozen=True)
class Chunk:
    """A token-bounded span of an article body: body[start:end] == text."""

    id: str  # "<article_id>:<n>"
    article_id: str
    n: int
    text: str
    start: int
    end: int
    token_count: int
    hash: str


@dataclass(frozen=True)
class ArticleMeta:
    """What a passage needs to cite its article."""

    id: str
    title: str
    outlet: str = ""
    published: str = ""
    url: str = ""


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article's citation data, score and rank (1-based)."""

    chunk_id: str
    article: ArticleMeta
    text: str
    start: int
    end: int
    score: float
    rank: int
    dense_score: float = 0.0
    keyword_score: float = 0.0


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: the passage span quoted, with offsets into the article body."""

    n: int
    article_id: str
    title: str
    outlet: str
    published: str
    url: str
    quote: str
    start: int  # offsets of the quote in the article's cleaned body
    end: int
    chunk_id: str = ""
    passage_start: int = 0  # offsets of the whole cited passage
    passage_end: int = 0


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    citations: tuple[int, ...]
    supported: bool = True


@dataclass(frozen=True)
class Conflict:
    """Sources that state different values for the same thing."""

    topic: str
    versions: tuple[dict, ...]


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    refused: bool
    short_answer: str = ""
    query: str = ""  # the standalone query that was searched
    conflicts: tuple[Conflict, ...] = ()
    answerer: str = "extractive"
    fallback_reason: str = ""
    diagnostics: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    passages: tuple[Passage, ...] = ()

    def shown(self) -> str:
        """What a reader is shown: the short answer (when there is one), then the cited sentences."""
        return " ".join(x for x in (self.short_answer, self.text) if x)

    def sources(self) -> list[Citation]:
        """Each cited passage once, in citation-number order (for "Sources:" lists)."""
        first: dict[int, Citation] = {}
        for c in self.citations:
            first.setdefault(c.n, c)
        return [first[n] for n in sorted(first)]

    def to_dict(self, with_passages: bool = False) -> dict:
        """The JSON shape the API and `qa ask --json` return."""
        data = asdict(self)
        data["answer"] = data.pop("text")
        if not with_passages:
            data.pop("passages")
        return data


@dataclass(frozen=True)
class Filters:
    """Restrictions on which articles may be searched; empty means all."""

    outlet: str = ""
    since: str = ""  # ISO date, inclusive
    until: str = ""  # ISO date, inclusive

    def is_empty(self) -> bool:
        return not (self.outlet or self.since or self.until)


@dataclass
class IngestReport:
    """Counts an ingest run prints; mutable while the run fills it."""

    articles: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    articles_added: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    articles_removed: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.articles_removed
                    or self.articles_added or self.articles_updated)
