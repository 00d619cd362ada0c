"""Yes/no questions answered with a verdict: the question's claims ("Does A report X, while B says Y?"
holds two), the sentence that best states each, from the outlet the claim names when it names one, and
"Yes" when every claim is stated there, "No" when one is not, or when a sentence on it says otherwise
(another figure, or a negation the claim lacks). A question on whether something stayed the same or
changed is answered by whether its sources give different figures for it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from qa.index.corpus import CorpusSnapshot
from qa.language.dates import MONTH_WORDS
from qa.language.text import fold, terms

__all__ = ["Claim", "Verdict", "asks_yes_no", "claims", "judge", "searched"]

# a question opening with an auxiliary verb asks for a yes or a no (the one pattern: conflicts.py uses it too)
YES_NO_OPENING = re.compile(r"^\W*(did|do|does|is|are|was|were|has|have|had|can|could|will|would)\b", re.I)
# where a question joins a second claim to its first: ", while B ...", ", whereas", "; and did B ..."
_CLAIM_JOIN = re.compile(r"\s*(?:,\s*(?:while|whereas|but|and)|;|\s+while|\s+whereas|,?\s+and\s+(?=(?:did|does|do|"
                         r"is|was|were|has|have)\b))\s+", re.I)
# a clause setting the scene before the question proper: "Between A and B, was ...", "After A said X, is ..."
_LED_BY_SCENE = re.compile(r"^(.{8,}?),\s*(?=(?:did|do|does|is|are|was|were|has|have|had|can|could|will|would)\b)", re.I)
_WH_WORD = re.compile(r"\b(who|whom|whose|what|which|where|when|why|how)\b", re.I)
_SAMENESS = re.compile(r"\b(same|consistent\w*|remain\w*|unchanged|stay\w*|agree\w*|align\w*|match\w*)\b", re.I)
_CHANGE = re.compile(r"\b(chang\w*|differ\w*|shift\w*|revis\w*|inconsistent\w*|disagree\w*|contradict\w*)\b", re.I)
_NEGATION = re.compile(r"\b(not|no|never|none|without|neither|nor|cannot)\b|n[’']t\b", re.I)
_DATES = re.compile(rf"\b(?:{MONTH_WORDS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTH_WORDS})\b|"
                    r"\b(?:19|20)\d\d\b|\b\d{4}-\d\d-\d\d\b", re.I)
_FIGURE = re.compile(r"\d[\d,.]*(?:-\d+)?")
# the question's own framing words, which no sentence states ("does the article suggest ...")
_FRAMING = frozenset(terms("article report reported reports suggest suggests indicate indicates imply implies "
                           "mention mentions mentioned say says said state states discuss discusses focus focuses "
                           "describe describes portray portrays coverage news source outlet story piece both"))
NEGATION_REACH = 3  # words from a negation to the claim word after it that it negates
_DETERMINERS = frozenset("the a an his her its their our this that these those".split())
FIGURE_BONUS = 0.3  # added to the share of a sentence giving a figure the claim gives
HEADLINE_SHARE = 0.5  # weight of a claim word only the sentence's headline holds
MIN_OWN_WORDS = 3  # a later claim with fewer words of its own borrows the first one's ("while B said 3,000")
SUBJECTLESS = 0.75  # weight of a sentence's words when it lacks the claim's subject
MEANING_POOL = 12  # sentences read for meaning per claim, best by words first (40 measured the same)
MIN_MEANING = 0.55  # cosine at which a sentence states a claim in other words
MIN_SUPPORT = 0.6  # share of a claim's (idf-weighted) words the sentence stating it must hold


@dataclass(frozen=True)
class Claim:
    text: str
    outlet: str  # the outlet the claim names ("" when it names none)
    shared: bool = False  # one claim put to each of several outlets ("Do A and B agree on X?")
    own: str = ""  # its own words, when it borrowed the first claim's topic ("while B said 3,000")


@dataclass(frozen=True)
class Verdict:
    said: str  # "Yes" or "No"
    evidence: tuple  # the sentence (candidate) on each claim, in the claims' order
    basis: str  # what the verdict rests on, for the reader
    shares: tuple = ()  # per claim, the share of its words the sentence stating it holds


def asks_yes_no(question: str) -> bool:
    """A question answered by yes or no (not an either/or one: "a success or a failure?"), also after a
    clause setting its scene ("Between the report from A and the one from B, was there ...?")."""
    scene, body = _scene_and_body(question)
    if scene and _WH_WORD.search(body):  # "Between A and B, is it X or Y who ...?", "..., which ...?"
        return False
    return bool(YES_NO_OPENING.match(body)) and not re.search(r"\bor\s+(?:a |an |the )?\w+\s*\?*\s*$", body, re.I)


def _scene_and_body(question: str) -> tuple[str, str]:
    """("Between A and B", "was there a change in X?"), or ("", question) when no clause leads it."""
    q = question.strip()
    if YES_NO_OPENING.match(q):
        return "", q
    m = _LED_BY_SCENE.match(q)
    return (m.group(1), q[m.end(1):].lstrip(" ,")) if m else ("", q)


def claims(question: str, outlets: tuple[str, ...]) -> list[Claim]:
    """The claims a yes/no question puts to the test, each with the outlet it names. A question whose
    opening clause names its sources ("Between A's report and B's, has X changed?") puts X to each."""
    scene, question = _scene_and_body(question)
    body = YES_NO_OPENING.sub("", question.strip().rstrip("?"), count=1)
    # each report the scene names, in its own words ("the TechCrunch report on X"), so that two reports
    # of one outlet are told apart
    reports = [(part, o) for part in re.split(r",?\s+and\s+(?:then\s+)?", scene) if (o := _named_outlet(part, outlets))]
    if len(reports) >= 2:
        return [Claim(f"{part} {body}", o, shared=True) for part, o in reports]
    parts = [p for p in _CLAIM_JOIN.split(body) if p and len(terms(p)) >= 2] or [body]
    jointly = _outlets_named(body, outlets) if len(parts) == 1 else []
    if len(jointly) >= 2:  # "Do A and B give the same figure for X?": X put to each
        return [Claim(body, o, shared=True) for o in jointly]
    found, last = [], ""
    for part in parts:
        named = _named_outlet(part, outlets)
        last = named or last  # "does the article from A say X, and does it say Y": both A's
        own = ""
        if found and len(_own_words(part, outlets)) < MIN_OWN_WORDS:  # "..., while B said nearly 3,000"
            own, part = part, f"{part} {_FIGURE.sub(' ', searched(found[0], outlets))}"  # its topic, not figures
        found.append(Claim(part, named or (last if len(parts) > 1 else ""), own=own))
    return found


def _own_words(text: str, outlets: tuple[str, ...]) -> list[str]:
    """A claim's words that say what it claims, a figure counted as one ("3,000", not "3" and "000")."""
    names = {t for o in outlets for t in terms(o)}
    words = [t for t in terms(_FIGURE.sub(" ", text)) if t not in _FRAMING and t not in names]
    return words + sorted(_figures(text))


