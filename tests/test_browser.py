"""The chat page in a real browser: Playwright driving Debian's Chromium against the app on loopback.

Screenshots (desktop and phone widths, light and dark) are saved under $QA_TEST_ARTIFACTS, else
<repo>/test-artifacts, for a person to look at."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT, LiveServer, ingest, make_settings, open_store

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
PRISONERS = "How many prisoners of war did Russia and Ukraine agree to exchange?"
PRISONERS_QUOTE = "However, the two warring parties did agree to exchange 314 prisoners of war."
BNE_TITLE = "Ukraine, Russia peace deal talks in Abu Dhabi end in stalemate"


def _unavailable(reason: str):
    """In CI the browser tests must run; elsewhere a missing browser skips them with the reason."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests may not be skipped)")
    pytest.skip(reason)


try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    expect = sync_playwright = None


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        _unavailable("playwright is not installed: pip install -e '.[test]'")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("QA_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(seeded_settings, assistant):
    from web import create_app

    with LiveServer(create_app(seeded_settings, assistant=assistant)) as live:
        yield live


HOSTILE = {
    "id": "hostile-1",
    "title": "Harbour council <script>window.__pwned = 'title'</script> approves zebra crossing",
    "outlet": "The <img src=x onerror=\"window.__pwned='outlet'\"> Gazette",
    "published": "2026-02-10",
    "url": "javascript:window.__pwned='url'",
    "body": ("The Lindenport harbour council voted on Tuesday to paint a zebra crossing beside the ferry terminal.\n\n"
             "Councillor Mara Voss said the crossing would cost 12,000 euros and wrote "
             "<script>window.__pwned = 'body'</script> in her memo, adding "
             "<img src=x onerror=\"window.__pwned='img'; alert('img')\"> as a joke.\n\n"
             "Work on the zebra crossing begins in March, the council said."),
}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory, embedder):
    """A one-article index whose title, outlet, url and body carry markup and script."""
    from qa.assistant import Assistant
    from web import create_app

    tmp = tmp_path_factory.mktemp("hostile")
    corpus = tmp / "corpus"
    corpus.mkdir()
    (corpus / "hostile.json").write_text(json.dumps(HOSTILE), encoding="utf-8")
    settings = make_settings(tmp)
    ingest(corpus, settings, embedder)
    assistant = Assistant(settings, open_store(settings, embedder), embedder)
    with LiveServer(create_app(settings, assistant=assistant)) as live:
        yield live


class Watch:
    """What a page did that a test may check: requests to the API, script errors, console errors, dialogs."""

    def __init__(self, page):
        self.requests, self.page_errors, self.console_errors, self.dialogs = [], [], [], []
        page.on("request", lambda r: self.requests.append(r) if "/api/" in r.url else None)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def asks(self) -> list[tuple[str, dict]]:
        return [(urlparse(r.url).path, r.post_data_json) for r in self.requests if "/api/ask" in r.url]


@pytest.fixture()
def context(browser, server):
    ctx = browser.new_context(viewport=DESKTOP, color_scheme="light", base_url=server.url)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context):
    page = context.new_page()
    page.watch = Watch(page)
    yield page
    assert page.watch.page_errors == [], "the page threw"
    unexpected = [m for m in page.watch.console_errors if "Failed to load resource" not in m]
    assert unexpected == [], "console errors (a CSP violation shows here)"


def open_page(page, path="/"):
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    return page


def ask(page, question: str, state: str = "done|refused"):
    """Type a question, press Enter and wait for the answer to finish; the turn's locator."""
    box = page.get_by_label("Ask the articles a question")
    box.fill(question)
    box.press("Enter")
    turn = page.locator("article.turn").last
    expect(turn.locator(".question")).to_have_text(question)
    expect(turn.locator(".answer")).to_have_attribute("data-state", re.compile(f"^({state})$"))
    return turn


