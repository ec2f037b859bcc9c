"""The live recognition worker: most urgent job first, an honest wait estimate, and calls
that go on without words when the worker could not answer in time (load shedding)."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
from detector_signals import mix, ms_len, silence, speech, to_int16
from test_greeting import REPLAY, FakeTranscriber, _machine_call

from afterbeep.detect import _asr
from afterbeep.detect._asr import (
    PRIORITY_CUE,
    PRIORITY_DECISION,
    PRIORITY_NOTES,
    RecognitionWorker,
)
from afterbeep.detect.detector import DetectorSettings, detect_samples
from afterbeep.detect.events import (
    MESSAGE_CUE_EVENTS,
    GreetingEnded,
    GreetingTranscribed,
    HumanDetected,
    MachineDetected,
    MailboxFull,
    RecognitionShed,
)
from afterbeep.errors import ConfigError


def _blocker(worker: RecognitionWorker, priority: int = PRIORITY_DECISION):
    """Occupy the worker until the returned event is set."""
    started = threading.Event()
    release = threading.Event()

    def hold():
        started.set()
        release.wait(10)
        return "held"

    future = worker.submit(hold, priority=priority)
    assert started.wait(5)
    return release, future


def test_the_most_urgent_job_runs_first_then_the_oldest():
    worker = RecognitionWorker()
    release, _ = _blocker(worker)
    ran: list[str] = []
    futures = [
        worker.submit(lambda name=name: ran.append(name) or name, priority=priority)
        for name, priority in [
            ("notes", PRIORITY_NOTES),
            ("cue", PRIORITY_CUE),
            ("decision-1", PRIORITY_DECISION),
            ("decision-2", PRIORITY_DECISION),
        ]
    ]
    release.set()
    assert [f.result(5) for f in futures] == ["notes", "cue", "decision-1", "decision-2"]
    assert ran == ["decision-1", "decision-2", "cue", "notes"]


def test_the_wait_counts_only_the_jobs_that_go_first():
    worker = RecognitionWorker()
    release, _ = _blocker(worker)
    for priority, audio_s in ((PRIORITY_NOTES, 9.0), (PRIORITY_NOTES, 1.0), (PRIORITY_CUE, 3.0)):
        worker.submit(lambda: None, priority=priority, audio_s=audio_s)
    rate = worker._ms_per_unit  # per second of audio plus one
    # What is left of the running 1 s job (it has only just started), then what is queued at
    # least as urgent, then the job itself.
    running = 2 * rate
    assert worker.expected_wait_ms(PRIORITY_DECISION, 2.0) == pytest.approx(
        running + 3 * rate, abs=30
    )
    assert worker.expected_wait_ms(PRIORITY_CUE, 2.0) == pytest.approx(
        running + (4 + 3) * rate, abs=30
    )
    assert worker.expected_wait_ms(PRIORITY_NOTES, 2.0) == pytest.approx(
        running + (4 + 10 + 2 + 3) * rate, abs=30
    )
    assert worker.backlog == 4
    release.set()


class _OrderKeeper:
    """A batching transcriber that notes which clip (its first sample) it heard when."""

    def __init__(self):
        self.heard: list[int] = []

    def transcribe_batch(self, clips, *, sample_rate):
        self.heard.extend(int(clip[0]) for clip in clips)
        return [_asr.Transcript("", ()) for _ in clips]


def test_a_calls_mailbox_words_again_wait_for_the_calls_with_none_yet():
    # Under load a first reading of each machine's greeting is worth more than a better
    # reading of one already read: it waits behind every first one of its priority.
    worker = RecognitionWorker(max_batch=1)
    release, _ = _blocker(worker)
    keeper = _OrderKeeper()

    def clip(tag, seconds=2):
        return np.full(8000 * seconds, tag, dtype=np.int16)

    queued = [
        worker.submit_clip(keeper, clip(1), sample_rate=8000, priority=PRIORITY_CUE, again=True),
        worker.submit_clip(keeper, clip(2), sample_rate=8000, priority=PRIORITY_CUE),
        worker.submit_clip(keeper, clip(3), sample_rate=8000, priority=PRIORITY_CUE),
        worker.submit_clip(keeper, clip(4), sample_rate=8000, priority=PRIORITY_DECISION),
    ]
    rate = worker._ms_per_unit
    running = 2 * rate  # the blocker: 1 s of audio plus one, only just started
    # A first reading counts the decision and the first readings queued, not the one again;
    # a reading again counts them all.
    assert worker.expected_wait_ms(PRIORITY_CUE, 1.0) == pytest.approx(
        running + (3 + 3 + 3 + 2) * rate, abs=30
    )
    assert worker.expected_wait_ms(PRIORITY_CUE, 1.0, again=True) == pytest.approx(
        running + (3 + 3 + 3 + 3 + 2) * rate, abs=30
    )
    release.set()
    for future in queued:
        future.result(5)
    assert keeper.heard == [4, 2, 3, 1]


@pytest.mark.parametrize(
    ("first", "later_again"),
    [
        ("Hi, you have reached Dana, please leave a message.", True),
        # A carrier's prompt that has not yet said what it is about: its rest decides
        # between a message and none, so it keeps a first reading's place.
        ("You are trying to reach the voicemail", False),
    ],
)
def test_a_machines_words_are_sent_as_a_first_reading_then_as_readings_again(
    monkeypatch, first, later_again
):
    worker = RecognitionWorker()
    monkeypatch.setattr(_asr, "_WORKER", worker)
    sent: list[tuple[int, bool]] = []
    submit_clip = worker.submit_clip

    def recording(*args, priority, again=False, **kwargs):
        sent.append((priority, again))
        future = submit_clip(*args, priority=priority, again=again, **kwargs)
        # Back before the next frame, however busy the machine: the frames are fed faster
        # than real time, and a reading still out at a pause would not be sent again.
        future.result(10)
        return future

    monkeypatch.setattr(worker, "submit_clip", recording)
    phrases = [speech(1500, seed=20 + i) for i in range(6)]
    gaps = [part for phrase in phrases for part in (phrase, silence(600))]
    samples = to_int16(mix(silence(500), speech(3500, seed=19), silence(600), *gaps, silence(3000)))
    fake = FakeTranscriber([first] * 20)
    settings = DetectorSettings(asr_decide=False)
    events = detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)
    assert isinstance(events[0], MachineDetected)
    cue = [again for priority, again in sent if priority == PRIORITY_CUE]
    # The first reading of the greeting goes as one, every later one as a reading again.
    assert len(cue) >= 2, sent
    assert cue[0] is False
    assert cue[1:] == [later_again] * (len(cue) - 1), sent


def test_a_cancelled_job_is_skipped_and_an_error_reaches_the_caller():
    worker = RecognitionWorker()
    release, _ = _blocker(worker)
    ran: list[str] = []
    skipped = worker.submit(lambda: ran.append("skipped"), priority=PRIORITY_NOTES)
    failing = worker.submit(lambda: 1 / 0, priority=PRIORITY_CUE)
    before = worker.expected_wait_ms(PRIORITY_NOTES)
    assert skipped.cancel()
    # A cancelled job no longer counts in the wait.
    assert worker.expected_wait_ms(PRIORITY_NOTES) < before - worker._ms_per_unit
    release.set()
    with pytest.raises(ZeroDivisionError):
        failing.result(5)
    assert worker.submit(lambda: "after", priority=PRIORITY_CUE).result(5) == "after"
    assert ran == []


@pytest.fixture
def busy_worker(monkeypatch):
    """A fresh process worker, held busy by a job of the most urgent kind until the
    returned event is set."""
    worker = RecognitionWorker()
    monkeypatch.setattr(_asr, "_WORKER", worker)
    release, _ = _blocker(worker)
    yield worker, release
    release.set()


def _long_answer():
    # 3.2 s of talk then quiet: too long for a person by timing alone (2.6 s), so only the
    # words "... Maria speaking" could make it one.
    head = [silence(500), speech(3200, seed=11)]
    return to_int16(mix(*head, silence(3000))), ms_len(*head)


def test_a_call_that_cannot_be_heard_in_time_is_decided_on_timing(busy_worker):
    worker, _ = busy_worker
    samples, _ = _long_answer()
    fake = FakeTranscriber(["Good afternoon, Westfield Engineering, Maria speaking."])
    # Both limits under one job's expected time: nothing can be heard in time.
    settings = DetectorSettings(asr_max_wait_ms=100, asr_cue_max_wait_ms=100)
    events = detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)
    plain = detect_samples(samples, sample_rate=8000, settings=DetectorSettings(asr=False))
    assert fake.calls == []  # nothing was sent to the busy worker
    assert worker.backlog == 1
    shed = [e for e in events if isinstance(e, RecognitionShed)]
    assert [e.stage for e in shed] == ["decision", "mailbox"]
    assert all(e.expected_wait_ms > 100 for e in shed)
    rest = [e for e in events if not isinstance(e, RecognitionShed)]
    assert [(type(e), e.at_ms) for e in rest] == [(type(e), e.at_ms) for e in plain]
    assert isinstance(rest[0], MachineDetected)
    # Its cue says the words were not read (an engine may skip such a beep-less end).
    assert isinstance(rest[-1], GreetingEnded)
    assert not rest[-1].words_read


def test_words_too_late_for_the_decision_may_still_read_the_mailbox(busy_worker):
    # The decision cannot wait (100 ms), the mailbox can (2 s): timing decides machine, and
    # the words, back once the worker is free, still say the mailbox is full.
    _, release = busy_worker
    samples, _ = _long_answer()
    fake = FakeTranscriber(["The mailbox is full. Goodbye."] * 3)
    settings = DetectorSettings(asr_max_wait_ms=100, asr_cue_max_wait_ms=2000)
    threading.Timer(0.3, release.set).start()
    events = detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)
    shed = [e.stage for e in events if isinstance(e, RecognitionShed)]
    assert shed == ["decision"]
    assert isinstance(
        next(e for e in events if not isinstance(e, RecognitionShed)), MachineDetected
    )
    assert any(isinstance(e, MailboxFull) for e in events), events


def test_with_the_words_back_in_time_the_same_call_is_a_person():
    samples, _ = _long_answer()
    fake = FakeTranscriber(["Good afternoon, Westfield Engineering, Maria speaking."] * 3)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    assert isinstance(events[0], HumanDetected), events


def test_notes_may_wait_longer_than_a_decision(busy_worker):
    # A short "Hello, this is Dana." is a person by timing; its notes go to the worker at
    # the lowest urgency and are allowed 10x the wait, so they still come.
    samples = to_int16(mix(silence(500), speech(900, seed=3), silence(2500)))
    fake = FakeTranscriber(["Hello, this is Dana."] * 3)
    settings = DetectorSettings(asr_max_wait_ms=400, asr_decide=False)
    done = threading.Event()
    result: list = []

    def run():
        result.extend(
            detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)
        )
        done.set()

    worker, release = busy_worker
    threading.Thread(target=run, daemon=True).start()
    assert not done.wait(0.5)  # finishing waits for the notes, queued behind the blocker
    assert [job.priority for job in worker._queue] == [PRIORITY_NOTES]
    release.set()
    assert done.wait(5)
    assert isinstance(result[0], HumanDetected)
    notes = next(e for e in result if isinstance(e, GreetingTranscribed))
    assert notes.spoken_name == "Dana"


def test_a_beepless_cue_waits_for_words_no_longer_than_its_limit():
    samples, _ = _machine_call(beep=False)
    # Nothing is sent before the greeting's end: its words are all left for the cue.
    base = {
        "asr_threaded": False,
        "asr_decide": False,
        "asr_final_pause_ms": 3000,
        "asr_min_chunk_ms": 20000,
        "asr_max_chunk_ms": 30000,
    }

    def run(limit_ms, seconds):
        settings = DetectorSettings(**base, asr_cue_max_wait_ms=limit_ms)
        fake = FakeTranscriber(["The mailbox is full. Goodbye."], seconds=seconds)
        return detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)

    quick = run(2000, 0.0)
    quick_full = next(e for e in quick if isinstance(e, MailboxFull))
    quick_cue = next(e for e in quick if isinstance(e, MESSAGE_CUE_EVENTS))
    # Quick words: the full mailbox is known with the cue, one frame after it would have come.
    assert quick_full.emitted_ms == quick_cue.emitted_ms
    would_cue_ms = quick_cue.emitted_ms - 20
    events = run(300, 1.0)
    capped = next(e for e in events if isinstance(e, MESSAGE_CUE_EVENTS))
    assert 300 <= capped.emitted_ms - would_cue_ms <= 320
    # The words still come after the cue, and still stop the drop.
    full = next(e for e in events if isinstance(e, MailboxFull))
    assert full.emitted_ms > capped.emitted_ms


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="thread priorities are Linux's")
def test_recognition_runs_at_a_lower_cpu_priority_than_the_media_loop():
    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    worker = RecognitionWorker()
    there = worker.submit(
        lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), priority=0
    ).result(timeout=5)
    assert there == min(19, here + _asr.WORKER_NICENESS)
    # The caller's own thread keeps its priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == here


class _BatchingTranscriber:
    """Says which clip it heard (its first sample) and records each batch's clips."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def transcribe(self, samples, *, sample_rate):
        return self.transcribe_batch([samples], sample_rate=[sample_rate])[0]

    def transcribe_batch(self, clips, *, sample_rate):
        self.batches.append([int(c[0]) for c in clips])
        heard = zip(clips, sample_rate, strict=True)
        return [_asr.Transcript(f"clip {int(c[0])} at {r}") for c, r in heard]


