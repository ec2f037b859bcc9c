"""Reading and writing audio files, and resampling.

Owns file I/O through soundfile and resampling through soxr, with errors that name the file
and what was expected. Must not analyse audio (coach, detector) or speak any carrier protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr
from numpy.typing import NDArray

from afterbeep.audio.codec import float_to_int16
from afterbeep.errors import InvalidInput

TELEPHONY_RATES = (8000, 16000)


@dataclass(frozen=True, slots=True)
class Audio:
    """Mono float32 samples in [-1, 1] and their sample rate."""

    samples: NDArray[np.float32]
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate

    def as_int16(self) -> NDArray[np.int16]:
        return float_to_int16(self.samples)


def read_audio(path: str | Path, *, sample_rate: int | None = None) -> Audio:
    """Read ``path`` (WAV/FLAC/OGG, PCM or mu-law), mix to mono, resample to ``sample_rate``.

    Raises ``InvalidInput`` naming the file when it is missing, empty, corrupt or unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInput("file not found", source=str(path))
    if path.stat().st_size == 0:
        raise InvalidInput("file is empty; expected audio (WAV, FLAC or OGG)", source=str(path))
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise InvalidInput(
            f"not readable audio ({error}); expected WAV, FLAC or OGG", source=str(path)
        ) from error
    if data.shape[0] == 0:
        raise InvalidInput("audio has no samples", source=str(path))
    mono = data.mean(axis=1).astype(np.float32)
    audio = Audio(mono, int(rate))
    return resample(audio, sample_rate) if sample_rate and sample_rate != rate else audio


def resample(audio: Audio, sample_rate: int) -> Audio:
    """The same sound at ``sample_rate`` (soxr, high quality)."""
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    if sample_rate == audio.sample_rate:
        return audio
    out = soxr.resample(audio.samples, audio.sample_rate, sample_rate, quality="HQ")
    return Audio(np.asarray(out, dtype=np.float32), sample_rate)


def write_wav(path: str | Path, audio: Audio, *, subtype: str = "PCM_16") -> None:
    """Write a mono WAV. ``subtype`` is a soundfile subtype: PCM_16 or ULAW for telephony."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), audio.samples, audio.sample_rate, subtype=subtype)


def check_telephony_rate(sample_rate: int) -> int:
    """``sample_rate`` if it is a telephony rate, else ValueError naming the feasible values."""
    if sample_rate not in TELEPHONY_RATES:
        raise ValueError(f"sample_rate must be 8000 or 16000, got {sample_rate}")
    return sample_rate


__all__ = [
    "TELEPHONY_RATES",
    "Audio",
    "check_telephony_rate",
    "read_audio",
    "resample",
    "write_wav",
]
