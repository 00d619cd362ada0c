"""Removing page boilerplate and repeated paragraphs from scraped article text.

Works on paragraphs (one per line or blank-line block, as scrapers emit them). What it drops: site
chrome before the article (log-in prompts, ads, "Try PRO"), image captions and credits, the comments
section, "popular posts" lists, subscription prompts and footers after it, author bios, and any
paragraph already seen (normalised) or equal to the title.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from qa.language.dates import MONTH_PATTERN

_CHROME = {
    "log in", "login", "sign in", "sign up", "subscribe", "try pro", "ad", "advertisement", "menu",
    "search", "share", "share this article", "skip to content", "skip to main content", "editor",
    "reading now", "read more", "related", "related articles", "most read", "getty images",
}
# A paragraph that starts the page's tail: it and everything after it are not the article.
_TAIL = re.compile(
    r"^(comments?|\d+ comments?|popular posts( from this blog)?|most popular|more from .{0,40}|"
    r"unlock premium news.*|already have a \w+ account\??|about us|contact us|cookie policy|privacy policy|"
    r"subscribe to .{0,60}|sign up for .{0,60}newsletter.*|please let us know if you're having issues with commenting\.?|"
    r"reading now|you may also like|recommended( for you)?)$",
    re.I,
)
_CREDIT = re.compile(r"(credit\s*\.\.\.|\bphoto(graph)?\s*(by|:)|\bimage\s*(by|:)|getty images$|/\s*(reuters|ap|afp)$)", re.I)
_CAPTION_DATELINE = re.compile(r"^[A-Z][A-Z .,'’-]+ - [A-Z]+ \d{1,2}:")  # "KRAMATORSK, UKRAINE - FEBRUARY 3: ..."
_BIO = re.compile(r"^[A-Z][\w.'’ -]{2,60} (reports on|covers|is a (reporter|correspondent|writer)|writes about)\b")
_CONTRIBUTED = re.compile(r"\bcontributed (reporting|to this report)\.?$", re.I)
_NAME = r"[A-Z][\w'’-]+(?: [A-Z][\w'’.-]+){1,3}"
_BYLINE = re.compile(rf"^(?:[Bb]y\s+({_NAME})|({_NAME}) in [A-Z][\w -]+)$")
_DATELINE = re.compile(
    rf"^(?:[A-Z][a-z]+day,? )?(?:\d{{1,2}}(?:st|nd|rd|th)? {MONTH_PATTERN}|{MONTH_PATTERN} \d{{1,2}}(?:st|nd|rd|th)?)"
    r"(?:,? \d{4})?,?(?: \d{1,2}:\d{2}(?: ?[ap]m)?)?(?: [A-Z]{2,4})?$",
    re.I,
)


@dataclass(frozen=True)
class Cleaned:
    body: str
    byline: str = ""
    dateline: str = ""  # a date line removed from the page (e.g. "February 5, 2026")
    dropped: int = 0  # paragraphs removed


def normalise(text: str) -> str:
    """Case-, space- and quote-insensitive form used to spot repeated paragraphs."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(str.maketrans("‘’“”", "''\"\""))
    return re.sub(r"\W+", " ", text).strip()


def paragraphs(raw: str) -> list[str]:
    """Non-empty lines with runs of spaces (including no-break and thin spaces) folded to one."""
    lines = re.split(r"\n+", raw.replace("\r\n", "\n").replace("\r", "\n"))
    return [p for p in (re.sub(r"[^\S\n]+", " ", line).strip() for line in lines) if p]


def is_prose(paragraph: str) -> bool:
    """Looks like a sentence of article text rather than a label, menu item or name."""
    words = paragraph.split()
    return len(words) >= 8 or (len(words) >= 4 and paragraph.rstrip()[-1:] in ".!?:\"”’")


def clean_paragraphs(paras: list[str], title: str = "") -> Cleaned:
    """Keep the article's own paragraphs, in order, each once."""
    seen = {normalise(title)} if title else set()
    kept: list[str] = []
    byline = dateline = ""
    dropped = 0
    started = False  # have we reached the first paragraph of prose?
    for i, para in enumerate(paras):
        low = para.strip().casefold()
        if _TAIL.match(para.strip()) and started:
            dropped += len(paras) - i
            break
        next_is_credit = i + 1 < len(paras) and _CREDIT.search(paras[i + 1])
        if (
            low in _CHROME
            or _CREDIT.search(para)
            or _CAPTION_DATELINE.match(para)
            or _BIO.match(para)
            or _CONTRIBUTED.search(para)
            or (next_is_credit and not _CREDIT.search(para) and started and kept)  # alt text above a credit
        ):
            dropped += 1
            continue
        if is_dateline(para):
            dateline = dateline or para.strip()
            dropped += 1
            continue
        if not started and not is_prose(para):
            byline = byline or byline_of(para)
            dropped += 1
            continue
        key = normalise(para)
        if not key or key in seen:
            dropped += 1
            continue
        if not is_prose(para) and _trailing_only(paras[i + 1 :]):
            dropped += len(paras) - i  # signature block: names, roles, labels to the end
            break
        seen.add(key)
        kept.append(para)
        started = True
    return Cleaned("\n\n".join(kept), byline, dateline, dropped)


def _trailing_only(rest: list[str]) -> bool:
    """Nothing after this point reads as article prose."""
    return all(not is_prose(p) or _TAIL.match(p) for p in rest)


def is_dateline(paragraph: str) -> bool:
    """A short line that holds only a date (and maybe a time): "1 February 00:21", "Feb 5, 2026"."""
    return len(paragraph) <= 40 and bool(_DATELINE.match(paragraph.strip()))


def byline_of(paragraph: str) -> str:
    """The author's name from "By Jane Doe" or "Jane Doe in Berlin", else ""."""
    match = _BYLINE.match(paragraph.strip())
    return (match.group(1) or match.group(2)) if match else ""


def is_chrome(paragraph: str) -> bool:
    """Site chrome, a credit, a caption, a byline or a dateline: never a headline."""
    p = paragraph.strip()
    return (p.casefold() in _CHROME or bool(_CREDIT.search(p)) or bool(_CAPTION_DATELINE.match(p))
            or bool(byline_of(p)) or is_dateline(p))