def shot(page, artifacts: Path, name: str, full_page: bool = False):
    """Save a screenshot; a full page is taken in a viewport as tall as the page, so that the sticky
    question box sits at the bottom as a reader would see it."""
    if not full_page:
        page.screenshot(path=str(artifacts / f"{name}.png"))
        return
    size = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.screenshot(path=str(artifacts / f"{name}.png"))
    page.set_viewport_size(size)


# ---- asking ------------------------------------------------------------------------------------------


def test_ask_streams_a_cited_answer(page, artifacts):
    open_page(page)
    expect(page.locator("#corpus")).to_have_text("5 articles · newest 18 Feb 2026")
    expect(page.get_by_label("Ask the articles a question")).to_be_focused()
    turn = ask(page, PRISONERS)

    expect(turn.locator(".short-answer")).to_have_text("314 prisoners of war")
    expect(turn.locator(".answer-text")).to_contain_text(PRISONERS_QUOTE)
    cite = turn.locator(".answer-text button.cite")
    expect(cite).to_have_count(1)
    expect(cite).to_have_text("1")
    expect(cite).to_have_attribute("aria-label", re.compile("Source 1: .*bne IntelliNews"))
    sources = turn.locator(".sources > li")
    expect(sources).to_have_count(1)
    expect(sources.first).to_contain_text(BNE_TITLE)
    expect(sources.first).to_contain_text("bne IntelliNews · 5 Feb 2026")
    # the answer is announced to screen readers once it is complete
    expect(page.locator("#announcer[aria-live=polite]")).to_contain_text("314 prisoners of war")
    assert [path for path, _ in page.watch.asks()] == ["/api/ask/stream"]
    shot(page, artifacts, "answer-desktop")


def test_citation_opens_the_passage_with_the_quote_highlighted(page, artifacts):
    open_page(page)
    turn = ask(page, PRISONERS)
    cite = turn.locator(".answer-text button.cite").first
    cite.click()
    panel = page.get_by_role("dialog")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-state", "ready")
    expect(page.locator("#panel-title")).to_have_text(BNE_TITLE)
    expect(page.locator("#panel-meta")).to_contain_text("bne IntelliNews · 5 Feb 2026")
    mark = panel.locator("mark")
    expect(mark).to_have_count(1)
    expect(mark).to_have_text(PRISONERS_QUOTE)
    expect(mark).to_be_in_viewport()
    paragraph = panel.locator("p.para.has-mark")
    expect(paragraph).to_have_count(1)
    assert len(paragraph.inner_text()) > len(PRISONERS_QUOTE)  # the sentence is shown inside its paragraph
    expect(page.locator("#panel-link")).to_be_hidden()  # the seed articles have no url
    expect(cite).to_have_attribute("aria-expanded", "true")
    shot(page, artifacts, "citation-desktop")

    page.emulate_media(color_scheme="dark")
    shot(page, artifacts, "citation-desktop-dark")

    page.emulate_media(color_scheme="light")
    page.set_viewport_size(PHONE)
    expect(mark).to_be_in_viewport()
    box = panel.bounding_box()
    assert box["width"] <= PHONE["width"] and box["y"] > 0  # a bottom sheet, not a side panel
    shot(page, artifacts, "citation-390")

    page.get_by_role("button", name="Close the source panel").click()
    expect(panel).to_be_hidden()
    expect(cite).to_be_focused()

    turn.locator(".sources button.cite").first.click()
    expect(panel).to_be_visible()
    page.get_by_role("button", name="Show the whole article").click()
    expect(panel.locator("p.para")).to_have_count(page.evaluate(
        "async () => (await (await fetch('/api/articles/004_38e88933e8b5a746')).json()).body.split(/\\n[ \\t]*\\n\\s*/).filter(Boolean).length"))
    expect(mark).to_have_text(PRISONERS_QUOTE)


