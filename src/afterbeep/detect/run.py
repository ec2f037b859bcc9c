"""Running a detector over a recorded call: the event timeline of one file.

Owns reading a call recording for detection (WAV PCM16 or mu-law at 8 or 16 kHz, through
``afterbeep.audio.io``), feeding it frame by frame to a named detector, and turning events into
plain dicts for JSON. Must not hold detection logic (see ``detector``) nor print anything.
"""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
from numpy.typing import NDArray

from afterbeep.audio.codec import mulaw_decode
from afterbeep.audio.io import TELEPHONY_RATES, read_audio
from afterbeep.detect.corpus import wav_data_chunk
from afterbeep.detect.events import DetectionEvent
from afterbeep.errors import InvalidInput


def read_call(path: str | Path) -> tuple[NDArray[np.int16], int]:
    """The call's samples (int16, mono) and rate; the rate must be 8000 or 16000.

    mu-law WAVs are decoded with the bit-exact G.711 table, PCM through soundfile.
    """
    path = Path(path)
    audio = read_audio(path)
    if audio.sample_rate not in TELEPHONY_RATES:
        raise InvalidInput(
            f"sample rate {audio.sample_rate} Hz is not a telephony rate; expected 8000 or "
            "16000 Hz (convert it first, e.g. with `afterbeep audio` or sox)",
            source=str(path),
        )
    info = soundfile.info(str(path))
    if info.format == "WAV" and info.subtype == "ULAW" and info.channels == 1:
        try:
            codes = np.frombuffer(wav_data_chunk(path.read_bytes()), dtype=np.uint8)
        except ValueError:  # no data chunk soundfile could not also read: fall back below
            codes = None
        if codes is not None and codes.size >= info.frames:
            # The bit-exact G.711 table, the same decoding a live mu-law stream gets.
            return mulaw_decode(codes[: info.frames]), audio.sample_rate
    return audio.as_int16(), audio.sample_rate


def run_detector(detector: Any, samples: NDArray[np.int16]) -> list[DetectionEvent]:
    """Feed ``samples`` to ``detector`` in 20 ms frames (a trailing part frame is zero-padded),
    then ``finish``; every event in order."""
    size = detector.sample_rate // 50
    if samples.size % size:
        pad = np.zeros(size - samples.size % size, dtype=np.int16)
        samples = np.concatenate([samples, pad])
    events: list[DetectionEvent] = []
    for start in range(0, samples.size, size):
        events.extend(detector.feed(samples[start : start + size]))
    events.extend(detector.finish())
    return events


def detect_file(
    path: str | Path, *, detector: str = "afterbeep", settings: Any | None = None
) -> list[DetectionEvent]:
    """The events detector ``detector`` (a registry name) emits for the call in ``path``."""
    from afterbeep.detect.registry import create_detector

    samples, rate = read_call(path)
    made = create_detector(detector, sample_rate=rate, settings=settings, warm_up=True)
    return run_detector(made, samples)


def event_to_dict(event: DetectionEvent) -> dict[str, Any]:
    """A JSON-ready dict: ``kind`` first, then every field of the event."""
    fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    for key, value in fields.items():
        if isinstance(value, tuple):
            fields[key] = list(value)
        elif isinstance(value, bytes):  # an audio clip: base64 text
            fields[key] = base64.b64encode(value).decode("ascii")
    return {"kind": event.kind, **fields}


__all__ = ["detect_file", "event_to_dict", "read_call", "run_detector"]
