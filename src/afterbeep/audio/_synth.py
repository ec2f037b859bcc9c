"""Speech-like test signals, synthesised from a seed (for tests and benchmarks, not for users).

A voiced source (a gliding fundamental near 120 Hz with harmonics up to 3.5 kHz, falling
6 dB per octave) plus a little breath noise, shaped by a syllable envelope of about 4 Hz with
short pauses between phrases. It has speech's crest factor and pauses, which the loudness
gates, the trimmer and the splice joins care about; it has no words. Must not be used as
anything but a fixture.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from afterbeep.audio.io import Audio


def speech_like(
    seconds: float,
    *,
    sample_rate: int,
    seed: int = 0,
    level_dbfs: float = -20.0,
    f0_hz: float = 120.0,
) -> Audio:
    """``seconds`` of speech-like sound whose RMS while voiced is about ``level_dbfs``."""
    rng = np.random.default_rng(seed)
    count = round(seconds * sample_rate)
    t = np.arange(count) / sample_rate
    glide = 1.0 + 0.12 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6.28))
    f0 = f0_hz * glide
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    top = min(3500.0, 0.45 * sample_rate)
    harmonics = max(1, int(top // (f0_hz * 1.12)))
    voiced = np.zeros(count)
    for k in range(1, harmonics + 1):
        # Nearly aligned phases make a pulse train like glottal pulses: speech-like crest factor.
        voiced += np.cos(k * phase + rng.uniform(0, 0.6)) / k
    breath = rng.standard_normal(count) * 0.05
    signal = voiced + breath

    syllable = 0.5 - 0.5 * np.cos(2 * np.pi * 4.0 * t + rng.uniform(0, 6.28))
    phrase = np.ones(count)
    # A 300 ms pause every 2-3 s, as between phrases.
    start = rng.uniform(1.8, 2.6)
    while start < seconds:
        lo, hi = round(start * sample_rate), round((start + 0.3) * sample_rate)
        phrase[lo:hi] = 0.0
        start += rng.uniform(2.0, 3.0)
    envelope = _smooth(syllable * phrase, round(0.01 * sample_rate))
    shaped = signal * envelope
    voiced_rms = float(np.sqrt(np.mean(shaped[envelope > 0.5] ** 2))) if count else 1.0
    gain = 10 ** (level_dbfs / 20) / max(voiced_rms, 1e-12)
    return Audio((shaped * gain).astype(np.float32), sample_rate)


def _smooth(values: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    if width <= 1:
        return values
    kernel = np.ones(width) / width
    return np.convolve(values, kernel, mode="same")


def with_silence(audio: Audio, *, before_s: float, after_s: float, noise_dbfs: float) -> Audio:
    """``audio`` with room-noise padding (white noise at ``noise_dbfs`` RMS) on both sides."""
    rng = np.random.default_rng(1)
    rate = audio.sample_rate
    pad_before = round(before_s * rate)
    pad_after = round(after_s * rate)
    total = pad_before + len(audio.samples) + pad_after
    noise = rng.standard_normal(total) * 10 ** (noise_dbfs / 20)
    noise[pad_before : pad_before + len(audio.samples)] += audio.samples
    return Audio(noise.astype(np.float32), rate)


__all__ = ["speech_like", "with_silence"]