def test_follow_up_sends_the_recent_turns_and_new_conversation_starts_over(page, artifacts):
    open_page(page)
    first = ask(page, "Who led the Russian negotiating team in Geneva?")
    expect(first.locator(".answer-text")).to_contain_text("Medinsky")
    second = ask(page, "And why did Kyiv worry about his return?")
    expect(second.locator(".answer-text")).to_contain_text("Medinsky")
    # the standalone question it was read as, as a reader would ask it: not a dump of keywords
    expect(second.locator(".note.searched")).to_have_text("Searched for: Why did Kyiv worry about Vladimir Medinsky's return?")
    third = ask(page, "When?")
    expect(third.locator(".note.searched")).to_have_text(
        "Searched for: “When?”, following on from “And why did Kyiv worry about his return?”")
    expect(page.locator("article.turn")).to_have_count(3)

    (_, body) = page.watch.asks()[-2]
    assert body["question"] == "And why did Kyiv worry about his return?"
    history = body["history"]
    assert [turn["role"] for turn in history] == ["user", "assistant"]
    assert history[0]["content"] == "Who led the Russian negotiating team in Geneva?"
    assert "Medinsky" in history[1]["content"]
    shot(page, artifacts, "follow-up-desktop", full_page=True)

    page.reload()
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(page.locator("article.turn")).to_have_count(3)  # the thread survives a reload
    page.locator("article.turn").first.locator(".answer-text button.cite").first.click()
    expect(page.get_by_role("dialog").locator("mark")).to_contain_text("Medinsky")

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("article.turn")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_label("Ask the articles a question")).to_be_focused()
    ask(page, "Who led the Ukraine delegation?")
    assert "history" not in page.watch.asks()[-1][1] or page.watch.asks()[-1][1]["history"] == []
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(page.locator("article.turn")).to_have_count(1)


def test_permalink_opens_its_own_question_and_leaves_the_saved_conversation_alone(page, artifacts):
    open_page(page)
    ask(page, "Who led the Russian negotiating team in Geneva?")
    turn = ask(page, PRISONERS)
    href = turn.get_by_role("link", name="Link to this question").get_attribute("href")
    assert "?q=" in href
    other = page.context.browser.new_context(viewport=DESKTOP, base_url=page.url)
    try:  # a fresh browser
        fresh = other.new_page()
        fresh.goto(href)
        answer = fresh.locator("article.turn .answer")
        expect(answer).to_have_attribute("data-state", "done")
        expect(answer).to_contain_text("314 prisoners of war")
        assert urlparse(fresh.url).query == ""  # a reload does not ask again
    finally:
        other.close()

    tab = page.context.new_page()  # a new tab of the same browser, which has a saved conversation
    tab.watch = Watch(tab)
    tab.goto(href.split("?")[0] + "?q=When+did+the+Geneva+talks+end%3F")
    expect(tab.locator("article.turn")).to_have_count(1)
    expect(tab.locator("article.turn .answer")).to_have_attribute("data-state", re.compile("^(done|refused)$"))
    (_, body) = tab.watch.asks()[-1]
    assert not body.get("history")  # not asked as a follow-up of the other thread
    expect(tab.get_by_text("Opened from a question link")).to_be_visible()
    shot(tab, artifacts, "linked-thread-desktop")
    tab.reload()  # the tab keeps its own thread
    expect(tab.locator("html")).to_have_attribute("data-ready", "true")
    expect(tab.locator("article.turn .question")).to_have_text(["When did the Geneva talks end?"])

    page.reload()  # the saved conversation is as it was
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(page.locator("article.turn .question")).to_have_text(["Who led the Russian negotiating team in Geneva?", PRISONERS])
    expect(page.get_by_text("Opened from a question link")).to_be_hidden()

    tab.get_by_role("button", name="Back to your saved conversation").click()
    expect(tab.locator("article.turn")).to_have_count(2)
    expect(tab.get_by_text("Opened from a question link")).to_be_hidden()
    assert tab.watch.page_errors == []
    tab.close()


