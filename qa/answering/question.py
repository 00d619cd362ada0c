"""What a question asks for: its type (count, date, person, place, reason, general), its focus words
and the named entities an answer must be about."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from qa.answering import order
from qa.answering.conflicts import asks_for_verdict, verdict_claim
from qa.answering.verdicts import Claim, asks_yes_no, claims
from qa.language.initialisms import spelled_out
from qa.retrieval.conversation import own_words
from qa.language.dates import MONTH_NAMES, WEEKDAYS, YEAR
from qa.language.text import STOPWORDS, fold, ordinals, terms, undot

# "how has X's forecast changed?": an answer needs two moments, each with its time
_CHANGE = re.compile(r"\bhow (has|have|had|did|does|do) \b.{0,80}\b(chang|shift|evolv|develop)(e|ed|es|ing)?\b|"
                     r"\bwhat (has |had )?changed\b", re.I)
_COUNT = re.compile(r"\bhow (many|much)\b|\bwhat (number|amount|share|percentage)\b|\b(dollar|euro) value\b|\bhow large\b", re.I)
_DURATION = re.compile(r"\bhow (long|soon)\b|\bfor how long\b|\bhow much time\b", re.I)
_DATE = re.compile(r"^\s*when\b|\bwhen (did|does|do|is|was|were|will|has|have|had|would|could)\b|\bwhat (day|date|time|month|year)\b|\bwhich (day|date|month|year)\b|\bon what day\b", re.I)
# a passive's agent asked for ("by whom?", "'...' - said by?") is a person too
_PERSON = re.compile(r"\bwho(m|se)?\b|\bwhich (\w+ )?(official|minister|leader|aide|spokes\w*|negotiator|envoy|person|president|analyst|diplomat)\b|"
                     r"\b\w+(?:ed|id|en|de) by\s*\??\s*$", re.I)
_PLACE = re.compile(r"\bwhere\b|\b(which|what) (city|cities|country|countries|place|places|venues?)\b", re.I)
# "what part has Yuri Ushakov played?", "what has Rubio done?", "what do the articles say about Dmitriev?":
# a profile of someone across the coverage
_PROFILE = re.compile(r"\bwhat (part|role)s? (has|have|had|did|does|do|is|was) .{1,60}\bplay|"
                      r"\bwhat (has|have|had) \w[\w’' -]{0,40} (done|said)\s*\??\s*$|"
                      r"\bwhat do(es)? the (articles?|sources?|reports?|coverage|papers?) (say|report|tell)s? about\b", re.I)
# "which outlets reported the prisoner swap?": the articles' outlets are the answer ("which newspaper
# first reported...?" asks for one, often a paper the article cites: not this)
_OUTLETS = re.compile(r"\b(which|what) (news )?(outlets|papers|newspapers|publications|media|articles|reports)\b"
                      r".{0,20}\b(report|cover|mention|say|said|wrote|write|carr|describ)", re.I)
# "which outlet reported that the deficit is $23 million?": one outlet, the article's or one it cites
_OUTLET = re.compile(r"\b(which|what) (news )?(outlet|newspaper|paper|publication|station|broadcaster|network|"
                     r"news agency|wire service|website)\b", re.I)
# "what did X say / tell / claim ...": the person's own words are the answer
_ASKS_SAID = re.compile(r"\bwhat (did|does|do|has|have|had) .{1,60}\b(say|said|tell|told|claim|claimed|warn|warned|"
                        r"write|wrote|argue|argued|mean|meant)\b", re.I)
_HOW_MANY = re.compile(r"\bhow many\b", re.I)
# "which councillor was absent?", "what is the name of the hotel?": a named one of its kind is the answer
# (not a time, an amount, a kind of thing, or an outlet, which have answers of their own)
_NOT_NAMED = (r"(?!(of|day|date|time|month|year|week|hour|percentage|share|number|amount|kind|sort|type|way|part|"
              r"role|reason|outlet|newspaper|paper|publication|station|broadcaster|media)s?\b)")
_NAMED = re.compile(rf"^\W*which {_NOT_NAMED}[a-z]+\b(?! of\b)|\bwhat (is|was) the name of\b|\bname (the|of)\b", re.I)
# "what street is the hall on?", "what bridge does the bus cross?": "what X" asked as "which X"
_WHAT_NOUN = re.compile(rf"^\W*what {_NOT_NAMED}(?P<noun>[a-z]+) (?:is|was|are|were|does|did|do|has|have|had|will|would|can|could)\b",
                        re.I)
# "what was the vote?", "by what margin did it pass?", "how did the council vote?": a tally (8-5) is the answer
_TALLY = re.compile(r"\bwhat (?:was|is|were) the (?:[\w’'-]+ ){0,3}(?:vote|score|tally|margin)\b|\bby what (?:margin|vote)\b|"
                    r"\bhow did (?:the )?[\w’' -]{1,60}\bvote\b", re.I)
# a question put as a question: a question word or an auxiliary opens it ("did ...", "is ...")
_QUESTION_FORM = re.compile(r"^\W*(who|whom|whose|what|when|where|which|why|how|did|do|does|is|are|was|were|has|"
                            r"have|had|can|could|will|would|should|name|list|tell|give|in|on|at|by|for|from|according|after|"
                            r"before|and|but|so)\b", re.I)
_QUESTION_WORD = re.compile(r"\b(who|whom|whose|what|when|where|which|why|how)\b", re.I)
# "Tell me which resident said ...", "I'd like to know what the signs said", "Do you know who ...": a
# request to be told is read as the question it embeds
_LEAD_IN = re.compile(
    r"^\W*(?:(?:please|so|and|ok(?:ay)?),?\s+)?(?:(?:can|could|would|will) you\s+)?(?:please\s+)?"
    r"(?:(?:tell|show|remind) (?:me|us)|(?:i(?:['’]d| would) like|i want|i need|i(?:['’]m| am) trying) to "
    r"(?:know|find out|understand)|(?:do|does) (?:you|anyone) know|i wonder|any idea)\s+(?=(?:who|whom|whose|what|"
    r"when|where|which|why|how)\b)", re.I)
# the type nouns of a noun-phrase search, most specific first
_TYPE_NOUNS = (
    (re.compile(r"\b(vote count|split|tally|margin)\b", re.I), "tally"),
    (re.compile(r"\b(length|duration|period)\b|\b(crossing|journey|ride|trip|travel) time\b", re.I), "duration"),
    (re.compile(r"\b(date|day)\b", re.I), "date"),
    (re.compile(r"\b(cost|price|savings|revenue|value|worth)\b", re.I), "money"),
    (re.compile(r"\b(number|count|total|turnout|ridership|headcount)\b", re.I), "count"),
)
# "what are the three phases of the plan?", "what are the steps ...?": a numbered list is asked for
_PARTS = re.compile(r"\bwhat (are|were) the (?:(?:two|three|four|five|six|\d) )?(phase|step|stage|tier|part|round)s\b",
                    re.I)
_FIRST = re.compile(r"\b(first|earliest|originally)\b", re.I)
# "what is / was / will be the X ...?": X runs up to a preposition, a verb, a name or the end; its last
# word is the thing asked for ("the ferry subsidy", "the fare on the 14X", "the deficit Portmere's ...")
_ASKS_TIME = re.compile(r"\b(what|which) time\b", re.I)
_ASKED_NOUN = re.compile(r"^\W*(?i:what (?:is|was|were|are|will|would)\s+(?:be\s+)?the)\s+((?:[a-z]+\s+){0,3}?[a-z]+)"
                         r"(?=\s+(?:on|of|for|in|at|to|from|with|by|that|which|who|be|is|was|were|will|would|has|have|"
                         r"had|does|did|do|after|before|under|between)\b|\s+[A-Z0-9]|\s*[?,.]|\s*$)")
_REASON = re.compile(r"\bwhy\b|\bwhat (is|was) the reason\b", re.I)
_MONEY = re.compile(r"\b(dollar|euro|pound|money|cost|price|value|worth|budget|\$)\b", re.I)
_ENTITY = re.compile(r"\b[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")
CALENDAR_WORDS = frozenset(WEEKDAYS + MONTH_NAMES)
_QUESTION_WORDS = {"how", "what", "when", "who", "whom", "whose", "where", "which", "why", "did", "does", "do",
                   "is", "are", "was", "were", "has", "have", "had", "can", "could", "would", "will", "under",
                   "besides", "according", "exactly", "in", "on", "and", "the", "a", "an", "if"}


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    kind: str  # order | outlets | outlet | tally | count | money | duration | change | date | person | named | place | profile | reason | general
    terms: tuple[str, ...]  # stemmed content words
    focus: tuple[str, ...]  # stemmed words of the thing counted ("ballistic missiles")
    entities: tuple[str, ...]  # capitalised names in the question, folded
    # what a verdict is asked on: yes/no or either/or (every source speaking to it is heard), answered by
    # yes or no, and the verdict words it puts to the test ("agre" in "Have they agreed on X?")
    verdict: bool = False
    yes_no: bool = False
    claim: frozenset[str] = frozenset()
    # which event: the years it names, the ordinals it counts by ("the second round"), and the first of
    # several ("which outlet first reported ...?")
    years: frozenset[str] = frozenset()
    ordinals: frozenset[str] = frozenset()
    first: bool = False
    parts: str = ""  # the part a numbered list is asked of ("phase" in "What are the three phases of ...?")
    # the thing a "what is/was/will be the X ...?" question asks for, stemmed ("fare" in "What will the fare
    # on the 14X be?"): an answer must speak of it, not of something beside it
    asked_noun: str = ""
    asks_time: bool = False  # "at what time ...?": a time of day is the answer, not the day


def analyse(query: str) -> QuestionInfo:
    """What the question asks for; a follow-up's kind comes from its own words, its terms from all."""
    question = embedded(own_words(query))
    kind = "general"
    if order.parse(question):
        kind = "order"
    elif _OUTLETS.search(question):
        kind = "outlets"
    elif _OUTLET.search(question):
        kind = "outlet"
    elif _DURATION.search(question):
        kind = "duration"
    elif _CHANGE.search(question):
        kind = "change"
    elif _TALLY.search(question):
        kind = "tally"
    elif _COUNT.search(question):
        # "how many" counts things, whatever else the question names ("how many jobs will it cost?");
        # an amount of money is asked "how much"
        kind = "money" if _MONEY.search(question) and not _HOW_MANY.search(question) else "count"
    elif _DATE.search(question):
        kind = "date"
    elif _PERSON.search(question):
        kind = "person"
    elif (_NAMED.search(question) or _asks_which(question)) and (
            not _PLACE.search(question) or re.search(r"\bname of\b", question, re.I)):
        kind = "named"
    elif _PLACE.search(question):
        kind = "place"
    elif _PROFILE.search(question) and _entities(question):
        kind = "profile"
    elif _REASON.search(question):
        kind = "reason"
    elif not _QUESTION_FORM.match(question) and not _QUESTION_WORD.search(question):
        kind = _typed_by_noun(question)
    return QuestionInfo(query, kind, tuple(terms(query)), _focus(question, kind), _entities(undot(query)),
                        verdict=asks_for_verdict(query), yes_no=asks_yes_no(query), claim=verdict_claim(query),
                        years=frozenset(YEAR.findall(query)), ordinals=frozenset(ordinals(query)),
                        first=bool(_FIRST.search(query)), parts=asked_parts(query), asked_noun=_asked_noun(question),
                        asks_time=bool(_ASKS_TIME.search(question)))


