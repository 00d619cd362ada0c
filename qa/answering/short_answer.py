"""The short answer: the exact span of the lead sentence that answers the question in a few words
("314 prisoners of war", "Steve Witkoff and Jared Kushner", "Miami", "January 29"), or "" when the
sentence does not hold one unambiguously. Every span is copied from the cited sentence."""

from __future__ import annotations

import re

from qa.language.countries import is_country, names_country
from qa.language.dates import YEAR, times_of_day
from qa.answering.question import CALENDAR_WORDS, QuestionInfo
from qa.language.sentences import split_sentences
from qa.language.synonyms import canonical_terms
from qa.language.text import STOPWORDS, fold, listed, quoted, terms

_COUNT_SPAN = re.compile(r"((?:over|more than|about|around|nearly|almost|at least|some|up to)\s+)?"
                         r"([$€£]?\d[\d,.]*(?:\s+(?:million|billion))?)((?:\s+[\w’'-]+){0,4})", re.I)
_CAPITALISED = re.compile(r"\b(?:(?:Mr|Mrs|Ms|Dr)\.\s+)?[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")
# words that stand before a name without being part of it ("US Secretary of State Marco Rubio")
_TITLES = frozenset("""
mr. mrs. ms. dr. president presidential prime minister secretary state foreign defence defense special envoy aide adviser advisor
spokesman spokeswoman spokesperson chancellor senator general mr mrs ms dr vice deputy chief head
ambassador representative kremlin white house us u.s. uk eu nato national security negotiator official
director former then lead top senior commander king queen pope
council committee commission ministry office agency department service fund board parliament government
administration party delegation team
""".split())
_PLACE_CONTEXT = frozenset({"the", "in", "at", "to", "from", "of", "into", "near", "across"})
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_WHEN_SPAN = re.compile(
    rf"\b(?:(?:overnight|early|late)\s+(?:into|on)\s+)?(?:{_DAYS}(?:\s+(?:morning|afternoon|evening|night))?"
    rf"(?:,\s+{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?)?"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:\s*(?:–|-|and)\s*\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}(?:\s+\d{{4}})?|{_MONTHS}\s+\d{{4}}|(?:in|by)\s+\d{{4}})\b")
_PLACE_SPAN = re.compile(r"\b(?:in|to|at|from)\s+((?:the\s+)?[A-Z][\w’'-]*(?:\s+(?:of\s+)?[A-Z][\w’'-]*)*)")
# a time something is expected by ("by this summer", "until next year", "in 2027"), and a statement placed
# at a past time ("In January he said", "earlier this month", "had said")
_EXPECTED = re.compile(r"\b(?:by|until|till|before|in|within|over|for)\s+((?:the\s+(?:end|start|middle)\s+of\s+)?"
                       rf"(?:(?:this|next|the coming)\s+(?:spring|summer|autumn|fall|winter|year|month|week)|{_MONTHS}(?:\s+\d{{4}})?"
                       r"|\d{4}))\b", re.I)
_SAID_BEFORE = re.compile(rf"^\s*(?:in|on|back in|by)\s+(?:late\s+|early\s+)?{_MONTHS}\b|\b(?:earlier|previously|last "
                          r"(?:week|month|year)|had (?:said|predicted|forecast|expected))\b", re.I)
_AMOUNT = r"(?:\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several|\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a hundred)"
DURATION = re.compile(
    rf"\b(?:(?:just|only|about|around|nearly|almost|more than|less than|over|under|within|after|some|roughly)\s+)?"
    rf"{_AMOUNT}(?:[\s-]+and a half)?[\s-]+(?:minutes?|hours?|days?|weeks?|months?|years?|decades?)\b", re.I)
_COMPOUND = re.compile(r"-(minute|hour|day|week|month|year|decade)$", re.I)
_GENERIC_DURATION_WORDS = frozenset(terms("last lasted take took long soon time"))
MAX_NAMES = 3
_PLURAL_WHO = re.compile(r"\bwho (are|were|have|had)\b|\bwhich (\w+ )?\w+s (are|were|have|did|do)\b", re.I)



def short_answer(info: QuestionInfo, sentence: str) -> str:
    """The span of `sentence` that answers the question of kind `info.kind`, or ""."""
    if info.kind in ("count", "money"):
        return _count_span(info, sentence)
    if info.kind == "tally":
        return _only(tallies(sentence))
    if info.kind == "duration":
        return _only(durations(info, sentence))
    if info.kind == "person":
        return _names(info, sentence) if _asks_for_a_name(info) and _names_the_sides(info, sentence) else ""
    if info.kind == "date" and info.asks_time:
        return _only(t for t in times_of_day(sentence) if not _asked(info, t))
    if info.kind == "date":
        return _only(m.group(0) for m in _WHEN_SPAN.finditer(sentence) if not _asked(info, m.group(0)))
    if info.kind == "place" and re.match(r"\s*where\b", info.text, re.I):
        return _only(places(info, sentence)) or _only(_places_after_asked(info, sentence))
    if info.kind == "change":
        return change_span(sentence)
    if info.kind == "named":
        found = named_spans(info, sentence)
        for head in _head_words(info):  # "which private operator": by "private", else by "operator"
            beside = _only(n for n in found if _beside(sentence, n, head))
            if beside:
                return beside
        return _only(found)
    return ""


