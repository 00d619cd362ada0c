"""Names of the world's countries (UN members and observers, with common short forms), folded: a
where-answer that lists a city and the country it stands in names the city only, and a who-answer about
one country's people must come from a sentence that names that country."""

from __future__ import annotations

from qa.language.text import fold

_NAMES = """
afghanistan|albania|algeria|andorra|angola|antigua and barbuda|argentina|armenia|australia|austria|azerbaijan|
bahamas|bahrain|bangladesh|barbados|belarus|belgium|belize|benin|bhutan|bolivia|bosnia and herzegovina|botswana|
brazil|brunei|bulgaria|burkina faso|burundi|cabo verde|cape verde|cambodia|cameroon|canada|central african republic|
chad|chile|china|colombia|comoros|congo|democratic republic of the congo|costa rica|croatia|cuba|cyprus|czechia|
czech republic|denmark|djibouti|dominica|dominican republic|ecuador|egypt|el salvador|equatorial guinea|eritrea|
estonia|eswatini|ethiopia|fiji|finland|france|gabon|gambia|georgia|germany|ghana|greece|grenada|guatemala|guinea|
guinea-bissau|guyana|haiti|honduras|hungary|iceland|india|indonesia|iran|iraq|ireland|israel|italy|ivory coast|
jamaica|japan|jordan|kazakhstan|kenya|kiribati|kosovo|kuwait|kyrgyzstan|laos|latvia|lebanon|lesotho|liberia|libya|
liechtenstein|lithuania|luxembourg|madagascar|malawi|malaysia|maldives|mali|malta|marshall islands|mauritania|
mauritius|mexico|micronesia|moldova|monaco|mongolia|montenegro|morocco|mozambique|myanmar|namibia|nauru|nepal|
netherlands|new zealand|nicaragua|niger|nigeria|north korea|north macedonia|norway|oman|pakistan|palau|palestine|
panama|papua new guinea|paraguay|peru|philippines|poland|portugal|qatar|romania|russia|russian federation|rwanda|
saint kitts and nevis|saint lucia|saint vincent and the grenadines|samoa|san marino|sao tome and principe|
saudi arabia|senegal|serbia|seychelles|sierra leone|singapore|slovakia|slovenia|solomon islands|somalia|
south africa|south korea|south sudan|spain|sri lanka|sudan|suriname|sweden|switzerland|syria|taiwan|tajikistan|
tanzania|thailand|timor-leste|east timor|togo|tonga|trinidad and tobago|tunisia|turkey|turkiye|turkmenistan|tuvalu|
uganda|ukraine|united arab emirates|uae|united kingdom|uk|britain|great britain|united states|united states of america|
us|usa|america|uruguay|uzbekistan|vanuatu|vatican|vatican city|venezuela|vietnam|yemen|zambia|zimbabwe
"""
COUNTRIES = frozenset(name.strip() for name in _NAMES.replace("\n", "").split("|") if name.strip())
# (fold() reads "U.S." as "us", so the list and the table below need no dotted forms)


def is_country(place: str) -> bool:
    """"the United Arab Emirates", "UAE", "Switzerland" yes; "Abu Dhabi", "Geneva" no."""
    return _key(place) in COUNTRIES


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
