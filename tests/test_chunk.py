"""Chunking: token limits, offsets point at the right text, overlap, stable ids."""

import pytest

from ingest.chunk import chunk_article
from ingest.load import build_article, load_folder
from qa.index import tokens
from qa.language.sentences import split_sentences
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def articles():
    return load_folder(SEEDS).articles


def test_chunks_respect_token_limit_and_offsets(articles):
    for article in articles:
        chunks = chunk_article(article, max_tokens=120, overlap_tokens=30)
        assert chunks, article.id
        for n, chunk in enumerate(chunks):
            assert chunk.id == f"{article.id}:{n}"
            assert article.body[chunk.start:chunk.end] == chunk.text
            assert chunk.token_count == tokens.count(chunk.text) <= 120
        # together the chunks cover the whole body
        assert chunks[0].start == 0 and chunks[-1].end == len(article.body.rstrip())
        for a, b in zip(chunks, chunks[1:]):
            assert article.body[a.end:b.start].strip() == "", "text lost between consecutive chunks"
            assert b.start > a.start, "chunker did not move forward"


def test_chunks_end_on_sentence_boundaries_and_overlap(articles):
    article = next(a for a in articles if a.id.startswith("004"))
    ends = {s.end for s in split_sentences(article.body)}
    starts = {s.start for s in split_sentences(article.body)}
    chunks = chunk_article(article, max_tokens=160, overlap_tokens=40)
    overlapping = 0
    for a, b in zip(chunks, chunks[1:]):
        assert a.end in ends and b.start in starts
        overlapping += b.start < a.end
    assert overlapping >= len(chunks) // 2  # most neighbours share at least one sentence


def test_chunk_ids_and_hashes_are_stable(articles):
    first = [(c.id, c.hash, c.start, c.end) for a in articles for c in chunk_article(a)]
    again = [(c.id, c.hash, c.start, c.end) for a in load_folder(SEEDS).articles for c in chunk_article(a)]
    assert first == again


def test_overlong_sentence_is_cut_into_windows():
    words = " ".join(f"word{i}" for i in range(600))
    article = build_article("long", "long.txt", {"title": "Long", "body": f"{words} ends here."})
    chunks = chunk_article(article, max_tokens=100, overlap_tokens=20)
    assert len(chunks) > 3
    for c in chunks:
        assert article.body[c.start:c.end] == c.text and c.token_count <= 100


def test_sentence_splitter_keeps_abbreviations_together():
    text = "Mr. Medinsky met U.S. officials on Feb. 3. Talks ended. “It was tough,” he said."
    got = [s.text for s in split_sentences(text)]
    assert got == ["Mr. Medinsky met U.S. officials on Feb. 3.", "Talks ended.", "“It was tough,” he said."]
    for s in split_sentences(text):
        assert text[s.start:s.end] == s.text
