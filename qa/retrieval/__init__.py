"""Retrieval: hybrid search over the index (dense + keyword, fused), filters by outlet and date, the
scope a question names, and completing a follow-up into a standalone question. May import qa.index and
qa.language (and config, errors, schema); never answering or evaluation."""
