"""Compliance against the database: facts for the engine, and the audit log of decisions.

Owns how a prospect row becomes a ``Target`` and the store's call history, do-not-call lists
and abandoned calls become a ``History``; and writing every decision that gates a touch to
``compliance_decisions`` with the rules that applied and their sources. The rules themselves
live in ``afterbeep.cadence.compliance``; this module decides nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from afterbeep.cadence._regions import normalise_region, number_facts
from afterbeep.cadence.compliance import ComplianceEngine, Decision, History, Target, default_engine
from afterbeep.store import (
    CallAttempt,
    Channel,
    ComplianceDecision,
    DncEntry,
    DncImport,
    Prospect,
    Touch,
    TouchStatus,
)

__all__ = [
    "CAP_CHANNELS",
    "check_number",
    "check_prospect",
    "history_for",
    "record_decision",
    "target_for_number",
    "target_for_prospect",
]

CAP_CHANNELS = (Channel.CALL, Channel.VOICEMAIL)
"""Touches that count as calls for the per-24 h caps."""

_GEOGRAPHIC_ZONES = 3  # a number that may be in more zones than this says nothing useful


def _zones(own: str | None, phone_zones: Iterable[str]) -> tuple[str, ...]:
    phone = [z for z in phone_zones if z]
    zones: list[str] = [own] if own else []
    if len(phone) <= _GEOGRAPHIC_ZONES or not zones:
        zones.extend(z for z in phone if z not in zones)
    return tuple(zones)


def target_for_prospect(prospect: Prospect, *, at: datetime | None = None) -> Target:
    """The engine's view of a prospect: address and number both count, consents on record."""
    facts = number_facts(prospect.phone_e164)
    country = prospect.country or facts.country
    regions: list[str] = []
    for region in (normalise_region(prospect.region, country), prospect.phone_region):
        if region and region not in regions:
            regions.append(region)
    if facts.region and facts.country == country and facts.region not in regions:
        regions.append(facts.region)
    phone_zones = prospect.phone_time_zones.split() if prospect.phone_time_zones else []
    consents = {
        consent.channel: consent.written
        for consent in prospect.consents
        if consent.revoked_at is None and (at is None or consent.granted_at <= at)
    }
    return Target(
        phone_e164=prospect.phone_e164,
        country=country,
        regions=tuple(regions),
        time_zones=_zones(prospect.time_zone, phone_zones or facts.time_zones),
        line_type=str(prospect.line_type),
        consents=consents,
    )


def target_for_number(
    e164: str, *, region: str | None = None, time_zone: str | None = None
) -> Target:
    """The engine's view of a bare number (no prospect row): what the number itself says."""
    facts = number_facts(e164)
    regions = [r for r in (normalise_region(region, facts.country), facts.region) if r]
    return Target(
        phone_e164=e164,
        country=facts.country,
        regions=tuple(dict.fromkeys(regions)),
        time_zones=_zones(time_zone, facts.time_zones),
        line_type=facts.line_type,
        consents={},
    )


