"""Promised call-backs: "I'll call you Thursday at 2" becomes a task with a reminder.

Owns reading the promise out of a script (the prospect's local time), turning it into a
``Task`` due at that instant (moved by the compliance engine when the promise would break
calling hours, which the task's title says), and the kept-on-time metric: how many
promised calls were made within a tolerance of the promised time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from afterbeep.cadence.audit import target_for_prospect
from afterbeep.cadence.compliance import ComplianceEngine, History, default_engine
from afterbeep.store import Channel, Prospect, Task, Verdict

__all__ = ["KeptOnTime", "Promise", "find_promise", "kept_on_time", "record_promise"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PARTS = {"morning": time(9, 0), "afternoon": time(14, 0), "evening": time(17, 0)}
_PROMISE = re.compile(
    r"\b(?:i(?:'|’)?ll|i will|i'm going to|i am going to|we(?:'|’)?ll|let me)\s+"
    r"(?:call|ring|try|phone|reach|give)\b(?P<rest>[^.!?]{0,80})",
    re.IGNORECASE,
)
_DAY = re.compile(
    r"\b(?P<day>today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(
    r"\b(?:at|around|about|by)\s+(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?",
    re.IGNORECASE,
)
_PART = re.compile(
    r"\b(?:in the |this |tomorrow )?(?P<part>morning|afternoon|evening)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Promise:
    """A promised call: the words, and the local date and time they mean."""

    text: str
    local: datetime  # aware, in the prospect's zone


def _hour(hour: int, minute: int, ampm: str | None) -> time | None:
    if ampm:
        pm = ampm.lower().startswith("p")
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if pm else 0)
    elif 1 <= hour <= 7:
        hour += 12  # "at 2" in a business voicemail means 2 p.m.
    if not 0 <= hour <= 23 or not 0 <= minute <= 59:
        return None
    return time(hour, minute)


def find_promise(text: str, *, now: datetime, zone: str) -> Promise | None:
    """The first call-back promise in ``text`` as a local instant after ``now``, if any.

    Understands a weekday or today/tomorrow, and a clock time ("at 2", "at 10:30 am") or a
    part of the day ("Thursday morning"); a bare hour from 1 to 7 is afternoon. A weekday
    means the next one after today.
    """
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    for match in _PROMISE.finditer(text):
        rest = match.group("rest")
        day_match = _DAY.search(rest)
        clock = _CLOCK.search(rest)
        part = _PART.search(rest)
        if not day_match and not clock:
            continue
        when: time | None = None
        if clock:
            when = _hour(
                int(clock.group("hour")), int(clock.group("minute") or 0), clock.group("ampm")
            )
        elif part:
            when = _PARTS[part.group("part").lower()]
        if when is None:
            when = time(10, 0)
        day: date = local_now.date()
        if day_match:
            word = day_match.group("day").lower()
            if word == "tomorrow":
                day += timedelta(days=1)
            elif word != "today":
                ahead = (_WEEKDAYS.index(word) - day.weekday()) % 7 or 7
                day += timedelta(days=ahead)
        local = datetime.combine(day, when, tzinfo=tz)
        if local <= local_now:
            local += timedelta(days=1 if not day_match else 7)
        return Promise(text=match.group(0).strip(), local=local)
    return None


def record_promise(
    session: Session,
    prospect: Prospect,
    script_text: str,
    *,
    now: datetime,
    rep_id: int | None = None,
    drop_id: int | None = None,
    remind_before: timedelta = timedelta(minutes=15),
    engine: ComplianceEngine | None = None,
) -> Task | None:
    """A call-back task for the promise in ``script_text`` (None when there is none).

    The task is due at the promised instant; when that instant is outside calling hours the
    engine's earliest allowed instant is used and the title says so.
    """
    zone = prospect.time_zone or "UTC"
    promise = find_promise(script_text, now=now, zone=zone)
    if promise is None:
        return None
    engine = engine or default_engine()
    due = promise.local
    note = ""
    decision = engine.decide(
        target_for_prospect(prospect),
        Channel.CALL,
        due,
        History(scrubbed_at={"national": now, "internal": now}),
    )
    if decision.verdict is Verdict.DELAY and decision.not_before is not None:
        due = decision.not_before
        note = f" (moved by {decision.deciding[0].id})"
    task = Task(
        prospect_id=prospect.id,
        assignee_id=rep_id,
        channel=Channel.CALL,
        title=f"Call back {prospect.first_name} as promised: {promise.text!r}{note}"[:300],
        due_at=due,
        remind_at=due - remind_before,
        drop_id=drop_id,
    )
    session.add(task)
    return task


@dataclass(frozen=True)
class KeptOnTime:
    """Promised call-backs made within ``tolerance`` of their due time."""

    kept: int
    late_or_missed: int
    pending: int
    tolerance: timedelta

    @property
    def rate(self) -> float | None:
        total = self.kept + self.late_or_missed
        return self.kept / total if total else None


def kept_on_time(
    session: Session,
    *,
    team_id: int,
    now: datetime,
    tolerance: timedelta = timedelta(minutes=15),
) -> KeptOnTime:
    """The kept-on-time metric over the team's call tasks that were due by ``now``."""
    kept = late = pending = 0
    for due_at, done_at in session.execute(
        sa.select(Task.due_at, Task.done_at)
        .join(Prospect, Prospect.id == Task.prospect_id)
        .where(Prospect.team_id == team_id, Task.channel == Channel.CALL)
    ):
        if done_at is None:
            if due_at + tolerance < now:
                late += 1
            else:
                pending += 1
        elif abs(done_at - due_at) <= tolerance:
            kept += 1
        else:
            late += 1
    return KeptOnTime(kept=kept, late_or_missed=late, pending=pending, tolerance=tolerance)