def _clip(label: int, seconds: float, rate: int = 8000):
    samples = np.zeros(int(seconds * rate), dtype=np.int16)
    samples[0] = label
    return samples


def test_clips_of_one_urgency_and_like_lengths_are_heard_in_one_batch():
    worker = RecognitionWorker(max_batch=3)
    release, _ = _blocker(worker)
    fake = _BatchingTranscriber()
    queued = [
        (1, 2.0, PRIORITY_DECISION),
        (2, 2.5, PRIORITY_DECISION),
        (3, 9.0, PRIORITY_DECISION),  # too long to share a 2 s clip's window
        (4, 2.0, PRIORITY_NOTES),  # less urgent: waits for its own batch
        (5, 1.5, PRIORITY_DECISION),
        (6, 2.0, PRIORITY_DECISION),  # the batch is full (3)
    ]
    futures = {
        label: worker.submit_clip(fake, _clip(label, s), sample_rate=8000, priority=p)
        for label, s, p in queued
    }
    release.set()
    heard = {label: f.result(5)[0].text for label, f in futures.items()}
    assert heard == {label: f"clip {label} at 8000" for label in futures}
    assert fake.batches == [[1, 2, 5], [3], [6], [4]]
    assert worker.batches == 1
    # Each clip of a batch is charged the batch's time.
    assert len({futures[label].result(5)[1] for label in (1, 2, 5)}) == 1


