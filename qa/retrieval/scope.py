"""Filters a question states itself: an outlet it names ("according to IntelliNews") or a date bound
("before February 3"). Explicit filters from the caller always win."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from qa.index.corpus import CorpusSnapshot
from qa.language.dates import MONTH_PATTERN, parse_date, parse_day_month
from qa.schema import Filters
from qa.language.text import STOPWORDS, fold

_GENERIC = {"news", "times", "daily", "post", "the", "new", "york", "journal", "herald", "press", "media",
            "online", "today", "world", "global", "international", "ukrainian", "russian", "american"}
_BOUND = re.compile(
    rf"\b(before|after|since|until|till|by|from|prior to)\s+((?:{MONTH_PATTERN}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)|"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH_PATTERN}(?:\s+\d{{4}})?)|\d{{4}}-\d{{2}}-\d{{2}})", re.I)


def outlet_names(outlet: str) -> list[str]:
    """How a question may name an outlet: its full name, or a distinctive word of it."""
    full = fold(outlet).removeprefix("the ").strip()
    names = [full]
    names += [w for w in re.findall(r"[\w’']+", full) if len(w) >= 4 and w not in _GENERIC and w not in STOPWORDS]
    return names


def named_outlet(question: str, outlets: list[str]) -> str:
    """The one corpus outlet the question names as a proper noun, or "": unknown names (an agency
    quoted), lower-case common words ("business") and questions naming several outlets set no filter."""
    named = [outlet for outlet in outlets if any(_names(question, name) for name in outlet_names(outlet))]
    return named[0] if len(named) == 1 else ""


def _names(question: str, name: str) -> bool:
    """`name` (folded) appears in the question as a capitalised word or phrase."""
    for m in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", fold(question)):
        if question[m.start() : m.start() + 1].isupper():
            return True
    return False


def date_bounds(question: str, year: int) -> Filters:
    """since/until from "before/after/since/until <date>" in the question."""
    since = until = ""
    for m in _BOUND.finditer(question):
        word, when = m.group(1).lower(), m.group(2)
        iso = parse_date(when) or parse_day_month(when, year)
        if not iso:
            continue
        day = date.fromisoformat(iso)
        if word in ("before", "prior to"):
            until = (day - timedelta(days=1)).isoformat()
        elif word in ("until", "till", "by"):
            until = iso
        elif word == "after":
            since = (day + timedelta(days=1)).isoformat()
        else:  # since, from
            since = iso
    return Filters(since=since, until=until)


def scoped(question: str, explicit: Filters, snapshot: CorpusSnapshot) -> tuple[Filters, dict]:
    """The filters to search with, and what was read from the question (for the response)."""
    found: dict = {}
    outlet = named_outlet(question, snapshot.outlets())
    if outlet:
        found["outlet"] = outlet
    newest = snapshot.date_range()[1]
    bounds = date_bounds(question, int(newest[:4]) if newest else date.today().year)
    if bounds.since:
        found["since"] = bounds.since
    if bounds.until:
        found["until"] = bounds.until
    merged = replace(explicit, **{k: v for k, v in found.items() if not getattr(explicit, k)})
    if merged != explicit:
        if not snapshot.admits(merged):
            return explicit, {}  # what the question implies matches nothing: search everything instead
    return merged, found
