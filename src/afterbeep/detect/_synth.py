"""Signal pieces for synthetic calls: beep tones, fax tones, noises and line impairments.

Owns the sample-level generation the corpus builder composes (float32 in [-1, 1] at the call's
rate) and impairments that keep the labels true: packet loss never touches the frames around a
labelled instant. Must not choose a call's structure or label it (see ``_builder``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from afterbeep.audio.codec import float_to_int16, int16_to_float, mulaw_decode, mulaw_encode

RAMP_MS = 4
FloatArray = NDArray[np.float32]


def silence(n: int) -> FloatArray:
    return np.zeros(max(0, n), dtype=np.float32)


def tone(
    frequency_hz: float, duration_ms: float, *, sample_rate: int, amplitude: float
) -> FloatArray:
    """A sine with 4 ms raised-cosine edges; its last sample is the end of the tone."""
    n = round(float(duration_ms) * sample_rate / 1000)
    t = np.arange(n, dtype=np.float64) / sample_rate
    wave = amplitude * np.sin(2 * np.pi * frequency_hz * t)
    ramp = min(n // 2, sample_rate * RAMP_MS // 1000)
    if ramp > 0:
        edge = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp) + 1) / (ramp + 1))
        wave[:ramp] *= edge
        wave[n - ramp :] *= edge[::-1]
    return wave.astype(np.float32)


def white_noise(rng: np.random.Generator, n: int) -> FloatArray:
    return rng.standard_normal(n).astype(np.float32)


def coloured_noise(rng: np.random.Generator, n: int, *, exponent: float) -> FloatArray:
    """Noise with power ~ 1/f**exponent (1 = pink, 2 = brown), unit RMS."""
    if n == 0:
        return silence(0)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.arange(len(spectrum), dtype=np.float64)
    freqs[0] = 1.0
    spectrum /= freqs ** (exponent / 2.0)
    spectrum[0] = 0.0
    out = np.fft.irfft(spectrum, n)
    rms = float(np.sqrt(np.mean(out**2))) or 1.0
    return (out / rms).astype(np.float32)


def hum(n: int, *, sample_rate: int, mains_hz: float) -> FloatArray:
    """Mains hum with a few harmonics, unit RMS."""
    t = np.arange(n, dtype=np.float64) / sample_rate
    wave = sum(np.sin(2 * np.pi * mains_hz * k * t) / k for k in (1, 2, 3, 5))
    out = np.asarray(wave, dtype=np.float64)
    rms = float(np.sqrt(np.mean(out**2))) or 1.0
    return (out / rms).astype(np.float32)


def loop_to(samples: FloatArray, n: int) -> FloatArray:
    """``samples`` repeated (or cut) to exactly ``n`` samples."""
    if len(samples) == 0:
        return silence(n)
    reps = int(np.ceil(n / len(samples)))
    return np.tile(samples, reps)[:n].astype(np.float32)


def rms(samples: FloatArray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0


def telephone_band(samples: FloatArray, *, sample_rate: int) -> FloatArray:
    """A causal 300-3400 Hz band-pass (4th-order Butterworth), like an analogue phone line."""
    from scipy.signal import butter, sosfilt

    high = min(3400.0, 0.45 * sample_rate)
    sos = butter(4, [300.0, high], btype="bandpass", fs=sample_rate, output="sos")
    return np.asarray(sosfilt(sos, samples), dtype=np.float32)


def mulaw_round_trip(samples: FloatArray) -> FloatArray:
    """Through G.711 mu-law and back, as every PSTN leg does."""
    return int16_to_float(mulaw_decode(mulaw_encode(float_to_int16(samples))))


def packet_loss(
    rng: np.random.Generator,
    samples: FloatArray,
    *,
    sample_rate: int,
    rate: float,
    protected_ms: Sequence[int],
    start: int = 0,
) -> tuple[FloatArray, int]:
    """Zero or repeat 20 ms frames with probability ``rate`` (from sample ``start`` on).

    Frames within 60 ms of a ``protected_ms`` instant (a label) are left alone, so losing or
    repeating audio never moves a labelled end. Returns the audio and the frames changed.
    """
    out = samples.copy()
    size = sample_rate // 50
    guard = 60 * sample_rate // 1000
    protected = [ms * sample_rate // 1000 for ms in protected_ms]
    changed = 0
    first = (start + size - 1) // size
    for index in range(max(first, 1), len(samples) // size):
        if rng.random() >= rate:
            continue
        lo, hi = index * size, (index + 1) * size
        if any(lo - guard <= p <= hi + guard for p in protected):
            continue
        if rng.random() < 0.5:
            out[lo:hi] = 0.0
        else:
            out[lo:hi] = out[lo - size : lo]
        changed += 1
    return out, changed


__all__ = [
    "coloured_noise",
    "hum",
    "loop_to",
    "mulaw_round_trip",
    "packet_loss",
    "rms",
    "silence",
    "telephone_band",
    "tone",
    "white_noise",
]
