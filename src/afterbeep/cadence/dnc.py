"""Do-not-call lists: import a national registry download or an internal list, record an
opt-out, and say by when an opt-out must be honoured.

Owns the ``dnc_entries`` and ``dnc_imports`` rows. A bad line of an import file is reported
with its line number and never stops the good ones. afterbeep honours an opt-out from the
instant it is recorded; the legal deadline (``opt_out_deadline``) is what a report checks
against. Whether a listed number may be called is the compliance engine's decision.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays as holidays_lib
import sqlalchemy as sa
from sqlalchemy.orm import Session

from afterbeep.cadence.compliance import ComplianceEngine, RuleKind, default_engine
from afterbeep.errors import InvalidInput
from afterbeep.phone import parse_phone
from afterbeep.store import DncEntry, DncImport, DncList, Prospect, utcnow

__all__ = ["DncImportReport", "import_dnc", "opt_out_deadline", "record_opt_out"]


@dataclass
class DncImportReport:
    """What an import did: numbers added, already listed, and every rejected line."""

    list_name: DncList
    added: int = 0
    already_listed: int = 0
    rejected: list[InvalidInput] = field(default_factory=list)


def _numbers(
    text: str, source: str, region: str
) -> tuple[list[tuple[int, str]], list[InvalidInput]]:
    good: list[tuple[int, str]] = []
    bad: list[InvalidInput] = []
    for line_number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row if cell.strip()]
        if not cells or cells[0].startswith("#"):
            continue
        # Registry downloads are "area code, number" or one number per line.
        raw = (
            "".join(cells[:2])
            if len(cells) >= 2 and cells[0].isdigit() and len(cells[0]) == 3
            else cells[0]
        )
        if line_number == 1 and not any(ch.isdigit() for ch in raw):
            continue  # a header line
        try:
            good.append((line_number, parse_phone(raw, region=region, source=source).e164))
        except InvalidInput as error:
            bad.append(InvalidInput(error.reason, source=source, line=line_number, field="phone"))
    return good, bad


def import_dnc(
    session: Session,
    *,
    team_id: int,
    list_name: DncList,
    path: Path | None = None,
    text: str | None = None,
    region: str = "US",
    imported_at: datetime | None = None,
    source: str | None = None,
) -> DncImportReport:
    """Add every valid number of a list file to the team's list; record the import's date.

    The import date is what the scrub-age rules (at most 31 days) measure.
    """
    if (path is None) == (text is None):
        raise InvalidInput("give either a path or the text of a do-not-call list", field="path")
    name = str(path) if path is not None else source or "<text>"
    body = path.read_text(encoding="utf-8-sig") if path is not None else text or ""
    when = imported_at or utcnow()
    report = DncImportReport(list_name=list_name)
    numbers, report.rejected = _numbers(body, name, region)
    unique = list(dict.fromkeys(e164 for _, e164 in numbers))
    existing: set[str] = set()
    for start in range(0, len(unique), 5000):
        chunk = unique[start : start + 5000]
        existing.update(
            session.scalars(
                sa.select(DncEntry.phone_e164).where(
                    DncEntry.team_id == team_id,
                    DncEntry.list_name == list_name,
                    DncEntry.phone_e164.in_(chunk),
                )
            )
        )
    new = [e164 for e164 in unique if e164 not in existing]
    if new:
        session.execute(
            sa.insert(DncEntry),
            [
                {
                    "team_id": team_id,
                    "list_name": list_name,
                    "phone_e164": e164,
                    "listed_at": when,
                    "source": name[:500],
                }
                for e164 in new
            ],
        )
    report.added = len(new)
    report.already_listed = len(numbers) - len(new)
    session.add(
        DncImport(
            team_id=team_id,
            list_name=list_name,
            imported_at=when,
            numbers=len(unique),
            source=name[:500],
        )
    )
    return report


def record_opt_out(
    session: Session,
    prospect: Prospect,
    *,
    at: datetime | None = None,
    source: str = "prospect asked",
) -> DncEntry:
    """Put the prospect on the team's internal list and flag them; honoured from now on."""
    when = at or utcnow()
    prospect.do_not_call = True
    prospect.do_not_call_at = when
    entry = session.scalars(
        sa.select(DncEntry).where(
            DncEntry.team_id == prospect.team_id,
            DncEntry.list_name == DncList.INTERNAL,
            DncEntry.phone_e164 == prospect.phone_e164,
        )
    ).one_or_none()
    if entry is None:
        entry = DncEntry(
            team_id=prospect.team_id,
            list_name=DncList.INTERNAL,
            phone_e164=prospect.phone_e164,
            listed_at=when,
            source=source,
        )
        session.add(entry)
    return entry


def opt_out_deadline(
    listed_at: datetime, *, country: str, engine: ComplianceEngine | None = None
) -> datetime:
    """The latest instant the law allows for honouring an opt-out recorded at ``listed_at``.

    Uses the country's internal-list rule (US: 10 business days; Canada: 14 days); a country
    without one gets the shortest deadline of any rule.
    """
    engine = engine or default_engine()
    rules = [
        r
        for r in engine.rules
        if r.kind is RuleKind.DNC and r.list == "internal" and r.honour_within_days is not None
    ]
    own = [r for r in rules if r.jurisdiction == country]
    rule = min(own or rules, key=lambda r: r.honour_within_days or 0)
    days = rule.honour_within_days or 0
    if not rule.business_days:
        return listed_at + timedelta(days=days)
    calendar = holidays_lib.country_holidays(country) if country else {}
    day: date = listed_at.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in calendar:
            counted += 1
    return listed_at + timedelta(days=(day - listed_at.date()).days)
