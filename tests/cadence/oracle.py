"""An independent check of calling rules, straight from the rule table and the holidays package.

Used by the property tests: it re-reads the raw rules (not the engine's merged policies) and
says whether a call at an instant breaks any of them, so a bug in the engine's merging or
time arithmetic cannot hide behind itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

from afterbeep.cadence.compliance import ComplianceEngine, RuleKind, Target
from afterbeep.store import Channel


def violations(
    engine: ComplianceEngine,
    target: Target,
    channel: Channel,
    at: datetime,
    calls: Iterable[datetime] = (),
) -> list[str]:
    """Every rule a call at ``at`` would break (empty: within the law as the table says)."""
    broken = []
    rules = engine.rules_for(engine.jurisdictions_for(target))
    zones = [ZoneInfo(z) for z in target.time_zones] or [
        ZoneInfo("Etc/GMT+12"),
        ZoneInfo("Pacific/Kiritimati"),
    ]
    for zone in zones:
        local = at.astimezone(zone)
        minute = local.hour * 60 + local.minute
        for rule in rules:
            if channel not in rule.channels:
                continue
            if rule.kind is RuleKind.HOURS and local.weekday() in rule.days:
                assert rule.start is not None
                assert rule.end is not None
                start = rule.start.hour * 60 + rule.start.minute
                end = rule.end.hour * 60 + rule.end.minute
                if not start <= minute < end:
                    broken.append(f"{rule.id} at {local:%a %H:%M} {zone.key}")
            if rule.kind is RuleKind.NO_DAYS:
                if local.weekday() in rule.days:
                    broken.append(f"{rule.id} on {local:%A}")
                if rule.holidays and target.country:
                    for region in target.regions or (None,):
                        try:
                            calendar = holidays.country_holidays(target.country, subdiv=region)
                        except NotImplementedError:
                            calendar = holidays.country_holidays(target.country)
                        if local.date() in calendar:
                            broken.append(f"{rule.id} on holiday {local.date()}")
    for rule in rules:
        if rule.kind is RuleKind.CAP and channel in rule.channels:
            assert rule.max_calls is not None
            assert rule.per_hours is not None
            span = timedelta(hours=rule.per_hours)
            every = sorted([*calls, at])
            for index, first in enumerate(every):
                inside = [c for c in every[index:] if c - first < span]
                if len(inside) > rule.max_calls:
                    broken.append(f"{rule.id}: {len(inside)} calls within {rule.per_hours} h")
                    break
    return broken
