"""The media loop's lateness is measured while streams are open and shown in the stats."""

from __future__ import annotations

import asyncio
import time

from afterbeep.telephony._loop_lag import LoopLag
from afterbeep.telephony.engine import EngineSettings, MediaEngine


def test_a_loop_held_up_shows_as_lag_and_sampling_stops_with_the_streams():
    lag = LoopLag(interval_s=0.01)
    streams = {"open": True}

    async def held_up():
        lag.watch(lambda: streams["open"])
        lag.watch(lambda: streams["open"])  # already sampling: one sampler
        await asyncio.sleep(0.05)
        time.sleep(0.1)  # a callback that keeps the loop 100 ms
        await asyncio.sleep(0.05)
        streams["open"] = False
        await asyncio.sleep(0.05)
        return lag.samples

    samples_at_close = asyncio.run(held_up())
    stats = lag.stats()
    # The sample asleep across the hold woke at least 90 ms late (10 ms sleep, 100 ms held).
    assert stats["max"] >= 89.0
    assert stats["over_20ms"] >= 1
    assert stats["p50"] is not None
    assert stats["p50"] <= stats["p95"] <= stats["max"]
    assert lag.samples == samples_at_close  # no sampling once no stream is open


def test_the_engine_stats_carry_the_loop_lag_and_start_without_samples():
    engine = MediaEngine(EngineSettings(detector="oracle"))
    stats = engine.stats()["loop_lag_ms"]
    assert stats == {"samples": 0, "p50": None, "p95": None, "max": 0.0, "over_20ms": 0}
    lag = LoopLag()
    for value in (1.0, 2.0, 30.0):
        lag.record(value)
    assert lag.stats()["over_20ms"] == 1
    assert lag.stats()["max"] == 30.0
