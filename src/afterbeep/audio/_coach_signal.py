"""The coach's acoustic measurements of a take: speech activity, pauses, pitch, energy, levels.

Owns the numbers that come from the waveform alone: where speech is (20 ms frames against the
shared speech threshold of ``afterbeep.audio.levels``), the pauses between speech runs, dead air
at either end, an autocorrelation F0 track on voiced frames and its spread in semitones, the
spread of speech loudness, clipped runs of samples, speech level and an SNR estimate from speech
versus pause frames. Must not judge (thresholds live in ``coach``) nor use words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from afterbeep.audio.levels import FLOOR_DB, frame_rms_db

FRAME_MS = 20.0
# Speech is within this many dB of the loudest frame and this many dB over the noise floor.
_BELOW_LOUDEST_DB = 35.0
_NOISE_PERCENTILE = 10.0
_ABOVE_NOISE_DB = 4.0
_FLOOR_DBFS = -65.0
# Speech gaps shorter than this are joined (stop consonants, short breaths); runs shorter than
# this are dropped (clicks), so a "pause" is a stretch the listener hears as silence.
_MIN_GAP_S = 0.25
_MIN_RUN_S = 0.08
# F0 search range for adult speech, Hz.
F0_MIN_HZ = 65.0
F0_MAX_HZ = 400.0
_F0_FRAME_S = 0.04
_F0_HOP_S = 0.01
# YIN thresholds: the first dip of the normalised difference under 0.15 is the period; a
# frame whose best dip stays above 0.35 is unvoiced.
_YIN_THRESHOLD = 0.15
_YIN_VOICED = 0.35
# A clipped run is at least this many consecutive samples at or above this magnitude.
CLIP_LEVEL = 0.995
CLIP_RUN = 3


@dataclass(frozen=True, slots=True)
class Activity:
    """Speech runs in a take, seconds, and the frame levels they came from."""

    runs: tuple[tuple[float, float], ...]
    duration_s: float
    threshold_db: float
    levels_db: NDArray[np.float64]

    @property
    def speech_start_s(self) -> float:
        return self.runs[0][0] if self.runs else 0.0

    @property
    def speech_end_s(self) -> float:
        return self.runs[-1][1] if self.runs else 0.0

    def pauses(self) -> list[tuple[float, float]]:
        """Silences between speech runs, (start, end) in seconds."""
        return [(a[1], b[0]) for a, b in zip(self.runs, self.runs[1:], strict=False)]


def speech_activity(samples: NDArray[np.float32], sample_rate: int) -> Activity:
    """Speech runs of ``samples``: frames over the speech threshold, small gaps joined."""
    levels = frame_rms_db(samples, sample_rate, FRAME_MS)
    duration = len(samples) / sample_rate
    if len(levels) == 0:
        return Activity((), duration, FLOOR_DB, levels)
    # The shared threshold caps "above the noise" at 12 dB under the loudest frame, which in a
    # noisy take gates out whole soft words and invents pauses; here the noise floor is the
    # 10th-percentile frame and speech is anything 4 dB over it (tuned on seed-1 takes). The
    # loudest 6 dB always count, so a take with no pause at all is still speech.
    loudest = float(levels.max())
    threshold = max(
        loudest - _BELOW_LOUDEST_DB,
        min(float(np.percentile(levels, _NOISE_PERCENTILE)) + _ABOVE_NOISE_DB, loudest - 6.0),
        _FLOOR_DBFS,
    )
    active = levels >= threshold
    frame_s = FRAME_MS / 1000
    runs: list[list[float]] = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        begin, finish = start * frame_s, min(end * frame_s, duration)
        if runs and begin - runs[-1][1] < _MIN_GAP_S:
            runs[-1][1] = finish
        else:
            runs.append([begin, finish])
    kept = tuple((a, b) for a, b in runs if b - a >= _MIN_RUN_S)
    return Activity(kept, duration, threshold, levels)


def _frames(samples: NDArray[np.float64], size: int, hop: int) -> NDArray[np.float64]:
    count = 1 + max(0, (len(samples) - size) // hop)
    if len(samples) < size:
        return np.zeros((0, size))
    index = np.arange(size)[None, :] + hop * np.arange(count)[:, None]
    return samples[index]


def f0_track(
    samples: NDArray[np.float32], sample_rate: int, activity: Activity
) -> NDArray[np.float64]:
    """F0 in Hz of the voiced 40 ms frames (10 ms hop) inside speech runs (YIN, vectorised)."""
    x = samples.astype(np.float64)
    size = round(_F0_FRAME_S * sample_rate)
    hop = round(_F0_HOP_S * sample_rate)
    frames = _frames(x, size, hop)
    if len(frames) == 0:
        return np.zeros(0)
    centres = (np.arange(len(frames)) * hop + size / 2) / sample_rate
    inside = np.zeros(len(frames), dtype=bool)
    for start, end in activity.runs:
        inside |= (centres >= start) & (centres < end)
    # Only frames loud enough to be voiced speech, not the quiet tails of words.
    energy = np.sqrt(np.mean(frames**2, axis=1))
    energy_db = 20 * np.log10(np.maximum(energy, 1e-9))
    loud = energy_db >= min(activity.threshold_db + 6, float(energy_db.max()) - 3)
    frames = frames[inside & loud]
    if len(frames) == 0:
        return np.zeros(0)
    f0, voiced = yin(frames, sample_rate)
    result: NDArray[np.float64] = f0[voiced]
    return result


def yin(frames: NDArray[np.float64], sample_rate: int) -> tuple[NDArray[np.float64], NDArray]:
    """F0 (Hz) and a voiced mask for each row of ``frames`` (YIN, all frames at once).

    de Cheveigne and Kawahara (2002): the difference function from the autocorrelation and
    per-lag energies, its cumulative-mean normalisation, the first dip under 0.15.
    """
    size = frames.shape[1]
    frames = frames - frames.mean(axis=1, keepdims=True)
    n_fft = 1 << math.ceil(math.log2(2 * size))
    spectrum = np.fft.rfft(frames, n_fft, axis=1)
    autocorr = np.fft.irfft(np.abs(spectrum) ** 2, n_fft, axis=1)[:, :size]
    squares = np.cumsum(frames**2, axis=1)
    total = squares[:, -1:]
    lags = np.arange(size)
    # head[tau]: energy of x[0 : size - tau]; tail[tau]: energy of x[tau : size].
    head = np.concatenate([total, total - np.cumsum(frames[:, ::-1] ** 2, axis=1)[:, :-1]], axis=1)
    tail = np.concatenate([total, total - squares[:, :-1]], axis=1)
    diff = np.maximum(head + tail - 2 * autocorr, 0.0)
    diff[:, 0] = 0.0
    cumulative = np.cumsum(diff[:, 1:], axis=1)
    normalised = np.ones_like(diff)
    normalised[:, 1:] = diff[:, 1:] * lags[1:] / np.maximum(cumulative, 1e-12)
    lo = max(2, int(sample_rate / F0_MAX_HZ))
    hi = min(size - 2, int(sample_rate / F0_MIN_HZ))
    band = normalised[:, lo:hi]
    below = band < _YIN_THRESHOLD
    # The first dip under the threshold (then its local minimum); else the global minimum.
    first = np.where(below.any(axis=1), np.argmax(below, axis=1), np.argmin(band, axis=1))
    index = first.copy()
    for _ in range(8):
        step = index + 1 < band.shape[1]
        nxt = np.where(step, index + 1, index)
        better = band[np.arange(len(band)), nxt] < band[np.arange(len(band)), index]
        index = np.where(better, nxt, index)
    best = band[np.arange(len(band)), index]
    voiced = best < _YIN_VOICED
    lag = (lo + index).astype(np.float64)
    return sample_rate / lag, voiced


def pitch_spread_semitones(f0: NDArray[np.float64]) -> float | None:
    """10-90 percentile range of F0 in semitones (None with under 50 voiced frames, 0.5 s)."""
    if len(f0) < 50:
        return None
    semitones = 12 * np.log2(f0 / np.median(f0))
    low, high = np.percentile(semitones, [10, 90])
    return float(high - low)


def energy_spread_db(activity: Activity) -> float | None:
    """10-90 percentile range of the speech frames' levels, dB (None without speech)."""
    frame_s = FRAME_MS / 1000
    speech = _speech_levels(activity, frame_s)
    if len(speech) < 10:
        return None
    low, high = np.percentile(speech, [10, 90])
    return float(high - low)


