"""Synthetic teams for tests and benchmarks: prospects across jurisdictions, reps, a campaign.

Reproducible from a seed; written with bulk inserts so 100,000 prospects take seconds. Owns
nothing the product uses.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from afterbeep.cadence._regions import number_facts
from afterbeep.cadence.dnc import import_dnc
from afterbeep.cadence.sequences import create_sequence
from afterbeep.store import (
    Campaign,
    CampaignStatus,
    DncList,
    Enrollment,
    LineType,
    Prospect,
    Role,
    Segment,
    Team,
    User,
)

__all__ = ["AREA_CODES", "build_team"]

# Area codes across the jurisdictions with their own rules, and a few without.
AREA_CODES = (
    "305", "813", "405", "918", "206", "509", "502", "859", "205", "251", "504", "225",
    "415", "213", "212", "617", "312", "713", "602", "808",
)  # fmt: skip
_OTHER = ("+1416", "+1604", "+4420", "+3314")  # Toronto, Vancouver, London, Paris


def build_team(
    session: Session,
    *,
    prospects: int,
    now: datetime,
    seed: int = 1,
    reps: int = 10,
    rep_capacity: int = 200,
    name: str = "Synthetic",
    segment: Segment = Segment.COLD,
) -> Team:
    """A team with ``prospects`` enrolled prospects in one active campaign; returns the team."""
    rng = random.Random(seed)
    team = Team(name=name)
    session.add(team)
    session.flush()
    for index in range(reps):
        session.add(
            User(
                team_id=team.id,
                email=f"rep{index}@{name.lower()}.example",
                full_name=f"Rep {index}",
                role=Role.REP,
                daily_capacity=rep_capacity,
            )
        )
    sequence = create_sequence(session, team_id=team.id, name="Default", segment=segment)
    campaign = Campaign(
        team_id=team.id, name="Synthetic campaign", sequence=sequence, status=CampaignStatus.ACTIVE
    )
    session.add(campaign)
    session.flush()
    templates: dict[str, tuple[str | None, str | None, str | None, str]] = {}
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    while len(rows) < prospects:
        if rng.random() < 0.04:
            prefix = rng.choice(_OTHER)
            e164 = prefix + "".join(str(rng.randint(0, 9)) for _ in range(8))
            if prefix.startswith("+1"):
                e164 = prefix + str(rng.randint(200, 999)) + f"{rng.randint(0, 9999):04d}"
        else:
            e164 = f"+1{rng.choice(AREA_CODES)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        if e164 in seen:
            continue
        seen.add(e164)
        key = e164[:5]
        if key not in templates:
            facts = number_facts(e164)
            templates[key] = (
                facts.country,
                facts.region,
                " ".join(facts.time_zones) or None,
                facts.line_type,
            )
        country, region, zones, line_type = templates[key]
        rows.append(
            {
                "team_id": team.id,
                "phone_e164": e164,
                "first_name": "Pat",
                "country": country,
                "region": region if rng.random() < 0.7 else None,
                "phone_region": region,
                "phone_time_zones": zones,
                "time_zone": zones.split()[0] if zones and " " not in zones else None,
                "line_type": LineType(line_type),
                "custom_fields": {},
                "do_not_call": False,
                "segment": segment,
                "created_at": now - timedelta(days=30),
                "updated_at": now - timedelta(days=30),
            }
        )
    for start in range(0, len(rows), 5000):
        session.execute(sa.insert(Prospect), rows[start : start + 5000])
    ids = session.scalars(sa.select(Prospect.id).where(Prospect.team_id == team.id)).all()
    enrollments = [
        {
            "campaign_id": campaign.id,
            "prospect_id": prospect_id,
            "status": "active",
            "next_position": 1,
            "enrolled_at": now - timedelta(hours=1),
        }
        for prospect_id in ids
    ]
    for start in range(0, len(enrollments), 5000):
        session.execute(sa.insert(Enrollment), enrollments[start : start + 5000])
    listed = "\n".join(rng.sample(sorted(seen), max(1, len(seen) // 100)))
    import_dnc(
        session,
        team_id=team.id,
        list_name=DncList.NATIONAL,
        text=listed,
        imported_at=now - timedelta(days=3),
    )
    return team
