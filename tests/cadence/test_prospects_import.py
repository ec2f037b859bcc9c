"""Prospects CSV import: every good row imported, every bad row reported with its line."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
import sqlalchemy as sa

from afterbeep.cadence.prospects import detect_mapping, import_prospects
from afterbeep.errors import InvalidInput
from afterbeep.store import LineType, Prospect, Segment

AREA_CODES = ["206", "305", "405", "502", "205", "504", "415", "212", "617", "312"]


def _good_rows(count: int, rng: random.Random) -> list[dict[str, str]]:
    rows = []
    used: set[str] = set()
    while len(rows) < count:
        number = f"({rng.choice(AREA_CODES)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
        if number in used:
            continue
        used.add(number)
        rows.append(
            {
                "First Name": rng.choice(["Ana", "Bo", "Cy", "Di"]),
                "Last Name": "Lee",
                "Phone": number,
                "Email": f"p{len(rows)}@example.com",
                "Account Name": "Acme",
                "Mailing State/Province": rng.choice(["", "FL", "Kentucky", "WA"]),
                "Mailing Country": "United States",
            }
        )
    return rows


BAD_ROWS = [
    ({"Phone": "12"}, "Phone", "not a"),
    ({"Phone": ""}, "Phone", "no phone number"),
    ({"First Name": ""}, "First Name", "no first name"),
    ({"Email": "not-an-email"}, "Email", "not an email"),
    ({"Phone": "+1 555 0100"}, "Phone", "not"),
    ({"Mailing Country": "Atlantis!"}, "Mailing Country", "not a country"),
    ({"Phone": "call me maybe"}, "Phone", "not a phone number"),
    ({"Phone": "(999) 555-0100"}, "Phone", "not a valid"),
    ({"Email": "a@b"}, "Email", "not an email"),
    ({"First Name": "   "}, "First Name", "no first name"),
]


def test_five_percent_malformed_rows_import_every_good_row_and_report_every_bad_one(
    session, team, tmp_path: Path
):
    rng = random.Random(7)
    rows = _good_rows(190, rng)
    bad_lines: dict[int, tuple[str, str]] = {}
    for index, (change, field, reason) in enumerate(BAD_ROWS):
        row = dict(_good_rows(1, random.Random(1000 + index))[0], **change)
        position = rng.randint(0, len(rows))
        rows.insert(position, row)
        bad_lines = {
            (line + 1 if line >= position + 2 else line): v for line, v in bad_lines.items()
        }
        bad_lines[position + 2] = (field, reason)  # +1 header, +1 one-based
    assert len(BAD_ROWS) / len(rows) == pytest.approx(0.05)
    path = tmp_path / "salesforce.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    report = import_prospects(session, team_id=team.id, path=path)
    session.commit()

    assert report.imported == 190
    assert {(e.line, e.field) for e in report.rejected} == {
        (line, f) for line, (f, _) in bad_lines.items()
    }
    for error in report.rejected:
        assert bad_lines[error.line][1] in error.reason
        assert error.source == str(path)
    stored = session.scalars(sa.select(Prospect)).all()
    assert len(stored) == 190
    assert all(p.phone_e164.startswith("+1") and len(p.phone_e164) == 12 for p in stored)
    assert all(p.time_zone for p in stored)
    out = tmp_path / "report.csv"
    report.write_csv(out)
    assert len(out.read_text().splitlines()) == 1 + len(BAD_ROWS)


def test_hubspot_headers_dedupe_and_address_time_zone(session, team):
    text = (
        "First Name,Last Name,Phone Number,Email,Company Name,State/Region,Country/Region,Segment\n"
        "Ana,Lee,+1 206 555 0148,ana@x.com,Acme,Florida,US,cold\n"
        "Bo,Ray,206-555-0148,bo@x.com,Acme,,US,\n"
        'Cy,"Multi\nLine",+1 502 555 0100,cy@x.com,Acme,KY,US,warm inbound\n'
        "Di,Oz,+1 415 555 0100,di@x.com,Acme,,US,nonsense\n"
    )
    report = import_prospects(session, team_id=team.id, text=text)
    assert report.imported == 2
    assert report.duplicates == [(3, 2)]
    assert [(e.line, e.field) for e in report.rejected] == [(6, "Segment")]
    ana = session.scalars(sa.select(Prospect).where(Prospect.first_name == "Ana")).one()
    # The number is Seattle's; the address says Florida, which is better for the time zone.
    assert (ana.region, ana.phone_region, ana.time_zone) == ("FL", "WA", "America/New_York")
    assert ana.segment is Segment.COLD
    assert ana.line_type is LineType.FIXED_LINE_OR_MOBILE
    cy = session.scalars(sa.select(Prospect).where(Prospect.first_name == "Cy")).one()
    assert cy.segment is Segment.WARM_INBOUND


def test_reimport_updates_instead_of_duplicating(session, team):
    text = "first_name,phone,title\nAna,+1 206 555 0148,VP\n"
    import_prospects(session, team_id=team.id, text=text)
    report = import_prospects(session, team_id=team.id, text=text.replace("VP", "CEO"))
    assert (report.imported, report.updated) == (0, 1)
    assert session.scalars(sa.select(Prospect.title)).one() == "CEO"


def test_outreach_headers_and_manual_mapping():
    assert detect_mapping(["first_name", "mobile_phone", "address_state", "timezone"]) == {
        "first_name": "first_name",
        "phone": "mobile_phone",
        "region": "address_state",
        "time_zone": "timezone",
    }
    assert (
        detect_mapping(["Vorname", "Tel"], {"first_name": "Vorname", "phone": "Tel"})["phone"]
        == "Tel"
    )
    with pytest.raises(InvalidInput, match="not in the file"):
        detect_mapping(["a"], {"phone": "Tel"})


def test_a_file_without_a_phone_column_says_how_to_map_one(session, team):
    with pytest.raises(InvalidInput, match="--map phone=HEADER") as caught:
        import_prospects(session, team_id=team.id, text="name,tel\nAna,1\n")
    assert caught.value.line == 1
