"""Prospects import: a CRM's CSV export into the team's prospects, nothing valid lost.

Owns the column mapping (Salesforce, HubSpot and Outreach-style headers recognised; any
header can be mapped by hand), E.164 normalisation, dedupe (within the file and against the
team's prospects), and where a prospect is: line type, state and time zone from the number,
overridden by the address when the address says better. Every bad row is reported with its
line number, field and reason; it never stops the good rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from sqlalchemy.orm import Session

from afterbeep.cadence._regions import normalise_region, number_facts
from afterbeep.errors import InvalidInput
from afterbeep.phone import parse_phone
from afterbeep.store import LineType, Prospect, Segment, utcnow

__all__ = [
    "FIELDS",
    "ImportReport",
    "detect_mapping",
    "import_prospects",
    "zone_for_region",
]

FIELDS = (
    "phone",
    "first_name",
    "last_name",
    "company",
    "title",
    "email",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "time_zone",
    "segment",
)
"""Prospect fields a CSV column can fill (``phone`` and ``first_name`` are required)."""

# Normalised header (lower case, letters and digits only) -> field. First match wins, so
# list the better phone columns first.
_HEADERS: dict[str, tuple[str, ...]] = {
    "phone": (
        "phone", "phonenumber", "mobilephone", "mobilephonenumber", "mobile", "workphone",
        "directphone", "directdial", "businessphone", "telephone", "cellphone", "phone1",
        "mobilephones", "workphones", "e164",
    ),
    "first_name": ("firstname", "first", "givenname", "contactfirstname"),
    "last_name": ("lastname", "last", "surname", "familyname", "contactlastname"),
    "company": ("company", "companyname", "accountname", "account", "organization", "organisation"),
    "title": ("title", "jobtitle", "position", "role"),
    "email": ("email", "emailaddress", "workemail", "emails", "primaryemail"),
    "street": ("street", "streetaddress", "mailingstreet", "address", "addressstreet", "address1"),
    "city": ("city", "mailingcity", "addresscity"),
    "region": (
        "state", "stateregion", "mailingstateprovince", "stateprovince", "province", "region",
        "addressstate", "mailingstate",
    ),
    "postal_code": (
        "postalcode", "zip", "zipcode", "mailingzippostalcode", "zippostalcode", "postcode",
        "addresszip",
    ),
    "country": ("country", "countryregion", "mailingcountry", "addresscountry", "countrycode"),
    "time_zone": ("timezone", "tz", "timezonename", "ianatimezone"),
    "segment": ("segment", "afterbeepsegment"),
}  # fmt: skip

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY_NAMES = {
    "united states": "US", "usa": "US", "us": "US", "united states of america": "US",
    "canada": "CA", "ca": "CA", "united kingdom": "GB", "uk": "GB", "gb": "GB",
    "great britain": "GB", "england": "GB",
}  # fmt: skip

# Time zones of US states and Canadian provinces, the zone most of the population is in first.
_REGION_ZONES: dict[tuple[str, str], tuple[str, ...]] = {
    ("US", "AL"): ("America/Chicago",), ("US", "AK"): ("America/Anchorage", "America/Adak"),
    ("US", "AZ"): ("America/Phoenix",), ("US", "AR"): ("America/Chicago",),
    ("US", "CA"): ("America/Los_Angeles",), ("US", "CO"): ("America/Denver",),
    ("US", "CT"): ("America/New_York",), ("US", "DE"): ("America/New_York",),
    ("US", "DC"): ("America/New_York",),
    ("US", "FL"): ("America/New_York", "America/Chicago"), ("US", "GA"): ("America/New_York",),
    ("US", "HI"): ("Pacific/Honolulu",), ("US", "ID"): ("America/Boise", "America/Los_Angeles"),
    ("US", "IL"): ("America/Chicago",),
    ("US", "IN"): ("America/Indiana/Indianapolis", "America/Chicago"),
    ("US", "IA"): ("America/Chicago",), ("US", "KS"): ("America/Chicago", "America/Denver"),
    ("US", "KY"): ("America/New_York", "America/Chicago"), ("US", "LA"): ("America/Chicago",),
    ("US", "ME"): ("America/New_York",), ("US", "MD"): ("America/New_York",),
    ("US", "MA"): ("America/New_York",), ("US", "MI"): ("America/Detroit", "America/Chicago"),
    ("US", "MN"): ("America/Chicago",), ("US", "MS"): ("America/Chicago",),
    ("US", "MO"): ("America/Chicago",), ("US", "MT"): ("America/Denver",),
    ("US", "NE"): ("America/Chicago", "America/Denver"), ("US", "NV"): ("America/Los_Angeles",),
    ("US", "NH"): ("America/New_York",), ("US", "NJ"): ("America/New_York",),
    ("US", "NM"): ("America/Denver",), ("US", "NY"): ("America/New_York",),
    ("US", "NC"): ("America/New_York",), ("US", "ND"): ("America/Chicago", "America/Denver"),
    ("US", "OH"): ("America/New_York",), ("US", "OK"): ("America/Chicago",),
    ("US", "OR"): ("America/Los_Angeles", "America/Boise"),
    ("US", "PA"): ("America/New_York",), ("US", "RI"): ("America/New_York",),
    ("US", "SC"): ("America/New_York",), ("US", "SD"): ("America/Chicago", "America/Denver"),
    ("US", "TN"): ("America/Chicago", "America/New_York"), ("US", "TX"): ("America/Chicago", "America/Denver"),
    ("US", "UT"): ("America/Denver",), ("US", "VT"): ("America/New_York",),
    ("US", "VA"): ("America/New_York",), ("US", "WA"): ("America/Los_Angeles",),
    ("US", "WV"): ("America/New_York",), ("US", "WI"): ("America/Chicago",),
    ("US", "WY"): ("America/Denver",), ("US", "PR"): ("America/Puerto_Rico",),
    ("CA", "AB"): ("America/Edmonton",), ("CA", "BC"): ("America/Vancouver",),
    ("CA", "MB"): ("America/Winnipeg",), ("CA", "NB"): ("America/Moncton",),
    ("CA", "NL"): ("America/St_Johns",), ("CA", "NS"): ("America/Halifax",),
    ("CA", "NT"): ("America/Yellowknife",), ("CA", "NU"): ("America/Iqaluit",),
    ("CA", "ON"): ("America/Toronto",), ("CA", "PE"): ("America/Halifax",),
    ("CA", "QC"): ("America/Toronto",), ("CA", "SK"): ("America/Regina",),
    ("CA", "YT"): ("America/Whitehorse",),
}  # fmt: skip

_LINE_TYPES = {member.value: member for member in LineType}


def zone_for_region(country: str, region: str, number_zones: tuple[str, ...] = ()) -> str | None:
    """The time zone of a state/province; the number's zone when the state has several."""
    zones = _REGION_ZONES.get((country, region))
    if not zones:
        return None
    for zone in number_zones:
        if zone in zones:
            return zone
    return zones[0]


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.casefold())