TALLY = re.compile(r"(?<![\d.,-])(\d{1,3})\s*[-–]\s*(\d{1,3})(?![\d-])|\b(\d{1,3}) to (\d{1,3})\b")


def tallies(sentence: str) -> list[str]:
    """Vote counts and scores in the sentence, written N-M ("voted 8-5", "by 6 to 7")."""
    return [f"{m.group(1) or m.group(3)}-{m.group(2) or m.group(4)}" for m in TALLY.finditer(sentence)]


_FIRST_PERSON = re.compile(r"I(?:['’](?:m|d|ll|ve))?")


def named_spans(info: QuestionInfo, sentence: str) -> list[str]:
    """Names in the sentence, not the question's own, that stand within a few words of the kind of thing
    the question asks for ("which councillor ...?": "Councillor Dana Whitcombe", "Ruth Adeyemi, a Civic
    Union councillor"): what "which X ...?" is answered with. Capitalised words that only open the
    sentence, datelines in capitals, weekdays and months are not names."""
    heads = asked_heads(info)
    asked = set(fold(info.text).split())
    opening = len(sentence) - len(sentence.lstrip(" “\"'"))
    terms_at = [(m.start(), set(terms(m.group(0)))) for m in re.finditer(r"[\w’'-]+", sentence)]
    found = []
    for m in _CAPITALISED.finditer(sentence):
        # weekdays, months, datelines in capitals and "I" ("I'm") are capitalised without naming anything
        words = [w for w in m.group(0).split() if fold(w) not in CALENDAR_WORDS and not w.isupper()
                 and not _FIRST_PERSON.fullmatch(w)]
        if m.start() <= opening and words and words[0] == m.group(0).split()[0]:
            words = words[1:]  # "For Kells Island": the sentence's first word is capitalised anyway
        while words and (fold(w := words[0]).removesuffix("’s").removesuffix("'s") in asked or fold(w) in _TITLES):
            words = words[1:]  # "Civic Union Councillor Ruth Adeyemi": the question's own names and titles go
        if not words:
            continue  # the question's own names are what it asks about, not the answer
        near = set().union(*(t for start, t in terms_at if abs(start - m.start()) <= 40 or m.start() <= start <= m.end() + 40))
        if heads and not heads & near:
            continue
        found.append(" ".join(words).removesuffix("’s").removesuffix("'s"))
    return found


def _beside(sentence: str, name: str, head: str) -> bool:
    """The name stands right by the noun the question asks for ("Councillor Sam Ferreira", "Ruth
    Adeyemi, a councillor", "the Intercontinental hotel")."""
    at = sentence.find(name)
    near = sentence[max(0, at - 16): at] + " " + sentence[at + len(name): at + len(name) + 16]
    return head in terms(near)


def mentions_unnamed(info: QuestionInfo, sentence: str) -> bool:
    """The sentence speaks of one of the kind asked for without naming it: "a private operator", "one
    councillor", "the hotel" (a determiner, maybe one more word, then the asked-for noun)."""
    heads = asked_heads(info)
    for m in re.finditer(r"\b(?:a|an|the|one|another|its|their|his|her)\s+(?:[a-z-]+\s+)?([a-z-]+)", sentence):
        if heads.intersection(terms(m.group(1))):
            return True
    return False


def asked_heads(info: QuestionInfo) -> frozenset[str]:
    """The stemmed words a "which X" / "what X" / "the name of the X" question names its answer by (the
    first two after the question word: "private operator", "councillor"), or none."""
    return frozenset(_head_words(info))


def _head_words(info: QuestionInfo) -> list[str]:
    m = (re.search(r"\bname of (?:the |a |an )?([a-z]+)", info.text, re.I)
         or re.search(r"^\W*(?:which|what) ([a-z]+(?: [a-z]+)?)", info.text, re.I))
    return terms(m.group(1)) if m else []


def change_span(text: str) -> str:
    """For two statements made at different times ("...didn't think peace would come until next year. In
    January he ... said the war might be over by this summer."), "from <earlier> to <later>": each
    statement's last expected time, the one said at a past time it names ("In January", "earlier")
    first. "" unless exactly one statement is placed in the past and both expect a time."""
    said = split_sentences(text)
    if len(said) != 2:
        return ""
    past = [_SAID_BEFORE.search(s.text) for s in said]
    values = [_expected(s.text, when) for s, when in zip(said, past, strict=True)]
    if not all(values) or sum(map(bool, past)) != 1:
        return ""
    earlier, later = (values[0], values[1]) if past[0] else (values[1], values[0])
    return f"from {earlier} to {later}" if fold(earlier) != fold(later) else ""