def judge(question: str, asked: Sequence[Claim], candidates: list, snapshot: CorpusSnapshot, conflicting: bool,
          similarity: Callable[[str, list[str]], list[float]] | None = None) -> Verdict | None:
    """The verdict on a yes/no question putting the claims `asked` (its `claims`) from the answerer's
    scored sentences (best first, each with .text and .passage), or None when no sentence speaks to its
    first claim. `conflicting`: the sentences already chosen give different figures or dates for what is
    asked."""
    if not asked or not candidates:
        return None
    evidence, supported, shares = [], [], []
    for claim in asked:
        best = _best_on(claim, candidates, snapshot, similarity)
        if best is None:
            if not evidence:
                return None
            supported.append("unstated")
            continue
        sentence, share = best
        evidence.append(sentence)
        shares.append(round(share, 2))
        otherwise = _contradicts(claim.text, sentence.text)
        supported.append(otherwise or ("stated" if share >= MIN_SUPPORT else "unstated"))
    evidence = list(dict.fromkeys(evidence))
    # whether one thing stayed the same or changed, asked of each source ("Between A and B, has X
    # changed?"), not claims of their own joined by "while" (those are checked one by one)
    one_thing = len(asked) == 1 or all(c.shared for c in asked)
    if one_thing and (_SAMENESS.search(question) or _CHANGE.search(question)):
        changed = conflicting or _figures_differ(evidence)
        same_asked = bool(_SAMENESS.search(question)) and not _CHANGE.search(question)
        if changed or len({s.passage.article.id for s in evidence}) > 1:
            said = "No" if changed == same_asked else "Yes"
            return Verdict(said, tuple(evidence), "the figures the sources give" if changed
                           else "the sources giving no different figures")
    if all(s == "stated" for s in supported):
        return Verdict("Yes", tuple(evidence), "every claim stated", tuple(shares))
    otherwise = next((s for s in supported if s not in ("stated", "unstated")), "")
    if otherwise:
        return Verdict("No", tuple(evidence), f"a sentence giving {otherwise}", tuple(shares))
    if len(asked) == 1:  # one claim no sentence states or denies: the articles do not say either way
        return None
    # what several outlets said: one that does not say what the question puts to it did not say it
    return Verdict("No", tuple(evidence), "a claim no sentence states", tuple(shares))


