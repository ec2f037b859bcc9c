"""How late the media loop runs: a timer's lateness, sampled while streams are open.

A frame that arrives while the loop is busy waits for it, and so do the message's start and
the rep's hand-over. The detector's own delay is in the events' times; this is what the
machine adds on top, and the figure to look at when a loaded server answers late
(``GET /calls/stats``, ``loop_lag_ms``). Owns ``LoopLag``; it must not touch calls.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

# A sample every 50 ms costs nothing measurable; the last minute of them gives the p95.
LAG_INTERVAL_S = 0.05
LAG_RECENT = 1200
FRAME_LATE_MS = 20.0  # a frame's length: lag beyond it delays the next frame too


class LoopLag:
    """Samples the running loop's lateness while ``keep_going()`` holds."""

    def __init__(self, *, interval_s: float = LAG_INTERVAL_S) -> None:
        self.interval_s = interval_s
        self.recent: deque[float] = deque(maxlen=LAG_RECENT)
        self.samples = 0
        self.over_frame = 0  # samples later than a frame
        self.max_ms = 0.0
        self._task: asyncio.Task[None] | None = None

    def watch(self, keep_going: Callable[[], bool]) -> None:
        """Start sampling on the running loop, unless already sampling (or fed outside a
        loop, as by a tool: there is no loop to be late)."""
        if self._task is not None and not self._task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = loop.create_task(self._sample(keep_going))

    async def _sample(self, keep_going: Callable[[], bool]) -> None:
        while keep_going():
            due = time.monotonic() + self.interval_s
            await asyncio.sleep(self.interval_s)
            self.record(max(0.0, (time.monotonic() - due) * 1000.0))

    def record(self, lag_ms: float) -> None:
        self.recent.append(lag_ms)
        self.samples += 1
        self.over_frame += lag_ms > FRAME_LATE_MS
        self.max_ms = max(self.max_ms, lag_ms)

    def stats(self) -> dict[str, Any]:
        """``p50``/``p95`` over the last minute sampled, ``max`` and the samples later than a
        frame (``over_20ms``) since start, in milliseconds."""
        recent = np.asarray(self.recent, dtype=np.float64)
        p50, p95 = np.percentile(recent, [50, 95]) if recent.size else (None, None)
        return {
            "samples": self.samples,
            "p50": None if p50 is None else round(float(p50), 1),
            "p95": None if p95 is None else round(float(p95), 1),
            "max": round(self.max_ms, 1),
            "over_20ms": self.over_frame,
        }


__all__ = ["LoopLag"]