def _expected(sentence: str, said_when: re.Match | None) -> str:
    """The last time the sentence expects something by, other than when it was said."""
    found = [m.group(1) for m in _EXPECTED.finditer(sentence)
             if not (said_when and m.start() < said_when.end() and said_when.start() < m.end())]
    return found[-1] if found else ""


def places(info: QuestionInfo, sentence: str) -> list[str]:
    """Places the sentence puts something in, at, to or from ("in Abu Dhabi"), other than those the
    question names."""
    return [place for _, place in place_spans(info, sentence)]


def _places_after_asked(info: QuestionInfo, sentence: str) -> list[str]:
    """Of several places, those a word of the question (or one for the same act) stands just before:
    "Where did Dmitriev travel?" -> "flew to Miami", not "the talks in Abu Dhabi"."""
    asked = canonical_terms(info.text) - canonical_terms(" ".join(info.entities))
    return [place for at, place in place_spans(info, sentence)
            if canonical_terms(" ".join(sentence[:at].split()[-2:])) & asked]


def place_spans(info: QuestionInfo, sentence: str) -> list[tuple[int, str]]:
    """(where the "in"/"at"/"to"/"from" stands, the place) for each place of `places`."""
    return [(m.start(), m.group(1)) for m in _PLACE_SPAN.finditer(sentence)
            if not _asked(info, m.group(1)) and not _calendar(m.group(1))]


def _calendar(span: str) -> bool:
    """"Wednesday", "Wednesday’s", "the January" are times, not places."""
    first = fold(span).removeprefix("the ").split()[0]
    return re.sub(r"['’]s?$", "", first) in CALENDAR_WORDS


def _names_the_sides(info: QuestionInfo, sentence: str) -> bool:
    """Does the sentence name each country the question names ("Ukraine": Ukraine, Ukrainian, Ukraine’s)?
    "Who represented Ukraine in Geneva?" gets no short answer from "Medinsky ... led the Russian
    negotiating team in Geneva": the name there is of another side."""
    words = re.findall(r"\w+", fold(sentence))
    return all(names_country(e, words) for e in info.entities if is_country(e))


def _asks_for_a_name(info: QuestionInfo) -> bool:
    """"Who led the team?" and "Who is the US Secretary of State?" (titles, not a name) ask for a name;
    "Who is Harry Nedelcu?" for a description, and "Whose sources...?" for a possessor, often no person."""
    if re.search(r"\bwhose\b", info.text, re.I):
        return False
    named = set(terms(" ".join(info.entities)))
    titles_only = all(fold(w) in _TITLES or _demonym(w.capitalize()) for e in info.entities for w in e.split())
    return titles_only or not set(info.terms) <= named


def _only(spans) -> str:
    """The one distinct span, or "" when there are none or several (ambiguous: the sentence leads)."""
    found = list(dict.fromkeys(s.strip() for s in spans))
    return found[0] if len(found) == 1 else ""


def durations(info: QuestionInfo, sentence: str, window: int = 6) -> list[str]:
    """Lengths of time in the sentence that stand a few words from what the question names (two of its
    words, or its one word): "a second day of discussions that lasted just two hours". A duration beside
    something else ("stop the violations within 24 hours", asked about a third phase) measures that."""
    wanted = set(info.terms) - _GENERIC_DURATION_WORDS
    need = min(2, len(wanted))
    found = []
    for m in DURATION.finditer(sentence):
        before = terms(" ".join(sentence[: m.start()].split()[-window:]))
        after = terms(" ".join(sentence[m.end():].split()[:window]))
        # "a six-hour session": a length of time joined to a noun is that thing's length
        joined_to = terms(" ".join(sentence[m.end():].split()[:1])) if _COMPOUND.search(m.group(0)) else []
        if need and (len(wanted & set(before + after)) >= need or wanted & set(joined_to)
                     or wanted & set(_subject_measured(sentence[: m.start()], window))):
            found.append(_as_length(m.group(0)))
    return found


def _subject_measured(lead: str, window: int) -> list[str]:
    """The terms of the sentence's subject when the length of time is its predicate: "The rally lasted
    about two hours", "The rally, organised by the union, lasted about two hours" (a clause set off by
    commas between them); [] otherwise."""
    parts = lead.split(",")
    if len(parts) == 1 and len(lead.split()) <= window:
        return terms(lead)
    if len(parts) >= 3 and len(parts[-1].split()) <= 2:
        return terms(parts[0])
    return []


