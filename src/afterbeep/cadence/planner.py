"""The planner: the next touch of every active enrollment, in the prospect's local time.

Owns *when* and *by whom*: the wait after the previous touch, voicemails spaced at least N
business days apart, preferred windows (early morning and mid-afternoon, Tuesday-Thursday
in full, no Monday mornings or Friday afternoons, no weekends; all configurable), rotating
the time of day between attempts, and each rep's daily capacity. It owns no law: every
candidate instant for a call, voicemail or text comes from the compliance engine and is
decided by it before it is stored, with the rules that moved it.

Built for volume: all facts are read with a handful of bulk queries, legal windows are
cached per jurisdiction set, zone and day, and touches are written in bulk.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.orm import Session

from afterbeep.cadence._regions import normalise_region, number_facts
from afterbeep.cadence.audit import CAP_CHANNELS, _zones
from afterbeep.cadence.compliance import (
    CALL_CHANNELS,
    ComplianceEngine,
    History,
    Target,
    default_engine,
)
from afterbeep.cadence.sequences import StepCondition
from afterbeep.errors import ConfigError
from afterbeep.settings import read_config_file
from afterbeep.store import (
    CallAttempt,
    Campaign,
    CampaignStatus,
    Channel,
    Consent,
    DncEntry,
    DncImport,
    Enrollment,
    EnrollmentStatus,
    Outcome,
    OutcomeKind,
    Prospect,
    Role,
    SequenceStep,
    Touch,
    TouchStatus,
    User,
    Verdict,
)

__all__ = ["PlanReport", "PlannedTouch", "PlannerSettings", "Slot", "load_planner_settings", "plan"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CAPACITY_CHANNELS = frozenset(
    {
        Channel.CALL,
        Channel.VOICEMAIL,
        Channel.SOCIAL,
        Channel.MAIL,
        Channel.VIDEO,
        Channel.FACE_TO_FACE,
    }
)
_NO_LISTING: dict[str, datetime] = {}
_STOPPING = (OutcomeKind.REPLY, OutcomeKind.CALLBACK, OutcomeKind.MEETING)


class Slot(BaseModel):
    """A preferred window of the local day."""

    model_config = ConfigDict(frozen=True)

    name: str
    start: time
    end: time


class PlannerSettings(BaseModel):
    """How the planner spreads touches; every field can be set in ``[cadence.planner]``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slots: tuple[Slot, ...] = (
        Slot(name="early-morning", start=time(8, 0), end=time(10, 0)),
        Slot(name="mid-afternoon", start=time(14, 0), end=time(16, 0)),
        Slot(name="late-morning", start=time(10, 0), end=time(11, 30)),
        Slot(name="late-afternoon", start=time(16, 0), end=time(17, 30)),
    )
    days: frozenset[str] = frozenset({"mon", "tue", "wed", "thu", "fri"})
    avoid: tuple[tuple[str, time, time], ...] = (
        ("mon", time(0, 0), time(12, 0)),  # Monday morning: inboxes and catch-up
        ("fri", time(12, 0), time(23, 59)),  # Friday afternoon: people are gone
    )
    voicemail_spacing_business_days: int = Field(default=2, ge=1)
    rep_daily_capacity: int = Field(default=80, ge=1)
    horizon_days: int = Field(default=21, ge=1, le=60)
    spread_minutes: int = Field(default=5, ge=1)

    @field_validator("days")
    @classmethod
    def _known_days(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(set(value) - set(_DAYS))
        if unknown:
            raise ValueError(f"days must be among {', '.join(_DAYS)}, got {unknown}")
        return value


def load_planner_settings(table: Mapping[str, Any] | None = None) -> PlannerSettings:
    """Planner settings from ``[cadence.planner]`` of ``afterbeep.toml`` (or ``table``).

    Example::

        [cadence.planner]
        days = ["tue", "wed", "thu"]
        voicemail_spacing_business_days = 3
        rep_daily_capacity = 60
        slots = [{name = "early-morning", start = "08:00", end = "09:30"}]
    """
    if table is None:
        table = read_config_file().get("cadence", {}).get("planner", {})
    try:
        return PlannerSettings(**dict(table or {}))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"[cadence.planner].{where}: {first['msg']}") from error


