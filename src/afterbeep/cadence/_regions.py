"""Where a phone number or an address is: country, state or province, and time zones.

Owns the mapping from ``phonenumbers``' geocoder descriptions ("Florida", "San Francisco, CA",
"Washington State") and from free-text address states ("fla", "Florida", "FL") to two-letter
region codes. Knows nothing of rules or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import geocoder, number_type, timezone

__all__ = ["NumberFacts", "normalise_region", "number_facts"]

_US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming", "PR": "Puerto Rico",
}  # fmt: skip
_CA_PROVINCES = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories",
    "NU": "Nunavut", "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec",
    "SK": "Saskatchewan", "YT": "Yukon",
}  # fmt: skip
_BY_COUNTRY = {"US": _US_STATES, "CA": _CA_PROVINCES}
_NAMES = {
    country: {name.casefold(): code for code, name in table.items()}
    for country, table in _BY_COUNTRY.items()
}
_NAMES["US"].update({"washington state": "WA", "washington d.c.": "DC", "washington, d.c.": "DC"})


def normalise_region(text: str | None, country: str | None) -> str | None:
    """A two-letter state/province code for ``text`` in ``country`` ("Fla" is not guessed)."""
    if not text or not country or country not in _BY_COUNTRY:
        return None
    cleaned = " ".join(text.replace(".", " ").split()).strip()
    if cleaned.upper() in _BY_COUNTRY[country]:
        return cleaned.upper()
    return _NAMES[country].get(" ".join(text.split()).casefold())


@dataclass(frozen=True, slots=True)
class NumberFacts:
    """What a number itself tells: its country, state (from the area code) and time zones."""

    country: str | None
    region: str | None
    time_zones: tuple[str, ...]
    line_type: str


_LINE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed_line",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
}


@lru_cache(maxsize=65536)
def number_facts(e164: str) -> NumberFacts:
    """Facts for an E.164 number (already validated). Line types use the store's words."""
    parsed = phonenumbers.parse(e164, None)
    country = phonenumbers.region_code_for_number(parsed)
    description = geocoder.description_for_number(parsed, "en")
    region = None
    if country in _BY_COUNTRY and description:
        tail = description.rsplit(",", 1)[-1].strip()
        region = normalise_region(tail, country) or normalise_region(description, country)
    zones = tuple(z for z in timezone.time_zones_for_number(parsed) if z != "Etc/Unknown")
    return NumberFacts(
        country=country if country and country != "ZZ" else None,
        region=region,
        time_zones=zones,
        line_type=_LINE_TYPES.get(number_type(parsed), "unknown"),
    )
