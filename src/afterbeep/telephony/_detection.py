"""Detection for live calls: one shared, batched detector loop per process, and an oracle.

Owns ``DetectorHub``: every live call gets a slot in a ``DetectorBank`` (one bank per sample
rate, grown 64 slots at a time); frames are queued per call as they arrive and fed in
batches, one vectorised front-end pass per batch instead of a full detector per call per
frame: 200 calls cost about what 1-2 single detectors do. A batch is fed once the event loop
has handled what was ready (``flush_interval_s`` 0): an idle server adds no delay, a busy
one gathers more frames per pass. Calls arrive on their own clocks, so a batch feeds only the
slots that have a frame and costs what those slots cost (``_PartialBank``). With greeting recognition on,
calls send their speech to the process's recognition worker (most urgent first, shed when
it could not answer in time: see ``DetectorSettings.asr_max_wait_ms``), and a closed call is
finished in a side thread, since finishing waits for its last words.

Also owns ``OracleDetector``: reads the call's true labels from the stream's
``afterbeep.truth`` parameter (the simulator sends it) and emits the events a perfect detector
would, the moment the audio passes each labelled time. It exists to measure the engine and
transport alone; the media server uses it only when configured with ``detector = "oracle"``.
Must not speak carrier protocols nor play audio.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

from afterbeep.detect import (
    BeepEnded,
    DetectionEvent,
    DetectorBank,
    DetectorSettings,
    FaxDetected,
    GeneralMailbox,
    GreetingEnded,
    HumanDetected,
    MachineDetected,
    MailboxFull,
    MailboxNotSetUp,
    NotSure,
    Transcriber,
)
from afterbeep.detect._asr import recognition_worker
from afterbeep.detect.events import MESSAGE_CUE_EVENTS
from afterbeep.errors import ConfigError

log = logging.getLogger(__name__)

TRUTH_PARAMETER = "afterbeep.truth"
DETECTORS = ("afterbeep", "oracle")
BANK_GROWTH = 64

EventSink = Callable[[list[DetectionEvent]], None]


_CLOSER: ThreadPoolExecutor | None = None


def _closer() -> ThreadPoolExecutor:
    """Threads that finish closed calls' detection while it waits for recognition."""
    global _CLOSER
    if _CLOSER is None:
        _CLOSER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="afterbeep-close")
    return _CLOSER


