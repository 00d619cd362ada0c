"""Finding and normalising dates in article text and questions (to ISO YYYY-MM-DD)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from dateutil.parser import parserinfo

# month and weekday names (and the abbreviations news writes: "Sept.", "Feb") from python-dateutil's
# English parser tables, fixed whatever the machine's locale, rather than lists of our own
_MONTH_FORMS = tuple(tuple(f.lower() for f in forms) for forms in parserinfo.MONTHS)
MONTH_NAMES = tuple(forms[-1] for forms in _MONTH_FORMS)  # "january" ... "december"
WEEKDAYS = tuple(forms[-1].lower() for forms in parserinfo.WEEKDAYS)  # "monday" ... "sunday"
# regex alternations of the full names, for patterns compiled with re.I elsewhere
WEEKDAY_WORDS = "|".join(WEEKDAYS)
MONTH_WORDS = "|".join(MONTH_NAMES)
# a time of day as news writes it: "3 p.m.", "5:40 in the morning", "after 11 at night", "noon"
TIME_OF_DAY = (r"\b\d{1,2}(?::\d{2})?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|"
               r"\b\d{1,2}(?::\d{2})?\s+(?:in the (?:morning|afternoon|evening)|at night)\b|\b(?:noon|midnight)\b")
_TIME_OF_DAY = re.compile(TIME_OF_DAY, re.I)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")  # a year as news writes it ("in 2022", "2018 Wimbledon")
MONTHS = {form: i + 1 for i, forms in enumerate(_MONTH_FORMS) for form in forms}  # "sept" -> 9
# every form, longest first so that "September" is not read as "Sep", then an optional full stop
MONTH_PATTERN = "(?:" + "|".join(sorted((f.capitalize() for f in MONTHS), key=len, reverse=True)) + r")\.?"
_MONTH = rf"({MONTH_PATTERN[3:-4]})\.?"
_MDY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_MD = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.I)
_DM = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\b", re.I)


def _iso(y: int, m: int, d: int) -> str:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return ""


def parse_date(text: str) -> str:
    """The first full date (with a year) in `text` as ISO, or ""."""
    text = text.strip()
    best: tuple[int, str] | None = None
    for pattern, order in ((_ISO, "ymd"), (_MDY, "mdy"), (_DMY, "dmy")):
        m = pattern.search(text)
        if not m:
            continue
        if order == "ymd":
            iso = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif order == "mdy":
            iso = _iso(int(m.group(3)), MONTHS[m.group(1).lower().rstrip(".")], int(m.group(2)))
        else:
            iso = _iso(int(m.group(3)), MONTHS[m.group(2).lower().rstrip(".")], int(m.group(1)))
        if iso and (best is None or m.start() < best[0]):
            best = (m.start(), iso)
    if best:
        return best[1]
    try:  # RFC 2822 and friends, as found in feeds
        from email.utils import parsedate_to_datetime

        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def times_of_day(text: str) -> list[str]:
    """The times of day a text states ("3 p.m.", "5:40 in the morning"), in order."""
    return [m.group(0) for m in _TIME_OF_DAY.finditer(text)]


def parse_day_month(text: str, year: int) -> str:
    """A date written without a year ("February 3", "3 February") placed in `year`, or ""."""
    for pattern, month_group, day_group in ((_MD, 1, 2), (_DM, 2, 1)):
        m = pattern.search(text)
        if m:
            return _iso(year, MONTHS[m.group(month_group).lower().rstrip(".")], int(m.group(day_group)))
    return ""


_RELATIVE_YEAR = re.compile(r"\b(last|this|next|previous|coming) year\b|\ba year (ago|earlier)\b", re.I)
_YEAR_SHIFT = {"last": -1, "previous": -1, "ago": -1, "earlier": -1, "this": 0, "next": 1, "coming": 1}


def relative_years(text: str, published: str) -> set[str]:
    """The years a text names relative to its article's date ("last year" in a paper of 2027-03-02 is
    2026); none when the article is undated."""
    if not (published[:4].isdigit() and valid_iso(published)):
        return set()
    year = int(published[:4])
    return {str(year + _YEAR_SHIFT[(m.group(1) or m.group(2)).lower()]) for m in _RELATIVE_YEAR.finditer(text)}


def weekday_date(weekday: str, published: str, ahead: bool = False) -> str:
    """The date a news article means by a bare weekday: the latest such day on or before its publication
    date, or with `ahead` ("will meet on Sunday") the first on or after it; "" when undated."""
    day = canonical_iso(published)
    if not day or weekday.lower() not in WEEKDAYS:
        return ""
    when = date.fromisoformat(day)
    shift = (WEEKDAYS.index(weekday.lower()) - when.weekday()) % 7
    return (when + timedelta(days=shift) if ahead else when - timedelta(days=(7 - shift) % 7)).isoformat()


def valid_iso(value: str) -> bool:
    """Exactly YYYY-MM-DD and a real day (strptime alone would take "2026-2-5")."""
    return canonical_iso(value) == value


def canonical_iso(value: str) -> str:
    """The date written as YYYY-MM-DD if `value` is a date like 2026-2-5 or 2026-02-05, else ""."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date().isoformat()
    except (AttributeError, TypeError, ValueError):
        return ""