def test_refusal_says_it_once_in_written_dates_and_whole_words(page, artifacts):
    open_page(page)
    question = "How many tanks did the Russian army lose in 2024?"  # a nearby topic, closest passages share articles
    turn = ask(page, question, state="refused")
    expect(turn.locator(".answer-text")).to_have_text("The articles don't say: no passage states the number asked for.")
    refusal = turn.locator(".refusal")
    expect(refusal).to_contain_text("Searched for")
    expect(refusal).to_contain_text(question)
    expect(refusal).to_contain_text("The articles cover")
    expect(refusal).to_contain_text("1 Feb 2026 to 18 Feb 2026")
    expect(turn.locator("button.cite")).to_have_count(0)
    expect(turn.locator(".sources")).to_have_count(0)
    turn.get_by_text(re.compile("Closest passages")).click()
    shown = turn.inner_text()
    assert shown.count("to 18 Feb 2026") == 1 and shown.count(question) == 2  # the heading and the table, no prose copy
    assert not re.search(r"\d{4}-\d{2}-\d{2}", shown) and "similarity" not in shown.lower()
    titles = turn.locator(".closest li button").all_inner_texts()
    assert titles and len(titles) == len(set(titles))  # one entry per article
    for i in range(len(titles)):
        turn.locator(".closest li button").nth(i).click()
        expect(page.locator("#panel-kicker")).to_have_text("Closest passage")
        mark = page.get_by_role("dialog").locator("mark").first
        expect(mark).to_be_visible()
        edges = mark.evaluate("""(m) => {
            const before = m.previousSibling ? m.previousSibling.textContent.slice(-1) : "";
            const after = m.nextSibling ? m.nextSibling.textContent.slice(0, 1) : "";
            return [before, m.textContent, after];
        }""")
        before, marked, after = edges
        assert not re.match(r"\w", before + " ") or not re.match(r"\w", marked), edges  # starts at a word
        assert not re.match(r"\w", after or " ") or not re.search(r"\w$", marked), edges  # ends at a word
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_be_hidden()
    page.set_viewport_size(PHONE)
    shot(page, artifacts, "refusal-390", full_page=True)


def test_a_source_without_outlet_or_date_says_the_article_does_not_state_them(page):
    open_page(page)
    lines = page.evaluate("""async () => {
        const {sourceLine} = await import("/static/dom.js");
        return [sourceLine({outlet: "", published: ""}), sourceLine({outlet: "Wired", published: ""}),
                sourceLine({outlet: "", published: "2026-02-05"}), sourceLine({outlet: "Wired", published: "2026-02-05"})];
    }""")
    assert lines == ["outlet and date not stated in the article", "Wired · date not stated",
                     "outlet not stated · 5 Feb 2026", "Wired · 5 Feb 2026"]
    turn = ask(page, "Which regions did Russia demand that Ukraine withdraw from?")
    metas = turn.locator(".sources .source-meta").all_inner_texts()
    assert not any("unknown" in m or "undated" in m for m in metas), metas


def test_sources_that_disagree_show_as_a_callout(page, artifacts):
    open_page(page)
    turn = ask(page, "Did the Abu Dhabi talks succeed or fail?")
    callout = turn.locator(".callout.conflict")
    expect(callout).to_be_visible()
    expect(callout).to_contain_text("Sources disagree")
    versions = callout.locator("li")
    assert versions.count() >= 2
    for i in range(versions.count()):
        expect(versions.nth(i).locator(".source-meta")).to_have_text(re.compile(r".+ · .+|not stated"))  # names its source
        expect(versions.nth(i).locator("button.cite")).to_have_count(1)
    quotes = [q.inner_text().strip("“”\"") for q in callout.locator("q").all()]
    rest = " ".join(turn.locator(".answer-text").all_inner_texts())
    assert not any(quote in rest for quote in quotes)  # the versions are not repeated below the callout
    shot(page, artifacts, "conflict-desktop", full_page=True)