def test_a_cancelled_clip_leaves_its_batch_and_a_batch_error_reaches_every_caller():
    worker = RecognitionWorker()
    release, _ = _blocker(worker)

    class Failing(_BatchingTranscriber):
        def transcribe_batch(self, clips, *, sample_rate):
            super().transcribe_batch(clips, sample_rate=sample_rate)
            raise RuntimeError("model gone")

    fake = Failing()
    first, gone, last = (
        worker.submit_clip(fake, _clip(n, 2.0), sample_rate=8000, priority=PRIORITY_CUE)
        for n in (1, 2, 3)
    )
    assert gone.cancel()
    release.set()
    for future in (first, last):
        with pytest.raises(RuntimeError, match="model gone"):
            future.result(5)
    assert fake.batches == [[1, 3]]


def _booked(worker: RecognitionWorker, jobs: int) -> dict:
    """The worker's stats once ``jobs`` jobs are booked (booked just after their results)."""
    for _ in range(500):
        stats = worker.stats()
        if sum(stats["jobs"].values()) + sum(stats["cancelled"].values()) >= jobs:
            return stats
        threading.Event().wait(0.01)
    raise AssertionError(f"the worker booked {worker.stats()}, expected {jobs} jobs")


def test_the_worker_says_what_it_has_heard_by_urgency():
    worker = RecognitionWorker()
    release, _ = _blocker(worker)  # a decision job of 1 s
    fake = _BatchingTranscriber()
    futures = [
        worker.submit_clip(fake, _clip(n, seconds), sample_rate=8000, priority=priority)
        for n, seconds, priority in [
            (1, 2.0, PRIORITY_CUE),
            (2, 3.0, PRIORITY_CUE),
            (3, 4.0, PRIORITY_NOTES),
        ]
    ]
    assert futures[1].cancel()
    release.set()
    futures[0].result(5)
    futures[2].result(5)
    stats = _booked(worker, 4)
    assert stats["jobs"] == {"decision": 1, "cue": 1, "notes": 1}
    assert stats["audio_s"] == {"decision": 1.0, "cue": 2.0, "notes": 4.0}
    assert stats["cancelled"] == {"decision": 0, "cue": 1, "notes": 0}
    assert stats["queued"] == 0
    assert stats["busy_s"] >= 0.0
    assert stats["ms_per_unit"] > 0


