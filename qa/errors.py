"""The small error vocabulary of the service; the edges map it to HTTP statuses and CLI exit codes.

QAError
 ├── BadInput            the caller sent something unusable (HTTP 400, exit 2)
 ├── NotFound            a named thing does not exist (HTTP 404, exit 2)
 ├── ModelMissing        a packaged model file is not installed (HTTP 503, exit 3)
 ├── IndexMismatch       the index was built with another embedding model (HTTP 409, exit 3)
 ├── IndexEmpty          nothing has been ingested yet (HTTP 503, exit 3)
 ├── StoreUnavailable    the vector store cannot be reached (HTTP 503, exit 3)
 └── IngestLocked        another ingest holds the index (HTTP 409, exit 4)
"""

from __future__ import annotations


class QAError(Exception):
    """Base of every error the service reports to a user."""

    code = "error"
    http_status = 500
    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInput(QAError):
    code, http_status, exit_code = "bad_request", 400, 2


class NotFound(QAError):
    code, http_status, exit_code = "not_found", 404, 2


class ModelMissing(QAError):
    code, http_status, exit_code = "model_missing", 503, 3


class IndexMismatch(QAError):
    code, http_status, exit_code = "index_mismatch", 409, 3


class IndexEmpty(QAError):
    code, http_status, exit_code = "index_empty", 503, 3


class StoreUnavailable(QAError):
    code, http_status, exit_code = "store_unavailable", 503, 3


class IngestLocked(QAError):
    code, http_status, exit_code = "ingest_locked", 409, 4
