"""Settings: the one configuration value, built from QA_* environment variables in entry points only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from qa.errors import BadInput

ENV_PREFIX = "QA_"


@dataclass(frozen=True)
class Settings:
    """Everything that can be configured; defaults give the embedded, offline service."""

    data_dir: Path = Path(".qa")
    chroma_url: str = ""  # e.g. http://127.0.0.1:8000 ; empty means the embedded store in data_dir
    collection: str = "news"
    seeds_dir: Path = Path("seeds")
    chunk_tokens: int = 160
    chunk_overlap_tokens: int = 40
    embed_batch: int = 8  # measured: 34.6 passages/s at 8 vs 27.8 at 32 on 2 cores (less padding, less memory)
    embed_threads: int = 2
    top_k: int = 5
    candidates: int = 30
    per_article_cap: int = 2
    dense_weight: float = 1.0  # weights of the two rankings in reciprocal rank fusion
    keyword_weight: float = 2.0  # measured: BM25 ranks better on news questions (README, qa eval)
    max_question_chars: int = 1000
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = field(default="", repr=False)  # secrets stay out of any logged Settings
    llm_timeout_s: float = 20.0
    api_key: str = field(default="", repr=False)
    page_password: str = field(default="", repr=False)  # signs the page in instead of the API key
    allowed_hosts: str = ""  # comma-separated Host names served besides loopback and the bound address
    rate_limit_per_minute: int = 120  # API requests per client IP; 0 turns rate limiting off
    rate_limit_burst: int = 0  # requests a client may make at once; 0 means rate_limit_per_minute
    cors_origins: str = ""  # comma-separated origins allowed to call the API from a browser; empty: none

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Read QA_<FIELD> variables (e.g. QA_DATA_DIR, QA_CHROMA_URL); overrides win."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, type(getattr(cls(), f.name)), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        """A copy with some fields changed."""
        return replace(self, **changes)


def _coerce(name: str, kind: type, raw: str):
    try:
        if kind is Path:
            return Path(raw)
        if kind is bool:
            return raw.lower() in {"1", "true", "yes", "on"}
        return kind(raw)
    except ValueError:
        raise BadInput(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind.__name__}") from None