def _as_length(span: str) -> str:
    """"six-hour" as a length of time: "six hours" ("12-minute" -> "12 minutes", "one-day" -> "one day")."""
    m = _COMPOUND.search(span)
    if not m:
        return span
    single = re.search(r"\b(a|an|one)\s*-?\s*$", span[: m.start()], re.I)
    return span[: m.start()] + " " + m.group(1) + ("" if single else "s")


def _asked(info: QuestionInfo, span: str) -> bool:
    """Every word of the span is already in the question: it is what is asked about, not the answer."""
    words = set(terms(span))
    return bool(words) and words <= set(info.terms)


def _names(info: QuestionInfo, sentence: str) -> str:
    """People named in the sentence who are not named in the question: "A", "A and B", "A, B and C" when
    it asks for several ("Who are...?"), else the one person named; when the question quotes words the
    sentence holds, only the person named nearest to them (the speaker). "" when unsure."""
    runs = [(m.start(), name, m.group(0)) for m in _CAPITALISED.finditer(sentence)
            if (name := _person(sentence, m)) and not _asked(info, name)]
    people = [(at, name) for at, name, _ in runs]
    quoted = _quoted_in(info.text, sentence)
    if quoted is not None and people:
        people = [min(people, key=lambda p: abs(p[0] - quoted))]
    elif len(people) > 1:  # "Who is the French president?": the one whose titles say what was asked
        asked = set(info.terms)
        overlap = [len(asked & set(terms(run[: len(run) - len(name)]))) for _, name, run in runs]
        if max(overlap) > 0 and overlap.count(max(overlap)) == 1:
            people = [people[overlap.index(max(overlap))]]
        elif re.match(rf"{re.escape(people[0][1])}, [a-z]", sentence) and not _PLURAL_WHO.search(info.text):
            people = people[:1]  # "Steve Witkoff, the envoy ... alongside Jared Kushner, confirmed ...": the subject
    found: list[str] = []
    limit = MAX_NAMES if _PLURAL_WHO.search(info.text) else 1  # "Who led...?" wants one person
    for _, name in people:
        surname = fold(name.split()[-1])
        if all(fold(f.split()[-1]) != surname for f in found):
            found.append(name)
    if not found or len(found) > limit:
        return ""
    return listed(found)


def _quoted_in(question: str, sentence: str) -> int | None:
    """Where in the sentence the words the question quotes stand, if it holds them."""
    for words in quoted(question):
        at = fold(sentence).find(fold(words).strip(" .,?"))
        if at >= 0:
            return at
    return None


def _person(sentence: str, m: re.Match) -> str:
    """The name in a capitalised run, without its titles ("Russian President Vladimir Putin" -> "Vladimir
    Putin"); "" for what is not a person: places and organisations ("in Abu Dhabi", "the United States"),
    possessive descriptors ("Trump’s special envoy") and lone words with no title before them."""
    words = m.group(0).split()
    if any(w.endswith(("’s", "'s", "’", "'")) for w in words):
        return ""
    titled = False
    while words and (fold(words[0]) in _TITLES or fold(words[0]) in STOPWORDS or _demonym(words[0])):
        titled = titled or fold(words[0]) not in STOPWORDS
        words = words[1:]
    if not words or any(fold(w) in CALENDAR_WORDS for w in words):
        return ""
    if not titled:
        before = sentence[: m.start()].split()
        if len(words) < 2 or (before and fold(before[-1]) in _PLACE_CONTEXT):
            return ""
    return " ".join(words)


def _demonym(word: str) -> bool:
    return word.endswith(("ian", "ish", "ese")) or word in ("French", "Dutch", "Swiss", "Greek", "Thai")


def _count_span(info: QuestionInfo, sentence: str) -> str:
    """The number with what it counts ("over 70 missiles")."""
    for m in _COUNT_SPAN.finditer(sentence):
        if YEAR.fullmatch(m.group(2)):
            continue  # a year counts nothing
        tail_words = m.group(3).split()
        if info.focus:
            keep = []
            for w in tail_words:
                keep.append(w)
                if all(f in set(terms(" ".join(keep))) for f in info.focus):
                    break
            else:
                continue
            # "prisoners of war": keep a trailing "of <noun>" that belongs to the phrase
            rest = tail_words[len(keep):]
            if len(rest) >= 2 and rest[0].lower() == "of":
                keep += rest[:2]
            tail = " ".join(keep)
        else:
            tail_words = tail_words[:2]
            while tail_words and fold(tail_words[-1]).strip(".,;:") in STOPWORDS:
                tail_words = tail_words[:-1]  # "12,000 euros and" -> "12,000 euros"
            tail = " ".join(tail_words)
        return f"{m.group(1) or ''}{m.group(2)} {tail}".strip().rstrip(".,;:")
    return ""
