"""Synthetic test signals for the detector tests: tones, noise, vowels, DTMF, music, speech.

Everything is made in code with fixed seeds (no files). Levels are in dBFS of RMS.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from afterbeep.audio.codec import mulaw_decode, mulaw_encode

SR = 8000


def _n(ms: float, sr: int) -> int:
    return round(ms * sr / 1000)


def _scale(signal: NDArray[np.float64], level_dbfs: float) -> NDArray[np.float64]:
    rms = float(np.sqrt(np.mean(signal**2))) or 1.0
    return signal * (32768.0 * 10 ** (level_dbfs / 20) / rms)


def silence(ms: float, sr: int = SR) -> NDArray[np.float64]:
    return np.zeros(_n(ms, sr))


def tone(hz: float, ms: float, sr: int = SR, level_dbfs: float = -16.0) -> NDArray[np.float64]:
    """A pure tone with 3 ms raised-cosine ramps (as mailbox beeps are made)."""
    n = _n(ms, sr)
    t = np.arange(n) / sr
    signal = np.sin(2 * np.pi * hz * t)
    ramp = min(_n(3, sr), n // 2)
    if ramp:
        edge = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)
        signal[:ramp] *= edge
        signal[-ramp:] *= edge[::-1]
    return signal * 32768.0 * 10 ** (level_dbfs / 20) * np.sqrt(2)


def noise(ms: float, sr: int = SR, level_dbfs: float = -50.0, seed: int = 0) -> NDArray[np.float64]:
    rng = np.random.default_rng(seed)
    return _scale(rng.standard_normal(_n(ms, sr)), level_dbfs)


def vowel(
    f0: float,
    ms: float,
    sr: int = SR,
    level_dbfs: float = -20.0,
    formants: tuple[float, ...] = (700.0, 1200.0, 2600.0),
    vibrato: float = 0.01,
) -> NDArray[np.float64]:
    """A sustained harmonic vowel: harmonics of ``f0`` shaped by formant resonances."""
    n = _n(ms, sr)
    t = np.arange(n) / sr
    pitch = f0 * (1 + vibrato * np.sin(2 * np.pi * 5 * t))
    phase = 2 * np.pi * np.cumsum(pitch) / sr
    signal = np.zeros(n)
    for h in range(1, int((sr / 2) // f0)):
        freq = h * f0
        gain = sum(1.0 / (1.0 + ((freq - f) / 90.0) ** 2) for f in formants) / h**0.5
        signal += gain * np.sin(h * phase)
    return _scale(signal, level_dbfs)


def dtmf(low: float, high: float, ms: float, sr: int = SR, level_dbfs: float = -16.0):
    n = _n(ms, sr)
    t = np.arange(n) / sr
    return _scale(np.sin(2 * np.pi * low * t) + 0.9 * np.sin(2 * np.pi * high * t), level_dbfs)


@functools.cache
def music(ms: float, sr: int = SR, level_dbfs: float = -22.0, seed: int = 1):
    """Hold music: a melody of 150-400 ms notes, each with a few partials."""
    rng = np.random.default_rng(seed)
    scale = [262, 294, 330, 349, 392, 440, 494, 523, 587, 659]
    parts = []
    total = 0
    while total < _n(ms, sr):
        note = rng.choice(scale)
        n = _n(rng.uniform(150, 400), sr)
        t = np.arange(n) / sr
        s = sum(a * np.sin(2 * np.pi * note * k * t) for k, a in ((1, 1.0), (2, 0.6), (3, 0.4)))
        env = np.minimum(1.0, np.minimum(t / 0.01, (t[-1] - t + 1e-3) / 0.05))
        parts.append(s * env)
        total += n
    out = _scale(np.concatenate(parts)[: _n(ms, sr)], level_dbfs)
    out.flags.writeable = False  # cached: shared between callers
    return out


@functools.cache
def speech(ms: float, sr: int = SR, level_dbfs: float = -20.0, seed: int = 2, gaps: bool = True):
    """Speech-like sound: 120-280 ms voiced syllables (random pitch and formants, some
    breath noise) with short dips between them, like continuous talking."""
    rng = np.random.default_rng(seed)
    parts = []
    total = 0
    target = _n(ms, sr)
    while total < target:
        syl_ms = rng.uniform(120, 280)
        f0 = rng.uniform(95, 230)
        formants = (rng.uniform(300, 850), rng.uniform(900, 2200), rng.uniform(2300, 3200))
        voiced = vowel(f0, syl_ms, sr, 0.0, formants, vibrato=0.04)
        voiced += 0.3 * noise(syl_ms, sr, 0.0, int(rng.integers(1 << 30)))
        env = np.hanning(voiced.size) ** 0.5
        parts.append(voiced * env)
        total += voiced.size
        if gaps:
            gap = silence(rng.uniform(20, 90), sr)
            parts.append(gap)
            total += gap.size
    out = _scale(np.concatenate(parts)[:target], level_dbfs)
    out.flags.writeable = False  # cached: shared between callers
    return out


def talkers(ms: float, level_dbfs: float) -> NDArray[np.float64]:
    """Two people talking on and on behind the line (babble)."""
    first = speech(ms, seed=31, level_dbfs=level_dbfs, gaps=False)
    return first + speech(ms, seed=32, level_dbfs=level_dbfs - 2, gaps=False)


def mix(*parts: NDArray[np.float64], floor_dbfs: float | None = -60.0, seed: int = 3, sr: int = SR):
    """Concatenate parts and add a steady line-noise floor (None: exact digital silence)."""
    signal = np.concatenate(parts)
    if floor_dbfs is not None:
        signal = signal + noise(signal.size * 1000 / sr, sr, floor_dbfs, seed)[: signal.size]
    return signal


def to_int16(signal: NDArray[np.float64]) -> NDArray[np.int16]:
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


def through_mulaw(samples: NDArray[np.int16]) -> NDArray[np.int16]:
    return mulaw_decode(mulaw_encode(samples))


def ms_len(*parts: NDArray[np.float64], sr: int = SR) -> float:
    return sum(p.size for p in parts) * 1000 / sr