@dataclass(frozen=True, slots=True)
class PlannedTouch:
    enrollment_id: int
    prospect_id: int
    position: int
    channel: Channel
    due_at: datetime | None
    rep_id: int | None
    status: TouchStatus
    rule_ids: tuple[str, ...]


@dataclass
class PlanReport:
    """What a planning run did."""

    planned: int = 0
    blocked: int = 0
    finished: int = 0
    stopped: int = 0
    skipped_open: int = 0
    touches: list[PlannedTouch] = field(default_factory=list)
    seconds_loading: float = 0.0
    seconds_planning: float = 0.0
    seconds_writing: float = 0.0


_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class _Step:
    """A sequence step as plain values (no ORM attribute access in the hot loop)."""

    channel: Channel
    wait: timedelta
    variant: str | None
    conditions: frozenset[str]


@dataclass(slots=True)
class _Row:
    enrollment_id: int
    campaign_id: int
    sequence_id: int
    blitz: bool
    position: int
    enrolled_at: datetime
    prospect_id: int
    phone: str
    country: str | None
    region: str | None
    phone_region: str | None
    time_zone: str | None
    phone_zones: str | None
    line_type: str
    do_not_call: bool


def _chunks(values: list[int], size: int = 5000) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Capacity:
    def __init__(self, reps: list[tuple[int, int]]) -> None:
        self.reps = reps  # (rep id, daily capacity)
        self.load: dict[tuple[int, date], int] = defaultdict(int)
        self.full: set[date] = set()
        self._next = 0

    def is_full(self, day: date) -> bool:
        return bool(self.reps) and day in self.full

    def take(self, day: date, preferred: int | None) -> int | None:
        if not self.reps:
            return None
        if day in self.full:
            return -1
        order = self.reps
        if preferred is not None:
            order = sorted(self.reps, key=lambda r: r[0] != preferred)
        else:  # round robin so no rep fills first
            self._next = (self._next + 1) % len(self.reps)
            order = self.reps[self._next :] + self.reps[: self._next]
        for rep_id, capacity in order:
            if self.load[(rep_id, day)] < capacity:
                self.load[(rep_id, day)] += 1
                return rep_id
        self.full.add(day)
        return -1  # everyone is full that day


def _business_days_after(
    start: datetime, days: int, zone: ZoneInfo, country: str | None
) -> datetime:
    calendar = _calendar(country)
    day = start.astimezone(zone).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and (calendar is None or day not in calendar):
            counted += 1
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


_CALENDARS: dict[str | None, Any] = {}


def _calendar(country: str | None) -> Any:
    if country not in _CALENDARS:
        try:
            _CALENDARS[country] = holidays_lib.country_holidays(country) if country else None
        except NotImplementedError:
            _CALENDARS[country] = None
    return _CALENDARS[country]


