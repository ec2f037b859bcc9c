"""Phone numbers, shared by scripts, cadence and telephony: parse to E.164, and facts about a number.

Wraps the ``phonenumbers`` library; owns nothing but the error messages and the default region.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType, geocoder, number_type, timezone

from afterbeep.errors import InvalidInput

DEFAULT_REGION = "US"


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    e164: str
    region: str | None
    line_type: str  # "mobile" | "fixed" | "fixed_or_mobile" | "voip" | "toll_free" | "other"
    time_zones: tuple[str, ...]
    description: str

    def __str__(self) -> str:
        return self.e164


_LINE_TYPES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_or_mobile",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.TOLL_FREE: "toll_free",
}


def parse_phone(
    text: str, *, region: str = DEFAULT_REGION, source: str | None = None, field: str | None = None
) -> PhoneNumber:
    """Parse ``text`` into a valid number, or raise ``InvalidInput`` saying what was expected."""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidInput(
            f"{text!r} is not a phone number ({error}); expected e.g. +1 206 555 0148",
            source=source,
            field=field,
        ) from error
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput(
            f"{text!r} is not a valid phone number for region {region}; expected e.g. +1 206 555 0148",
            source=source,
            field=field,
        )
    return PhoneNumber(
        e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        region=phonenumbers.region_code_for_number(parsed),
        line_type=_LINE_TYPES.get(number_type(parsed), "other"),
        time_zones=tuple(z for z in timezone.time_zones_for_number(parsed) if z != "Etc/Unknown"),
        description=geocoder.description_for_number(parsed, "en"),
    )