def _blas_in_calling_thread() -> None:
    """Keep numpy's BLAS (OpenBLAS) in the thread that calls it, for the whole process.

    Its own pool threads run at the process's CPU priority and spin while they wait for
    work: the recognition worker's mel filterbank (a matrix product per clip) ran there,
    beside the media loop at its priority instead of at the worker's lower one (5.8 s of
    a 200-call session's CPU, measured per thread), and the media loop's small products
    gain nothing from a second thread."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class _PartialBank:
    """A ``DetectorBank`` fed only on the rows that have a frame this batch.

    Uses the bank's analyzer and per-call state machines directly: the analyzer advances only
    the rows fed, so each call sees exactly its own frame sequence (tests compare with a
    ``Detector`` fed the same audio), and a batch costs what its rows cost.
    """

    def __init__(
        self,
        *,
        size: int,
        sample_rate: int,
        settings: DetectorSettings,
        transcriber: Transcriber | None = None,
    ) -> None:
        self.bank = DetectorBank(
            n_streams=size, sample_rate=sample_rate, settings=settings, transcriber=transcriber
        )
        self.size = size
        self.frame_size = self.bank.frame_size
        self._frames = np.zeros((size, self.frame_size), dtype=np.int16)
        self.free = list(range(size - 1, -1, -1))

    def grow(self, size: int) -> None:
        """Room for ``size`` calls; the calls on the bank go on undisturbed."""
        old = self.size
        self.bank.grow(size)
        frames = np.zeros((size, self.frame_size), dtype=np.int16)
        frames[:old] = self._frames
        self._frames = frames
        self.free[:0] = range(size - 1, old - 1, -1)
        self.size = size

    def feed_rows(self, rows: list[int], frames: list[NDArray[np.int16]]) -> list[list[Any]]:
        bank = self.bank
        analyzer = bank._analyzer
        calls = bank._calls
        block = self._frames
        stacked = np.stack(frames)
        block[rows] = stacked
        features = analyzer.analyze(stacked, np.asarray(rows, dtype=np.intp))
        energy = features.energy_db.tolist()
        ratio = features.tone_ratio.tolist()
        hz = features.tone_hz.tolist()
        harmonic = features.harmonic_db.tolist()
        return [
            calls[i].step(block, i, analyzer, energy[j], ratio[j], hz[j], harmonic[j])
            for j, i in enumerate(rows)
        ]


class _Slot:
    __slots__ = ("asr", "bank", "buffer", "closed", "frames", "row", "sink", "words")

    def __init__(
        self, bank: _PartialBank, row: int, sink: EventSink, *, asr: bool, words: bool
    ) -> None:
        self.asr = asr  # one of the asr_max_calls
        self.words = words  # its speech is recognised (for everything, or for the mailbox)
        self.bank = bank
        self.row = row
        self.sink = sink
        self.frames: deque[NDArray[np.int16]] = deque()
        self.buffer = np.zeros(0, dtype=np.int16)
        self.closed = False


class DetectorHub:
    """Batched live detection for every call of one process (one asyncio loop)."""

    def __init__(
        self,
        *,
        detector: str = "afterbeep",
        settings: DetectorSettings | None = None,
        flush_interval_s: float = 0.0,
        transcriber: Transcriber | None = None,
        asr_max_calls: int | None = None,
        asr_mailbox_beyond: bool = False,
        asr_workers: int = 1,
        asr_processes: bool = False,
    ) -> None:
        if detector not in DETECTORS:
            raise ConfigError(f"telephony detector must be one of {DETECTORS}, got {detector!r}")
        self.detector = detector
        self.settings = settings or DetectorSettings(asr=False)
        _blas_in_calling_thread()
        self.flush_interval_s = flush_interval_s
        # One transcriber for every bank, so clips of calls in different banks share batches.
        if transcriber is None and self.recognises:
            transcriber = self.settings.whisper_transcriber()
        self.transcriber = transcriber
        # Calls at once that get speech recognition (None: all); the rest are detected
        # without it, as the one recognition worker could not hear them in time anyway.
        self.asr_max_calls = asr_max_calls
        if self.recognises:
            # In processes of their own, asr_workers jobs at once (0: one per core); in this
            # process, one (the shared model runs one job at a time).
            threads = (asr_workers or os.cpu_count() or 1) if asr_processes else 1
            recognition_worker().configure(threads=threads, processes=asr_processes)
        self._plain = self.settings.model_copy(update={"asr": False})
        self._mailbox_words = self.settings.asr and asr_mailbox_beyond
        self._bank_settings = {
            "full": self.settings,
            "mailbox": self.settings.model_copy(update={"asr_decide": False}),
            "off": self._plain,
        }
        self.asr_calls = 0
        # One bank per sample rate and recognition mode ("full", "mailbox", "off"), grown as
        # calls come: a batch is one vectorised pass per bank, so fewer banks cost less.
        self._banks: dict[tuple[int, str], _PartialBank] = {}
        self._active: list[_Slot] = []
        self._scheduled = False
        self.frames_fed = 0
        self.batches_fed = 0
        self.closing_done = 0  # calls whose detection finished after close (recognition on)
        # Machines' cues on calls whose words are recognised, and those reached with none of
        # the greeting's words read (refused under load, or not back yet).
        self.machine_cues = 0
        self.cues_without_words = 0

    def open(
        self,
        *,
        sample_rate: int,
        parameters: dict[str, str],
        sink: EventSink,
        machine_known: bool = False,
        watching: bool = False,
        offset_ms: int = 0,
    ) -> LiveDetector:
        """Detection for one new stream. ``machine_known``: the call is known to have
        reached a machine (a rep asked for the drop): only its cue is looked for, without
        recognition. ``watching``: a copy of a call handed to the rep as a person, watched
        for a recording after all, without recognition. ``offset_ms``: the call's audio time
        at the stream's first frame (the oracle's labels are in call time)."""
        if self.detector == "oracle":
            return OracleDetector(
                parameters,
                sample_rate=sample_rate,
                sink=sink,
                machine_known=machine_known,
                watching=watching,
                offset_ms=offset_ms,
            )
        asr = (
            self.settings.asr
            and not machine_known
            and not watching
            and (self.asr_max_calls is None or self.asr_calls < self.asr_max_calls)
        )
        # Past asr_max_calls, a call's words are recognised only once it is known for a
        # machine, for its mailbox reading (full, not set up, a company's): its person/machine
        # decision never waits for them.
        mode = "full" if asr else "mailbox" if self._mailbox_words else "off"
        if machine_known or watching:
            mode = "off"
        bank = self._banks.get((sample_rate, mode))
        if bank is None:
            bank = self._banks[(sample_rate, mode)] = _PartialBank(
                size=BANK_GROWTH,
                sample_rate=sample_rate,
                settings=self._bank_settings[mode],
                transcriber=self.transcriber if mode != "off" else None,
            )
        elif not bank.free:
            bank.grow(bank.size + BANK_GROWTH)
        row = bank.free.pop()
        bank.bank.reset(row, machine_known=machine_known, watching=watching)
        slot = _Slot(bank, row, sink, asr=asr, words=mode != "off")
        self.asr_calls += asr
        self._active.append(slot)
        return _HubDetector(self, slot)

    def warm_up(self) -> None:
        """With recognition on, load the model now, in the recognition worker (seconds), so
        the first calls' words are not shed while it loads."""
        if self.recognises and self.transcriber is not None:
            recognition_worker().warm_up(self.transcriber)

    # -- internal --------------------------------------------------------------------------
    def _push(self, slot: _Slot, samples: NDArray[np.int16]) -> None:
        size = slot.bank.frame_size
        if samples.size == size and not slot.buffer.size:  # the usual 20 ms frame
            slot.frames.append(samples)
            if not self._scheduled:
                self._scheduled = True
                asyncio.get_running_loop().call_later(self.flush_interval_s, self.flush)
            return
        buffer = np.concatenate([slot.buffer, samples]) if slot.buffer.size else samples
        whole = buffer.size - buffer.size % size
        for start in range(0, whole, size):
            slot.frames.append(buffer[start : start + size])
        slot.buffer = buffer[whole:].copy()
        if not self._scheduled and slot.frames:
            self._scheduled = True
            asyncio.get_running_loop().call_later(self.flush_interval_s, self.flush)

    def flush(self) -> None:
        """Feed every queued frame, batch by batch (one frame per call per batch)."""
        self._scheduled = False
        while True:
            pending = [s for s in self._active if s.frames]
            if not pending:
                return
            by_bank: dict[int, tuple[_PartialBank, list[_Slot]]] = {}
            for slot in pending:
                by_bank.setdefault(id(slot.bank), (slot.bank, []))[1].append(slot)
            for bank, slots in by_bank.values():
                frames = [s.frames.popleft() for s in slots]
                results = bank.feed_rows([s.row for s in slots], frames)
                self.frames_fed += len(slots)
                self.batches_fed += 1
                for slot, events in zip(slots, results, strict=True):
                    if events:
                        self._deliver(slot, events)

    def _deliver(self, slot: _Slot, events: list[DetectionEvent]) -> None:
        if slot.words:
            for event in events:
                if isinstance(event, MESSAGE_CUE_EVENTS):
                    self.machine_cues += 1
                    self.cues_without_words += not event.words_heard
        try:
            slot.sink(events)
        except Exception:  # one call's handler must never stop the others' detection
            log.exception("event handler failed for one call; other calls go on")

    def _close(self, slot: _Slot) -> list[DetectionEvent]:
        if slot.closed:
            return []
        slot.closed = True
        slot.frames.clear()
        self._active.remove(slot)
        self.asr_calls -= slot.asr
        if slot.words:
            # Finishing waits for the call's outstanding recognition (the rep's notes, a
            # last mailbox reading): never in the media loop. The slot is reused once done.
            loop = asyncio.get_running_loop()
            pending = loop.run_in_executor(_closer(), slot.bank.bank.finish, slot.row)
            pending.add_done_callback(lambda done: self._closed_later(slot, done))
            return []
        events = slot.bank.bank.finish(slot.row)
        slot.bank.free.append(slot.row)
        return events

    def _closed_later(self, slot: _Slot, done: asyncio.Future[list[DetectionEvent]]) -> None:
        slot.bank.free.append(slot.row)
        self.closing_done += 1
        if done.cancelled():
            return
        error = done.exception()
        if error is not None:
            log.error("finishing a call's detection failed: %s", error)
            return
        events = done.result()
        if events:
            self._deliver(slot, events)

    @property
    def recognises(self) -> bool:
        """Whether calls' greetings are recognised (the afterbeep detector, with ``asr``)."""
        return self.detector == "afterbeep" and self.settings.asr

    @property
    def recognition_ready(self) -> bool:
        """Whether the recognition model is loaded (see ``warm_up``)."""
        return self.recognises and recognition_worker().ready

    @property
    def active_calls(self) -> int:
        return len(self._active)

    def stats(self) -> dict[str, Any]:
        """Detection now and since start: calls detected, with recognition, frames fed and
        the batches they were fed in, closed calls finished after close, machines' cues
        (beep or greeting end) on calls whose words are recognised and those reached
        without any of the greeting's words (a share that grows when the recognition worker
        cannot keep up: a message started on the beep alone, a beep-less greeting skipped
        unread), and the recognition worker's own ``stats``."""
        out: dict[str, Any] = {
            "detector": self.detector,
            "active_calls": len(self._active),
            "recognition_calls": self.asr_calls,
            "frames_fed": self.frames_fed,
            "batches_fed": self.batches_fed,
            "finished_after_close": self.closing_done,
            "machine_cues": self.machine_cues,
            "cues_without_words": self.cues_without_words,
        }
        if self.recognises:
            out["recognition"] = recognition_worker().stats()
        return out