def _speech_levels(activity: Activity, frame_s: float) -> NDArray[np.float64]:
    mask = np.zeros(len(activity.levels_db), dtype=bool)
    for start, end in activity.runs:
        mask[round(start / frame_s) : round(end / frame_s)] = True
    return activity.levels_db[mask & (activity.levels_db >= activity.threshold_db)]


def speech_level_dbfs(activity: Activity) -> float:
    """RMS level of the speech frames together, dBFS."""
    speech = _speech_levels(activity, FRAME_MS / 1000)
    if len(speech) == 0:
        return FLOOR_DB
    return float(10 * np.log10(np.mean(10 ** (speech / 10))))


def snr_db(activity: Activity) -> float | None:
    """Speech-to-noise ratio: speech frames' power over the pause frames' power, dB.

    The noise is the median level of frames outside speech runs (or the 5th percentile of all
    frames when the take has no pauses). Capped at 60 dB (digital silence between phrases).
    """
    frame_s = FRAME_MS / 1000
    levels = activity.levels_db
    if len(levels) == 0 or not activity.runs:
        return None
    mask = np.zeros(len(levels), dtype=bool)
    for start, end in activity.runs:
        mask[round(start / frame_s) : round(end / frame_s)] = True
    outside = levels[~mask]
    noise_db = float(np.median(outside)) if len(outside) >= 10 else float(np.percentile(levels, 5))
    speech_power = 10 ** (speech_level_dbfs(activity) / 10)
    noise_power = 10 ** (noise_db / 10)
    signal = max(speech_power - noise_power, 1e-15)
    return float(min(60.0, 10 * np.log10(signal / max(noise_power, 1e-15))))


