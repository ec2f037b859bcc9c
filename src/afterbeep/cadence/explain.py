"""Explanations: for one prospect, which touches are planned or blocked, and which rules decided.

Owns finding a prospect by id or number and putting together, for each of its touches, the
planner's reasons (slot, wait, voicemail spacing, capacity) and the compliance engine's
decision at the planned instant with every rule's id, effect and source. Read-only: the
decision it shows is recomputed and not written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from afterbeep.cadence.audit import check_prospect, target_for_prospect
from afterbeep.cadence.compliance import CALL_CHANNELS, ComplianceEngine, Decision, default_engine
from afterbeep.errors import InvalidInput
from afterbeep.phone import parse_phone
from afterbeep.store import Prospect, Touch, utcnow

__all__ = ["Explanation", "TouchExplanation", "explain_prospect", "find_prospect"]


@dataclass(frozen=True)
class TouchExplanation:
    touch_id: int
    position: int
    channel: str
    status: str
    due_at: datetime
    due_local: datetime | None
    planner_reasons: tuple[str, ...]
    decision: Decision | None


@dataclass(frozen=True)
class Explanation:
    prospect_id: int
    phone_e164: str
    jurisdictions: tuple[str, ...]
    time_zones: tuple[str, ...]
    line_type: str
    touches: tuple[TouchExplanation, ...]


def find_prospect(session: Session, ref: str, *, team_id: int | None = None) -> Prospect:
    """A prospect by id (``42``) or phone number; ``InvalidInput`` when none or several match."""
    query = sa.select(Prospect)
    if team_id is not None:
        query = query.where(Prospect.team_id == team_id)
    if ref.isdigit() and len(ref) < 9:
        found = session.scalars(query.where(Prospect.id == int(ref))).all()
    else:
        e164 = parse_phone(ref, field="prospect").e164
        found = session.scalars(query.where(Prospect.phone_e164 == e164)).all()
    if not found:
        raise InvalidInput(f"no prospect {ref!r}; give its id or phone number", field="prospect")
    if len(found) > 1:
        raise InvalidInput(
            f"{len(found)} teams have a prospect {ref!r}; say which with --team", field="prospect"
        )
    return found[0]


def explain_prospect(
    session: Session,
    prospect: Prospect,
    *,
    engine: ComplianceEngine | None = None,
    limit: int = 20,
) -> Explanation:
    """The prospect's latest touches with the planner's reasons and the rules that decided."""
    engine = engine or default_engine()
    target = target_for_prospect(prospect, at=utcnow())
    touches = session.scalars(
        sa.select(Touch)
        .where(Touch.prospect_id == prospect.id)
        .order_by(Touch.due_at.desc(), Touch.id.desc())
        .limit(limit)
    ).all()
    zone = ZoneInfo(target.time_zones[0]) if target.time_zones else None
    explained = []
    for touch in touches:
        decision = None
        if touch.channel in CALL_CHANNELS:
            decision = check_prospect(
                session,
                prospect,
                touch.channel,
                touch.due_at,
                touch_id=touch.id,
                engine=engine,
                record=False,
            )
        explained.append(
            TouchExplanation(
                touch_id=touch.id,
                position=touch.position,
                channel=str(touch.channel),
                status=str(touch.status),
                due_at=touch.due_at,
                due_local=touch.due_at.astimezone(zone) if zone else None,
                planner_reasons=tuple(touch.rule_ids or ()),
                decision=decision,
            )
        )
    return Explanation(
        prospect_id=prospect.id,
        phone_e164=prospect.phone_e164,
        jurisdictions=engine.jurisdictions_for(target),
        time_zones=target.time_zones,
        line_type=target.line_type,
        touches=tuple(explained),
    )