def plan(
    session: Session,
    *,
    team_id: int,
    now: datetime,
    settings: PlannerSettings | None = None,
    engine: ComplianceEngine | None = None,
    keep_touches: bool = False,
) -> PlanReport:
    """Plan the next touch of every active enrollment of the team's active campaigns.

    Enrollments that already have a planned or running touch are left alone (planning is
    idempotent). Writes the touches (``planned``, or ``blocked`` with the denying rules) and
    finishes enrollments that ran out of steps or got a reply; the caller commits.
    """
    import time as clock

    settings = settings or PlannerSettings()
    engine = engine or default_engine()
    report = PlanReport()
    started = clock.perf_counter()

    open_touch = (
        sa.select(Touch.id)
        .where(
            Touch.enrollment_id == Enrollment.id,
            Touch.status.in_((TouchStatus.PLANNED, TouchStatus.RUNNING)),
        )
        .exists()
    )
    query = (
        sa.select(
            Enrollment.id,
            Enrollment.campaign_id,
            Campaign.sequence_id,
            Campaign.blitz,
            Enrollment.next_position,
            Enrollment.enrolled_at,
            Prospect.id,
            Prospect.phone_e164,
            Prospect.country,
            Prospect.region,
            Prospect.phone_region,
            Prospect.time_zone,
            Prospect.phone_time_zones,
            Prospect.line_type,
            Prospect.do_not_call,
        )
        .join(Campaign, Campaign.id == Enrollment.campaign_id)
        .join(Prospect, Prospect.id == Enrollment.prospect_id)
        .where(
            Campaign.team_id == team_id,
            Campaign.status == CampaignStatus.ACTIVE,
            Campaign.sequence_id.is_not(None),
            Enrollment.status == EnrollmentStatus.ACTIVE,
            ~open_touch,
        )
        .order_by(Enrollment.id)
    )
    rows = [_Row(*r) for r in session.execute(query)]  # type: ignore[arg-type, call-arg]
    if not rows:
        report.seconds_loading = clock.perf_counter() - started
        return report
    prospect_ids = {r.prospect_id for r in rows}
    enrollment_ids = [r.enrollment_id for r in rows]
    sequence_ids = sorted({r.sequence_id for r in rows})

    steps: dict[int, dict[int, _Step]] = defaultdict(dict)
    for stored in session.scalars(
        sa.select(SequenceStep).where(SequenceStep.sequence_id.in_(sequence_ids))
    ):
        steps[stored.sequence_id][stored.position] = _Step(
            channel=Channel(stored.channel),
            wait=timedelta(minutes=stored.wait_minutes),
            variant=stored.variant,
            conditions=frozenset(stored.conditions or ()),
        )
    last_steps = {sid: max(positions) for sid, positions in steps.items()}

    # Facts about earlier touches, in bulk: team-scoped scans, no per-prospect queries.
    wanted = set(enrollment_ids)
    wanted_prospects = prospect_ids
    last_done: dict[int, tuple[datetime, int | None]] = {}
    attempts: dict[int, int] = defaultdict(int)
    existing_keys: set[str] = set()
    last_voicemail: dict[int, datetime] = {}
    recent: dict[int, list[datetime]] = defaultdict(list)
    capacity_load: list[tuple[int, datetime]] = []
    open_statuses = (TouchStatus.PLANNED, TouchStatus.RUNNING)
    for (
        enrollment_id,
        prospect_id,
        channel,
        status,
        due_at,
        done_at,
        rep_id,
        key,
    ) in session.execute(
        sa.select(
            Touch.enrollment_id,
            Touch.prospect_id,
            Touch.channel,
            Touch.status,
            Touch.due_at,
            Touch.done_at,
            Touch.rep_id,
            Touch.key,
        ).where(Touch.team_id == team_id)
    ):
        if status in open_statuses:
            if rep_id is not None and due_at >= now - timedelta(days=1):
                capacity_load.append((rep_id, due_at))
            if channel in CAP_CHANNELS and prospect_id in wanted_prospects:
                recent[prospect_id].append(due_at)
        if enrollment_id in wanted:
            existing_keys.add(key)
            attempts[enrollment_id] += 1
            if done_at is not None:
                previous = last_done.get(enrollment_id)
                if previous is None or done_at > previous[0]:
                    last_done[enrollment_id] = (done_at, rep_id)
        if (
            channel is Channel.VOICEMAIL
            and done_at is not None
            and prospect_id in wanted_prospects
            and (prospect_id not in last_voicemail or done_at > last_voicemail[prospect_id])
        ):
            last_voicemail[prospect_id] = done_at
    consents: dict[int, dict[Channel, bool]] = defaultdict(dict)
    stopped: dict[int, tuple[datetime, OutcomeKind]] = {}
    window_start = now - timedelta(hours=48)
    for prospect_id, started_at in session.execute(
        sa.select(CallAttempt.prospect_id, CallAttempt.started_at).where(
            CallAttempt.team_id == team_id, CallAttempt.started_at > window_start
        )
    ):
        if prospect_id in wanted_prospects:
            recent[prospect_id].append(started_at)
    for prospect_id, channel, written in session.execute(
        sa.select(Consent.prospect_id, Consent.channel, Consent.written)
        .join(Prospect, Prospect.id == Consent.prospect_id)
        .where(
            Prospect.team_id == team_id,
            Consent.revoked_at.is_(None),
            Consent.granted_at <= now,
        )
    ):
        consents[prospect_id][Channel(channel)] = bool(written)
    for prospect_id, kind, occurred_at in session.execute(
        sa.select(Outcome.prospect_id, Outcome.kind, sa.func.max(Outcome.occurred_at))
        .join(Prospect, Prospect.id == Outcome.prospect_id)
        .where(Prospect.team_id == team_id, Outcome.kind.in_((*_STOPPING, OutcomeKind.OPT_OUT)))
        .group_by(Outcome.prospect_id, Outcome.kind)
    ):
        kind = OutcomeKind(kind)
        if prospect_id not in stopped or kind is OutcomeKind.OPT_OUT:
            stopped[prospect_id] = (occurred_at, kind)
    listed: dict[str, dict[str, datetime]] = defaultdict(dict)
    for phone, list_name, listed_at in session.execute(
        sa.select(DncEntry.phone_e164, DncEntry.list_name, sa.func.min(DncEntry.listed_at))
        .join(
            Prospect,
            sa.and_(
                Prospect.phone_e164 == DncEntry.phone_e164, Prospect.team_id == DncEntry.team_id
            ),
        )
        .where(DncEntry.team_id == team_id)
        .group_by(DncEntry.phone_e164, DncEntry.list_name)
    ):
        listed[phone][str(list_name)] = listed_at
    opted_out_at: dict[int, datetime] = {
        prospect_id: flagged_at or created_at
        for prospect_id, flagged_at, created_at in session.execute(
            sa.select(Prospect.id, Prospect.do_not_call_at, Prospect.created_at).where(
                Prospect.team_id == team_id, Prospect.do_not_call.is_(True)
            )
        )
    }
    scrubbed = {
        str(list_name): imported_at
        for list_name, imported_at in session.execute(
            sa.select(DncImport.list_name, sa.func.max(DncImport.imported_at))
            .where(DncImport.team_id == team_id, DncImport.imported_at <= now)
            .group_by(DncImport.list_name)
        )
    }
    reps = [
        (rep_id, capacity or settings.rep_daily_capacity)
        for rep_id, capacity in session.execute(
            sa.select(User.id, User.daily_capacity)
            .where(User.team_id == team_id, User.active.is_(True), User.role == Role.REP)
            .order_by(User.id)
        )
    ]
    capacity = _Capacity(reps)
    for rep_id, due_at in capacity_load:
        capacity.load[(rep_id, due_at.date())] += 1
    report.seconds_loading = clock.perf_counter() - started
    started = clock.perf_counter()

    planner = _Planner(engine, settings, now)
    quiet = History(recent_calls=(), dnc=_NO_LISTING, scrubbed_at=scrubbed)
    writer = _TouchWriter(session)
    finished: list[int] = []
    opted_out: list[int] = []
    for row in rows:
        stop = stopped.get(row.prospect_id)
        if stop is not None and stop[0] >= row.enrolled_at and stop[1] is OutcomeKind.OPT_OUT:
            opted_out.append(row.enrollment_id)  # an opt-out always ends the enrollment
            report.stopped += 1
            continue
        sequence_steps = steps.get(row.sequence_id, {})
        position = row.position
        step: _Step | None = sequence_steps.get(position)
        while step is not None and row.blitz and StepCondition.SKIP_IN_BLITZ in step.conditions:
            position += 1
            step = sequence_steps.get(position)
        if step is None or position > last_steps.get(row.sequence_id, 0):
            finished.append(row.enrollment_id)
            report.finished += 1
            continue
        if (
            stop is not None
            and stop[0] >= row.enrolled_at
            and StepCondition.STOP_ON_REPLY in step.conditions
        ):
            finished.append(row.enrollment_id)  # they replied, called back or booked
            report.stopped += 1
            continue
        key = f"e{row.enrollment_id}-p{position}"
        if key in existing_keys:
            report.skipped_open += 1
            continue
        channel = step.channel
        previous = last_done.get(row.enrollment_id)
        earliest = max(
            now,
            (previous[0] if previous else row.enrolled_at) + step.wait,
        )
        reasons: list[str] = []
        if previous and previous[0] + step.wait > now:
            reasons.append("planner.wait")
        target = planner.target(row, consents.get(row.prospect_id, {}))
        last_vm = last_voicemail.get(row.prospect_id)
        if channel is Channel.VOICEMAIL and last_vm is not None:
            zone = planner.zone_of(target)
            spaced = _business_days_after(
                last_vm,
                settings.voicemail_spacing_business_days,
                zone,
                target.country,
            )
            if spaced > earliest:
                earliest = spaced
                reasons.append("planner.voicemail-spacing")
        dnc = listed.get(row.phone, _NO_LISTING)
        if row.do_not_call:
            flagged_at = opted_out_at.get(row.prospect_id, now)
            dnc = {**dnc, "internal": min(flagged_at, dnc.get("internal", flagged_at))}
        calls = recent.get(row.prospect_id)
        if not calls and dnc is _NO_LISTING:
            history = quiet  # most prospects: nothing listed, no recent calls (shared, immutable)
        else:
            history = History(recent_calls=tuple(calls or ()), dnc=dnc, scrubbed_at=scrubbed)
        follow_up = step.variant == "voicemail-follow-up" or step.wait < _HOUR
        due, rep_id, rule_ids, verdict = planner.place(
            target,
            channel,
            earliest,
            history,
            attempt=attempts.get(row.enrollment_id, 0),
            spread_key=row.prospect_id,
            capacity=capacity if channel in _CAPACITY_CHANNELS else None,
            preferred_rep=previous[1] if previous else None,
            exact=follow_up and channel in (Channel.EMAIL, Channel.TEXT),
        )
        status = TouchStatus.PLANNED if verdict is Verdict.ALLOW else TouchStatus.BLOCKED
        rule_ids = (*reasons, *rule_ids)
        if status is TouchStatus.PLANNED:
            report.planned += 1
            if channel in CAP_CHANNELS and due is not None:
                recent[row.prospect_id].append(due)
        else:
            report.blocked += 1
        writer.add(
            {
                "team_id": team_id,
                "enrollment_id": row.enrollment_id,
                "prospect_id": row.prospect_id,
                "rep_id": rep_id,
                "key": key,
                "position": position,
                "channel": channel,
                "variant": step.variant,
                "due_at": due or earliest,
                "status": status,
                "rule_ids": list(rule_ids),
                "attempts": 0,
                "created_at": now,
            }
        )
        if keep_touches:
            report.touches.append(
                PlannedTouch(
                    row.enrollment_id,
                    row.prospect_id,
                    position,
                    channel,
                    due,
                    rep_id,
                    status,
                    rule_ids,
                )
            )
    report.seconds_planning = clock.perf_counter() - started
    started = clock.perf_counter()
    writer.close()
    for ids, ending in (
        (finished, EnrollmentStatus.FINISHED),
        (opted_out, EnrollmentStatus.OPTED_OUT),
    ):
        for chunk in _chunks(ids):
            session.execute(
                sa.update(Enrollment).where(Enrollment.id.in_(chunk)).values(status=ending)
            )
    report.seconds_writing = clock.perf_counter() - started
    return report


