"""Names of the world's countries (ISO 3166 through pycountry, with the everyday forms news uses), folded: a
where-answer that lists a city and the country it stands in names the city only, and a who-answer about
one country's people must come from a sentence that names that country."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from qa.language.text import fold

# ISO 3166 (pycountry) names states formally ("Russian Federation", "Iran, Islamic Republic of"); these
# everyday forms, which news writes and ISO does not list, are kept by hand (the measurement in the note
# of issue 21: the ISO list alone loses "Russia" and "US"). fold() reads "U.S." as "us".
EVERYDAY_NAMES = frozenset({
    "russia", "us", "usa", "america", "uk", "britain", "great britain", "uae", "ivory coast", "east timor",
    "turkey", "cape verde", "vatican", "vatican city", "kosovo", "brunei", "czech republic", "south korea",
})


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """Every country's folded names: ISO 3166's short, common and official names (the part before an
    inverting comma, "Iran, Islamic Republic of" -> "iran"; each also without accents), and EVERYDAY_NAMES."""
    import pycountry

    names = set(EVERYDAY_NAMES)
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if not value:
                continue
            for form in re.split(r"\s*[(),]\s*", value):
                key = _key(form)
                if len(key) > 2 and not key.endswith(" of"):  # "Iran, Islamic Republic of": only "iran"
                    names.update({key, _plain(key)})
    return frozenset(names)


def _plain(text: str) -> str:
    """"türkiye" -> "turkiye", "côte d'ivoire" -> "cote d'ivoire"."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def is_country(place: str) -> bool:
    """"the United Arab Emirates", "UAE", "Switzerland" yes; "Abu Dhabi", "Geneva" no."""
    key = _key(place)
    return key in countries() or _plain(key) in countries()


def _key(place: str) -> str:
    """"The United Arab Emirates" -> "united arab emirates"."""
    return fold(place).strip().removeprefix("the ").strip()

# demonyms that do not begin like their country's name (Russia / Russian, Ukraine / Ukrainian do)
_OTHER_FORMS = {
    "us": ("american", "americans", "washington"),
    "usa": ("american", "americans"), "america": ("american", "americans"),
    "united states": ("us", "american", "americans", "washington"), "united states of america": ("us", "american"),
    "uk": ("british", "britain"), "united kingdom": ("uk", "british", "britain"), "britain": ("british", "uk"),
    "great britain": ("british", "uk"), "france": ("french",), "netherlands": ("dutch",),
    "switzerland": ("swiss",), "china": ("chinese",), "japan": ("japanese",), "uae": ("emirati", "emirates"),
    "united arab emirates": ("uae", "emirati"), "turkey": ("turkish",), "turkiye": ("turkish", "turkey"),
    "poland": ("polish",), "spain": ("spanish",), "sweden": ("swedish",), "finland": ("finnish",),
    "denmark": ("danish",), "norway": ("norwegian",), "ireland": ("irish",), "greece": ("greek",),
}
PREFIX = 4  # letters a country's name and its regular demonym share ("ital-y", "ital-ian")


def names_country(country: str, words: list[str]) -> bool:
    """Do the folded words name the country, its people or its capital's usual stand-in ("Washington")?"""
    name = _key(country)
    if " " in name:  # "united kingdom": its short forms and demonyms are listed
        return name in " ".join(words) or any(w in _OTHER_FORMS.get(name, ()) for w in words)
    stem = name[:PREFIX] if len(name) > PREFIX else None
    return any(w == name or (stem and w.startswith(stem)) or w in _OTHER_FORMS.get(name, ()) for w in words)
