"""Keeping finished calls in the store: the drop row and the call attempt's outcome.

Owns ``StoreDropRecorder``, the ``DropRecorder`` the media engine calls (in a worker thread)
when a call ends. The call attempt is found by the stream parameter
``afterbeep.call_attempt_id`` or by (carrier, carrier call id); calls with no attempt in the
store (simulated ones) are skipped. A played message becomes one ``Drop`` row (timeline,
beep end, message start, bytes played, end reason) - at most one per attempt, as the store's
unique key also guarantees. The greeting's notes for the rep (``CallTimeline.notes``) go to
the attempt's ``greeting_notes``, also when they arrive after the call was recorded
(``record_notes``). A person handed to the rep too late marks the attempt abandoned
(``CallTimeline.abandoned``), for the campaign's abandoned-call rate. Must not touch media.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from afterbeep.store import (
    AnsweredBy,
    CallAttempt,
    Carrier,
    Drop,
    DropEndReason,
    create_engine_for,
    session_scope,
)
from afterbeep.telephony.engine import CallTimeline

log = logging.getLogger(__name__)

ATTEMPT_PARAMETER = "afterbeep.call_attempt_id"
RECORDING_PARAMETER = "afterbeep.recording_id"
_ANSWERED_BY = {
    "human": AnsweredBy.HUMAN,
    "machine": AnsweredBy.MACHINE,
    "fax": AnsweredBy.FAX,
    "not_sure": AnsweredBy.UNKNOWN,
}
_END_REASONS = {
    "completed": DropEndReason.COMPLETED,
    "far_end_hangup": DropEndReason.FAR_END_HANGUP,
    "cancelled": DropEndReason.CANCELLED,
    "protocol_error": DropEndReason.CARRIER_ERROR,
}


class StoreDropRecorder:
    """Writes finished calls to the database at ``url`` (None: the settings' database)."""

    def __init__(
        self, url: str | None = None, *, engine: Any = None, match_by_call_id: bool = True
    ) -> None:
        self.engine = engine if engine is not None else create_engine_for(url)
        # False: only calls that name their attempt (ATTEMPT_PARAMETER) touch the database.
        self.match_by_call_id = match_by_call_id

    def _attempt(self, session: Any, timeline: CallTimeline) -> CallAttempt | None:
        raw = timeline.parameters.get(ATTEMPT_PARAMETER)
        if raw is None and not self.match_by_call_id:
            return None
        if raw is not None:
            try:
                return session.get(CallAttempt, int(raw))
            except ValueError:
                log.warning("call %s: %s=%r is not an id", timeline.call_id, ATTEMPT_PARAMETER, raw)
                return None
        try:
            carrier = Carrier(timeline.carrier)
        except ValueError:
            return None
        query = sa.select(CallAttempt).where(
            CallAttempt.carrier == carrier, CallAttempt.carrier_call_id == timeline.call_id
        )
        return session.scalars(query).first()

    def record(self, timeline: CallTimeline) -> None:
        with session_scope(self.engine) as session:
            attempt = self._attempt(session, timeline)
            if attempt is None:
                log.debug("call %s has no call attempt in the store", timeline.call_id)
                return
            if timeline.person_wait_ms is not None:
                # A person's answer, though timing may have said machine (their words said
                # so, or they talked over the message).
                attempt.answered_by = AnsweredBy.HUMAN
            elif timeline.decision in _ANSWERED_BY:
                attempt.answered_by = _ANSWERED_BY[timeline.decision]
            if attempt.carrier_call_id is None:
                attempt.carrier_call_id = timeline.call_id
            attempt.answered_at = attempt.answered_at or timeline.started_at
            attempt.ended_at = timeline.ended_at or timeline.started_at
            # A person handed to the rep too late (``CallTimeline.abandoned``) counts in the
            # campaign's abandoned-call rate; any other outcome of the attempt does not.
            attempt.abandoned = timeline.abandoned
            if timeline.notes is not None:
                attempt.greeting_notes = dict(timeline.notes)
            if timeline.message_start_ms is None:
                return
            if attempt.drop is not None:
                log.warning("call attempt %s already has a drop; not recording another", attempt.id)
                return
            recording = timeline.parameters.get(RECORDING_PARAMETER)
            if recording is None or not recording.isdigit():
                log.warning(
                    "call %s played a message but names no %s; drop not stored",
                    timeline.call_id,
                    RECORDING_PARAMETER,
                )
                return
            session.add(
                Drop(
                    call_attempt_id=attempt.id,
                    recording_id=int(recording),
                    beep_end_ms=timeline.beep_end_ms,
                    message_start_ms=timeline.message_start_ms,
                    bytes_played=timeline.bytes_played,
                    end_reason=_END_REASONS.get(
                        timeline.end_reason or "", DropEndReason.CARRIER_ERROR
                    ),
                    events=list(timeline.events),
                )
            )

    def record_notes(self, timeline: CallTimeline) -> None:
        """Add greeting notes that came after the call was recorded to its attempt."""
        if timeline.notes is None:
            return
        with session_scope(self.engine) as session:
            attempt = self._attempt(session, timeline)
            if attempt is None:
                log.debug("call %s has no call attempt in the store", timeline.call_id)
                return
            attempt.greeting_notes = dict(timeline.notes)


__all__ = ["ATTEMPT_PARAMETER", "RECORDING_PARAMETER", "StoreDropRecorder"]