def _named_outlet(text: str, outlets: tuple[str, ...]) -> str:
    named = _outlets_named(text, outlets)
    return named[0] if named else ""


def _outlets_named(text: str, outlets: tuple[str, ...]) -> list[str]:
    """The outlets a text names, in the order it names them (a longer name before one inside it)."""
    folded, found = fold(text), []
    for outlet in sorted(outlets, key=len, reverse=True):
        names = {fold(outlet), fold(outlet.split("|")[0]).strip()}
        spans = [m.start() for n in names if n for m in re.finditer(rf"(?<!\w){re.escape(n)}(?!\w)", folded)]
        if spans:
            found.append((min(spans), outlet))
            for n in names:
                folded = folded.replace(n, " " * len(n)) if n else folded
    return [o for _, o in sorted(found)]


def _best_on(claim: Claim, candidates: list, snapshot: CorpusSnapshot, similarity=None):
    """(the sentence stating the claim best, how well), from the named outlet's articles when there are
    any among the candidates: by the share of the claim's idf-weighted words it holds, or, when no
    sentence holds enough of them, by meaning (a paraphrase: "says X is vital" for "calls X essential")."""
    outlet_words = set(terms(claim.outlet)) | set(snapshot.outlet_words)
    weights = {t: snapshot.keyword.idf(t) for t in set(terms(claim.text))
               if t not in _FRAMING and t not in outlet_words and snapshot.keyword.known(t)}
    total = sum(weights.values())
    if not total:
        return None
    pool = [c for c in candidates if claim.outlet and c.passage.article.outlet == claim.outlet] or candidates
    # a sentence is read under its article's headline ("About 1,500 rally at Ferry Quay"): the words
    # only the headline holds count for half
    shares = [sum(w if t in held else HEADLINE_SHARE * w if t in headline else 0.0 for t, w in weights.items()) / total
              for c in pool for held, headline in [(set(terms(c.text)), _headline_terms(c.passage.article.title))]]
    # the claim is about its subject ("the mayor" in "was the mayor at the rally?"): a sentence without
    # it states the claim less surely
    # a figure the claim gives is its surest word: a sentence giving it is the one to read
    wanted = _figures(claim.text)
    if wanted:
        shares = [x + FIGURE_BONUS if wanted & _figures(c.text) else x for x, c in zip(shares, pool)]
    subject = _subject(claim.own or claim.text, weights)
    shares = [x if subject in terms(c.text) or subject in _headline_terms(c.passage.article.title) else x * SUBJECTLESS
              for x, c in zip(shares, pool)]
    order = sorted(range(len(pool)), key=lambda i: -shares[i])[:MEANING_POOL]
    cosines = similarity(searched(claim, snapshot.outlet_names), [pool[i].text for i in order]) if similarity else []
    if cosines:  # by words and by meaning: a paraphrase ("no new vehicle purchases" for "buy new vehicles")
        i, cosine = max(zip(order, cosines), key=lambda x: shares[x[0]] + x[1])
        stated = max(shares[i], MIN_SUPPORT + (1 - MIN_SUPPORT) * cosine / 2 if cosine >= MIN_MEANING else 0.0)
        return pool[i], stated
    i = order[0]
    return (pool[i], shares[i]) if shares[i] > 0 else None


