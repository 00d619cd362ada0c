"""Word-level text handling shared by the keyword index, the answerer and the checks."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out over own same she should
so some such than that the their theirs them themselves then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you your
yours yourself yourselves also said says say according did does do has have had been being would
could should may might must shall will can what which who whom whose when where why how is are was
were be been being the an a s t don isn aren wasn weren many much
""".split())

_WORD = re.compile(r"[\w’']+", re.UNICODE)


_STRAIGHTEN = (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-"))


_ACRONYM = re.compile(r"\b(?:[A-Za-z]\.){2,}(?![A-Za-z])")  # "u.s.", "u.k.": read as "us", "uk"


def fold(text: str) -> str:
    """Lower-case, NFKC, straight quotes and undotted acronyms ("U.S." as "us", so it meets "US"): the
    form every comparison uses."""
    text = unicodedata.normalize("NFKC", text).casefold()
    for curly, straight in _STRAIGHTEN:  # str.replace is far faster than str.translate here
        text = text.replace(curly, straight)
    return undot(text)


def undot(text: str) -> str:
    """"U.S. Open" -> "US Open", "u.s.-mediated" -> "us-mediated"."""
    return _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text) if "." in text else text


def listed(names: list[str]) -> str:
    """"A", "A and B", "A, B and C" (each name once)."""
    names = list(dict.fromkeys(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@lru_cache(maxsize=8)
def _quoting(shortest: int, longest: int | None) -> re.Pattern:
    span = f"{{{shortest},{longest or ''}}}"
    # double quotes, or single ones that open and close words (not the apostrophe of "workers' union")
    return re.compile(rf"[“\"]([^”\"]{span})[”\"]|(?<!\w)['‘]([^'’\n]{span}?)['’](?!\w)")


def quoted(text: str, shortest: int = 3, longest: int | None = None) -> list[str]:
    """The words the text puts in quotation marks, each quote's own."""
    return [m.group(1) or m.group(2) for m in _quoting(shortest, longest).finditer(text)]


def has_word(text: str, word: str) -> bool:
    """Is the folded `word` one of the text's whole words ("ushakov" in "Yury Ushakov’s")?"""
    return word in re.findall(r"\w+", fold(text))


@lru_cache(maxsize=200_000)  # news vocabularies are small next to their token counts
def stem(word: str) -> str:
    """A light English stemmer: enough to match plural, possessive, past and -ing forms of news words
    ("presents", "presented", "presenting" -> "present"; "secure", "securing" -> "secur").

    Kept by hand after a measurement (issue 21): English Snowball (PyStemmer) in its place gained 4 and
    lost 1 shipped-set question but broke three tested behaviours (a two-article question, a statement
    after its lead-in, a question worded otherwise than its article). It conflates "prisoner" with
    "prison" and "negotiator" with "negotiation"; which difference broke those is not traced yet."""
    word = word.strip("'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) <= 4:
        return word
    out = _suffix_stripped(word)
    if word.endswith(("ed", "ing")) and len(out) >= 4 and out[-1] == out[-2] and out[-1] not in "aeiouylsz":
        return out[:-1]  # "stopped", "stopping" -> "stop"
    return out[:-1] if len(out) > 4 and out.endswith("e") else out  # "continue" / "continu-ing"


def _suffix_stripped(word: str) -> str:
    if word.endswith("ings"):
        word = word[:-1]  # "meetings" -> "meeting" -> "meet"
    if word.endswith("ing") and len(word) >= 6 and any(v in word[:-3] for v in "aeiouy"):
        return word[:-3]
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    if word.endswith("eed"):
        return word[:-1]
    if word.endswith("ssed"):
        return word[:-2]
    if word.endswith("led") and word[-4] != "l":
        return word[:-1]
    if word.endswith("ed"):
        return word[:-1] if word[-3] in "aeiouy" or word[:-1].endswith(("ce", "ge", "se", "ze", "ve")) or (
            word[:-1].endswith("te") and not word[:-3].endswith("c")) else word[:-2]
    return word


def terms(text: str, keep_stopwords: bool = False) -> list[str]:
    """Stemmed content words of `text`, in order."""
    out = []
    for raw in _WORD.findall(fold(text)):
        word = raw.strip("'").replace("'", "")
        if not word or (not keep_stopwords and word in STOPWORDS):
            continue
        out.append(stem(word))
    return out


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
# "the second round", "the first time": which one of several is meant (not "at first", "first, ...")
_ORDINAL = re.compile(rf"(?<!\bat )\b({'|'.join(ORDINALS)})\b(?=[\s-]+[a-z])", re.I)


def ordinals(text: str) -> frozenset[str]:
    """The ordinals a text counts something by ("second" in "the second round was held ...")."""
    return frozenset(m.group(1).lower() for m in _ORDINAL.finditer(text))


def another_of_series(a: str, b: str) -> bool:
    """Both count by ordinals and share none: "the first round" is not about "the second round"."""
    first, second = ordinals(a), ordinals(b)
    return bool(first and second and not first & second)


_SHORT_AMOUNT = re.compile(r"(\d(?:[\d,]*\d)?(?:\.\d+)?)(bn|b|m|mn|k)\b", re.I)
_AMOUNT_WORDS = {"bn": "billion", "b": "billion", "m": "million", "mn": "million", "k": "thousand"}


def spelled_amounts(text: str) -> str:
    """Amounts as articles write them: "$23m" is "$23 million", "1.5bn" is "1.5 billion", "40k" is "40 thousand"."""
    return _SHORT_AMOUNT.sub(lambda m: f"{m.group(1)} {_AMOUNT_WORDS[m.group(2).lower()]}", text)