def _asks_which(question: str) -> bool:
    """"What X is/does ...?" with X a noun (not "what it is", "what else did"): a named one of its kind."""
    m = _WHAT_NOUN.match(question)
    return bool(m) and fold(m.group("noun")) not in STOPWORDS


def embedded(question: str) -> str:
    """The question a request embeds ("Tell me which resident said X" -> "which resident said X"), or
    the question itself."""
    m = _LEAD_IN.match(question)
    return question[m.end():] if m else question


def _typed_by_noun(query: str) -> str:
    """A search typed as a noun phrase ("rally turnout?", "last ferry date", "notice period before the
    layoffs") asks for what its type noun names: a length of time, a date, a tally, a count or amount."""
    for pattern, kind in _TYPE_NOUNS:
        if pattern.search(query):
            return kind
    return "general"


def profiled_name(info: QuestionInfo) -> str:
    """The surname a profile question is about ("ushakov" in "What part has Yuri Ushakov played?"), or ""."""
    return _first_surname(info) if info.kind == "profile" else ""


def asked_speaker(info: QuestionInfo) -> str:
    """The surname of the person whose words are asked for ("What did Witkoff say the exchange showed?"),
    or ""."""
    return _first_surname(info) if _ASKS_SAID.search(info.text) else ""


def _first_surname(info: QuestionInfo) -> str:
    return info.entities[0].split()[-1] if info.entities else ""


