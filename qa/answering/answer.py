"""The default answerer: no LLM. It picks the sentences of the retrieved passages that answer the
question, leads with the one holding what was asked for (a number, a date, a name), cites each [n],
and refuses plainly when the passages do not hold the answer."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache

from qa.answering import order, verdicts
from qa.answering.conflicts import Statement, find_conflicts, polarity
from qa.index.corpus import CorpusSnapshot
from qa.language.dates import MONTH_PATTERN, MONTH_WORDS, TIME_OF_DAY, WEEKDAY_WORDS, YEAR, relative_years, times_of_day
from qa.answering.gathering import (
    MAX_PERSPECTIVES,
    each_reporting,
    numbered_parts,
    profile,
    redundant,
    rival_versions,
    who,
)
from qa.answering.places import answer_places, asks_for_several
from qa.answering.question import Question, QuestionInfo, asked_speaker
from qa.answering.refusal import refusal
from qa.retrieval.retrieve import Retrieved
from qa.schema import Answer, AnswerSentence, Citation, Passage
from qa.language.sentences import Sentence, split_sentences
from qa.answering.short_answer import (
    asked_heads,
    durations,
    mentions_unnamed,
    named_spans,
    places,
    short_answer,
    tallies,
)
from qa.language.synonyms import canonical, canonical_terms, members
from qa.language.text import fold, has_word, listed, ordinals, terms
from qa.language.support import supported

_NUMBER = re.compile(r"\b\d[\d,.]*\b|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand|million|billion)\b", re.I)
_MONEY = re.compile(r"[$€£]\s?\d|\b\d[\d,.]*\s*(million|billion|trillion)?\s*(dollars|euros|pounds|usd)\b", re.I)
_DATE = re.compile(rf"{TIME_OF_DAY}|\b({WEEKDAY_WORDS}|{MONTH_WORDS}|yesterday|today|tonight|overnight|"
                   r"last (week|month|night)|this (week|month)|next (week|month|year)|\d{4})\b|"
                   r"\b(this|next|last|by|in) (spring|summer|autumn|fall|winter|year)\b", re.I)
_CLAIMED_DATE = re.compile(rf"\b(?:{WEEKDAY_WORDS})\b|"
                           rf"\b{MONTH_PATTERN}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?|"
                           rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH_PATTERN}(?:,?\s+\d{{4}})?", re.I)
# verbs that say an event happened, not which one: "did the round take place / happen / begin on ..."
_TOOK_PLACE = re.compile(r"\b(take|took|taken|taking) place\b|\b(happen|occur)\w*\b|\b(held|hold)\b", re.I)
_HAPPENED = re.compile(_TOOK_PLACE.pattern + r"|\b(start|begin|began|begun)\w*\b", re.I)
_NAME = re.compile(r"\b[A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)+")
_CAUSE = re.compile(r"\b(because|since|given|so|as a result|due to|therefore|thus|could give|would give|risks?|"
                    r"in order to|which means|interpreted|a sign|concern|worr\w+|fear\w*)\b", re.I)
# a sentence naming only other years than the question's, or counting by other ordinals ("the first
# round" for "the second round"), is about another event
ANOTHER_EVENT_PENALTY = 0.5
VECTORS_KEPT = 20_000  # sentence vectors an answerer keeps (~30 MB): a sentence read again is not embedded again
# "..., the Financial Times reported.": an article citing another outlet's report
_REPORTED_BY = re.compile(r"\b((?:the )?[A-Z][\w’'&-]*(?:\s+[A-Z][\w’'&-]*)*),?\s+(?:first\s+)?(?:reported|reports)\b")
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
_ASKS_YEAR = re.compile(r"\b(what|which) year\b|\bin what year\b", re.I)
_PERCENTAGE = re.compile(r"\b(percentage|per ?cent|share|proportion)\b", re.I)
_PER_CENT = re.compile(r"%|\bper ?cent\b", re.I)
_QUOTE_MARK = re.compile(r"[“”\"]")
_QUOTE = re.compile(r"“[^”]*”|\"[^\"]*\"")  # the quoted words themselves (their names are not the speaker)
# "She asked Feldt ...", "She said she had not ...": an actor known only as "she"
_PRONOUN_SUBJECT = re.compile(r"^\W*(He|She)\s+[a-z]+")
# "he said", "she told reporters", "said she", "they added": a speaker known only by a pronoun
_PRONOUN_SPEAKS = re.compile(r"\b(he|she|they)\s+(\w+\s+)?(said|says|told|tells|added|adds|asked|asks|argued|"
                             r"warned|insisted|noted|wrote|explained|replied)\b|\b(said|says|added|asked)\s+(he|she)\b",
                             re.I)
_SPEECH = re.compile(r"\b(said|says|say|told|tells|wrote|writes|added|adds|according to|asked|noted|stated|"
                     r"warned|claimed|insisted|acknowledged|announced|declared|explained)\b", re.I)
# question kinds whose answer must hold a value of that kind, and what to call it when none does
_NEEDS_FIT = {"count": "number", "money": "number", "date": "date or time", "duration": "length of time",
              "tally": "vote count"}
LONG_QUESTION_TERMS = 10
SHORT_ON_TOPIC = 0.6  # share of a short, nameless question's words one sentence must hold past a low cosine
MAX_SENTENCES = 2
STATEMENT_SENTENCES = 3  # sentences of a statement shown after its lead-in


@dataclass(frozen=True)
class AnswerConfig:
    min_coverage: float = 0.10  # share of the question's (idf-weighted) words the best sentence must hold
    min_dense: float = 0.30  # below this cosine the corpus is off-topic for the question
    keep_ratio: float = 0.85  # further sentences must score this share of the best
    verdict_ratio: float = 0.6  # for yes/no questions, other articles' best sentences must score this share


@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    text: str
    start: int
    end: int
    score: float
    coverage: float
    fits: bool  # holds the kind of thing asked for
    topic: float  # coverage of the sentence with its article's headline: how much it is about the question
    asked: frozenset[str]  # the question's words it holds


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, config: AnswerConfig = AnswerConfig(), embedder=None):
        self.config = config
        self.embedder = embedder  # reads a yes/no question's claims for meaning (None: by their words only)
        self._vectors: OrderedDict[str, object] = OrderedDict()  # sentence -> its vector, the latest kept
        self._vectors_lock = threading.Lock()  # one answerer serves every request thread

    def answer(self, question: Question, found: Retrieved, snapshot: CorpusSnapshot) -> Answer:
        """The answer to a question as the Assistant read it (in the passages' own words), from what
        was retrieved for it."""
        info, passages, typed, query = question.info, found.passages, question.typed, question.standalone
        candidates, wanted = self._candidates(info, passages, snapshot)
        usable, reason = self._answerable(info, candidates, snapshot, found.best_dense, wanted)
        if reason:
            judged = self._judged_across_outlets(question, candidates, snapshot)
            if judged is None:
                return refusal(typed, query, passages, snapshot, reason)
            return replace(compose(info, typed, query, list(judged.evidence), passages),
                           short_answer=judged.said, diagnostics={"verdict_basis": judged.basis,
                                                                  "verdict_support": judged.shares, "gaps": reason})
        if info.kind == "order":
            ordered = order.answer_order(info.text, usable, snapshot)
            if ordered:
                chosen, short = ordered
                return replace(compose(info, typed, query, chosen, passages), short_answer=short)
        if info.kind == "profile":
            return compose(info, typed, query, profile(info, usable), passages)
        parts = numbered_parts(info.parts, usable) if info.parts else []
        if parts:
            return compose(info, typed, query, parts, passages)
        if info.kind == "outlet":  # one outlet: the first to report it when asked so, else the best one
            lead = each_reporting(usable)[0] if info.first else usable[0]
            article = lead.passage.article
            return replace(compose(info, typed, query, [lead], passages),
                           short_answer=reported_by(lead.text) or who(article.outlet, article.title))
        if info.kind == "outlets":
            chosen = each_reporting(usable)
            return replace(compose(info, typed, query, chosen, passages), short_answer=listed(
                [who(c.passage.article.outlet, c.passage.article.title) for c in chosen]))
        if asks_for_several(info):
            located = answer_places(info, usable)
            if located:
                chosen, short = located
                return replace(compose(info, typed, query, chosen, passages), short_answer=short)
        verdict = info.verdict
        chosen = self._select(usable, verdict, info.kind)
        others = self._other_values(usable, chosen) if info.kind in _NEEDS_FIT and not verdict else []
        if not verdict:  # another article printing the lead sentence with another name or number
            others += [c for c in rival_versions(usable, chosen) if c not in others]
        if others:  # a date or a figure is checked against what the other articles state for it
            checked = compose(info, typed, query, chosen + others, passages)
            if checked.conflicts:
                return checked
        answer = compose(info, typed, query, chosen, passages)
        if info.kind in ("person", "named") and not answer.short_answer and not answer.conflicts:
            # "“...,” he said." opening its passage: the speaker is named just before, in the article
            answer = replace(answer, short_answer=_speaker_before(info, chosen[0], snapshot))
        framed = bool(answer.conflicts) and answer.conflicts[0].topic == "framing"
        # sources framing it yes and no leave no verdict on one claim, but not on what each outlet said
        judged = verdicts.judge(info.text, question.claims, usable, snapshot, bool(answer.conflicts),
                                self._similarity) if verdict and info.yes_no and (not framed or len(question.claims) > 1) else None
        if judged:  # each claim cited at the sentence stating it, and the verdict as the short answer
            if not answer.conflicts:  # the claims' sentences, and the best answer to the question itself
                lead = chosen[:1] if len(judged.shares) == 1 else []  # one claim: it is the question's
                shown = list(judged.evidence) + [c for c in lead if c not in judged.evidence]
                answer = compose(info, typed, query, shown, passages)
            return replace(answer, short_answer=judged.said, diagnostics={**answer.diagnostics,
                                                                        "verdict_basis": judged.basis,
                                                                        "verdict_support": judged.shares})
        if verdict and answer.conflicts and answer.conflicts[0].topic == "framing":
            # the sources answer yes and no: a source heard on the question but taking neither side is
            # no version of the answer
            sided = {v["quote"] for v in answer.conflicts[0].versions}
            kept = [c for c in chosen if _shown(c.text) in sided]
            if len(kept) < len(chosen):
                return compose(info, typed, query, kept, passages)
        return answer

    def _judged_across_outlets(self, question: Question, candidates, snapshot: CorpusSnapshot):
        """A verdict on a question about what several outlets said, when the checks for one answer
        refuse it (a long question naming things no one passage holds): each claim is checked at its own
        outlet, and a claim none of them states is a "no", not a refusal. None for any other question."""
        asked = question.claims
        outlets = {c.passage.article.outlet for c in candidates}
        if len(asked) < 2 or not all(c.outlet in outlets for c in asked):
            return None
        return verdicts.judge(question.info.text, asked, candidates, snapshot, False, self._similarity)

    def _similarity(self, claim: str, sentences: list[str]) -> list[float]:
        """Cosine of a claim with each sentence, by the embedding model; none without one."""
        if self.embedder is None or not sentences:
            return []
        with self._vectors_lock:
            known = {t: self._vectors[t] for t in (claim, *sentences) if t in self._vectors}
        missing = [t for t in dict.fromkeys([claim, *sentences]) if t not in known]
        known.update(zip(missing, self.embedder.embed(missing) if missing else ()))
        with self._vectors_lock:
            for text in (claim, *sentences):
                self._vectors[text] = known[text]
                self._vectors.move_to_end(text)
            while len(self._vectors) > VECTORS_KEPT:
                self._vectors.popitem(last=False)
        return [float(known[t] @ known[claim]) for t in sentences]

    def _candidates(self, info: QuestionInfo, passages, snapshot: CorpusSnapshot) -> tuple[list[_Candidate], frozenset[str]]:
        """Every sentence of the passages, scored (best first), and the question's words that count."""
        verdict = info.verdict
        dated_question = bool(_DATE.search(info.text))
        # words no article contains cannot be matched by any sentence: they do not count; nor, in "did
        # it happen on February 1?", does the date: it is the claim checked, and a source may give another
        claimed = _claimed_date_terms(info.text) if verdict and dated_question else set()
        claim = info.claim
        if not dated_question:  # "have they agreed on X?": whether they agreed is the claim
            claimed |= claim
        if info.kind in ("place", "date"):  # "where / when did it take place?": the verb says it happened
            claimed |= {t for m in _TOOK_PLACE.finditer(info.text) for t in terms(m.group(0))}
        # a question's word counts in a sentence that uses another word for the same act ("take part" /
        # "participation"), weighted by the rarest of those words the corpus holds
        claimed = {canonical(t) for t in claimed}
        weights = {}
        for t in canonical_terms(info.text) - claimed:
            known = [snapshot.keyword.idf(m) for m in members(t) if snapshot.keyword.known(m)]
            if known:
                weights[t] = max(known)
        total = sum(weights.values()) or 1.0
        top_score = max((p.score for p in passages), default=1.0) or 1.0
        out = []
        speaker = asked_speaker(info)
        years = info.years
        seen: set[tuple[str, int]] = set()  # overlapping chunks repeat sentences
        for p in passages:
            passage_terms = canonical_terms(p.text)
            context = sum(w for t, w in weights.items() if t in passage_terms) / total
            sentences = split_sentences(p.text, p.start)
            for i, s in enumerate(sentences):
                if (p.article.id, s.start) in seen:
                    continue
                seen.add((p.article.id, s.start))
                s = _with_speaker(s, sentences[i - 1] if i else None, p)
                s = _with_antecedent(s, sentences[max(0, i - 2): i], p)
                following = sentences[i + 1] if i + 1 < len(sentences) else None
                if following and s.text.endswith(":"):  # a lead-in: what was said follows it
                    s = _joined(p, s, _statement_end(sentences, i + 1, p))
                elif following and speaker and _continues_statement(p, s, following, speaker):
                    s = _joined(p, s, following)  # "Witkoff confirmed the exchange ... Witkoff said that “...”"
                elif following and info.kind == "change" and _DATE.search(s.text) and _DATE.search(following.text) and (
                        _same_paragraph(p, s, following)):
                    s = _joined(p, s, following)  # a change is two moments: the next dated sentence is the other
                # "last year" in a paper of 2027 is 2026: it counts for a question about 2026
                named_years = set(YEAR.findall(s.text)) | relative_years(s.text, p.article.published)
                sentence_terms = canonical_terms(s.text) | named_years
                coverage = sum(w for t, w in weights.items() if t in sentence_terms) / total
                headed = sentence_terms | headline_terms(p.article.title)
                topic = sum(w for t, w in weights.items() if t in headed) / total
                # a yes/no question is answered by a verdict, or, when it names a date, by a date
                fits = _fits(info, s.text, speaker) or (verdict and (
                    bool(_DATE.search(s.text)) if dated_question else polarity(s.text, claim) != 0))
                # "the first meeting was ..." does not answer "... the second round?"
                counted = ordinals(s.text)
                another = bool(info.ordinals and counted and not info.ordinals & counted)
                fits = fits and not another
                # the type bonus needs the sentence to be about the question at all
                # (a name beside the noun asked for is too common to rank by: "which company ...?")
                # unless the name is itself of the kind asked ("the Harbour Bridge" for "which bridge ...?")
                bonus = 0.25 if fits and coverage >= 0.15 and (
                    info.kind != "named" or _named_as_asked(info, s.text)) else 0.0
                score = 0.65 * coverage + 0.2 * context + 0.1 * p.score / top_score + bonus
                if years and named_years and not named_years & years:
                    score *= ANOTHER_EVENT_PENALTY  # "won in 2018" does not answer "who won in 2019?"
                if another:
                    score *= ANOTHER_EVENT_PENALTY
                out.append(_Candidate(p, s.text, s.start, s.end, score, coverage, fits, topic,
                                      frozenset(t for t in weights if t in sentence_terms)))
        out.sort(key=lambda c: (-c.score, c.passage.rank, c.start))
        return out, frozenset(weights)

    def _answerable(self, info, candidates, snapshot, best_dense, wanted=frozenset()) -> tuple[list[_Candidate], str]:
        """The candidates an answer may use (best first), or a reason to refuse. A sentence is usable
        only if its article mentions every name the question asks about; a count question needs a
        sentence that states the number, and that sentence leads."""
        if not candidates:
            return [], "no passage matched the question"
        if best_dense is not None and best_dense < self.config.min_dense and (
                len(set(info.terms)) < LONG_QUESTION_TERMS or known_share(info, snapshot) < 0.8) and not (
                candidates[0].coverage >= (0.9 if info.entities else SHORT_ON_TOPIC)
                and known_share(info, snapshot) == 1.0 and len(wanted) >= (1 if info.entities else 2)):
            # long questions score low against short passages: refuse those only when the corpus
            # also lacks many of their words; a question about a name ("Who is Harry Nedelcu?") scores
            # low too, and is on topic when a sentence holds every one of its words; so is a short one
            # ("What are the main sticking points?") whose every word the corpus holds and one sentence
            # holds most of, by weight
            return [], "the closest passage is about something else"
        if candidates[0].coverage < self.config.min_coverage:
            return [], "no sentence mentions enough of what the question asks about"
        missing_by_article: dict[str, list[str]] = {}
        usable = []
        # names of outlets say where to look, not what the article must mention ("the Verge reported...")
        entities = [e for e in info.entities if not set(re.split(r"[\s-]+", e)) <= snapshot.outlet_words]
        # a long question naming several things may span articles ("Between the Verge's report on X and
        # Wired's on Y..."): each name must be in some article read, and a sentence's own article must
        # name one of them; any other question's article must name them all
        spanning = info.kind == "order" or (len(entities) >= 2 and len(set(info.terms)) >= LONG_QUESTION_TERMS)
        for c in candidates:
            article_id = c.passage.article.id
            if article_id not in missing_by_article:
                words = snapshot.article_words(article_id)
                missing_by_article[article_id] = [e for e in entities if not _mentions(words, e)]
            missing = missing_by_article[article_id]
            if not missing or (spanning and len(missing) < len(entities)):
                usable.append(c)
        unnamed = set(entities).intersection(*missing_by_article.values())  # no article read names these
        if spanning and unnamed:
            return [], f"the passages do not mention {', '.join(e for e in entities if e in unnamed)}"
        if not usable:
            missing = missing_by_article[candidates[0].passage.article.id]
            return [], f"the passages do not mention {', '.join(missing)}"
        best = usable[0]
        if best.coverage < self.config.min_coverage:
            return [], "no sentence about what the question names mentions enough of it"
        if info.kind in _NEEDS_FIT or info.kind == "place":
            stating = [c for c in usable if c.fits and c.coverage >= 0.5 * best.coverage]
            # beside the best sentence, or beside another that holds nearly as much of the question
            leaders = (c for c in usable if c.coverage >= LEADER_SHARE * best.coverage)
            while not stating and info.kind in _NEEDS_FIT and (leader := next(leaders, None)):
                stating = _stated_beside(leader, usable, info, wanted)
            if not stating and info.kind in _NEEDS_FIT:
                return [], f"no passage states the {_NEEDS_FIT[info.kind]} asked for"
            if stating:  # a place is led with when a sentence names one; its absence is no refusal
                usable = [stating[0]] + [c for c in usable if c is not stating[0]]
        if info.kind == "named" and not any(c.fits and c.coverage >= 0.5 * best.coverage for c in usable):
            heads = asked_heads(info)
            if any(mentions_unnamed(info, c.text) for c in usable[:3]):
                # "contract a private operator", "with one councillor absent": the articles speak of the
                # one asked about without naming it
                return [], "the articles mention it but do not name it"
            if heads and not any(snapshot.keyword.known(h) for h in heads) and not any(
                    _shares_a_root(heads, terms(c.text)) for c in usable[:3]):
                return [], "the articles never mention the kind of thing asked for"  # "which hotel ...?"
        noun = canonical(info.asked_noun) if info.asked_noun else ""
        if info.kind == "general" and noun in wanted and not any(noun in c.asked for c in usable[:3]):
            # "What will the fare on the 14X be?" answered by the 14X's running cost: a word the articles
            # use, but no sentence about the question does
            return [], f"no passage states the {info.asked_noun} asked for"
        return usable, ""

    def _select(self, candidates: list[_Candidate], verdict: bool, kind: str = "general") -> list[_Candidate]:
        if verdict:
            return self._one_per_article(candidates)
        best = candidates[0]
        chosen = [best]
        for c in candidates[1:]:
            if len(chosen) == MAX_SENTENCES or c.score < self.config.keep_ratio * best.score:
                break
            if not c.fits and (kind == "reason" and best.fits or c.asked <= frozenset().union(*(k.asked for k in chosen))):
                continue  # it says nothing of the question the chosen sentences do not, or gives no reason
            if any(redundant(c.text, k.text) or (c.passage.chunk_id != k.passage.chunk_id and c.start < k.end and k.start < c.end
                                                  and c.passage.article.id == k.passage.article.id) for k in chosen):
                continue
            chosen.append(c)
        return chosen


    def _other_values(self, candidates: list[_Candidate], chosen: list[_Candidate]) -> list[_Candidate]:
        """Each other article's best sentence stating a value of the kind asked for, about as much on
        the question as the lead one: the versions a disagreement would be made of."""
        lead = chosen[0]
        heard = {c.passage.article.id for c in chosen if c.fits}  # an article heard on something else still may state one
        others: list[_Candidate] = []
        for c in candidates:
            article = c.passage.article.id
            if article not in heard and c.fits and c.coverage >= 0.6 * lead.coverage:
                heard.add(article)
                others.append(c)
        return others[: MAX_PERSPECTIVES - len(chosen)]

    def _one_per_article(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """For yes/no and either/or questions: each article's best sentence, so every source is heard."""
        best = candidates[0]
        top_dense = max(c.passage.dense_score for c in candidates)
        chosen: list[_Candidate] = [best]
        # each other article speaks through its first sentence that is heard: a sentence nearly as good
        # as the best, or one that takes a position (a verdict or a date) inside a passage nearly as
        # close to the question as the closest one; position-takers are tried first
        def heard(c: _Candidate) -> bool:
            strong = c.score >= self.config.verdict_ratio * best.score and c.coverage >= 0.6 * best.coverage
            positioned = c.fits and c.coverage >= 0.15 and c.passage.dense_score >= 0.8 * top_dense
            return strong or positioned

        voices: dict[str, _Candidate] = {}
        for c in sorted(candidates, key=lambda c: (not c.fits, -c.score)):
            article = c.passage.article.id
            if article != best.passage.article.id and article not in voices and heard(c):
                voices[article] = c
        chosen += sorted(voices.values(), key=lambda c: -c.score)[: MAX_PERSPECTIVES - 1]
        return chosen


def known_share(info: QuestionInfo, snapshot: CorpusSnapshot) -> float:
    """Share of the question's content words that some article contains."""
    words = set(info.terms)
    return sum(snapshot.keyword.known(t) for t in words) / len(words) if words else 0.0


@lru_cache(maxsize=4096)
def headline_terms(title: str) -> frozenset[str]:
    return frozenset(canonical_terms(title))


LEADER_SHARE = 0.9  # a sentence holding this share of the best one's coverage leads as well as it


def _stated_beside(best: _Candidate, candidates: list[_Candidate], info: QuestionInfo,
                   wanted: frozenset[str]) -> list[_Candidate]:
    """A sentence of the best one's passage that states the kind of thing asked and holds every word of
    the question the corpus knows, but for the names the passage gives ("When did the Geneva talks
    take place?": "... wrapped up a new round of peace talks on Wednesday" beside "The discussions in
    Geneva ..."). "When is the next round after Geneva scheduled?" finds none: no dated sentence there
    says "next" or "scheduled"."""
    named = canonical_terms(" ".join(info.entities))
    return [c for c in candidates if c.fits and c.passage.chunk_id == best.passage.chunk_id and c is not best
            and wanted <= c.asked | named]


def _claimed_date_terms(question: str) -> set[str]:
    """The words of the dates a question states ("february", "1" in "... on February 1?")."""
    return {t for m in (*_CLAIMED_DATE.finditer(question), *_HAPPENED.finditer(question)) for t in terms(m.group(0))}


def _statement_end(sentences: list[Sentence], first: int, passage: Passage) -> Sentence:
    """The last sentence of a statement that a lead-in ("said in a statement:") introduces: the rest of
    the paragraph it begins, up to STATEMENT_SENTENCES, so a quote is not cut after its first sentence."""
    last = first
    while last + 1 < len(sentences) and last + 1 - first < STATEMENT_SENTENCES and _same_paragraph(
            passage, sentences[last], sentences[last + 1]):
        last += 1
    return sentences[last]


def _same_paragraph(passage: Passage, a: Sentence, b: Sentence) -> bool:
    """No paragraph break between sentence `a` and the later sentence `b`."""
    return "\n\n" not in passage.text[a.end - passage.start : b.start - passage.start]


def _joined(passage: Passage, first: Sentence, last: Sentence) -> Sentence:
    """One sentence running from `first` to `last`, as the passage writes it."""
    return Sentence(passage.text[first.start - passage.start : last.end - passage.start], first.start, last.end)


def _with_speaker(sentence: Sentence, previous: Sentence | None, passage: Passage) -> Sentence:
    """A quoted sentence that does not say who speaks is joined to the sentence before it that does,
    so a quote is never shown without its speaker."""
    if not _QUOTE_MARK.search(sentence.text) or _SPEECH.search(sentence.text) or previous is None:
        return sentence
    if not _same_paragraph(passage, previous, sentence) and not previous.text.endswith(":"):
        return sentence
    if not (_SPEECH.search(previous.text) or previous.text.endswith(":")):
        return sentence
    return _joined(passage, previous, sentence)


def _with_antecedent(sentence: Sentence, before: list[Sentence], passage: Passage) -> Sentence:
    """A quote whose speaker is only a pronoun ("“A smaller ferry is still an expensive ferry,” she said.")
    is joined back to the sentence of its paragraph, at most two before, that names who "she" is, so a
    quote is shown with its speaker and "who said ...?" finds them."""
    if not (_QUOTE_MARK.search(sentence.text) and _PRONOUN_SPEAKS.search(sentence.text)) or _NAME.search(
            _QUOTE.sub("", sentence.text)):
        return sentence
    for previous in reversed(before):
        if not _same_paragraph(passage, previous, sentence):
            break
        if _NAME.search(_QUOTE.sub("", previous.text)):
            return _joined(passage, previous, sentence)
    return sentence


def _speaker_before(info: QuestionInfo, lead: _Candidate, snapshot: CorpusSnapshot) -> str:
    """For a lead sentence whose actor is only a pronoun ("“...,” he said.", "She asked Feldt whether ..."),
    the one person named by the nearest sentence before it in its paragraph, read in its passage and then
    in the chunk before the passage; "" when there is none or several."""
    if not (_PRONOUN_SUBJECT.match(lead.text) or (_QUOTE_MARK.search(lead.text) and _PRONOUN_SPEAKS.search(lead.text))):
        return ""
    passage = lead.passage
    texts = [(passage.text, passage.start)]
    article, _, n = passage.chunk_id.rpartition(":")
    before = snapshot.chunk(f"{article}:{int(n) - 1}") if n.isdigit() else None
    if before is not None:
        texts.append((before.text, before.start))
    others = {fold(m.group(0)) for m in _NAME.finditer(lead.text)}  # "Feldt" in "She asked Feldt ..." is not "she"
    for text, offset in texts:
        earlier = [x for x in split_sentences(text, offset) if x.end <= lead.start]
        for sentence in reversed(earlier[-3:]):
            if "\n\n" in text[sentence.end - offset: max(sentence.end, lead.start) - offset]:
                return ""  # another paragraph: not this sentence's actor
            named = short_answer(replace(info, text="Who?", kind="person"), _QUOTE.sub("", sentence.text))
            if named and fold(named) not in others:
                return named
    return ""


def _continues_statement(passage: Passage, sentence: Sentence, following: Sentence, speaker: str) -> bool:
    """A sentence naming the speaker without quoting them, followed in its paragraph by their quoted words
    ("Witkoff ... confirmed the exchange in a post on X. ... Witkoff said that “steps like this ...”")."""
    if _QUOTE_MARK.search(sentence.text) or not has_word(sentence.text, speaker):
        return False
    said = following.text
    return bool(_same_paragraph(passage, sentence, following) and _SPEECH.search(said) and _QUOTE_MARK.search(said)
                and (has_word(said, speaker) or re.search(r"\b(he|she)\b", said, re.I)))


def _mentions(article_words: frozenset[str], entity: str) -> bool:
    """A one-word name must appear; a longer one needs at least half its words ("UK-France" is
    mentioned by an article on France and the United Kingdom; "Turkish President Erdogan" is not)."""
    words = [w for w in re.split(r"[\s-]+", entity) if w]
    found = sum(w in article_words or _spelled_otherwise(w, article_words) for w in words)
    return found == len(words) if len(words) == 1 else found * 2 >= len(words)


def _shares_a_root(heads: frozenset[str], words: list[str]) -> bool:
    """One of the words derives from one of the heads: the same stem, or the same first five letters
    ("accusation" / "accused")."""
    return any(w == h or (len(h) >= 5 and w[:5] == h[:5]) for h in heads for w in words)


def _spelled_otherwise(word: str, article_words: frozenset[str]) -> bool:
    """A transliteration or inflection of the word is there: Zelensky / Zelenskiy / Zelenskyy, Russia /
    Russian. Both share all but the last letter of the shorter one, and at least five letters."""
    if len(word) < 5:
        return False
    head = word[:5]
    for other in article_words:
        if other.startswith(head) and abs(len(other) - len(word)) <= 2:
            shorter = min(len(word), len(other))
            if word[: shorter - 1] == other[: shorter - 1]:
                return True
    return False


def _fits(info: QuestionInfo, sentence: str, speaker: str = "") -> bool:
    if info.kind in ("count", "money"):
        # a figure the question states itself ("how many of the roughly 60 vacancies ...?", "how much of
        # the $1.5 million fund ...?") is what it asks about a part of, not the answer
        sentence = _without_asked_figures(info.text, sentence)
    if info.kind == "count":
        if _PERCENTAGE.search(info.text):  # "what percentage / share ...?" is answered in per cent
            return bool(_PER_CENT.search(sentence))
        return _number_with_focus(sentence, info.focus)
    if info.kind == "money":
        return bool(_MONEY.search(sentence))
    if info.kind == "duration":
        return bool(durations(info, sentence))
    if info.kind == "tally":
        return bool(tallies(sentence))
    if info.kind == "date" and _ASKS_YEAR.search(info.text):  # "in what year ...?" wants a year
        return bool(set(YEAR.findall(sentence)) - set(YEAR.findall(info.text)))
    if info.kind == "date" and info.asks_time:  # "at what time ...?" wants a time of day
        return bool(times_of_day(sentence))
    if info.kind in ("date", "change"):
        return bool(_DATE.search(sentence))
    if info.kind == "person":
        return any(fold(m.group(0)) not in fold(info.text) for m in _NAME.finditer(sentence))
    if info.kind == "named":
        return bool(named_spans(info, sentence))
    if info.kind == "place":
        return bool(places(info, sentence))
    if info.kind == "reason":
        return bool(_CAUSE.search(sentence))
    if info.kind == "general" and speaker:  # "what did Dmitriev say ...?": a sentence in which he speaks
        return has_word(sentence, speaker) and bool(_SPEECH.search(sentence)) and bool(
            _QUOTE_MARK.search(sentence) or re.search(r"\bthat\b", sentence))
    return False


def _named_as_asked(info: QuestionInfo, sentence: str) -> bool:
    """A name in the sentence ends in the noun a "which X ...?" question asks for ("Harbour Bridge" for
    "which bridge", "Portmere Gazette" for "which gazette"): it names a thing of that kind."""
    heads = asked_heads(info)
    return any(terms(span.split()[-1])[-1:] and terms(span.split()[-1])[-1] in heads
               for span in named_spans(info, sentence) if span.split())


def reported_by(sentence: str) -> str:
    """The outlet a sentence says reported it ("the Financial Times reported" -> "Financial Times"), or ""."""
    m = _REPORTED_BY.search(sentence)
    return m.group(1).removeprefix("the ").removeprefix("The ") if m else ""


def _without_asked_figures(question: str, sentence: str) -> str:
    """The sentence with the figures the question itself states blanked out."""
    for figure in set(_FIGURE.findall(question)) - set(YEAR.findall(question)):
        sentence = re.sub(rf"(?<![\d.,]){re.escape(figure)}(?![\d])(\s+(hundred|thousand|million|billion|trillion))?",
                          " ", sentence, flags=re.I)
    return sentence


def _number_with_focus(sentence: str, focus: tuple[str, ...]) -> bool:
    """A number followed within a few words by every focus word ("314 prisoners of war")."""
    words = re.findall(r"[\w’'-]+", sentence)
    for i, word in enumerate(words):
        if not _NUMBER.fullmatch(word) or YEAR.fullmatch(word):  # "following 2022 referendums" counts nothing
            continue
        if not focus:
            return True
        following = set(terms(" ".join(words[i + 1 : i + 1 + len(focus) + 2])))
        if all(f in following for f in focus):
            return True
    return False


def compose(info: QuestionInfo, question: str, query: str, chosen: list[_Candidate], passages) -> Answer:
    """Number the cited passages in order of first use and write `sentence [n]` lines; when sources
    disagree, say so and attribute each version to its outlet and date."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    statements: list[Statement] = []
    for c in chosen:
        p = c.passage
        if p.chunk_id not in numbers:
            numbers[p.chunk_id] = len(numbers) + 1
        n = numbers[p.chunk_id]
        citations.append(Citation(
            n=n, article_id=p.article.id, title=p.article.title, outlet=p.article.outlet,
            published=p.article.published, url=p.article.url, quote=c.text, start=c.start, end=c.end,
            chunk_id=p.chunk_id, passage_start=p.start, passage_end=p.end,
        ))
        shown = _shown(c.text)
        sentences.append(AnswerSentence(shown, (n,), supported(c.text, [p.text])))
        statements.append(Statement(n, shown, p.article.id, p.article.title, p.article.outlet,
                                    p.article.published, c.coverage, c.topic))
    conflicts = find_conflicts(info, statements, answer_of=lambda text: short_answer(info, text))
    if conflicts:
        parts = ["The sources disagree."]
        for s, st in zip(sentences, statements):
            parts.append(f"According to {_source_label(st)}: {s.text} [{s.citations[0]}]")
        text = " ".join(parts)
    else:
        text = " ".join(f"{s.text} [{s.citations[0]}]" for s in sentences)
    return Answer(question=question, text=text, sentences=tuple(sentences), citations=tuple(citations),
                  refused=False, short_answer="" if conflicts else short_answer(info, chosen[0].text), query=query,
                  conflicts=conflicts, passages=tuple(passages))


def _shown(text: str) -> str:
    """A sentence as the answer shows it: a lead-in joined to its statement may span a paragraph break."""
    return " ".join(text.split())


def _source_label(st: Statement) -> str:
    """"bne IntelliNews, 2026-02-05", or for an article without an outlet its headline in quotes."""
    return f"{who(st.outlet, st.title)}, {st.published or 'undated'}"
