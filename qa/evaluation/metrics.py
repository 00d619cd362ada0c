"""Pure scoring functions for `qa eval`: retrieval ranks, answer match and token F1, citations,
abstention, latency percentiles, and the MultiHop-RAG upstream rules. No I/O and no state."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from qa.language.text import terms

# curly, low and prime quote marks all compare as the straight ones
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"', "„": '"',
                         "‟": '"', "″": '"'})
_CITATION_MARK = re.compile(r"\[\d+\]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_PUNCTUATION = re.compile(r"[^\w\s]")


# ---- evidence quotes ---------------------------------------------------------------------------

def normalise_quote(text: str) -> str:
    """NFKC, straight quotes and single spaces: how an evidence quote is compared with a passage."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())


def contains_quote(passage: str, quote: str) -> bool:
    """Does the passage hold the quote, ignoring whitespace runs and curly-vs-straight quotes?"""
    wanted = normalise_quote(quote)
    return bool(wanted) and wanted in normalise_quote(passage)


# ---- ranks -------------------------------------------------------------------------------------

def first_relevant_rank(relevant: Iterable[bool]) -> int | None:
    """1-based rank of the first relevant item of a ranked list, None when there is none."""
    for rank, flag in enumerate(relevant, 1):
        if flag:
            return rank
    return None


def all_found_rank(ranked_ids: Iterable[str], wanted: Iterable[str]) -> int | None:
    """1-based rank by which every wanted id has appeared in the ranked list, None when some never does."""
    missing = set(wanted)
    if not missing:
        return None
    for rank, item in enumerate(ranked_ids, 1):
        missing.discard(item)
        if not missing:
            return rank
    return None


