"""Decoding through the ffmpeg program, for containers libsndfile cannot read (WebM/Opus, M4A).

Owns finding ffmpeg/ffprobe and running them as subprocesses that decode to float32 PCM on a
pipe: no temporary files are written, so none can leak. Must not validate or process the audio
(see ``afterbeep.audio.importing``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from afterbeep.errors import ConfigError

# Decoding a few minutes of compressed audio takes well under a second; a stuck process (a
# pipe, a network mount) must not hang the caller forever.
_TIMEOUT_S = 120.0


class FfmpegFailed(Exception):
    """ffmpeg or ffprobe ran but could not read the file; ``detail`` is its last error line."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NoAudioStream(FfmpegFailed):
    """The container opened but holds no audio stream (a video, an image, an empty file)."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """Samples as (frames, channels) float32, the sample rate and the codec ffprobe named."""

    samples: NDArray[np.float32]
    sample_rate: int
    codec: str


def find_program(ffmpeg: str = "ffmpeg") -> tuple[str, str]:
    """Absolute paths of ffmpeg and its ffprobe, or ``ConfigError`` saying what to install."""
    ffmpeg_path = shutil.which(ffmpeg)
    if ffmpeg_path is None:
        raise ConfigError(
            f"ffmpeg ({ffmpeg!r}) not found; it is needed to read WebM/Opus and M4A recordings. "
            "Install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) "
            "or set audio.ffmpeg in afterbeep.toml to its path"
        )
    probe_name = str(Path(ffmpeg_path).with_name("ffprobe"))
    probe_path = shutil.which(probe_name) or shutil.which("ffprobe")
    if probe_path is None:
        raise ConfigError(
            f"ffprobe not found next to {ffmpeg_path}; install the full ffmpeg package "
            "(Debian/Ubuntu: apt-get install ffmpeg)"
        )
    return ffmpeg_path, probe_path


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1] if lines else "no error message"


def _probe(ffprobe: str, path: Path) -> tuple[int, int, str]:
    command = [
        ffprobe,
        "-v",
        "error",
        "-select_streams",
        "a:0",
        "-show_entries",
        "stream=sample_rate,channels,codec_name",
        "-of",
        "json",
        str(path),
    ]
    done = subprocess.run(command, capture_output=True, timeout=_TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise FfmpegFailed(_last_line(done.stderr))
    try:
        streams = json.loads(done.stdout or b"{}").get("streams", [])
    except json.JSONDecodeError as error:
        raise FfmpegFailed(f"ffprobe printed no JSON ({error})") from error
    if not streams:
        raise NoAudioStream("no audio stream in the file")
    stream = streams[0]
    try:
        rate = int(stream["sample_rate"])
        channels = int(stream["channels"])
    except (KeyError, TypeError, ValueError) as error:
        raise FfmpegFailed(
            f"audio stream without a sample rate or channel count: {stream}"
        ) from error
    if rate <= 0 or channels <= 0:
        raise FfmpegFailed(f"audio stream with {channels} channels at {rate} Hz")
    return rate, channels, str(stream.get("codec_name", "unknown"))


def decode(path: Path, *, ffmpeg: str = "ffmpeg", max_seconds: float | None = None) -> Decoded:
    """Decode the first audio stream of ``path`` at its own rate and channel count.

    ``max_seconds`` stops decoding after that much audio, so an over-long upload costs no more
    than the limit. Raises ``ConfigError`` when ffmpeg is missing and ``FfmpegFailed`` when it
    cannot read the file.
    """
    ffmpeg_path, ffprobe_path = find_program(ffmpeg)
    rate, channels, codec = _probe(ffprobe_path, path)
    command = [ffmpeg_path, "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-vn"]
    if max_seconds is not None:
        command += ["-t", f"{max_seconds:.3f}"]
    command += ["-f", "f32le", "-acodec", "pcm_f32le", "-ar", str(rate), "-ac", str(channels), "-"]
    done = subprocess.run(command, capture_output=True, timeout=_TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise FfmpegFailed(_last_line(done.stderr))
    frame_bytes = 4 * channels
    usable = len(done.stdout) - len(done.stdout) % frame_bytes
    samples = np.frombuffer(done.stdout[:usable], dtype="<f4").reshape(-1, channels)
    return Decoded(samples.astype(np.float32), rate, codec)


__all__ = ["Decoded", "FfmpegFailed", "NoAudioStream", "decode", "find_program"]
