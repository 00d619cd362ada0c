"""The chat page's static guarantees, checked without a browser: no markup sinks in the scripts, no inline
script or style in the page, nothing fetched from outside, and a strict Content-Security-Policy."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import ROOT

STATIC = ROOT / "web" / "static"
TEMPLATE = ROOT / "web" / "templates" / "index.html"
SCRIPTS = sorted(STATIC.glob("*.js"))
# Ways to turn a string into markup or code; the page builds DOM nodes and sets textContent instead.
SINKS = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function\s*\("
                   r"|createContextualFragment|DOMParser|srcdoc|setHTML")
EXTERNAL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?\s*(?:https?:)?//""", re.I)


def test_there_are_scripts_to_check():
    assert {p.name for p in SCRIPTS} >= {"app.js", "dom.js", "render.js", "panel.js", "stream.js"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_never_write_markup(script):
    found = [f"{script.name}:{n}: {line.strip()}"
             for n, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1) if SINKS.search(line)]
    assert found == [], "build nodes with el()/textContent instead"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_import_only_local_modules(script):
    text = script.read_text(encoding="utf-8")
    for target in re.findall(r"""^\s*import\b[^;]*?from\s+["']([^"']+)["']""", text, re.M):
        assert target.startswith("./") and (STATIC / target[2:]).is_file(), f"{script.name} imports {target}"
    assert "import(" not in text, "no dynamic imports"


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.script_text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if self.tags and self.tags[-1][0] == "script":
            self.script_text += data.strip()


@pytest.fixture()
def page_html(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_page_has_no_inline_script_style_or_handlers(page_html):
    parsed = _Tags()
    parsed.feed(page_html)
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert scripts and all(attrs.get("src") for attrs in scripts)
    assert parsed.script_text == ""
    assert not [tag for tag, _ in parsed.tags if tag == "style"]
    for tag, attrs in parsed.tags:
        assert "style" not in attrs, f"<{tag}> has a style attribute"
        assert not [a for a in attrs if a.startswith("on")], f"<{tag}> has an inline event handler"


def test_nothing_is_fetched_from_outside(page_html):
    for name, text in [("index.html", page_html), *((p.name, p.read_text(encoding="utf-8"))
                                                    for p in STATIC.iterdir() if p.is_file())]:
        assert not EXTERNAL.search(text), f"{name} refers to another origin"
        assert "@import" not in text, f"{name} imports a stylesheet"


def test_page_assets_are_served_with_their_types(client, page_html):
    parsed = _Tags()
    parsed.feed(page_html)
    urls = [attrs["src"] for tag, attrs in parsed.tags if tag == "script"]
    urls += [attrs["href"] for tag, attrs in parsed.tags if tag == "link" and attrs.get("rel") == "stylesheet"]
    urls += [f"/static/{p.name}" for p in SCRIPTS]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        kind = "css" if url.endswith(".css") else "javascript"
        assert kind in response.mimetype, (url, response.mimetype)  # nosniff needs the right type


def test_page_is_sent_with_a_strict_csp(client):
    response = client.get("/")
    csp = {d.split()[0]: d.split()[1:] for d in response.headers["Content-Security-Policy"].split(";") if d.strip()}
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["connect-src"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_has_labels_and_a_live_region(page_html):
    parsed = _Tags()
    parsed.feed(page_html)
    ids_labelled = {attrs.get("for") for tag, attrs in parsed.tags if tag == "label"}
    controls = [attrs["id"] for tag, attrs in parsed.tags if tag in ("input", "select", "textarea")]
    assert controls and set(controls) <= ids_labelled, "every control has a <label for=...>"
    assert any(attrs.get("aria-live") == "polite" for _, attrs in parsed.tags)
    assert re.search(r'<html lang="en"', page_html)
