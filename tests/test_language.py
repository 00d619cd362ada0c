"""Country names come from ISO 3166 (pycountry) plus the everyday forms news writes: formal, common,
accented and unaccented spellings all read as countries; cities and regions do not."""

from __future__ import annotations

import pytest

from qa.language.countries import EVERYDAY_NAMES, countries, is_country, names_country


@pytest.mark.parametrize("place", ["Russia", "the Russian Federation", "Viet Nam", "Vietnam", "Türkiye", "Turkiye",
                                   "Côte d'Ivoire", "Cote d'Ivoire", "Ivory Coast", "Iran", "the U.S.", "UAE",
                                   "the United Arab Emirates", "Eswatini", "North Macedonia", "Bolivia"])
def test_countries_in_every_spelling_news_uses(place):
    assert is_country(place)


@pytest.mark.parametrize("place", ["Geneva", "Abu Dhabi", "Kyiv", "Donetsk", "Washington", "Republic", "Of"])
def test_cities_regions_and_fragments_of_formal_names_are_not_countries(place):
    assert not is_country(place)


def test_the_hand_kept_forms_are_only_those_iso_does_not_list():
    from qa.language import countries as module

    iso_only = countries() - EVERYDAY_NAMES
    assert "russia" not in iso_only and "us" not in iso_only  # why the everyday forms are kept
    assert len(EVERYDAY_NAMES) < 25 and len(iso_only) > 240
    assert module.is_country("Switzerland") and names_country("Switzerland", ["the", "swiss", "team"])
