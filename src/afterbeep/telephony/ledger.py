"""The drop ledger: which calls' messages have started, so none ever plays twice.

Owns ``DropLedger`` (the protocol the media engine asks), ``MemoryDropLedger`` (one process,
the default) and ``StoreDropLedger`` (every process sharing one database: a carrier that
reconnects a call's stream to another afterbeep process finds the claim there too). A claim is
made once, just before a message starts, and never undone. Must not touch media.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from afterbeep.store import DropClaim, create_engine_for, session_scope

log = logging.getLogger(__name__)

CallKey = tuple[str, str]  # (carrier, carrier's call id)


class DropLedger(Protocol):
    def claim(self, key: CallKey) -> bool:
        """True for the first caller for ``key``: it may start the message; False after."""
        ...

    def claimed(self, key: CallKey) -> bool:
        """Whether a message has started on this call (in any process sharing the ledger)."""
        ...


class MemoryDropLedger:
    """The ledger of one process."""

    def __init__(self) -> None:
        self._claimed: set[CallKey] = set()

    def claim(self, key: CallKey) -> bool:
        if key in self._claimed:
            return False
        self._claimed.add(key)
        return True

    def claimed(self, key: CallKey) -> bool:
        return key in self._claimed


class StoreDropLedger:
    """The ledger in the database at ``url`` (or ``engine``): the unique (carrier, call id) of
    ``drop_claims`` decides which process's claim wins. Claims seen are cached in memory.

    It fails closed: when the database cannot be reached, ``claim`` says no (the call skips its
    message, logged) rather than risk playing it twice. One small write per drop, made from the
    media loop; the database must be migrated (``afterbeep db upgrade``)."""

    def __init__(self, url: str | None = None, *, engine: Any = None) -> None:
        self.engine = engine if engine is not None else create_engine_for(url)
        self._known: set[CallKey] = set()
        self._lock = threading.Lock()

    def claim(self, key: CallKey) -> bool:
        with self._lock:
            if key in self._known:
                return False
            self._known.add(key)
        carrier, call_id = key
        try:
            with session_scope(self.engine) as session:
                session.add(DropClaim(carrier=carrier, call_id=call_id))
        except IntegrityError:
            return False  # another process started this call's message first
        except SQLAlchemyError:
            log.exception("drop ledger unreachable: call %s %s skips its message", *key)
            return False
        return True

    def claimed(self, key: CallKey) -> bool:
        with self._lock:
            if key in self._known:
                return True
        carrier, call_id = key
        try:
            with session_scope(self.engine) as session:
                found = session.scalar(
                    sa.select(DropClaim.id).where(
                        DropClaim.carrier == carrier, DropClaim.call_id == call_id
                    )
                )
        except SQLAlchemyError:
            # Unknown: go on with the call; ``claim`` fails closed before any message plays.
            log.exception("drop ledger unreachable while checking call %s %s", *key)
            return False
        if found is not None:
            with self._lock:
                self._known.add(key)
        return found is not None


__all__ = ["CallKey", "DropLedger", "MemoryDropLedger", "StoreDropLedger"]
