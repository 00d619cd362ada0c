"""`qa eval --report FILE.html` opened in a real browser: one self-contained page (nothing fetched) with
bars per question type for ours and each baseline that match the JSON figures, each system's latency
distribution, and the list of misses with question, expected answer, what was answered and what was
cited; text from the test set or an answer is shown as text, never run."""

from __future__ import annotations

import json

import pytest

from qa.cli import main
from tests.conftest import ROOT
from tests.test_browser import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=\"window.__pwned=1\">1,200 tanks"
CASES = [
    {"id": "r1", "question": "How many prisoners of war did Russia and Ukraine agree to exchange?",
     "answer": "314 prisoners of war.", "aliases": ["314"], "sources": ["004_38e88933e8b5a746.txt"], "type": "single"},
    {"id": "r2", "question": "Who led the Russian negotiating team in Geneva?", "answer": "Vladimir Medinsky",
     "sources": ["001_9bf2e5c4133dbb3e.txt"], "type": "attribution"},
    {"id": "r3", "question": "How many tanks did the Russian army lose in 2024?", "answer": HOSTILE,
     "sources": ["001_9bf2e5c4133dbb3e.txt"], "type": "single"},  # the articles do not say: a miss
    {"id": "r4", "question": "Which hotel hosted the Geneva talks?", "answer": "", "unanswerable": True,
     "type": "null_query"},  # any type name: a group with no answers is judged by its refusals
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    testset = tmp / "mine.jsonl"
    testset.write_text("".join(json.dumps(c) + "\n" for c in CASES), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("QA_DATA_DIR", str(tmp / "data"))
    mp.setenv("QA_SEEDS_DIR", str(ROOT / "seeds"))
    try:
        assert main(["eval", str(testset), "--json", str(tmp / "out.json"), "--report", str(tmp / "report.html")]) == 0
    finally:
        mp.undo()
    return tmp / "report.html", json.loads((tmp / "out.json").read_text(encoding="utf-8"))


def test_the_report_shows_bars_latency_and_misses_and_fetches_nothing(browser, report, tmp_path):  # noqa: F811
    path, data = report
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    fetched, errors = [], []
    page.on("request", lambda r: fetched.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    assert fetched == [path.as_uri()] and errors == []  # self-contained: no CDN, font or image
    assert page.evaluate("window.__pwned") is None and page.locator("section img").count() == 0

    systems = [s["name"] for s in data["systems"]]
    assert systems[0] == "ours" and len(systems) >= 3
    section = page.locator("section")
    expect_types = {"single", "attribution", "null_query"}
    for t in expect_types:
        bars = section.get_by_role("list", name=t).get_by_role("listitem")
        assert bars.count() == len(systems)
        for i, system in enumerate(data["systems"]):
            key = "abstain_recall" if t == "null_query" else "answer_match"
            want = system["by_type"][t]["metrics"][key]
            assert bars.nth(i).get_attribute("data-system") == system["name"]
            assert bars.nth(i).get_attribute("data-value") == f"{want:.2f}"
            assert bars.nth(i).inner_text().split() == [system["name"], f"{want:.2f}"]
    for system in systems:  # every question sits in one latency bin of each system
        counts = section.locator(f"figure[data-system='{system}'] .col").all_inner_texts()
        assert sum(int(n) for n in counts if n.strip()) == len(CASES)

    misses = section.locator("table.misses tbody tr")
    ours = data["systems"][0]["cases"]
    wrong = [c for c in ours if (c["unanswerable"] and not c["refused"]) or c["answer_match"] is False]
    assert misses.count() >= len(wrong) >= 1
    row = section.locator("tr[data-id='r3']")
    cells = row.locator("td").all_inner_texts()
    assert cells[2] == CASES[2]["question"] and cells[3] == HOSTILE  # markup in the test set reads as text
    assert cells[4] and cells[5] and cells[6]  # what was answered, what was cited, what went wrong
    page.close()


def test_the_report_must_be_an_html_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    assert main(["eval", "--json", str(tmp_path / "o.json"), "--report", str(tmp_path / "r.pdf")]) == 2
    assert "HTML page" in capsys.readouterr().err
    assert not (tmp_path / "data").exists() and not (tmp_path / "o.json").exists()  # refused before any work


def test_eval_all_writes_one_section_per_set(tmp_path, monkeypatch):
    import re

    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QA_SEEDS_DIR", str(ROOT / "seeds"))
    report = tmp_path / "all.html"
    assert main(["eval", "--all", "--limit", "2", "--json", str(tmp_path / "all.json"), "--report", str(report)]) == 0
    page = report.read_text(encoding="utf-8")
    labels = re.findall(r'<section id="[^"]+" aria-label="([^"]+)">', page)
    assert labels == ["news", "news rewordings", "harbour", "harbour rewordings"]
    assert "<script" not in page and "http://" not in page and "https://" not in page  # nothing to fetch or run