def test_filters_are_sent_and_shown(page, artifacts):
    open_page(page)
    page.locator("#filters > summary").click()
    outlet = page.get_by_label("Outlet")
    expect(outlet.locator("option")).to_have_count(5)  # "All outlets" and the four outlets
    outlet.select_option("The New York Times")
    page.get_by_label("From").fill("2026-02-10")
    expect(page.locator("#filter-summary")).to_contain_text("The New York Times, from 10 Feb 2026")
    page.set_viewport_size(PHONE)
    shot(page, artifacts, "filters-390")
    page.set_viewport_size(DESKTOP)
    turn = ask(page, "Who led the Russian negotiating team?")
    (_, body) = page.watch.asks()[-1]
    assert body["filters"] == {"outlet": "The New York Times", "since": "2026-02-10"}
    expect(turn.locator(".turn-filters")).to_have_text("Filters: The New York Times, from 10 Feb 2026")
    for source in turn.locator(".sources .source-meta").all():
        expect(source).to_contain_text("The New York Times")
    page.get_by_role("button", name="Clear filters").click()
    expect(page.locator("#filter-summary")).to_have_text("")


def test_copy_puts_the_answer_and_its_sources_on_the_clipboard(page):
    open_page(page)
    turn = ask(page, PRISONERS)
    turn.get_by_role("button", name="Copy answer").click()
    expect(turn.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"Q: {PRISONERS}\nA: {PRISONERS_QUOTE} [1]")
    assert f"Sources:\n[1] {BNE_TITLE}. bne IntelliNews, 5 Feb 2026." in copied
    assert f'    "{PRISONERS_QUOTE}"' in copied


# ---- streaming, fallback and marking, with the server's answer scripted ---------------------------


def _answer(sentences, citations, **extra) -> dict:
    return {"question": "q", "answer": " ".join(s["text"] for s in sentences), "short_answer": "",
            "sentences": sentences, "citations": citations, "refused": False, "conflicts": [],
            "diagnostics": {}, "query": "q", "timings": {"total_ms": 3.2}, **extra}


def test_unsupported_sentences_are_marked_and_split_stream_chunks_parse(page, server, artifacts):
    citation = {"n": 1, "article_id": "004_38e88933e8b5a746", "title": BNE_TITLE, "outlet": "bne IntelliNews",
                "published": "2026-02-05", "url": "https://example.org/bne", "quote": PRISONERS_QUOTE,
                "start": 752, "end": 828, "chunk_id": "004_38e88933e8b5a746:1", "passage_start": 752,
                "passage_end": 1417}
    sentences = [{"text": PRISONERS_QUOTE, "citations": [1], "supported": True},
                 {"text": "The swap was the largest of the war.", "citations": [1], "supported": False}]
    events = [": a comment the client ignores", *(
        f"event: sentence\r\ndata: {json.dumps(s)}" for s in sentences),
        f"event: done\r\ndata: {json.dumps(_answer(sentences, [citation]))}"]
    page.route("**/api/ask/stream", lambda route: route.fulfill(
        status=200, content_type="text/event-stream", body="\r\n\r\n".join(events) + "\r\n\r\n"))
    open_page(page)
    turn = ask(page, "How big was the swap?")
    flagged = turn.locator(".sentence.unsupported")
    expect(flagged).to_have_text("The swap was the largest of the war.")
    expect(turn.locator(".flag")).to_have_text("unsupported")
    expect(turn.locator(".sentence:not(.unsupported)")).to_have_text(PRISONERS_QUOTE)
    link = turn.locator(".sources a")
    expect(link).to_have_attribute("href", "https://example.org/bne")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    shot(page, artifacts, "unsupported-desktop")


