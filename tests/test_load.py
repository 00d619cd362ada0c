"""Loading each supported format into Articles with metadata and stable ids."""

import json

from ingest.load import load_folder

PROSE = ("The delegations met for a second day of talks in the city on Tuesday, officials said. "
         "They agreed to exchange prisoners but did not settle the question of territory.")


def test_markdown_with_front_matter(tmp_path):
    (tmp_path / "brief.md").write_text(
        f"---\noutlet: Example Wire\npublished: 2026-02-03\nurl: https://example.test/a\n---\n"
        f"# Talks resume\n\n{PROSE} See [the report](https://example.test/r) for **more**.\n", encoding="utf-8")
    (article,) = load_folder(tmp_path).articles
    assert (article.id, article.title, article.outlet, article.published, article.url) == (
        "brief", "Talks resume", "Example Wire", "2026-02-03", "https://example.test/a")
    assert "See the report for more." in article.body


def test_html_page_uses_meta_and_skips_chrome(tmp_path):
    (tmp_path / "page.html").write_text(
        """<html><head><title>Site | Talks resume</title>
        <meta property="og:title" content="Talks resume"><meta property="og:site_name" content="Daily Example">
        <meta property="article:published_time" content="2026-02-04T09:00:00Z">
        <link rel="canonical" href="https://example.test/talks"><script>var x = "<p>not text</p>";</script></head>
        <body><nav><p>Home | World | Sign in to read more articles today please</p></nav>
        <article><h1>Talks resume</h1><p>""" + PROSE + """</p><p>Second paragraph of the story goes on for a while longer here.</p></article>
        <footer><p>Copyright Daily Example, all rights reserved, every single one of them.</p></footer></body></html>""",
        encoding="utf-8")
    (article,) = load_folder(tmp_path).articles
    assert (article.title, article.outlet, article.published, article.url) == (
        "Talks resume", "Daily Example", "2026-02-04", "https://example.test/talks")
    assert article.body.startswith("The delegations met")
    assert "not text" not in article.body and "Copyright" not in article.body and "Sign in" not in article.body


def test_json_and_jsonl_records_with_field_aliases(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps(
        {"title": "Single", "text": PROSE, "source": "Wire A", "published_at": "February 5, 2026"}), encoding="utf-8")
    lines = [json.dumps({"id": "rec-1", "title": "First", "body": PROSE, "outlet": "Wire B", "published": "2026-02-06"}),
             "{not json",
             json.dumps({"title": "No id", "body": PROSE + " Another."}),
             json.dumps({"id": "rec-1", "title": "Duplicate id", "body": PROSE})]
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_folder(tmp_path)
    by_id = {a.id: a for a in loaded.articles}
    assert set(by_id) == {"one", "rec-1", "many-2"}
    assert (by_id["one"].outlet, by_id["one"].published) == ("Wire A", "2026-02-05")
    assert by_id["rec-1"].title == "First"
    reasons = dict(loaded.skipped)
    assert reasons["many.jsonl:2"].startswith("invalid JSON")
    assert any("duplicate article id" in why for why in reasons.values())


def test_bad_files_are_skipped_with_reasons(tmp_path):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes(("Caf\xe9 talks\n\n" + PROSE).encode("cp1252"))
    (tmp_path / "README.md").write_text("# Not an article\n\nThis folder holds articles.", encoding="utf-8")
    loaded = load_folder(tmp_path)
    reasons = dict(loaded.skipped)
    assert reasons == {"binary.txt": "binary file", "broken.json": reasons["broken.json"], "empty.txt": "empty file"}
    assert reasons["broken.json"].startswith("invalid JSON")
    (article,) = loaded.articles
    assert article.title == "Café talks"