def _focus(question: str, kind: str) -> tuple[str, ...]:
    """For "how many X ..." the words of X (up to the verb)."""
    if kind != "count":
        return ()
    m = re.search(r"\bhow many\s+((?:[\w’'-]+\s+){0,4}?[\w’'-]+?)\s+(did|do|does|were|was|are|is|have|has|had|will|would|could|hit|in|of|on|at)\b",
                  question, re.I)
    if not m:
        return ()
    words = [w for w in fold(m.group(1)).split() if w not in STOPWORDS]
    return tuple(terms(" ".join(words)))


def _entities(question: str) -> tuple[str, ...]:
    found = []
    for m in _ENTITY.finditer(question):
        if m.start() == len(question) - len(question.lstrip()) and " " not in m.group(0):
            continue  # a lone capitalised first word is just the start of the sentence ("Short of ...")
        # in hyphenated words only the capitalised parts name something ("Ukrainian-held" -> Ukrainian)
        parts = [p for w in m.group(0).split() for p in w.split("-") if p[:1].isupper()]
        words = [p.strip("'’\"“”") for p in parts if fold(p) not in _QUESTION_WORDS and fold(p) not in CALENDAR_WORDS]
        words = [w.removesuffix("’s").removesuffix("'s") for w in words if w]
        if words:
            found.append(fold(" ".join(words)))
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Question:
    """A question as the Assistant reads it, once, for every stage after it: what was typed, the
    standalone question searched and shown (completed from the conversation), what it asks for, and the
    claims a yes/no question puts to each outlet it names."""
    typed: str
    standalone: str
    info: QuestionInfo
    claims: tuple[Claim, ...] = ()