def test_model_tokens_show_while_writing_then_checked_sentences_replace_them(page):
    sentence = {"text": PRISONERS_QUOTE, "citations": [1], "supported": True}
    citation = {"n": 1, "article_id": "004_38e88933e8b5a746", "title": BNE_TITLE, "outlet": "bne IntelliNews",
                "published": "2026-02-05", "url": "", "quote": PRISONERS_QUOTE, "start": 752, "end": 828}
    body = "".join(f"event: token\ndata: {json.dumps({'text': t})}\n\n" for t in ["However, the two ", "warring [1]"])
    body += f"event: sentence\ndata: {json.dumps(sentence)}\n\n"
    body += f"event: done\ndata: {json.dumps(_answer([sentence], [citation]))}\n\n"
    page.route("**/api/ask/stream", lambda route: route.fulfill(status=200, content_type="text/event-stream",
                                                                body=body))
    open_page(page)
    turn = ask(page, "How many?")
    expect(turn.locator(".answer-text")).to_have_count(1)
    expect(turn.locator(".answer-text")).to_have_text(f"{PRISONERS_QUOTE}1")
    expect(turn.locator(".draft")).to_have_count(0)


def test_falls_back_to_plain_ask_when_the_server_does_not_stream(page):
    page.route("**/api/ask/stream", lambda route: route.fulfill(
        status=404, content_type="application/json", body='{"error": {"code": "not_found", "message": "no"}}'))
    open_page(page)
    turn = ask(page, PRISONERS)
    expect(turn.locator(".answer-text")).to_contain_text("314 prisoners of war")
    assert [path for path, _ in page.watch.asks()] == ["/api/ask/stream", "/api/ask"]


def test_stream_errors_are_shown_not_swallowed(page):
    body = ('event: sentence\ndata: {"text": "Half an answer.", "citations": [], "supported": true}\n\n'
            'event: error\ndata: {"error": {"code": "internal_error", "message": "the model went away"}}\n\n')
    page.route("**/api/ask/stream", lambda route: route.fulfill(status=200, content_type="text/event-stream",
                                                                body=body))
    open_page(page)
    turn = ask(page, "Anything?", state="error")
    expect(turn.get_by_role("alert")).to_contain_text("the model went away")
    page.unroute("**/api/ask/stream")
    ask(page, PRISONERS)
    assert "history" in page.watch.asks()[-1][1] and page.watch.asks()[-1][1]["history"] == []


@pytest.mark.parametrize("failure", ["server stopped", "server error"])
def test_a_failed_question_is_kept_explained_in_plain_words_and_can_be_retried(page, failure):
    def fail(route):
        if failure == "server stopped":
            route.abort("connectionrefused")
        else:
            route.fulfill(status=500, content_type="application/json",
                          body='{"error": {"code": "internal_error", "message": "Internal server error"}}')
    page.route("**/api/ask**", fail)
    open_page(page)
    turn = ask(page, PRISONERS, state="error")
    alert = turn.get_by_role("alert")
    expect(alert).to_contain_text("could not be reached" if failure == "server stopped" else "error 500")
    expect(alert).not_to_contain_text("Failed to fetch")
    expect(page.get_by_label("Ask the articles a question")).to_have_value(PRISONERS)  # not erased
    page.unroute("**/api/ask**")
    turn.get_by_role("button", name="Retry").click()
    expect(page.locator("article.turn")).to_have_count(1)  # the failed turn gives way to the retried one
    expect(page.locator("article.turn .answer")).to_have_attribute("data-state", "done")
    expect(page.get_by_label("Ask the articles a question")).to_have_value("")


# ---- keyboard, widths, safety ------------------------------------------------------------------------


