"""Benchmark of the recording coach: seconds to analyse a 30 s take, ASR included.

Owns ``bench_coach``: it synthesises one 30 s voicemail take with the bundled Piper voice (cached
under ``corpora/coach-takes/``), loads the speech model once (timed apart: a server loads it at
start-up), then times ``coach_take`` on the take several times and reports the median and worst,
with the machine's load average so shared-machine figures can be read fairly. Must not print.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

BENCH_SCRIPT = (
    "Hi Dana, this is Sam with Northwind. I saw your team is hiring three new account "
    "executives. We help new reps ramp in half the time. Would you be open to a quick call on "
    "Thursday afternoon? You can reach me at 555-014-2389. Again, that is 555-014-2389. "
    "Thanks Dana, talk soon."
)
# Piper's length scale for the bench take: the bundled voice at 1.3 says BENCH_SCRIPT at a
# natural pace (about 150 words per minute) in under 28 s, so the whole script, both number
# mentions included, fits in the 30 s take.
BENCH_LENGTH_SCALE = 1.3


@dataclass(frozen=True, slots=True)
class CoachBench:
    take_seconds: float
    speech_seconds: float
    model_load_s: float
    runs: int
    median_s: float
    worst_s: float
    real_time_factor: float
    load_average_1m: float
    cpus: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bench_take(folder: Path) -> Path:
    """The cached ~30 s benchmark take (Piper at a natural pace, room-noise floor)."""
    from afterbeep.audio._coach_takes import RATE, _say, seeded_voice

    path = folder / "bench-30s.wav"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    speech = _say(BENCH_SCRIPT, BENCH_LENGTH_SCALE, seeded_voice(0))
    lead = np.zeros(round(0.4 * RATE), np.float32)
    take = np.concatenate([lead, speech])
    target = round(30.0 * RATE)
    if len(take) > target:
        # Never cut the script short: a cropped take would lose the repeated number.
        msg = f"bench take: speech runs {len(take) / RATE:.1f} s, over the 30 s take"
        raise RuntimeError(msg)
    take = np.pad(take, (0, target - len(take)))
    rng = np.random.default_rng(0)
    take = 0.5 * take / float(np.max(np.abs(take))) + rng.standard_normal(len(take)) * 3e-4
    soundfile.write(path, take.astype(np.float32), RATE, subtype="PCM_16")
    return path


def bench_coach(folder: Path, *, runs: int = 3) -> CoachBench:
    """Time ``coach_take`` (ASR included) on the 30 s take ``runs`` times after a warm-up."""
    from afterbeep.audio._coach_asr import whisper_model
    from afterbeep.audio.coach import coach_take

    path = bench_take(folder)
    started = time.perf_counter()
    whisper_model()
    load_s = time.perf_counter() - started
    fields = {"first_name": "Dana"}
    report = coach_take(path, script=BENCH_SCRIPT, fields=fields)  # warm-up (first-call costs)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        coach_take(path, script=BENCH_SCRIPT, fields=fields)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    return CoachBench(
        take_seconds=round(report.file_duration_s, 2),
        speech_seconds=round(report.speech_duration_s, 2),
        model_load_s=round(load_s, 3),
        runs=runs,
        median_s=round(median, 3),
        worst_s=round(max(times), 3),
        real_time_factor=round(median / report.file_duration_s, 4),
        load_average_1m=round(os.getloadavg()[0], 2),
        cpus=os.cpu_count() or 1,
    )


__all__ = ["BENCH_SCRIPT", "CoachBench", "bench_coach", "bench_take"]