def hit_at(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


# ---- answers -----------------------------------------------------------------------------------

def normalise_answer(text: str) -> str:
    """Lower case, straight quotes, no citation marks, punctuation or articles, single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    text = _CITATION_MARK.sub(" ", text)
    text = _APOSTROPHE.sub("", text)  # "trump's" -> "trumps", the same on both sides
    text = _PUNCTUATION.sub(" ", text)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def answer_matches(prediction: str, answers: Iterable[str]) -> bool:
    """Does the prediction state one of the acceptable answers (whole words, normalised)?"""
    said = f" {normalise_answer(prediction)} "
    return any(wanted and f" {wanted} " in said for wanted in map(normalise_answer, answers))


def answer_words_match(prediction: str, answers: Iterable[str]) -> bool:
    """A looser match: every content word (stemmed, stopwords dropped) of the answer or of an alias is
    somewhere in the prediction, in any order ("the area is heavily fortified ... could give Russia a
    strategic foothold" holds "heavily fortified, would give Russia a foothold"). An answer with no
    content word ("after") falls back to the strict match."""
    said = set(terms(normalise_answer(prediction)))
    for wanted in answers:
        words = set(terms(normalise_answer(wanted)))
        if words and words <= said:
            return True
        if wanted and not words and answer_matches(prediction, [wanted]):
            return True
    return False


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD-style token F1; two empty answers agree (1.0), one empty answer scores 0.0."""
    pred, want = normalise_answer(prediction).split(), normalise_answer(gold).split()
    if not pred or not want:
        return float(pred == want)
    common = sum((Counter(pred) & Counter(want)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(want)
    return 2 * precision * recall / (precision + recall)


def token_recall(prediction: str, gold: str) -> float:
    """Share of the gold answer's tokens (with multiplicity) that the prediction holds; 1.0 for an
    empty gold. Long extractive answers lose F1 on precision: this says whether the content is there."""
    pred, want = normalise_answer(prediction).split(), normalise_answer(gold).split()
    if not want:
        return 1.0
    return sum((Counter(pred) & Counter(want)).values()) / len(want)


# ---- citations ---------------------------------------------------------------------------------

def citation_precision(cited: Sequence[tuple[str, str]], gold_sources: Collection[str],
                       evidence: Sequence[str]) -> float | None:
    """Share of the distinct cited passages, given as (article id, passage text), that come from a
    gold source or hold a gold evidence quote; None when nothing was cited."""
    distinct = list(dict.fromkeys(cited))
    if not distinct:
        return None
    good = sum(1 for article_id, text in distinct
               if article_id in gold_sources or any(contains_quote(text, q) for q in evidence))
    return good / len(distinct)


def citation_recall(cited_articles: Iterable[str], gold_sources: Collection[str]) -> float | None:
    """Share of the gold sources that the answer cites; None when the case has no gold source."""
    gold = set(gold_sources)
    if not gold:
        return None
    return len(gold & set(cited_articles)) / len(gold)


def cites_all(cited_articles: Iterable[str], gold_sources: Collection[str]) -> bool:
    """Every gold source is cited (what a conflict answer needs: each side heard)."""
    return bool(gold_sources) and set(gold_sources) <= set(cited_articles)


# ---- abstention --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Abstention:
    """How well refusals line up with the questions the corpus cannot answer."""

    precision: float | None  # refusals that were right / refusals
    recall: float | None  # unanswerable questions refused / unanswerable questions
    wrong_refusal_rate: float | None  # answerable questions refused / answerable questions
    refused: int
    unanswerable: int
    answerable: int


def abstention(outcomes: Iterable[tuple[bool, bool]]) -> Abstention:
    """From (should refuse, did refuse) pairs, one per question."""
    pairs = list(outcomes)
    refused = sum(did for _, did in pairs)
    unanswerable = sum(should for should, _ in pairs)
    answerable = len(pairs) - unanswerable
    right = sum(should and did for should, did in pairs)
    wrong = sum(did and not should for should, did in pairs)
    return Abstention(
        precision=right / refused if refused else None,
        recall=right / unanswerable if unanswerable else None,
        wrong_refusal_rate=wrong / answerable if answerable else None,
        refused=refused, unanswerable=unanswerable, answerable=answerable,
    )


# ---- aggregates --------------------------------------------------------------------------------

def mean(values: Iterable[float | bool | None]) -> float | None:
    """Mean of the defined values (bools count 0/1); None when no value is defined."""
    defined = [float(v) for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0-100), interpolating linearly between ranks; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


# ---- MultiHop-RAG upstream rules ----------------------------------------------------------------

@dataclass(frozen=True)
class MultiHopRetrieval:
    """One query's retrieval scores under the MultiHop-RAG rules (top 10 passages)."""

    hit_at_4: bool
    hit_at_10: bool
    average_precision_at_10: float
    reciprocal_rank_at_10: float


def multihop_retrieval(retrieved: Sequence[str], gold_facts: Sequence[str]) -> MultiHopRetrieval:
    """A rank is relevant when a gold fact, with spaces and newlines removed, is a substring of the
    passage treated the same way. The precision at a relevant rank counts the gold facts found there
    for the first time; the sum is divided by min(#facts, 10), as upstream does."""
    if not gold_facts:
        raise ValueError("MultiHop-RAG retrieval is scored only on queries with gold facts")
    squash = lambda s: s.replace(" ", "").replace("\n", "")  # noqa: E731
    gold = [squash(f) for f in gold_facts]
    found: set[str] = set()
    first = None
    precision_sum = 0.0
    for rank, passage in enumerate(retrieved[:10], 1):
        text = squash(passage)
        if not any(g in text for g in gold):
            continue
        first = first or rank
        new = [g for g in dict.fromkeys(gold) if g in text and g not in found]
        found.update(new)
        precision_sum += len(new) / rank
    return MultiHopRetrieval(
        hit_at_4=hit_at(first, 4), hit_at_10=hit_at(first, 10),
        average_precision_at_10=precision_sum / min(len(gold), 10),
        reciprocal_rank_at_10=reciprocal_rank(first),
    )


def multihop_answer_correct(prediction: str, gold: str) -> bool:
    """MultiHop-RAG's QA rule: the lower-cased prediction shares a whitespace token with the gold."""
    return bool(set(prediction.lower().split()) & set(gold.lower().split()))


def counterfactual_scores(said: str, flagged: bool, answers: tuple[str, ...], wrong: tuple[str, ...]) -> dict:
    """What the reader is shown (`said`: the short answer and the text, "" for a refusal): the true
    answer, the false one, a disagreement said."""
    true_shown = answer_matches(said, answers)
    false_shown = answer_matches(said, wrong)
    return {"true_shown": true_shown, "false_shown": false_shown, "flagged": flagged,
            "detected": flagged and true_shown and false_shown, "misled": false_shown and not true_shown}