def _tab_to(page, predicate: str, key: str = "Tab", limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(f"(() => {{ const el = document.activeElement; return Boolean({predicate}); }})()"):
            return
    raise AssertionError(f"{predicate} never got the focus with {key}")


def test_keyboard_only(page, artifacts):
    open_page(page)
    page.keyboard.type(PRISONERS)  # the question box has the focus on load
    page.keyboard.press("Enter")
    expect(page.locator("article.turn .answer")).to_have_attribute("data-state", "done")
    expect(page.get_by_label("Ask the articles a question")).to_be_focused()

    _tab_to(page, "el.matches('.answer-text button.cite')", key="Shift+Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused citation shows a focus ring"
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog")
    expect(panel).to_be_visible()
    expect(page.locator("#panel-title")).to_be_focused()
    expect(panel.locator("mark")).to_have_text(PRISONERS_QUOTE)
    shot(page, artifacts, "keyboard-desktop")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Show the whole article")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(page.locator(".answer-text button.cite")).to_be_focused()

    # filters with the keyboard: open the disclosure, pick an outlet
    _tab_to(page, "el.matches('#filters > summary')")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Outlet")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#filter-summary")).not_to_have_text("")

    _tab_to(page, "el.id === 'new-chat'", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("article.turn")).to_have_count(0)
    expect(page.get_by_label("Ask the articles a question")).to_be_focused()