def test_a_machines_words_refused_while_busy_are_asked_for_once_the_worker_catches_up(
    busy_worker,
):
    from afterbeep.detect.detector import Detector

    worker, release = busy_worker
    # Ten 3 s greetings' work queued ahead: no mailbox words could be back within 2 s.
    backlog = [worker.submit(lambda: None, priority=PRIORITY_CUE, audio_s=3.0) for _ in range(10)]
    parts = [silence(500), speech(3200, seed=11), silence(400), speech(1500, seed=12)]
    samples = to_int16(mix(*parts, silence(4000)))
    fake = FakeTranscriber(["The mailbox is full. Goodbye."] * 5)
    settings = DetectorSettings(asr_max_wait_ms=100, asr_cue_max_wait_ms=2000)
    detector = Detector(sample_rate=8000, settings=settings, transcriber=fake)
    events: list = []
    caught_up_ms = ms_len(*parts[:3]) + 200  # in the greeting's last phrase
    for i in range(samples.size // 160):
        if i * 20 == caught_up_ms:
            assert not fake.calls  # refused so far
            release.set()
            for future in backlog:
                future.result(5)
        events.extend(detector.feed(samples[i * 160 : (i + 1) * 160]))
        if release.is_set():
            time.sleep(0.001)  # a live call's frames come in real time: the words have time
    events.extend(detector.finish())
    shed = [e for e in events if isinstance(e, RecognitionShed)]
    assert [e.stage for e in shed] == ["decision", "mailbox"]
    assert shed[1].at_ms < caught_up_ms
    # Asked again once the worker had caught up: the greeting from its start (the words
    # refused included), in time to say so.
    assert fake.calls
    assert fake.calls[0][0] >= (ms_len(*parts[1:3]) + 200) * 8
    full = next(e for e in events if isinstance(e, MailboxFull))
    cue = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert not cue or full.emitted_ms <= cue[0].emitted_ms


def test_two_threads_run_two_jobs_at_once_and_the_wait_is_shared_between_them():
    worker = RecognitionWorker(threads=2)
    first, _ = _blocker(worker)
    # One thread busy, one free, nothing queued: a job goes at once.
    alone = worker.expected_wait_ms(PRIORITY_CUE, 2.0)
    assert alone == pytest.approx(3.0 * 120.0)  # its own units at the first-guess rate
    second, _ = _blocker(worker)  # started while the first still holds: two at once
    both_busy = worker.expected_wait_ms(PRIORITY_CUE, 2.0)
    assert both_busy > alone
    # ... by what is left of the two running jobs, shared between the two threads.
    assert both_busy <= alone + (2 * 2.0 * 120.0) / 2 + 1.0
    first.set()
    second.set()
    assert worker.stats()["threads"] == 2


def test_the_first_batches_set_the_rate_at_once():
    worker = RecognitionWorker()

    class Slow(_BatchingTranscriber):
        def transcribe_batch(self, clips, *, sample_rate):
            time.sleep(0.05)
            return super().transcribe_batch(clips, sample_rate=sample_rate)

    slow = Slow()
    # 4 units in 50 ms: about 12.5 ms a unit, where the first guess was 120.
    slow_future = worker.submit_clip(slow, _clip(1, 3.0), sample_rate=8000, priority=PRIORITY_CUE)
    slow_future.result(5)
    rate = _booked(worker, 1)["ms_per_unit"]
    assert 12.0 <= rate < 40.0


def test_ready_once_the_warm_up_has_loaded_the_model():
    worker = RecognitionWorker()
    loading = threading.Event()
    release = threading.Event()

    class Loading:
        def transcribe(self, samples, *, sample_rate):
            loading.set()
            release.wait(10)
            return _asr.Transcript("")

    assert worker.ready  # nothing asked for
    worker.warm_up(Loading())
    assert loading.wait(5)
    assert not worker.ready
    assert not worker.stats()["ready"]
    release.set()
    for _ in range(500):
        if worker.ready:
            break
        time.sleep(0.01)
    assert worker.ready
    assert worker.stats()["ready"]
    # Loading is not recognition: the rate is still the first guess.
    assert worker.stats()["ms_per_unit"] == 120.0


def test_a_demoted_job_waits_behind_the_cue_jobs_queued_after_it():
    # A beep cued the call's message: its words still queued only serve the notes now.
    worker = RecognitionWorker()
    release, _ = _blocker(worker)
    ran: list[str] = []
    late = worker.submit(lambda: ran.append("after the beep"), priority=PRIORITY_CUE)
    waiting = worker.submit(lambda: ran.append("waited on"), priority=PRIORITY_CUE)
    assert worker.demote(late, PRIORITY_NOTES)
    assert not worker.demote(late, PRIORITY_CUE)  # never made more urgent
    release.set()
    waiting.result(5)
    late.result(5)
    assert ran == ["waited on", "after the beep"]
    assert not worker.demote(late, PRIORITY_NOTES)  # done: nothing to move


def test_a_promoted_job_goes_before_the_jobs_queued_ahead_of_it():
    # A beep-less greeting has ended and its cue waits on these words: nothing queued for
    # other calls' mailboxes goes first.
    worker = RecognitionWorker()
    release, _ = _blocker(worker)
    ran: list[str] = []
    ahead = worker.submit(lambda: ran.append("another call's mailbox"), priority=PRIORITY_CUE)
    waited = worker.submit(lambda: ran.append("the cue waits on it"), priority=PRIORITY_NOTES)
    assert worker.promote(waited, PRIORITY_DECISION)
    assert not worker.promote(waited, PRIORITY_CUE)  # never made less urgent
    assert worker.expected_wait_ms(PRIORITY_DECISION) < worker.expected_wait_ms(PRIORITY_CUE)
    release.set()
    ahead.result(5)
    waited.result(5)
    assert ran == ["the cue waits on it", "another call's mailbox"]
    assert not worker.promote(waited, PRIORITY_DECISION)  # done: nothing to move


def test_a_beepless_greetings_words_refused_under_load_are_read_at_its_end_first(busy_worker):
    from afterbeep.detect.detector import Detector

    worker, release = busy_worker
    # Other calls' mailbox words queued ahead, more than the cue may wait for: the
    # greeting's own mailbox words are refused while it plays.
    ran: list[str] = []

    def other_call() -> None:
        time.sleep(0.05)
        ran.append("other call")

    backlog = [worker.submit(other_call, priority=PRIORITY_CUE, audio_s=3.0) for _ in range(10)]
    parts = [silence(500), speech(3200, seed=11), silence(400), speech(1500, seed=12)]
    samples = to_int16(mix(*parts, silence(5000)))

    class Reading(FakeTranscriber):
        def transcribe(self, samples, *, sample_rate):
            ran.append("this call")
            return super().transcribe(samples, sample_rate=sample_rate)

    fake = Reading(["Hi, you've reached Dana Smith. Please leave a message."] * 5)
    settings = DetectorSettings(asr_max_wait_ms=100, asr_cue_max_wait_ms=2000)
    detector = Detector(sample_rate=8000, settings=settings, transcriber=fake)
    events: list = []
    for i in range(samples.size // 160):
        events.extend(detector.feed(samples[i * 160 : (i + 1) * 160]))
        if not release.is_set() and any(j.priority == PRIORITY_DECISION for j in worker._queue):
            release.set()  # the greeting's end asked for its words: the worker frees up
        if release.is_set():
            time.sleep(0.002)  # a live call's frames come in real time
    events.extend(detector.finish())
    for future in backlog:
        future.result(5)
    shed = [e.stage for e in events if isinstance(e, RecognitionShed)]
    assert "mailbox" in shed  # refused while the greeting played
    assert ran[0] == "this call", ran  # read at its end before every other call's words
    (end,) = [e for e in events if isinstance(e, GreetingEnded)]
    assert end.words_read  # so a personal mailbox without a beep gets its message
    assert fake.calls[0][0] >= ms_len(*parts[1:]) * 8  # the greeting whole


def test_the_beam_size_setting_reaches_every_reader_and_recognition_process():
    # Greedy by default; a wider beam for a larger model is one setting, and the readers
    # made from the transcriber (text only, no prompt) and a recognition process's copy
    # (built from ``spec``) decode with the same beam.
    assert DetectorSettings().whisper_transcriber().spec[-1] == 1
    transcriber = DetectorSettings(asr_beam_size=4).whisper_transcriber()
    readers = [transcriber, transcriber.text_only(), transcriber.without_prompt()]
    assert [reader.spec[-1] for reader in readers if reader is not None] == [4, 4, 4]
    with pytest.raises(ConfigError, match="asr_beam_size"):
        DetectorSettings(asr_beam_size=0)