@dataclass(frozen=True, slots=True)
class Clipping:
    """Clipped runs: where, how many, and the share of the take's samples they cover."""

    runs: int
    clipped_samples: int
    first_at_s: float | None
    times_s: tuple[float, ...]


def clipping(samples: NDArray[np.float32], sample_rate: int) -> Clipping:
    """Runs of at least ``CLIP_RUN`` consecutive samples at full scale (|x| >= ``CLIP_LEVEL``)."""
    hot = np.abs(samples) >= CLIP_LEVEL
    if not hot.any():
        return Clipping(0, 0, None, ())
    edges = np.flatnonzero(np.diff(np.concatenate([[0], hot.astype(np.int8), [0]])))
    starts, ends = edges[::2], edges[1::2]
    long = (ends - starts) >= CLIP_RUN
    starts, ends = starts[long], ends[long]
    times = tuple(float(s / sample_rate) for s in starts)
    first = times[0] if times else None
    return Clipping(len(starts), int((ends - starts).sum()), first, times)


__all__ = [
    "CLIP_LEVEL",
    "CLIP_RUN",
    "FRAME_MS",
    "Activity",
    "Clipping",
    "clipping",
    "energy_spread_db",
    "f0_track",
    "pitch_spread_semitones",
    "snr_db",
    "speech_activity",
    "speech_level_dbfs",
    "yin",
]