def test_readable_at_320_px_in_both_schemes(page, artifacts):
    page.set_viewport_size({"width": 320, "height": 640})
    open_page(page)
    turn = ask(page, "Did the Abu Dhabi talks succeed or fail?")
    expect(turn.locator(".callout")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways at 320 px ({width} px wide)"
    shot(page, artifacts, "answer-320", full_page=True)
    page.emulate_media(color_scheme="dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 255, 255)"
    shot(page, artifacts, "answer-320-dark", full_page=True)
    turn.locator("button.cite").first.click()
    expect(page.get_by_role("dialog").locator("mark")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    shot(page, artifacts, "citation-320-dark")


_CONTRAST = """(el) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const v = rgb(c).map((x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
                       return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  let bg = el; while (bg && getComputedStyle(bg).backgroundColor.match(/rgba\\(.*, 0\\)|transparent/)) bg = bg.parentElement;
  const [a, b] = [lum(getComputedStyle(el).color), lum(getComputedStyle(bg).backgroundColor)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_callout_title_is_legible_and_citation_buttons_are_big_enough_to_tap(page):
    open_page(page)
    turn = ask(page, "Did the Abu Dhabi talks succeed or fail?")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        ratio = turn.locator(".callout-title").evaluate(_CONTRAST)
        assert ratio >= 4.5, f"callout title contrast {ratio:.2f}:1 in the {scheme} scheme (WCAG AA: 4.5:1)"
    for box in (b.bounding_box() for b in turn.locator("button.cite").all()):
        assert box["width"] >= 24 and box["height"] >= 24, box  # WCAG 2.2 target size (minimum)


def test_a_version_quoting_speech_gets_one_pair_of_quotation_marks(page):
    open_page(page)
    marks = page.evaluate("""async () => {
      const {answerNodes} = await import("/static/render.js");
      const version = (n, quote) => ({n, quote, value: "yes", title: "T", outlet: "O", published: "2026-02-01"});
      const data = {citations: [], sentences: [], conflicts: [{topic: "framing", versions: [
        version(1, 'Pratt said: "It is not a lot of taxpayers."'), version(2, "The vote was 8-4.")]}]};
      const nodes = answerNodes(data, {onClosest: () => {}});
      document.body.append(...nodes);
      return [...document.querySelectorAll(".callout q")].map((q) => getComputedStyle(q, "::after").content);
    }""")
    assert marks[0] == "none" and marks[1] != "none", marks  # its own closing mark, not a second one


_UNCOVERED = """(el) => { const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return r.top >= 0 && r.bottom <= innerHeight && (hit === el || el.contains(hit)); }"""


@pytest.mark.parametrize("size", [PHONE, {"width": 1280, "height": 800}], ids=["phone", "desktop"])
def test_the_source_header_and_close_button_stay_in_view_beside_the_highlight(page, size, artifacts):
    page.set_viewport_size(size)
    open_page(page)
    turn = ask(page, PRISONERS)
    cite = turn.locator(".answer-text button.cite").first
    cite.click()
    panel = page.get_by_role("dialog")
    expect(panel).to_have_attribute("data-state", "ready")
    page.get_by_role("button", name="Show the whole article").click()  # the highlight far down the article
    mark = panel.locator("mark")
    expect(mark).to_be_in_viewport()
    page.wait_for_timeout(100)
    for part in ("#panel-close", "#panel-kicker", "#panel-title"):
        assert page.locator(part).evaluate(_UNCOVERED), f"{part} is scrolled away or covered at {size}"
    assert panel.evaluate("(p) => p.contains(document.activeElement)")  # focus is inside the sheet
    shot(page, artifacts, f"whole-article-{size['width']}")
    if size is PHONE:  # the page behind the sheet is dimmed
        dim = page.evaluate("getComputedStyle(document.body, '::after').backgroundColor")
        assert dim not in ("rgba(0, 0, 0, 0)", "transparent", ""), dim
        page.mouse.click(size["width"] / 2, 40)  # a tap on the dimmed page closes the sheet
        expect(panel).to_be_hidden()
        cite.click()
        expect(panel).to_have_attribute("data-state", "ready")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(cite).to_be_focused()


def test_each_citation_button_opens_the_sentence_it_follows(page):
    open_page(page)
    turn = ask(page, "In which hotel were the Geneva talks held?")
    sentences = turn.locator(".answer-text .sentence")
    buttons = turn.locator(".answer-text button.cite")
    assert buttons.count() >= 2 and len({b.get_attribute("data-n") for b in buttons.all()}) < buttons.count()
    panel = page.get_by_role("dialog")
    for i in range(buttons.count()):  # two sentences quoting one passage: each button marks its own
        buttons.nth(i).click()
        expect(panel).to_have_attribute("data-state", "ready")
        expect(panel.locator("mark")).to_have_text(sentences.nth(i).inner_text())
        page.keyboard.press("Escape")
    row = turn.locator(".sources .source-cites").first.inner_text().split()
    assert len(row) == len(set(row)), row  # the sources row names each source number once


def test_csp_is_sent_with_the_page(page, server):
    response = page.goto(server.url + "/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_hostile_article_markup_renders_as_inert_text(browser, hostile_server, artifacts):
    ctx = browser.new_context(viewport=DESKTOP, base_url=hostile_server.url)
    try:
        page = ctx.new_page()
        watch = Watch(page)
        fetched = []
        page.on("request", lambda r: fetched.append(urlparse(r.url).path))
        open_page(page)
        expect(page.locator("#corpus")).to_have_text("1 article · newest 10 Feb 2026")
        expect(page.locator("#f-outlet option").last).to_have_text(HOSTILE["outlet"])
        turn = ask(page, "How much will the zebra crossing cost?")
        expect(turn.locator(".answer-text")).to_contain_text("<script>window.__pwned = 'body'</script>")
        expect(turn.locator(".answer-text")).to_contain_text("<img src=x onerror=")
        expect(turn.locator(".source-title")).to_have_text(HOSTILE["title"])
        expect(turn.locator(".sources a")).to_have_count(0)  # a javascript: url is not a link
        turn.locator(".answer-text button.cite").first.click()
        panel = page.get_by_role("dialog")
        expect(page.locator("#panel-title")).to_have_text(HOSTILE["title"])
        expect(page.locator("#panel-meta")).to_contain_text(HOSTILE["outlet"])
        expect(panel.locator("mark")).to_contain_text("<img src=x onerror=\"window.__pwned='img'; alert('img')\">")
        expect(page.locator("#panel-link")).to_be_hidden()
        shot(page, artifacts, "hostile-desktop")

        page.wait_for_timeout(200)  # an injected <img src=x> would have failed to load and fired by now
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert watch.dialogs == []
        assert page.locator("img").count() == 0
        assert page.evaluate("document.scripts.length") == 1  # only the page's own module
        assert "/x" not in fetched
        assert watch.page_errors == []
    finally:
        ctx.close()
