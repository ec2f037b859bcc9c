"""Helpers for the audio tests: synthesised takes written as WAV, or encoded by ffmpeg."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from afterbeep.audio._synth import speech_like, with_silence
from afterbeep.audio.io import Audio

# ffmpeg arguments that make each container the way its usual producer does: the browser's
# MediaRecorder (WebM/Opus, or M4A/AAC on Safari), a phone's voice memo (M4A), an MP3 export.
ENCODERS = {
    "webm": ["-c:a", "libopus", "-b:a", "32k"],
    "m4a": ["-c:a", "aac", "-b:a", "64k"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "3"],
    "opus": ["-c:a", "libopus", "-b:a", "32k"],
}

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def write_take(
    path: Path,
    *,
    seconds: float = 3.0,
    sample_rate: int = 16000,
    channels: int = 1,
    level_dbfs: float = -24.0,
    silence_s: float = 0.0,
    seed: int = 0,
) -> Audio:
    """Write a speech-like take (optionally with room-noise padding) as WAV; return the mono."""
    audio = speech_like(seconds, sample_rate=sample_rate, seed=seed, level_dbfs=level_dbfs)
    if silence_s:
        audio = with_silence(audio, before_s=silence_s, after_s=silence_s, noise_dbfs=-75.0)
    data = np.repeat(audio.samples[:, None], channels, axis=1)
    soundfile.write(str(path), data, sample_rate, subtype="PCM_16")
    return audio


def encode_with_ffmpeg(wav: Path, target: Path) -> Path:
    """Encode ``wav`` into ``target``'s container with the codec its producer would use."""
    codec = ENCODERS[target.suffix.lstrip(".")]
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wav), *codec, str(target)],
        check=True,
        capture_output=True,
    )
    return target
