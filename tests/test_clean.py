"""Cleaning on our actual seed files: boilerplate gone, repeated paragraphs collapsed, text intact."""

from pathlib import Path

import pytest

from ingest.clean import clean_paragraphs, paragraphs
from ingest.load import load_folder
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def seeds():
    loaded = load_folder(SEEDS)
    assert loaded.skipped == []
    return {a.id[:3]: a for a in loaded.articles}


BOILERPLATE = [
    "Log In", "Try PRO", "Getty Images", "COMMENTS", "Please let us know if you're having issues with commenting",
    "Popular posts from this blog", "Ukraine turns the tables on Russia", "Credit...Harold Cunningham",
    "A man in a black suit", "Unlock premium news", "Already have a PRO account?", "Cookie Policy",
    "global Emerging Market business news", "Reading now", "Анна Ткаченко", "KRAMATORSK, UKRAINE - FEBRUARY 3",
    "Constant Méheut reports on", "contributed reporting",
]


def test_boilerplate_is_removed_from_every_seed(seeds):
    for article in seeds.values():
        for junk in BOILERPLATE:
            assert junk.casefold() not in article.body.casefold(), (article.id, junk)


def test_repeated_paragraph_in_article_004_is_collapsed(seeds):
    body = seeds["004"].body
    raw = (SEEDS / "004_38e88933e8b5a746.txt").read_text(encoding="utf-8")
    quote = '"The deployment of military units, facilities, warehouses, and other infrastructure'
    lead = "The trilateral peace talks in Abu Dhabi ended in a stalemate"
    assert raw.count(quote) == 2 and body.count(quote) == 1
    assert raw.count(lead) == 2 and body.count(lead) == 1
    # the headline repeated inside the page is not a body paragraph
    assert seeds["004"].title == "Ukraine, Russia peace deal talks in Abu Dhabi end in stalemate"
    assert seeds["004"].title not in body


def test_article_text_is_intact(seeds):
    """Every sentence-bearing paragraph of the raw page that is not boilerplate survives verbatim."""
    must_keep = {
        "000": ["noting over 70 missiles were launched", "Until the Kyiv regime makes the appropriate decisions",
                "The negotiation process started in a trilateral format"],
        "001": ["were tough but businesslike", "The area is heavily fortified", "Not for the compromise that gives Russia"],
        "002": ["Kirill Dmitriev flew to Miami", "the best for Putin in four years"],
        "003": ["Rustem Umerov confirmed the trilateral discussions began", "The talks underscore a deepening divide"],
        "004": ["agree to exchange 314 prisoners of war", "the UK, Norway, Iceland, and Turkey",
                "its overtures to Ukraine."],
    }
    for prefix, quotes in must_keep.items():
        for quote in quotes:
            assert quote in seeds[prefix].body, (prefix, quote)


def test_metadata_from_text_and_sidecar(seeds):
    assert seeds["004"].published == "2026-02-05"  # stated in the page
    assert seeds["004"].byline == "Ben Aris"
    assert seeds["004"].outlet == "bne IntelliNews"  # from seeds/_sources.json
    assert seeds["001"].title == "Second Day of Talks on Russia-Ukraine War Ends After Only 2 Hours"
    assert seeds["003"].published == ""  # no date anywhere: kept, marked undated
    assert seeds["003"].title.startswith("Russian, Ukrainian, and U.S. delegations resumed peace talks")


def test_unicode_spaces_are_folded():
    paras = paragraphs("Jane\u00a0Doe reports on  science.\r\nSecond\u2009line here.")
    assert paras == ["Jane Doe reports on science.", "Second line here."]


def test_clean_keeps_order_and_drops_tail_sections():
    paras = ["Menu", "Sign in", "First real paragraph of the article, long enough to count as prose.",
             "Second real paragraph, also long enough to be article text for sure.",
             "First real paragraph of the article, long enough to count as prose.",
             "Comments", "Someone wrote a comment that is long enough to look like prose text."]
    cleaned = clean_paragraphs(paras, title="Title")
    assert cleaned.body.split("\n\n") == paras[2:4]
    assert cleaned.dropped == 5


def test_a_date_the_prose_reports_is_no_publication_date_but_a_dateline_is():
    from ingest.load import build_article

    reported = build_article("a", "a.txt", {"body": "Diablo III was released on May 15, 2012, for Windows and macOS."})
    assert reported.published == ""  # the release date, not the day the page was written
    dated = build_article("b", "b.txt", {"body": "By Ann Lee | February 3, 2026\n\nThe talks resumed on Wednesday."})
    snippet = build_article("c", "c.txt", {"body": "Nov 8, 2019 ... Diablo 3 was announced June 2008 and released."})
    assert (dated.published, snippet.published) == ("2026-02-03", "2019-11-08")
