"""The worker: runs due touches, in-process by default, or as Celery tasks for teams.

Owns claiming a due touch, asking the compliance engine at the moment it runs (logged to the
audit log), handing it to its channel's handler, and recording the outcome, all in one
database transaction per touch. That transaction is what makes a touch idempotent:

* A touch already ``done``, ``blocked`` or ``skipped`` is never run again.
* A touch is claimed (``running``) with a lease; a worker that dies leaves the claim to
  expire, and the next worker runs it again (none is lost).
* A handler's database effects (a task, a ledger row) commit together with ``done``: they
  happen exactly once. A handler that reaches the outside world (SMTP, a carrier) passes the
  touch's key on, so a retry after a crash between sending and committing is the same message.

A denied touch is never carried out: it is marked ``blocked`` with the deciding rule; a
delayed one goes back to ``planned`` at the engine's earliest allowed instant.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from afterbeep.cadence.audit import check_prospect
from afterbeep.cadence.channels import TouchHandler, TouchJob, default_handlers
from afterbeep.cadence.compliance import CALL_CHANNELS, ComplianceEngine, default_engine
from afterbeep.errors import AfterbeepError
from afterbeep.store import (
    Campaign,
    Channel,
    Enrollment,
    Prospect,
    SequenceStep,
    Touch,
    TouchStatus,
    Verdict,
    utcnow,
)

__all__ = [
    "DEFAULT_LEASE",
    "WorkerReport",
    "due_touch_ids",
    "run_due",
    "run_forever",
    "run_touch",
    "worker_name",
]

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)
_FINAL = (TouchStatus.DONE, TouchStatus.BLOCKED, TouchStatus.SKIPPED, TouchStatus.FAILED)
_MAX_ATTEMPTS = 5


def worker_name() -> str:
    """host:pid, the claim a worker leaves on the touches it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class WorkerReport:
    """What one pass over the due touches did, by outcome."""

    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    @property
    def ran(self) -> int:
        return self.outcomes.get("done", 0)


def due_touch_ids(session: Session, *, now: datetime, limit: int = 1000) -> list[int]:
    """Touches due by ``now``: planned, or running under a lease that has expired."""
    return list(
        session.scalars(
            sa.select(Touch.id)
            .where(
                Touch.due_at <= now,
                sa.or_(
                    Touch.status == TouchStatus.PLANNED,
                    sa.and_(Touch.status == TouchStatus.RUNNING, Touch.claimed_until < now),
                ),
            )
            .order_by(Touch.due_at, Touch.id)
            .limit(limit)
        )
    )