class _Planner:
    """Places one touch: preferred slot, rotation, capacity, then the engine's decision."""

    def __init__(self, engine: ComplianceEngine, settings: PlannerSettings, now: datetime) -> None:
        self.engine = engine
        self.settings = settings
        self.now = now
        self._targets: dict[tuple[Any, ...], Target] = {}
        self._open: dict[tuple[Any, ...], datetime | None] = {}
        self._candidates: dict[
            tuple[str, date, int], list[tuple[datetime, datetime, int, str]]
        ] = {}
        days = {_DAYS.index(d) for d in settings.days}
        self._day_slots: list[list[tuple[int, int, str]]] = []
        for weekday in range(7):
            slots = []
            for slot in settings.slots:
                start, end = _m(slot.start), _m(slot.end)
                if weekday not in days:
                    continue
                for day_name, avoid_start, avoid_end in settings.avoid:
                    if _DAYS.index(day_name) == weekday:
                        a, b = _m(avoid_start), _m(avoid_end)
                        if a <= start < b:
                            start = b
                        if a < end <= b:
                            end = a
                if start < end:
                    slots.append((start, end, slot.name))
            self._day_slots.append(slots)

    def target(self, row: _Row, consents: Mapping[Channel, bool]) -> Target:
        key = (
            row.country,
            row.region,
            row.phone_region,
            row.time_zone,
            row.phone_zones,
            row.line_type,
            tuple(sorted(consents.items())),
            row.phone if not row.phone_zones else "",
        )
        cached = self._targets.get(key)
        if cached is not None:
            return Target(
                row.phone,
                cached.country,
                cached.regions,
                cached.time_zones,
                cached.line_type,
                consents,
            )
        country = row.country
        phone_zones: tuple[str, ...] = tuple(row.phone_zones.split()) if row.phone_zones else ()
        number_region = row.phone_region
        if not phone_zones and not row.time_zone:
            facts = number_facts(row.phone)
            country = country or facts.country
            phone_zones = facts.time_zones
            number_region = number_region or facts.region
        regions: list[str] = []
        for region in (normalise_region(row.region, country), number_region):
            if region and region not in regions:
                regions.append(region)
        target = Target(
            phone_e164=row.phone,
            country=country,
            regions=tuple(regions),
            time_zones=_zones(row.time_zone, phone_zones),
            line_type=str(row.line_type),
            consents=dict(consents),
        )
        self._targets[key] = target
        return target

    def zone_of(self, target: Target) -> ZoneInfo:
        return self.engine.zones(target)[0]

    def place(
        self,
        target: Target,
        channel: Channel,
        earliest: datetime,
        history: History,
        *,
        attempt: int,
        spread_key: int,
        capacity: _Capacity | None,
        preferred_rep: int | None,
        exact: bool,
    ) -> tuple[datetime | None, int | None, tuple[str, ...], Verdict]:
        """The instant, rep and deciding rule ids for one touch (verdict ALLOW or DENY)."""
        engine = self.engine
        regulated = channel in CALL_CHANNELS
        if exact:
            candidates: Iterable[tuple[datetime, str]] = [(earliest, "planner.follow-up")]
        else:
            candidates = self._slots(target, earliest, attempt, spread_key, capacity)
        moved: list[str] = []
        rep_id: int | None = None
        for candidate, slot_name in candidates:
            when = candidate
            if capacity is not None and capacity.is_full(when.date()):
                if "planner.capacity" not in moved:
                    moved.append("planner.capacity")
                continue
            if regulated:
                # Ask the engine about the candidate itself first: in a preferred slot it is
                # nearly always allowed, and then one decision is all it costs.
                decision = engine.decide(target, channel, when, history, find_next=False)
                if decision.verdict is Verdict.DENY:
                    return None, None, tuple(r.id for r in decision.deciding), Verdict.DENY
                if decision.verdict is Verdict.DELAY:
                    allowed, rules = self._legal(target, channel, when, history)
                    if allowed is None:
                        decision = engine.decide(target, channel, when, history)
                        return None, None, tuple(r.id for r in decision.deciding), Verdict.DENY
                    moved.extend(
                        r for r in (*rules, *(d.id for d in decision.deciding)) if r not in moved
                    )
                    when = allowed
                    if not exact and not self._inside_slot(target, when):
                        continue
                    decision = engine.decide(target, channel, when, history, find_next=False)
                    if decision.verdict is not Verdict.ALLOW:
                        continue
            if capacity is not None:
                rep_id = capacity.take(when.date(), preferred_rep)
                if rep_id == -1:
                    if "planner.capacity" not in moved:
                        moved.append("planner.capacity")
                    continue
            return when, rep_id, (*moved, slot_name), Verdict.ALLOW
        decision = engine.decide(target, channel, earliest, history)
        if decision.verdict is Verdict.DENY:
            return None, None, tuple(r.id for r in decision.deciding), Verdict.DENY
        return None, None, (*moved, "planner.no-slot-in-horizon"), Verdict.DENY

    def _legal(
        self, target: Target, channel: Channel, when: datetime, history: History
    ) -> tuple[datetime | None, tuple[str, ...]]:
        key = None
        if not history.recent_calls:
            policy = self.engine.policy_for(target, channel)
            key = (
                policy.jurisdictions,
                channel,
                target.time_zones,
                target.regions,
                target.country,
                when,
            )
            if key in self._open:
                return self._open[key], ()
        allowed, moved = self.engine.next_allowed_time(target, channel, when, history)
        if key is not None:
            self._open[key] = allowed
        return allowed, tuple(m.id for m in moved)

    def _inside_slot(self, target: Target, when: datetime) -> bool:
        local = when.astimezone(self.zone_of(target))
        minute = local.hour * 60 + local.minute
        return any(s <= minute < e for s, e, _ in self._day_slots[local.weekday()])

    def _slots(
        self,
        target: Target,
        earliest: datetime,
        attempt: int,
        spread_key: int,
        capacity: _Capacity | None,
    ) -> Iterable[tuple[datetime, str]]:
        """Candidate instants in preferred slots, day by day, the rotated slot first."""
        zone = self.zone_of(target)
        local_day = earliest.astimezone(zone).date()
        count = len(self.settings.slots)
        preferred = attempt % count
        spread = self.settings.spread_minutes
        for offset in range(self.settings.horizon_days):
            day = local_day + timedelta(days=offset)
            if capacity is not None and capacity.is_full(day):
                continue
            # Rotate the time of day between attempts: attempt n prefers slot n mod count.
            for start, slot_end, steps, name in self._day_candidates(zone, day, preferred):
                if earliest >= slot_end:
                    continue
                when = start + timedelta(minutes=(spread_key * 7919 % steps) * spread)
                yield (when if when >= earliest else earliest), name

    def _day_candidates(
        self, zone: ZoneInfo, day: date, preferred: int
    ) -> list[tuple[datetime, datetime, int, str]]:
        """The day's slots in UTC (start, end, spread steps, rule id), rotated (cached)."""
        key = (zone.key, day, preferred)
        cached = self._candidates.get(key)
        if cached is None:
            count = len(self.settings.slots)
            order = {slot.name: index for index, slot in enumerate(self.settings.slots)}
            slots = sorted(
                self._day_slots[day.weekday()],
                key=lambda s: (order[s[2]] - preferred) % count,
            )
            cached = []
            for start, end, name in slots:
                steps = max(1, (end - start) // self.settings.spread_minutes)
                begin = datetime.combine(day, time(start // 60, start % 60), tzinfo=zone)
                finish = datetime.combine(day, time(end // 60, end % 60), tzinfo=zone)
                cached.append(
                    (begin.astimezone(UTC), finish.astimezone(UTC), steps, f"planner.slot.{name}")
                )
            self._candidates[key] = cached
        return cached


_TOUCH_COLUMNS = (
    "team_id",
    "enrollment_id",
    "prospect_id",
    "rep_id",
    "key",
    "position",
    "channel",
    "variant",
    "due_at",
    "status",
    "rule_ids",
    "attempts",
    "created_at",
)


class _TouchWriter:
    """Writes planned touches in chunks as they are planned.

    On PostgreSQL a background thread COPYs each chunk on the session's own connection (the
    planning loop does not touch the database meanwhile), so the server's work on indexes
    and foreign keys overlaps with planning the next chunk. Elsewhere chunks are written
    inline. An error in the thread is raised by ``close``.
    """

    CHUNK = 5000

    def __init__(self, session: Session) -> None:
        self.session = session
        connection = session.connection()
        self.raw = connection.connection.dbapi_connection
        self.threaded = connection.dialect.name == "postgresql" and self.raw is not None
        self.pending: list[dict[str, Any]] = []
        self.error: BaseException | None = None
        self.chunks: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(maxsize=4)
        self.thread: threading.Thread | None = None
        if self.threaded:
            self.thread = threading.Thread(target=self._drain, name="afterbeep-touch-writer")
            self.thread.start()

    def add(self, row: dict[str, Any]) -> None:
        self.pending.append(row)
        if len(self.pending) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        chunk, self.pending = self.pending, []
        if not chunk:
            return
        if self.threaded:
            self.chunks.put(chunk)
        else:
            _insert_touches(self.session, chunk)

    def _drain(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.error is None:
                try:
                    _copy_touches(self.raw, chunk)
                except BaseException as error:  # handed to the planning thread in close()
                    self.error = error

    def close(self) -> None:
        self._flush()
        if self.thread is not None:
            self.chunks.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error


def _rules_json(ids: list[str], cache: dict[tuple[str, ...], str]) -> str:
    key = tuple(ids)
    text = cache.get(key)
    if text is None:
        text = cache[key] = json.dumps(ids)
    return text


def _copy_touches(raw: Any, rows: list[dict[str, Any]]) -> None:
    """COPY rows into ``touches`` on a psycopg 3 connection."""
    dumped: dict[tuple[str, ...], str] = {}
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY touches ({', '.join(_TOUCH_COLUMNS)}) FROM STDIN") as copy,
    ):
        for r in rows:
            copy.write_row(
                (
                    r["team_id"], r["enrollment_id"], r["prospect_id"], r["rep_id"], r["key"],
                    r["position"], r["channel"].value, r["variant"], r["due_at"],
                    r["status"].value, _rules_json(r["rule_ids"], dumped), r["attempts"],
                    r["created_at"],
                )
            )  # fmt: skip


def _insert_touches(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write planned touches in bulk: COPY on PostgreSQL, one executemany on SQLite.

    The values are already validated (enums, aware UTC datetimes); this only skips the ORM's
    and the Core's per-row work, which dominates at 100,000 rows.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    raw = connection.connection.dbapi_connection
    dumped: dict[tuple[str, ...], str] = {}

    def rules_json(ids: list[str]) -> str:
        key = tuple(ids)
        if key not in dumped:
            dumped[key] = json.dumps(ids)
        return dumped[key]

    columns = ", ".join(_TOUCH_COLUMNS)
    if dialect == "postgresql" and raw is not None:
        _copy_touches(raw, rows)
        return
    if dialect == "sqlite" and raw is not None:
        times: dict[datetime, str] = {}

        def text(value: datetime) -> str:
            if value not in times:
                times[value] = _sqlite_time(value)
            return times[value]

        cursor = raw.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO touches ({columns}) VALUES ({', '.join('?' for _ in _TOUCH_COLUMNS)})",
                [
                    (
                        r["team_id"], r["enrollment_id"], r["prospect_id"], r["rep_id"], r["key"],
                        r["position"], r["channel"].value, r["variant"], text(r["due_at"]),
                        r["status"].value, rules_json(r["rule_ids"]), r["attempts"],
                        text(r["created_at"]),
                    )
                    for r in rows
                ],
            )  # fmt: skip
        finally:
            cursor.close()
        return
    for start in range(0, len(rows), 5000):
        connection.execute(sa.insert(Touch), rows[start : start + 5000])


def _sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores: UTC wall time, microseconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _m(value: time) -> int:
    return value.hour * 60 + value.minute
