"""The rep's legs: for each prospect's call handed to the rep on a carrier whose transfer
bridges a new leg (Telnyx), which leg is the rep's, and whether the call is being taken back
or has ended.

Owns ``RepLegs`` (what a carrier adapter asks), ``MemoryRepLegs`` (one process, the default)
and ``StoreRepLegs`` (every process sharing one database: the carrier sends the rep's leg's
webhooks to whichever process its load balancer picks, and the rep's drop may be asked of
another). Learnt from verified webhooks only. Must not touch media or the carrier's API.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from afterbeep.store import RepLeg, create_engine_for, session_scope, utcnow

log = logging.getLogger(__name__)

# How many ended calls one process remembers (a rep's leg may hang up after its prospect).
ENDED_KEPT = 10_000
# Rows of calls handed over this long ago are forgotten (a call's legs live minutes).
KEPT_FOR = timedelta(days=1)
PRUNE_EVERY = 100  # calls' ends between two prunings of a process's old rows


class RepLegs(Protocol):
    def saw(self, prospect: str, rep_leg: str) -> None:
        """A webhook named ``rep_leg`` as the rep's leg of ``prospect``'s call."""
        ...

    def rep_leg(self, prospect: str) -> str | None:
        """The rep's leg of ``prospect``'s call, if one was seen and is still up."""
        ...

    def take_back(self, prospect: str) -> None:
        """``prospect``'s call is being taken back from the rep (its rep's leg hangs up)."""
        ...

    def rep_hung_up(self, prospect: str) -> bool:
        """The rep's leg of ``prospect`` ended: whether the prospect's call is still on and
        waits parked (not taken back, not hung up itself)."""
        ...

    def ended(self, prospect: str) -> None:
        """``prospect``'s own call ended (its legs with it)."""
        ...


class MemoryRepLegs:
    """The rep's legs of one process (thread-safe: webhooks and the engine's call-control
    worker both use it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rep_leg: dict[str, str] = {}  # prospect's call id -> the rep's leg
        self._taken_back: set[str] = set()
        self._ended: set[str] = set()  # prospects' calls that hung up (their legs with them)

    def saw(self, prospect: str, rep_leg: str) -> None:
        with self._lock:
            self._rep_leg[prospect] = rep_leg

    def rep_leg(self, prospect: str) -> str | None:
        with self._lock:
            return self._rep_leg.get(prospect)

    def take_back(self, prospect: str) -> None:
        with self._lock:
            self._taken_back.add(prospect)

    def rep_hung_up(self, prospect: str) -> bool:
        with self._lock:
            self._rep_leg.pop(prospect, None)
            taken_back = prospect in self._taken_back
            self._taken_back.discard(prospect)
            return not taken_back and prospect not in self._ended

    def ended(self, prospect: str) -> None:
        with self._lock:
            self._rep_leg.pop(prospect, None)
            self._taken_back.discard(prospect)
            if len(self._ended) >= ENDED_KEPT:
                self._ended.clear()
            self._ended.add(prospect)


class StoreRepLegs:
    """The rep's legs in the database at ``url`` (or ``engine``), one ``rep_legs`` row per
    prospect's call of ``carrier``; the database must be migrated (``afterbeep db upgrade``).

    When the database cannot be reached it is logged and the call is treated as unknown: no
    rep's leg (taking the call back is refused with the carrier's error), and a rep's leg that
    hangs up leaves its prospect to be hung up too, as nothing says it is being taken back."""

    def __init__(self, url: str | None = None, *, engine: Any = None, carrier: str = "telnyx"):
        self.engine = engine if engine is not None else create_engine_for(url)
        self.carrier = carrier
        self._ends = 0

    def _row(self, session: Any, prospect: str) -> RepLeg | None:
        row: RepLeg | None = session.scalar(
            sa.select(RepLeg).where(RepLeg.carrier == self.carrier, RepLeg.call_id == prospect)
        )
        return row

    def _set(self, prospect: str, doing: str, *, insert: bool = True, **values: Any) -> None:
        """Upsert ``prospect``'s row with ``values`` (two processes may insert at once: the
        loser updates the winner's row); with ``insert`` False, only update a row there."""
        for _ in range(2):
            try:
                with session_scope(self.engine) as session:
                    row = self._row(session, prospect)
                    if row is None:
                        if insert:
                            session.add(RepLeg(carrier=self.carrier, call_id=prospect, **values))
                    else:
                        for name, value in values.items():
                            setattr(row, name, value)
                return
            except IntegrityError:
                continue
            except SQLAlchemyError:
                break
        log.exception("rep legs unreachable: could not note that %s %s", doing, prospect)

    def saw(self, prospect: str, rep_leg: str) -> None:
        self._set(prospect, "the rep's leg was seen for", rep_leg=rep_leg)

    def rep_leg(self, prospect: str) -> str | None:
        try:
            with session_scope(self.engine) as session:
                row = self._row(session, prospect)
                return None if row is None else row.rep_leg
        except SQLAlchemyError:
            log.exception("rep legs unreachable: the rep's leg of %s is unknown", prospect)
            return None

    def take_back(self, prospect: str) -> None:
        self._set(prospect, "it is taken back:", taken_back=True)

    def rep_hung_up(self, prospect: str) -> bool:
        try:
            with session_scope(self.engine) as session:
                row = self._row(session, prospect)
                if row is None:
                    return True
                parked = not row.taken_back and not row.ended
                session.delete(row)
                return parked
        except SQLAlchemyError:
            log.exception("rep legs unreachable: %s is hung up with its rep's leg", prospect)
            return True

    def ended(self, prospect: str) -> None:
        # Every call's end comes here; only a call handed over has a row to mark. One that
        # hung up before its rep's leg was seen gets a row then, and its rep's hang-up asks
        # the carrier to hang up a call already gone (refused, logged).
        self._set(
            prospect, "the call ended:", insert=False, ended=True, rep_leg=None, taken_back=False
        )
        self._ends += 1
        if self._ends % PRUNE_EVERY:
            return
        try:
            with session_scope(self.engine) as session:
                session.execute(sa.delete(RepLeg).where(RepLeg.updated_at < utcnow() - KEPT_FOR))
        except SQLAlchemyError:
            log.exception("rep legs unreachable: old rows not forgotten")


__all__ = ["ENDED_KEPT", "KEPT_FOR", "MemoryRepLegs", "RepLegs", "StoreRepLegs"]