def _claim(
    session: Session, touch_id: int, *, now: datetime, worker: str, lease: timedelta
) -> bool:
    """Take the touch atomically (compare-and-set on its status and lease)."""
    result = session.execute(
        sa.update(Touch)
        .where(
            Touch.id == touch_id,
            Touch.due_at <= now,
            sa.or_(
                Touch.status == TouchStatus.PLANNED,
                sa.and_(Touch.status == TouchStatus.RUNNING, Touch.claimed_until < now),
            ),
        )
        .values(
            status=TouchStatus.RUNNING,
            claimed_by=worker,
            claimed_until=now + lease,
            attempts=Touch.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def run_touch(
    sessions: sessionmaker[Session] | Callable[[], Session],
    touch_id: int,
    *,
    handlers: Mapping[Channel, TouchHandler] | None = None,
    now: datetime | None = None,
    worker: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
    engine: ComplianceEngine | None = None,
) -> str:
    """Run one touch if it is due and not taken; returns the outcome word.

    ``done``, ``blocked``, ``delayed``, ``failed``, ``retry`` (a handler error, tried again
    later), ``taken`` (another worker holds it), ``not-due`` or ``finished-already``.
    """
    chosen: Mapping[Channel, TouchHandler] = handlers or default_handlers()
    worker = worker or worker_name()
    engine = engine or default_engine()
    with sessions() as session:
        state = session.execute(
            sa.select(Touch.status, Touch.due_at).where(Touch.id == touch_id)
        ).one_or_none()
        if state is None or state[0] in _FINAL:
            return "finished-already"
        at = now or utcnow()
        if state[0] is TouchStatus.PLANNED and state[1] > at:
            return "not-due"
        if not _claim(session, touch_id, now=at, worker=worker, lease=lease):
            session.rollback()
            return "taken"
        session.commit()  # the claim is visible to other workers from here on
    with sessions() as session:
        at = now or utcnow()
        # Renew the claim first, and only if it is still ours: this write holds the row (and
        # on SQLite the database) until the commit, so no one can take the touch over while
        # we run it, and a claim that expired while we were slow is never run twice.
        renewed = session.execute(
            sa.update(Touch)
            .where(
                Touch.id == touch_id,
                Touch.status == TouchStatus.RUNNING,
                Touch.claimed_by == worker,
            )
            .values(claimed_until=at + lease)
            .execution_options(synchronize_session=False)
        )
        if getattr(renewed, "rowcount", 0) != 1:
            session.rollback()
            return "taken"
        touch = session.get(Touch, touch_id, populate_existing=True)
        if touch is None:
            return "taken"
        prospect = session.get(Prospect, touch.prospect_id)
        enrollment = session.get(Enrollment, touch.enrollment_id)
        assert prospect is not None
        assert enrollment is not None
        campaign = session.get(Campaign, enrollment.campaign_id)
        if touch.channel in CALL_CHANNELS:
            decision = check_prospect(
                session,
                prospect,
                touch.channel,
                at,
                campaign_id=enrollment.campaign_id,
                touch_id=touch.id,
                engine=engine,
            )
            if decision.verdict is Verdict.DENY:
                touch.status = TouchStatus.BLOCKED
                touch.done_at = at
                touch.result = {
                    "blocked_by": [r.id for r in decision.deciding],
                    "reason": decision.reason,
                }
                session.commit()
                return "blocked"
            if decision.verdict is Verdict.DELAY and decision.not_before is not None:
                touch.status = TouchStatus.PLANNED
                touch.due_at = decision.not_before
                touch.claimed_by = None
                touch.claimed_until = None
                touch.rule_ids = [*(touch.rule_ids or []), *(r.id for r in decision.deciding)]
                session.commit()
                return "delayed"
        subject = None
        if campaign is not None and campaign.sequence_id is not None:
            subject = session.scalar(
                sa.select(SequenceStep.subject).where(
                    SequenceStep.sequence_id == campaign.sequence_id,
                    SequenceStep.position == touch.position,
                )
            )
        job = TouchJob(
            touch_id=touch.id,
            key=touch.key,
            team_id=touch.team_id,
            channel=touch.channel,
            position=touch.position,
            variant=touch.variant,
            subject=subject,
            prospect_id=prospect.id,
            phone_e164=prospect.phone_e164,
            email=prospect.email,
            first_name=prospect.first_name,
            company=prospect.company,
            rep_id=touch.rep_id,
        )
        handler = chosen[touch.channel]
        try:
            with session.begin_nested():
                result = handler.run(job, session)
        except AfterbeepError as error:
            # One bad touch never stops the others: record it, retry a few times, then stop.
            touch.result = {"error": str(error)}
            if touch.attempts >= _MAX_ATTEMPTS:
                touch.status = TouchStatus.FAILED
                touch.done_at = at
                session.commit()
                return "failed"
            touch.status = TouchStatus.PLANNED
            touch.due_at = at + timedelta(minutes=5 * touch.attempts)
            touch.claimed_by = None
            touch.claimed_until = None
            session.commit()
            log.warning("touch %s (%s) failed, will retry: %s", touch.key, touch.channel, error)
            return "retry"
        touch.status = TouchStatus.DONE
        touch.done_at = at
        touch.result = result
        if enrollment.next_position <= touch.position:
            enrollment.next_position = touch.position + 1
        session.commit()
        return "done"


def run_due(
    sessions: sessionmaker[Session] | Callable[[], Session],
    *,
    handlers: Mapping[Channel, TouchHandler] | None = None,
    now: datetime | None = None,
    limit: int = 1000,
    worker: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
    engine: ComplianceEngine | None = None,
) -> WorkerReport:
    """Run every touch due by ``now`` in this process (the default worker)."""
    report = WorkerReport()
    with sessions() as session:
        ids = due_touch_ids(session, now=now or utcnow(), limit=limit)
    for touch_id in ids:
        report.add(
            run_touch(
                sessions,
                touch_id,
                handlers=handlers,
                now=now,
                worker=worker,
                lease=lease,
                engine=engine,
            )
        )
    return report


def run_forever(
    sessions: sessionmaker[Session] | Callable[[], Session],
    *,
    interval: float = 30.0,
    handlers: Mapping[Channel, TouchHandler] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_pass: Callable[[WorkerReport], None] | None = None,
) -> None:
    """Run due touches every ``interval`` seconds until ``should_stop()`` says so."""
    import time

    while not should_stop():
        report = run_due(sessions, handlers=handlers)
        if on_pass is not None:
            on_pass(report)
        deadline = time.monotonic() + interval
        while time.monotonic() < deadline and not should_stop():
            time.sleep(min(1.0, interval))
