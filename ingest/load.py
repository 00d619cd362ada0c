"""Reading article files (txt, md, html, json, jsonl) into cleaned Articles.

A folder may hold `_sources.json`, editorial metadata for files whose text does not state it:
`{"<file name>": {"outlet": ..., "published": "YYYY-MM-DD", "url": ..., "title": ...}}`.
Files whose names start with `_` or `.`, and README files, are not articles.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

from ingest.clean import clean_paragraphs, is_chrome, paragraphs
from qa.language.dates import parse_date, valid_iso
from qa.schema import Article
from qa.language.sentences import split_sentences

log = logging.getLogger(__name__)

DATELINE_WORDS = 8  # a line this short that holds a date is a dateline ("By Ann Lee | February 3, 2026")
DATE_OPENING = 20  # characters at the start of a longer paragraph where its date may stand
SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}
SIDECAR = "_sources.json"
MAX_FILE_BYTES = 20 * 1024 * 1024
_ID_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class SkipFile(Exception):
    """This file (or record) cannot be ingested; the message says why."""


@dataclass(frozen=True)
class Loaded:
    articles: list[Article]
    skipped: list[tuple[str, str]]  # (file or record, reason)


def article_files(root: Path) -> list[Path]:
    """Article files under root, sorted, so ids and reports are deterministic."""
    if root.is_file():
        return [root]
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(("_", "."))
        and not p.stem.upper().startswith("README")
    )


def load_folder(root: Path) -> Loaded:
    """Every article under root, with the files and records that were skipped and why."""
    sidecar = _read_sidecar(root)
    articles: list[Article] = []
    skipped: list[tuple[str, str]] = []
    seen_ids: set[str] = set()
    for path in article_files(root):
        rel = path.name if root.is_file() else path.relative_to(root).as_posix()
        try:
            found, bad = load_file(path, rel, sidecar.get(rel, {}))
        except SkipFile as exc:
            skipped.append((rel, str(exc)))
            continue
        skipped.extend(bad)
        for article in found:
            if article.id in seen_ids:
                skipped.append((f"{rel}#{article.id}", "duplicate article id"))
                continue
            seen_ids.add(article.id)
            articles.append(article)
    return Loaded(articles, skipped)


def load_file(path: Path, rel: str, extra: dict | None = None) -> tuple[list[Article], list[tuple[str, str]]]:
    """Articles in one file, plus (record, reason) for records inside it that were skipped."""
    try:
        size = path.stat().st_size
        if size == 0:
            raise SkipFile("empty file")
        if size > MAX_FILE_BYTES:
            raise SkipFile(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise SkipFile("file vanished while reading") from None
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror}") from None
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")  # UTF-16 text is full of NUL bytes: not binary
    if b"\x00" in data[:4096] and not utf16:
        raise SkipFile("binary file")
    text = _decode(data)
    suffix = path.suffix.lower()
    stem = _ID_SAFE.sub("_", path.stem)
    if suffix in {".json", ".jsonl"}:
        return _from_records(text, suffix, stem, rel)
    if suffix in {".html", ".htm"}:
        fields = _from_html(text)
    elif suffix in {".md", ".markdown"}:
        fields = _from_markdown(text)
    else:
        fields = _from_text(text)
    fields.update({k: v for k, v in (extra or {}).items() if v})
    return [build_article(stem, rel, fields)], []


def build_article(article_id: str, source: str, fields: dict) -> Article:
    """Clean the body, settle the metadata and compute the content hash."""
    title = str(fields.get("title") or "").strip()
    raw_paras = fields.get("paragraphs") or paragraphs(str(fields.get("body") or ""))
    cleaned = clean_paragraphs(raw_paras, title)
    if not cleaned.body.strip():
        raise SkipFile("no article text after cleaning")
    if not title:
        title = _headline_from(cleaned.body)
    published = _iso_or_empty(fields.get("published")) or parse_date(cleaned.dateline) or (
        "" if fields.get("published") else _dated_line(raw_paras[:12]))
    article = Article(
        id=article_id, title=title, body=cleaned.body, outlet=str(fields.get("outlet") or "").strip(),
        published=published, url=str(fields.get("url") or "").strip(),
        byline=str(fields.get("byline") or cleaned.byline), source=source,
    )
    return replace(article, content_hash=content_hash(article))


def _dated_line(paras: list[str]) -> str:
    """The date of a dateline among the first paragraphs: a short line ("February 3, 2026 12:01 PM") or
    one that opens with its date ("Nov 8, 2019 ... Diablo 3 was announced"), not a date the prose
    reports ("Diablo III was released on May 15, 2012")."""
    for para in paras:
        line = para.strip()
        found = parse_date(line) if len(line.split()) <= DATELINE_WORDS else parse_date(line[:DATE_OPENING])
        if found:
            return found
    return ""


def content_hash(article: Article) -> str:
    """Changes whenever anything stored about the article changes."""
    parts = (article.title, article.body, article.outlet, article.published, article.url, article.byline,
             article.duplicate_of)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _decode(data: bytes) -> str:
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        if encoding == "utf-16":
            raise SkipFile("invalid UTF-16 text") from None
    try:
        return data.decode("cp1252")  # the usual culprit of scraped pages that are not UTF-8
    except UnicodeDecodeError:
        raise SkipFile("not valid UTF-8 or Windows-1252 text") from None


def _from_text(text: str) -> dict:
    """Scraped page text: the headline is the first line that is not site chrome."""
    paras = paragraphs(text)
    for i, para in enumerate(paras[:15]):
        if not is_chrome(para):
            if len(para.split()) > 30:  # the page starts with prose: no headline was scraped
                return {"paragraphs": paras}
            return {"title": para, "paragraphs": paras[:i] + paras[i + 1 :]}
    return {"paragraphs": paras}


def _from_markdown(text: str) -> dict:
    fields: dict = {}
    front = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    if front:
        for line in front.group(1).splitlines():
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip().strip("\"'")
        text = text[front.end():]
    heading = re.search(r"^#\s+(.+)$", text, re.M)
    if heading and not fields.get("title"):
        fields["title"] = heading.group(1).strip()
        text = text[: heading.start()] + text[heading.end():]
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(r"^#{1,6}\s+", "", text, flags=re.M)
    text = re.sub(r"(\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w))", "", text)
    fields["body"] = text
    return _normalise_keys(fields)


def _from_records(text: str, suffix: str, stem: str, rel: str):
    records: list[tuple[str, object]] = []
    if suffix == ".jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    records.append((f"{rel}:{n}", json.loads(line)))
                except json.JSONDecodeError as exc:
                    records.append((f"{rel}:{n}", SkipFile(f"invalid JSON: {exc.msg}")))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SkipFile(f"invalid JSON: {exc.msg} (line {exc.lineno})") from None
        items = data if isinstance(data, list) else [data]
        records = [(f"{rel}[{i}]", item) for i, item in enumerate(items)]
    single = suffix == ".json" and len(records) == 1
    articles, skipped = [], []
    for i, (where, record) in enumerate(records):
        try:
            if isinstance(record, SkipFile):
                raise record
            if not isinstance(record, dict):
                raise SkipFile("record is not a JSON object")
            fields = _normalise_keys(record)
            if not isinstance(fields.get("body"), str) or not fields["body"].strip():
                raise SkipFile("record has no body or text")
            rid = str(record.get("id") or "").strip()
            article_id = _ID_SAFE.sub("_", rid) if rid else (stem if single else f"{stem}-{i}")
            articles.append(build_article(article_id, rel, fields))
        except SkipFile as exc:
            skipped.append((where, str(exc)))
    if not articles and skipped and len(records) == len(skipped):
        raise SkipFile(f"no usable records ({skipped[0][1]})")
    return articles, skipped


def _normalise_keys(record: dict) -> dict:
    """Accept the common field names: body|text|content, outlet|source, published|published_at|date."""
    def first(*names):
        for name in names:
            value = record.get(name)
            if isinstance(value, str) and value.strip():
                return value
        return ""

    return {
        "title": first("title", "headline"), "body": first("body", "text", "content"),
        "outlet": first("outlet", "source", "site_name", "publisher"),
        "published": first("published", "published_at", "date", "pubdate"),
        "url": first("url", "link"), "byline": first("byline", "author"),
    }


def _iso_or_empty(value) -> str:
    if not value:
        return ""
    value = str(value).strip()
    return value if valid_iso(value) else parse_date(value)


def _headline_from(body: str) -> str:
    first = split_sentences(body[:600])
    text = first[0].text if first else body[:90]
    return text if len(text) <= 100 else text[:97].rsplit(" ", 1)[0] + "..."


def _read_sidecar(root: Path) -> dict:
    path = (root if root.is_dir() else root.parent) / SIDECAR
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


class _PageParser(HTMLParser):
    """Collects title, meta tags and paragraph text, skipping scripts, navigation and footers."""

    _SKIP = {"script", "style", "nav", "footer", "aside", "header", "form", "noscript", "svg", "figure", "button"}
    _BLOCK = {"p", "h1", "h2", "h3", "h4", "li", "blockquote", "div", "section", "article", "br", "tr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.h1 = ""
        self.blocks: list[str] = []
        self._buf: list[str] = []
        self._skip = 0
        self._in_title = self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self._SKIP:
            self._skip += 1
        if tag == "meta":
            key = (attrs.get("property") or attrs.get("name") or "").lower()
            if key and attrs.get("content"):
                self.meta.setdefault(key, attrs["content"])
        elif tag == "link" and (attrs.get("rel") or "").lower() == "canonical" and attrs.get("href"):
            self.meta.setdefault("canonical", attrs["href"])
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self._in_h1 = True
        if tag in self._BLOCK:
            self._flush()

    def handle_endtag(self, tag):
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False
        if tag == "h1":
            self._in_h1 = False
        if tag in self._BLOCK:
            self._flush()

    def handle_data(self, data):
        if self._in_title:
            self.title += data
            return
        if self._skip:
            return
        if self._in_h1:
            self.h1 += data
            return
        self._buf.append(data)

    def _flush(self):
        text = re.sub(r"\s+", " ", "".join(self._buf)).strip()
        if text:
            self.blocks.append(text)
        self._buf = []


def _from_html(text: str) -> dict:
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    parser._flush()
    meta = parser.meta
    return {
        "title": (meta.get("og:title") or parser.h1 or parser.title).strip(),
        "paragraphs": parser.blocks,
        "outlet": meta.get("og:site_name", ""),
        "published": meta.get("article:published_time") or meta.get("date") or meta.get("pubdate", ""),
        "url": meta.get("og:url") or meta.get("canonical", ""),
        "byline": meta.get("author", ""),
    }
