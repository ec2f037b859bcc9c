"""Benchmark of the phone chain: time to convert a take, and how close it lands to the targets.

Owns synthesising a take (speech-like, 48 kHz stereo WAV and, with ffmpeg, the browser's
WebM/Opus), timing ``normalise_for_phone`` on it, and reporting the figures. Must not be used
by tests as a pass/fail timer: it prints numbers for people to read.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from afterbeep.audio import _ffmpeg
from afterbeep.audio._synth import speech_like, with_silence
from afterbeep.audio.normalise import normalise_for_phone
from afterbeep.audio.settings import AudioSettings


@dataclass(frozen=True, slots=True)
class ConvertBench:
    """Figures for one source format."""

    source_format: str
    take_s: float
    runs_s: tuple[float, ...]
    loudness_error_lu: float
    """Largest |measured - target| over the runs' written files."""
    true_peak_dbtp: float
    """Highest true peak over the written files."""

    @property
    def median_s(self) -> float:
        return statistics.median(self.runs_s)

    @property
    def realtime_factor(self) -> float:
        """Seconds of take converted per second of wall time."""
        return self.take_s / self.median_s


def _write_take(folder: Path, seconds: float) -> Path:
    speech = speech_like(seconds, sample_rate=48000, seed=11, level_dbfs=-30.0)
    padded = with_silence(speech, before_s=0.8, after_s=1.2, noise_dbfs=-70.0)
    path = folder / "take.wav"
    stereo = np.stack([padded.samples, 0.9 * padded.samples], axis=1)
    soundfile.write(str(path), stereo, 48000, subtype="PCM_16")
    return path


def _to_webm(wav: Path, settings: AudioSettings) -> Path:
    ffmpeg, _ = _ffmpeg.find_program(settings.ffmpeg)
    target = wav.with_suffix(".webm")
    command = [ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(wav)]
    command += ["-c:a", "libopus", "-b:a", "32k", str(target)]
    subprocess.run(command, check=True, capture_output=True)
    return target


def bench_convert(
    *, seconds: float = 30.0, repeats: int = 3, settings: AudioSettings | None = None
) -> list[ConvertBench]:
    """Convert a ``seconds`` take ``repeats`` times from WAV and from WebM/Opus to both formats."""
    settings = settings or AudioSettings()
    results = []
    with tempfile.TemporaryDirectory(prefix="afterbeep-bench-") as folder:
        wav = _write_take(Path(folder), seconds)
        sources = {"wav (48 kHz stereo)": wav, "webm/opus": _to_webm(wav, settings)}
        for label, source in sources.items():
            runs, errors, peaks = [], [], []
            for run in range(repeats):
                outputs = {
                    "mulaw": Path(folder) / f"out{run}.mulaw.wav",
                    "pcm16": Path(folder) / f"out{run}.pcm16.wav",
                }
                started = time.perf_counter()
                result = normalise_for_phone(source, outputs, settings=settings)
                runs.append(time.perf_counter() - started)
                for item in result.files:
                    errors.append(abs(item.loudness_lufs - result.target_lufs))
                    peaks.append(item.true_peak_dbtp)
            results.append(ConvertBench(label, seconds, tuple(runs), max(errors), max(peaks)))
    return results


__all__ = ["ConvertBench", "bench_convert"]