def history_for(
    session: Session,
    *,
    team_id: int,
    phone_e164: str,
    prospect_id: int | None,
    at: datetime,
    campaign_id: int | None = None,
    abandon_windows: Iterable[int] = (),
    exclude_touch_id: int | None = None,
) -> History:
    """Calls around ``at``, do-not-call listings, list freshness and abandoned-call counts."""
    span = timedelta(hours=48)
    calls: list[datetime] = []
    if prospect_id is not None:
        calls.extend(
            session.scalars(
                sa.select(CallAttempt.started_at).where(
                    CallAttempt.prospect_id == prospect_id,
                    CallAttempt.started_at > at - span,
                    CallAttempt.started_at < at + span,
                )
            )
        )
        touch_query = sa.select(Touch.due_at, Touch.done_at).where(
            Touch.prospect_id == prospect_id,
            Touch.channel.in_(CAP_CHANNELS),
            Touch.status.in_((TouchStatus.PLANNED, TouchStatus.RUNNING, TouchStatus.DONE)),
            Touch.due_at > at - span,
            Touch.due_at < at + span,
        )
        if exclude_touch_id is not None:
            touch_query = touch_query.where(Touch.id != exclude_touch_id)
        # A touch that was run is already a call attempt when it was a call; count the rest.
        calls.extend(due for due, done in session.execute(touch_query) if done is None)
    dnc: dict[str, datetime] = {}
    for list_name, listed_at in session.execute(
        sa.select(DncEntry.list_name, sa.func.min(DncEntry.listed_at))
        .where(DncEntry.team_id == team_id, DncEntry.phone_e164 == phone_e164)
        .group_by(DncEntry.list_name)
    ):
        dnc[str(list_name)] = listed_at
    if prospect_id is not None:
        flagged = session.execute(
            sa.select(Prospect.do_not_call, Prospect.do_not_call_at, Prospect.created_at).where(
                Prospect.id == prospect_id
            )
        ).one_or_none()
        if flagged is not None and flagged[0]:
            listed = flagged[1] or flagged[2]
            dnc["internal"] = min(listed, dnc.get("internal", listed))
    scrubbed = {
        str(list_name): imported_at
        for list_name, imported_at in session.execute(
            sa.select(DncImport.list_name, sa.func.max(DncImport.imported_at))
            .where(DncImport.team_id == team_id, DncImport.imported_at <= at)
            .group_by(DncImport.list_name)
        )
    }
    abandon: dict[int, tuple[int, int]] = {}
    if campaign_id is not None:
        for hours in set(abandon_windows):
            answered, abandoned = session.execute(
                sa.select(
                    sa.func.count(CallAttempt.answered_at),
                    sa.func.count().filter(CallAttempt.abandoned.is_(True)),
                ).where(
                    CallAttempt.campaign_id == campaign_id,
                    CallAttempt.started_at > at - timedelta(hours=hours),
                    CallAttempt.started_at <= at,
                )
            ).one()
            abandon[hours] = (int(answered), int(abandoned))
    return History(recent_calls=tuple(calls), dnc=dnc, scrubbed_at=scrubbed, abandon=abandon)


def record_decision(
    session: Session,
    decision: Decision,
    *,
    team_id: int | None,
    prospect_id: int | None = None,
    touch_id: int | None = None,
) -> ComplianceDecision:
    """Add ``decision`` to the audit log (flushed with the session's next commit)."""
    row = ComplianceDecision(
        team_id=team_id,
        prospect_id=prospect_id,
        touch_id=touch_id,
        phone_e164=decision.phone_e164,
        channel=decision.channel,
        action_at=decision.at,
        verdict=decision.verdict,
        not_before=decision.not_before,
        jurisdictions=list(decision.jurisdictions),
        rules=[rule.as_dict() for rule in decision.rules],
        reason=decision.reason,
    )
    session.add(row)
    return row


def check_prospect(
    session: Session,
    prospect: Prospect,
    channel: Channel,
    at: datetime,
    *,
    campaign_id: int | None = None,
    touch_id: int | None = None,
    engine: ComplianceEngine | None = None,
    record: bool = True,
) -> Decision:
    """Decide a touch to ``prospect`` at ``at`` from the database's facts; log it."""
    engine = engine or default_engine()
    target = target_for_prospect(prospect, at=at)
    policy = engine.policy_for(target, channel)
    history = history_for(
        session,
        team_id=prospect.team_id,
        phone_e164=prospect.phone_e164,
        prospect_id=prospect.id,
        at=at,
        campaign_id=campaign_id,
        abandon_windows=[rule.window_hours for rule in policy.abandon if rule.window_hours],
        exclude_touch_id=touch_id,
    )
    decision = engine.decide(target, channel, at, history)
    if record:
        record_decision(
            session, decision, team_id=prospect.team_id, prospect_id=prospect.id, touch_id=touch_id
        )
    return decision


def check_number(
    session: Session,
    e164: str,
    channel: Channel,
    at: datetime,
    *,
    team_id: int,
    region: str | None = None,
    time_zone: str | None = None,
    engine: ComplianceEngine | None = None,
    record: bool = True,
) -> Decision:
    """Decide a touch to a number; uses the team's prospect row for it when there is one."""
    prospect = session.scalars(
        sa.select(Prospect).where(Prospect.team_id == team_id, Prospect.phone_e164 == e164)
    ).one_or_none()
    if prospect is not None and region is None and time_zone is None:
        return check_prospect(session, prospect, channel, at, engine=engine, record=record)
    engine = engine or default_engine()
    target = target_for_number(e164, region=region, time_zone=time_zone)
    history = history_for(
        session,
        team_id=team_id,
        phone_e164=e164,
        prospect_id=prospect.id if prospect else None,
        at=at,
    )
    decision = engine.decide(target, channel, at, history)
    if record:
        record_decision(
            session, decision, team_id=team_id, prospect_id=prospect.id if prospect else None
        )
    return decision