@lru_cache(maxsize=4096)
def _headline_terms(title: str) -> frozenset[str]:
    return frozenset(terms(title))


def _subject(claim: str, counted) -> str:
    """The word the claim is about: the first counted word that opens a noun phrase, a name or a word
    after an article or possessive ("the rally" in "Coastline put the rally at 1,500"), else the first
    counted word."""
    words = re.findall(r"[\w’'-]+", claim)
    first = ""
    for before, word in zip(["", *words], words):
        held = [t for t in terms(word) if t in counted]
        if not held:
            continue
        first = first or held[0]
        if word[:1].isupper() or before.lower() in _DETERMINERS:
            return held[0]
    return first


def searched(claim: Claim, outlets: tuple[str, ...] = ()) -> str:
    """What to search the claim's outlet for: the claim without the outlets' names."""
    text = _without_outlet(claim)
    for outlet in outlets:
        text = re.sub(rf"(?<!\w){re.escape(outlet.split('|')[0].strip())}(?!\w)", " ", text, flags=re.I)
    return " ".join(text.split())


def _without_outlet(claim: Claim) -> str:
    """The claim as a statement to match: its outlet and framing ("the Verge article suggests") left out."""
    text = claim.text
    if claim.outlet:
        text = re.sub(re.escape(claim.outlet.split("|")[0].strip()), " ", text, flags=re.I)
    return " ".join(text.split())


def _contradicts(claim: str, sentence: str) -> str:
    """How the sentence says otherwise ("" when it does not): it gives figures and none the claim gives,
    or negates what the claim states plainly (or the other way round)."""
    wanted, given = _figures(claim), _figures(sentence)
    if wanted and given and not wanted & given:
        return "another figure"
    return "a negation" if _negated(claim, claim) != _negated(sentence, claim) else ""


def _negated(text: str, claim: str) -> bool:
    """A negation a few words before one of the claim's words ("no new vehicle purchases", "did not
    attend"), not one anywhere in a long sentence, nor one after them: "voted no" is a vote cast."""
    words = re.findall(r"[\w’'-]+", text)
    wanted = set(terms(claim))
    near = [i for i, w in enumerate(words) if set(terms(w)) & wanted]
    return any(_NEGATION.fullmatch(w) or _NEGATION.search(w) and w.lower().endswith(("n't", "n’t"))
               for i, w in enumerate(words) if any(0 < j - i <= NEGATION_REACH for j in near))


def _figures(text: str) -> set[str]:
    """The figures a text gives, leaving out its dates ("November 6, 2023"): a date names the report."""
    return {f.rstrip(".,") for f in _FIGURE.findall(_DATES.sub(" ", text))}


def _figures_differ(evidence: list) -> bool:
    """Sentences from different articles giving different figures."""
    figures = [_figures(s.text) for s in evidence]
    articles = [s.passage.article.id for s in evidence]
    return any(a and b and not a & b and x != y
               for i, (a, x) in enumerate(zip(figures, articles)) for b, y in zip(figures[i + 1:], articles[i + 1:]))