class LiveDetector(ABC):
    """A call's handle on detection: ``push`` audio as it comes, ``close`` at the end.

    ``close`` returns the call's last events; with recognition on it returns none and the
    events that waited for words (the rep's notes) go to the call's sink once ready."""

    @abstractmethod
    def push(self, samples: NDArray[np.int16]) -> None: ...

    @abstractmethod
    def close(self) -> list[DetectionEvent]: ...

    def catch_up(self) -> None:
        """Read every frame pushed so far now, its events delivered before this returns
        (a detector that reads each frame as it is pushed has nothing to do)."""
        return None


class _HubDetector(LiveDetector):
    def __init__(self, hub: DetectorHub, slot: _Slot) -> None:
        self._hub = hub
        self._slot = slot

    def push(self, samples: NDArray[np.int16]) -> None:
        if not self._slot.closed:
            self._hub._push(self._slot, samples)

    def close(self) -> list[DetectionEvent]:
        return self._hub._close(self._slot)

    def catch_up(self) -> None:
        if self._slot.frames and not self._slot.closed:
            self._hub.flush()


class OracleDetector(LiveDetector):
    """A perfect detector for labelled simulated calls (see the module docstring).

    ``parameters[TRUTH_PARAMETER]`` is JSON with the corpus labels ``answered_by``,
    ``mailbox``, ``beep_end_ms``, ``greeting_end_ms`` and ``human_greeting_end_ms``. Each
    event is emitted on the first frame whose end reaches its labelled time, so its
    ``emitted_ms`` is at most one frame after the truth. A stream that joins a call known to
    have reached a machine (``machine_known``, ``offset_ms`` into the call) gets only the
    cue, at once if its labelled time has passed. A copy of a call handed to the rep
    (``watching``) gets nothing: the oracle hands only people to the rep.
    """

    def __init__(
        self,
        parameters: dict[str, str],
        *,
        sample_rate: int,
        sink: EventSink,
        machine_known: bool = False,
        watching: bool = False,
        offset_ms: int = 0,
    ) -> None:
        raw = parameters.get(TRUTH_PARAMETER)
        if raw is None:
            raise ConfigError(
                f"the oracle detector needs the stream parameter {TRUTH_PARAMETER!r} "
                "(only simulated calls carry it)"
            )
        try:
            truth = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ConfigError(f"stream parameter {TRUTH_PARAMETER!r} is not JSON") from error
        self._sink = sink
        self._samples = 0
        self._rate = sample_rate
        plan = _oracle_plan(truth)
        if machine_known:
            # Only the cue (the last step of a machine's plan), in this stream's time.
            plan = [(max(0, at - offset_ms), make) for at, make in plan[-1:]]
        if watching:
            plan = []
        self._plan = sorted(plan, key=lambda item: item[0])

    def push(self, samples: NDArray[np.int16]) -> None:
        self._samples += samples.size
        now = self._samples * 1000 // self._rate
        due: list[DetectionEvent] = []
        while self._plan and self._plan[0][0] <= now:
            at, make = self._plan.pop(0)
            due.append(make(at, now))
        if due:
            self._sink(due)

    def close(self) -> list[DetectionEvent]:
        self._plan.clear()
        return []