def read(typed: str, standalone: str, outlets: tuple[str, ...]) -> Question:
    """The question read: its kind and constraints, and (asked yes or no) its claims, each with the
    outlet of `outlets` it names."""
    info = analyse(standalone)
    return Question(typed, standalone, info, tuple(claims(standalone, outlets)) if info.yes_no else ())


def in_words_of(question: Question, texts, outlets: tuple[str, ...]) -> Question:
    """The question read in the passages' own words: an initialism they spell out is spelled out (and
    the question read again); otherwise the same value."""
    spelled = spelled_out(question.standalone, texts)
    if spelled == question.info.text:
        return question
    return replace(read(question.typed, spelled, outlets), standalone=question.standalone)


def _asked_noun(question: str) -> str:
    """The stemmed noun a "what is the X ...?" question asks for; "" when X only names the type of the
    answer ("the release date", "the total number": a date or a number answers it, not the word) or a
    clause defines it ("the entities that ...", "the entities associated with ...")."""
    m = _ASKED_NOUN.match(question)
    # a clause after it ("that ...", "associated with ...", "facing ...") says which one is meant
    if not m or re.match(r"\s+(?:that|which|who|whom|whose|[a-z]+(?:ed|ing))\b", question[m.end():], re.I):
        return ""
    words = m.group(1).split()
    if any(w.endswith(("ed", "ing")) for w in words[1:]):
        return ""  # "the entities associated with ...": a clause within the phrase says which
    noun = words[-1]
    if any(pattern.search(noun) for pattern, _ in _TYPE_NOUNS) or re.match(r"(name|time|year|month|kind|type)s?$", noun):
        return ""
    stems = terms(noun)
    return stems[0] if stems else ""


def asked_parts(question: str) -> str:
    """The part a question asks for the numbered list of ("phase" in "What are the three phases of...?")."""
    m = _PARTS.search(question)
    return m.group(2).lower() if m else ""
