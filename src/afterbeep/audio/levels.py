"""Level measurements: frame RMS, true peak (4x oversampled) and BS.1770 loudness.

Owns the numbers that import checks, the phone chain and assembly agree on. Must not change
audio (see ``afterbeep.audio.normalise``) or read files.
"""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
from numpy.typing import NDArray
from scipy.signal import resample_poly

from afterbeep.audio.io import Audio

# Below any level a 16-bit file can hold (-96 dBFS), so the logarithm stays finite.
FLOOR_DB = -120.0
_TINY = 10 ** (FLOOR_DB / 20)

# ITU-R BS.1770-4 Annex 2 measures true peak on a signal oversampled at least 4x.
TRUE_PEAK_OVERSAMPLING = 4


def to_db(value: float) -> float:
    """20*log10 of an amplitude, floored at ``FLOOR_DB``."""
    return 20.0 * math.log10(max(value, _TINY))


def frame_rms_db(samples: NDArray[np.floating], sample_rate: int, frame_ms: float) -> NDArray:
    """RMS of consecutive non-overlapping frames of ``frame_ms``, in dBFS (last partial kept)."""
    frame = max(1, round(sample_rate * frame_ms / 1000))
    count = math.ceil(len(samples) / frame)
    padded = np.zeros(count * frame, dtype=np.float64)
    padded[: len(samples)] = samples
    power = np.mean(padded.reshape(count, frame) ** 2, axis=1)
    return 10.0 * np.log10(np.maximum(power, _TINY**2))


def loudest_window_dbfs(samples: NDArray[np.floating], sample_rate: int, window_ms: float) -> float:
    """RMS of the loudest sliding ``window_ms`` window (hop of a quarter window), in dBFS."""
    window = max(1, round(sample_rate * window_ms / 1000))
    if len(samples) <= window:
        return to_db(float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))))
    cumulative = np.concatenate([[0.0], np.cumsum(np.square(samples, dtype=np.float64))])
    hop = max(1, window // 4)
    starts = np.arange(0, len(samples) - window + 1, hop)
    power = (cumulative[starts + window] - cumulative[starts]) / window
    return 10.0 * math.log10(max(float(power.max()), _TINY**2))


def sustained_level_dbfs(
    samples: NDArray[np.floating], sample_rate: int, *, window_ms: float, windows: int
) -> float:
    """The level that at least ``windows`` non-overlapping ``window_ms`` windows reach, dBFS.

    The ``windows``-th loudest window's RMS: one click, which can straddle two windows, cannot
    lift it, while a single spoken word (150 ms or more) does.
    """
    levels = np.sort(frame_rms_db(samples, sample_rate, window_ms))[::-1]
    return float(levels[min(windows, len(levels)) - 1]) if len(levels) else FLOOR_DB


def oversampled_peak_envelope(samples: NDArray[np.floating]) -> NDArray[np.float64]:
    """Per input sample, the largest magnitude of the 4x oversampled signal around it."""
    upsampled = resample_poly(samples.astype(np.float64), TRUE_PEAK_OVERSAMPLING, 1)
    upsampled = np.abs(upsampled[: len(samples) * TRUE_PEAK_OVERSAMPLING])
    envelope = upsampled.reshape(len(samples), TRUE_PEAK_OVERSAMPLING).max(axis=1)
    return np.maximum(envelope, np.abs(samples.astype(np.float64)))


def true_peak_dbtp(samples: NDArray[np.floating]) -> float:
    """True peak in dBTP: the peak of the 4x oversampled signal (BS.1770-4 Annex 2)."""
    if len(samples) == 0:
        return FLOOR_DB
    return to_db(float(oversampled_peak_envelope(samples).max()))


# Speech/pause decisions: the noise floor is the 5th percentile of frame levels, and a frame
# within this many dB of it is room noise, not speech.
_NOISE_PERCENTILE = 5.0
_ABOVE_NOISE_DB = 8.0
# However noisy the room, the loudest 12 dB of a take are speech.
_SPEECH_TOP_DB = 12.0


def speech_threshold_db(levels: NDArray, *, below_loudest_db: float, floor_dbfs: float) -> float:
    """Frame level (dB) at or above which a frame counts as speech, for frame ``levels``.

    The highest of: ``below_loudest_db`` under the loudest frame (clean recordings), 8 dB over
    the noise floor (the 5th percentile frame; noisy rooms, capped 12 dB under the loudest), and
    the silence floor.
    """
    loudest = float(levels.max())
    noise = float(np.percentile(levels, _NOISE_PERCENTILE))
    above_noise = min(noise + _ABOVE_NOISE_DB, loudest - _SPEECH_TOP_DB)
    return max(loudest - below_loudest_db, above_noise, floor_dbfs)


def integrated_lufs(audio: Audio, *, block_s: float = 0.4) -> float:
    """Gated integrated loudness (ITU-R BS.1770-4 via pyloudnorm), LUFS; ``FLOOR_DB`` if silent.

    ``block_s`` is the gating block (0.4 s is the standard); a shorter block lets short clips
    such as a spoken first name be measured the same way as the take they are matched to.
    """
    samples = audio.samples.astype(np.float64)
    minimum = round(block_s * audio.sample_rate) + 1
    if len(samples) < minimum:
        samples = np.concatenate([samples, np.zeros(minimum - len(samples))])
    meter = pyloudnorm.Meter(audio.sample_rate, block_size=block_s)
    value = float(meter.integrated_loudness(samples))
    return value if math.isfinite(value) else FLOOR_DB


def speech_lufs(audio: Audio) -> float:
    """Loudness of the speech in ``audio``: BS.1770 gating on 100 ms blocks, LUFS.

    The gates drop pauses, so a one-word clip and a thirty-second take with breaths between
    phrases compare on their speech alone.
    """
    return integrated_lufs(audio, block_s=0.1)


__all__ = [
    "FLOOR_DB",
    "TRUE_PEAK_OVERSAMPLING",
    "frame_rms_db",
    "integrated_lufs",
    "loudest_window_dbfs",
    "oversampled_peak_envelope",
    "speech_lufs",
    "speech_threshold_db",
    "sustained_level_dbfs",
    "to_db",
    "true_peak_dbtp",
]
