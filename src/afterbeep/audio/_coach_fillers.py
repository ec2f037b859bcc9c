"""The acoustic filler cue: short, steady voiced sounds that the speech model wrote no word for.

Whisper leaves many hesitations out of its transcript. An "um" or "uh" is a short stretch of
voice (0.2-1 s) on a nearly level pitch, set apart by pauses; when such a speech run has (almost)
no recognised word over it, it is counted as a filler the model did not write ("um?"). Owns
only that cue; the transcript's own fillers come from ``_coach_text.fillers``. Must not judge.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from afterbeep.audio._coach_asr import Word
from afterbeep.audio._coach_signal import Activity, yin
from afterbeep.audio._coach_text import Filler

MIN_S = 0.2
MAX_S = 1.0
# Share of the run that recognised words may cover and it still counts as "no word".
MAX_COVERED = 0.3
MIN_VOICED = 0.6
MAX_SPREAD_SEMITONES = 2.0
# A transcript filler this close already accounts for the sound.
NEAR_S = 0.6


def acoustic_fillers(
    samples: NDArray[np.float32],
    sample_rate: int,
    activity: Activity,
    words: Sequence[Word],
    heard: Sequence[Filler],
) -> list[Filler]:
    """Steady voiced runs of 0.2-1 s with no recognised word over them, as ``um?`` fillers."""
    found: list[Filler] = []
    size = round(0.04 * sample_rate)
    hop = round(0.01 * sample_rate)
    for start, end in activity.runs:
        length = end - start
        if not MIN_S <= length <= MAX_S:
            continue
        covered = sum(max(0.0, min(end, w.end_s) - max(start, w.start_s)) for w in words)
        if covered > MAX_COVERED * length:
            continue
        if any(abs(f.at_s - start) < NEAR_S for f in heard):
            continue
        segment = samples[round(start * sample_rate) : round(end * sample_rate)].astype(np.float64)
        count = 1 + (len(segment) - size) // hop
        if count < 5:
            continue
        index = np.arange(size)[None, :] + hop * np.arange(count)[:, None]
        f0, voiced = yin(segment[index], sample_rate)
        if voiced.mean() < MIN_VOICED:
            continue
        semitones = 12 * np.log2(f0[voiced] / np.median(f0[voiced]))
        low, high = np.percentile(semitones, [10, 90])
        if high - low <= MAX_SPREAD_SEMITONES:
            found.append(Filler("um?", start))
    return found


__all__ = ["acoustic_fillers"]