Maker = Callable[[int, int], DetectionEvent]


def _oracle_plan(truth: dict[str, Any]) -> list[tuple[int, Maker]]:
    who = truth.get("answered_by")
    if who == "human":
        end = int(truth.get("human_greeting_end_ms") or 0)
        return [(end, lambda at, now: HumanDetected(at_ms=at, emitted_ms=now, reason="oracle"))]
    if who == "fax":
        return [(1000, lambda at, now: FaxDetected(at_ms=at, emitted_ms=now))]
    if who != "machine":
        return [(9000, lambda at, now: NotSure(at_ms=at, emitted_ms=now, reason="oracle"))]
    beep = truth.get("beep_end_ms")
    greeting = truth.get("greeting_end_ms")
    cue = int(beep if beep is not None else (greeting or 0))
    plan: list[tuple[int, Maker]] = [
        (
            min(2600, cue),
            lambda at, now: MachineDetected(at_ms=at, emitted_ms=now, reason="oracle"),
        )
    ]
    mailbox = truth.get("mailbox")
    no_drop: dict[str, Maker] = {
        "full": lambda at, now: MailboxFull(at_ms=at, emitted_ms=now),
        "not_set_up": lambda at, now: MailboxNotSetUp(at_ms=at, emitted_ms=now),
        # The menu's key for a person where the labels name one (``operator_key``).
        "general": lambda at, now: GeneralMailbox(
            at_ms=at, emitted_ms=now, operator_digit=truth.get("operator_key")
        ),
    }
    if mailbox in no_drop:
        plan.append((max(min(2600, cue), int(greeting or cue)), no_drop[mailbox]))
    elif beep is not None:
        plan.append((cue, lambda at, now: BeepEnded(at_ms=at, emitted_ms=now)))
    else:
        # The labels are the oracle's words: a personal mailbox, read as such.
        plan.append((cue, lambda at, now: GreetingEnded(at_ms=at, emitted_ms=now, words_read=True)))
    return plan


__all__ = ["DETECTORS", "TRUTH_PARAMETER", "DetectorHub", "LiveDetector", "OracleDetector"]
