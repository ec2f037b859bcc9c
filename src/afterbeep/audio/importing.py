"""Importing a recorded take: decode any supported file, mix to mono, and refuse unusable ones.

Owns the decode path (libsndfile through soundfile first; the ffmpeg program for what
libsndfile cannot read, such as the browser's WebM/Opus and M4A) and the checks a take must
pass before anything else looks at it: not empty, decodable, not silent, not too short, not too
long. Every refusal is an ``InvalidInput`` naming the file. Must not change the sound (trim,
filter, normalise: see ``afterbeep.audio.normalise``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from afterbeep.audio import _ffmpeg
from afterbeep.audio.io import Audio
from afterbeep.audio.levels import sustained_level_dbfs
from afterbeep.audio.settings import AudioSettings
from afterbeep.errors import InvalidInput

SUPPORTED_FORMATS = "WAV, FLAC, OGG (Vorbis/Opus), MP3, WebM/Opus or M4A (AAC)"

# The silence check asks how loud the take gets for at least 150 ms (three 50 ms windows): a
# click lasts a few ms and touches at most two windows; one spoken word lasts 150 ms or more.
SILENCE_WINDOW_MS = 50.0
SILENCE_WINDOWS = 3


@dataclass(frozen=True, slots=True)
class Recording:
    """A decoded take: mono ``audio`` at the file's own rate, and where it came from."""

    audio: Audio
    source: Path
    channels: int
    decoder: str
    """``soundfile`` or ``ffmpeg``."""
    codec: str
    """The container/codec as the decoder named it, e.g. ``WAV/PCM_16`` or ``opus``."""
    sustained_level_dbfs: float
    """The RMS that at least three 50 ms windows reach (150 ms of the take), dBFS."""


def _decode(path: Path, settings: AudioSettings) -> tuple[np.ndarray, int, str, str]:
    """(frames x channels float32, rate, decoder, codec); soundfile first, then ffmpeg."""
    # Read at most a little more than the limit, so a two-hour upload is refused cheaply.
    limit_s = settings.max_duration_s + 1.0
    try:
        info = soundfile.info(str(path))
        frames = min(int(info.frames), int(limit_s * info.samplerate)) if info.frames > 0 else -1
        data, rate = soundfile.read(str(path), frames=frames, dtype="float32", always_2d=True)
        return data, int(rate), "soundfile", f"{info.format}/{info.subtype}"
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError):
        pass
    try:
        decoded = _ffmpeg.decode(path, ffmpeg=settings.ffmpeg, max_seconds=limit_s)
    except _ffmpeg.NoAudioStream as error:
        raise InvalidInput(
            f"has no audio stream (a video or an empty container); expected {SUPPORTED_FORMATS}",
            source=str(path),
        ) from error
    except _ffmpeg.FfmpegFailed as error:
        raise InvalidInput(
            f"cannot decode: unknown container or corrupt file ({error.detail}); "
            f"expected {SUPPORTED_FORMATS}",
            source=str(path),
        ) from error
    return decoded.samples, decoded.sample_rate, "ffmpeg", decoded.codec


def import_recording(
    path: str | Path,
    *,
    settings: AudioSettings | None = None,
    min_duration_s: float | None = None,
) -> Recording:
    """Decode ``path`` to mono and check it is a usable take.

    ``min_duration_s`` overrides the settings' minimum (a name clip is shorter than a take).
    Raises ``InvalidInput`` naming the file when it is missing, empty, undecodable, silent,
    too short or too long; ``ConfigError`` when ffmpeg is needed but not installed.
    """
    settings = settings or AudioSettings()
    minimum = settings.min_duration_s if min_duration_s is None else min_duration_s
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise InvalidInput("file not found", source=source)
    if not path.is_file():
        raise InvalidInput("not a file; expected an audio file", source=source)
    if path.stat().st_size == 0:
        raise InvalidInput(f"file is empty; expected {SUPPORTED_FORMATS}", source=source)

    data, rate, decoder, codec = _decode(path, settings)
    if data.shape[0] == 0:
        raise InvalidInput("decoded to no audio samples (empty or truncated)", source=source)
    if not np.isfinite(data).all():
        raise InvalidInput("decoded to NaN or infinite samples (corrupt file)", source=source)

    mono = data.mean(axis=1).astype(np.float32) if data.shape[1] > 1 else data[:, 0].copy()
    audio = Audio(mono, rate)
    if audio.duration_s < minimum:
        raise InvalidInput(
            f"is {audio.duration_s:.2f} s long; expected at least {minimum:g} s", source=source
        )
    if audio.duration_s > settings.max_duration_s:
        raise InvalidInput(
            f"is longer than the {settings.max_duration_s:g} s maximum "
            "(setting audio.max_duration_s)",
            source=source,
        )
    level = sustained_level_dbfs(mono, rate, window_ms=SILENCE_WINDOW_MS, windows=SILENCE_WINDOWS)
    if level < settings.silence_floor_dbfs:
        raise InvalidInput(
            f"is silent: no {SILENCE_WINDOWS * SILENCE_WINDOW_MS:g} ms of it is louder than "
            f"{level:.1f} dBFS RMS, below the {settings.silence_floor_dbfs:g} dBFS floor "
            "(check the microphone)",
            source=source,
        )
    return Recording(audio, path, int(data.shape[1]), decoder, codec, level)


__all__ = ["SUPPORTED_FORMATS", "Recording", "import_recording"]