def detect_mapping(
    headers: list[str], overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Field -> CSV header, from known CRM headers plus ``overrides`` (field -> header)."""
    mapping: dict[str, str] = {}
    by_normal = {_normal(h): h for h in headers}
    for name, known in _HEADERS.items():
        for candidate in known:
            if candidate in by_normal:
                mapping[name] = by_normal[candidate]
                break
    for name, header in (overrides or {}).items():
        if name not in FIELDS:
            raise InvalidInput(
                f"unknown prospect field {name!r}; expected one of {', '.join(FIELDS)}",
                field="mapping",
            )
        if header not in headers:
            raise InvalidInput(
                f"column {header!r} is not in the file; its columns are {', '.join(headers)}",
                field=f"mapping.{name}",
            )
        mapping[name] = header
    return mapping


@dataclass
class ImportReport:
    """What an import did. ``rejected``: one ``InvalidInput`` per bad row (line, field, why)."""

    source: str
    mapping: dict[str, str]
    imported: int = 0
    updated: int = 0
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, first line)
    rejected: list[InvalidInput] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return self.imported + self.updated + len(self.duplicates) + len(self.rejected)

    def write_csv(self, path: Path) -> None:
        """The rejected rows and duplicates as a CSV (line, field, reason) for the user to fix."""
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "field", "reason"])
            for error in self.rejected:
                writer.writerow([error.line, error.field or "", error.reason])
            for line, first in self.duplicates:
                writer.writerow([line, "phone", f"same number as line {first}; kept line {first}"])


def _row_values(
    row: dict[str, str], mapping: dict[str, str], line: int, source: str, region: str
) -> dict[str, Any]:
    def cell(name: str) -> str | None:
        header = mapping.get(name)
        value = (row.get(header) or "").strip() if header else ""
        return value or None

    def bad(message: str, name: str) -> InvalidInput:
        return InvalidInput(message, source=source, line=line, field=mapping.get(name, name))

    phone_text = cell("phone")
    if phone_text is None:
        raise bad("no phone number; expected e.g. +1 206 555 0148", "phone")
    first_name = cell("first_name")
    if first_name is None:
        raise bad("no first name (needed to greet the prospect)", "first_name")
    country_text = cell("country")
    country = None
    if country_text:
        country = _COUNTRY_NAMES.get(country_text.casefold(), country_text.upper())
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise bad(
                f"{country_text!r} is not a country; expected a name or ISO code like US", "country"
            )
    try:
        number = parse_phone(phone_text, region=country or region, source=source)
    except InvalidInput as error:
        raise bad(error.reason, "phone") from None
    email = cell("email")
    if email is not None and not _EMAIL.match(email):
        raise bad(f"{email!r} is not an email address; expected name@example.com", "email")
    segment_text = cell("segment")
    segment = None
    if segment_text:
        try:
            segment = Segment(segment_text.strip().lower().replace(" ", "_").replace("-", "_"))
        except ValueError:
            choices = ", ".join(s.value for s in Segment)
            raise bad(
                f"unknown segment {segment_text!r}; expected one of {choices}", "segment"
            ) from None
    facts = number_facts(number.e164)
    country = country or facts.country
    region_code = normalise_region(cell("region"), country) if country else None
    zone = cell("time_zone")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise bad(
                f"unknown time zone {zone!r}; expected an IANA name like America/Chicago",
                "time_zone",
            ) from None
        if zone not in _KNOWN_ZONES:
            raise bad(
                f"unknown time zone {zone!r}; expected an IANA name like America/Chicago",
                "time_zone",
            )
    elif country and region_code:
        zone = zone_for_region(country, region_code, facts.time_zones)  # the address is better
    if zone is None and len(facts.time_zones) == 1:
        zone = facts.time_zones[0]
    return {
        "phone_e164": number.e164,
        "first_name": first_name[:100],
        "last_name": (cell("last_name") or "")[:100] or None,
        "company": (cell("company") or "")[:200] or None,
        "title": (cell("title") or "")[:200] or None,
        "email": email,
        "street": (cell("street") or "")[:200] or None,
        "city": (cell("city") or "")[:100] or None,
        "region": region_code or (cell("region") or "")[:100] or None,
        "postal_code": (cell("postal_code") or "")[:20] or None,
        "country": country,
        "time_zone": zone,
        "line_type": _LINE_TYPES.get(facts.line_type, LineType.UNKNOWN),
        "phone_region": facts.region,
        "phone_time_zones": " ".join(facts.time_zones)[:255] or None,
        "segment": segment,
    }


_KNOWN_ZONES = frozenset(available_timezones())


def import_prospects(
    session: Session,
    *,
    team_id: int,
    path: Path | None = None,
    text: str | None = None,
    mapping: Mapping[str, str] | None = None,
    region: str = "US",
    default_segment: Segment | None = None,
    update_existing: bool = True,
) -> ImportReport:
    """Import a CSV of prospects into the team; returns the report (the caller commits).

    ``mapping`` overrides the detected columns (field -> header). A number already in the
    team updates that prospect's non-empty fields (``update_existing``); a number seen earlier
    in the same file is a duplicate, reported with the line it repeats.
    """
    if (path is None) == (text is None):
        raise InvalidInput("give either a path or the text of a CSV", field="path")
    source = str(path) if path is not None else "<text>"
    try:
        body = path.read_text(encoding="utf-8-sig") if path is not None else (text or "")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"not UTF-8 text: {error}", source=source) from error
    reader = csv.DictReader(io.StringIO(body, newline=""))
    headers = list(reader.fieldnames or [])
    if not headers:
        raise InvalidInput("empty file; expected a header row", source=source, line=1)
    report = ImportReport(source=source, mapping=detect_mapping(headers, mapping))
    for required in ("phone", "first_name"):
        if required not in report.mapping:
            raise InvalidInput(
                f"no column for {required}; map one with --map {required}=HEADER "
                f"(columns: {', '.join(headers)})",
                source=source,
                line=1,
                field=required,
            )
    good: dict[str, tuple[int, dict[str, Any]]] = {}
    line = 1
    for row in reader:
        first_line = line + 1
        line = reader.line_num
        if None in row:  # more cells than headers
            report.rejected.append(
                InvalidInput(
                    f"{len(headers) + len(row[None])} cells for {len(headers)} columns",
                    source=source,
                    line=first_line,
                )
            )
            continue
        if not any((value or "").strip() for value in row.values()):
            continue
        try:
            values = _row_values(row, report.mapping, first_line, source, region)
        except InvalidInput as error:
            report.rejected.append(error)
            continue
        if values["segment"] is None:
            values["segment"] = default_segment
        seen = good.get(values["phone_e164"])
        if seen is not None:
            report.duplicates.append((first_line, seen[0]))
            continue
        good[values["phone_e164"]] = (first_line, values)
    _store(session, team_id, good, report, update_existing=update_existing)
    return report


def _store(
    session: Session,
    team_id: int,
    good: dict[str, tuple[int, dict[str, Any]]],
    report: ImportReport,
    *,
    update_existing: bool,
) -> None:
    numbers = list(good)
    existing: dict[str, int] = {}
    for start in range(0, len(numbers), 5000):
        chunk = numbers[start : start + 5000]
        existing.update(
            (phone, prospect_id)
            for phone, prospect_id in session.execute(
                sa.select(Prospect.phone_e164, Prospect.id).where(
                    Prospect.team_id == team_id, Prospect.phone_e164.in_(chunk)
                )
            )
        )
    now = utcnow()
    new_rows = []
    for phone, (_, values) in good.items():
        if phone in existing:
            if update_existing:
                changes = {k: v for k, v in values.items() if v is not None}
                changes["updated_at"] = now
                session.execute(
                    sa.update(Prospect).where(Prospect.id == existing[phone]).values(**changes)
                )
            report.updated += 1
            continue
        new_rows.append(
            {
                **values,
                "team_id": team_id,
                "custom_fields": {},
                "do_not_call": False,
                "created_at": now,
                "updated_at": now,
            }
        )
    for start in range(0, len(new_rows), 5000):
        session.execute(sa.insert(Prospect), new_rows[start : start + 5000])
    report.imported = len(new_rows)
