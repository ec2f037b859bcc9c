"""The shared detector loop gives every call exactly the events a detector of its own would,
however the calls' frames interleave; the oracle follows the labels."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from afterbeep.detect import Detector, DetectorSettings
from afterbeep.detect.corpus import build_corpus, load_corpus, read_call_audio
from afterbeep.detect.events import MESSAGE_CUE_EVENTS
from afterbeep.detect.run import run_detector
from afterbeep.telephony import DetectorHub, OracleDetector
from afterbeep.telephony._detection import TRUTH_PARAMETER


@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    out = tmp_path_factory.mktemp("hub") / "corpus"
    build_corpus(
        out, seed=7, count=5, engines=("espeak",), cache_dir=tmp_path_factory.mktemp("tts")
    )
    corpus = load_corpus(out)
    return [(c, read_call_audio(corpus.audio_path(c))[0]) for c in corpus]


def test_interleaved_calls_get_the_same_events_as_their_own_detector(calls):
    settings = DetectorSettings(asr=False)
    expected = [run_detector(Detector(settings=settings), audio) for _, audio in calls]
    rng = np.random.default_rng(3)

    async def through_hub():
        hub = DetectorHub(settings=settings)
        got = [[] for _ in calls]
        handles = [
            hub.open(sample_rate=8000, parameters={}, sink=got[i].extend) for i in range(len(calls))
        ]
        positions = [0] * len(calls)
        while any(p < a.size for p, (_, a) in zip(positions, calls, strict=True)):
            # Calls arrive on their own clocks: 0-3 frames each, in odd-sized pieces.
            for i, (_, audio) in enumerate(calls):
                take = int(rng.integers(0, 4)) * 160 + int(rng.integers(0, 2)) * 80
                piece = audio[positions[i] : positions[i] + take]
                positions[i] += piece.size
                if piece.size:
                    handles[i].push(piece)
            hub.flush()
        for i, (_, audio) in enumerate(calls):
            tail = audio.size % 160
            if tail:  # run_detector zero-pads a trailing part frame
                handles[i].push(np.zeros(160 - tail, dtype=np.int16))
        hub.flush()
        for i, handle in enumerate(handles):
            got[i].extend(handle.close())
        return got, hub

    got, hub = asyncio.run(through_hub())
    assert any(events for events in expected)
    assert got == expected
    assert hub.active_calls == 0
    # One frame of each call with one queued per batch: the calls shared batches.
    stats = hub.stats()
    assert stats["frames_fed"] == sum(-(-audio.size // 160) for _, audio in calls)
    assert stats["frames_fed"] / len(calls) <= stats["batches_fed"] < stats["frames_fed"]


def test_calls_joining_while_others_run_grow_the_bank_undisturbed(calls, monkeypatch):
    monkeypatch.setattr("afterbeep.telephony._detection.BANK_GROWTH", 2)
    settings = DetectorSettings(asr=False)
    expected = [run_detector(Detector(settings=settings), audio) for _, audio in calls]

    async def joining():
        hub = DetectorHub(settings=settings)
        got: list[list] = [[] for _ in calls]
        handles: list = []
        positions = [0] * len(calls)
        tick = 0
        while len(handles) < len(calls) or any(
            p < a.size for p, (_, a) in zip(positions, calls, strict=True)
        ):
            if len(handles) < len(calls) and tick == 7 * len(handles):  # a call joins
                i = len(handles)
                handles.append(hub.open(sample_rate=8000, parameters={}, sink=got[i].extend))
            for i, handle in enumerate(handles):
                audio = calls[i][1]
                piece = audio[positions[i] : positions[i] + 160]
                positions[i] += piece.size
                if piece.size:
                    handle.push(np.concatenate([piece, np.zeros(160 - piece.size, np.int16)]))
            hub.flush()
            tick += 1
        for i, handle in enumerate(handles):
            got[i].extend(handle.close())
        return got, hub

    got, hub = asyncio.run(joining())
    assert hub._banks[(8000, "off")].size == 6  # grown 2 -> 4 -> 6 while calls ran
    assert got == expected


def test_slots_are_reused_and_a_new_call_starts_clean(calls):
    settings = DetectorSettings(asr=False)
    _, audio = calls[0]
    expected = run_detector(Detector(settings=settings), audio)

    async def twice():
        hub = DetectorHub(settings=settings)
        results = []
        for _ in range(2):
            got: list = []
            handle = hub.open(sample_rate=8000, parameters={}, sink=got.extend)
            handle.push(np.concatenate([audio, np.zeros(-audio.size % 160, dtype=np.int16)]))
            hub.flush()
            got.extend(handle.close())
            results.append(got)
        return results

    first, second = asyncio.run(twice())
    assert first == expected
    assert second == expected


def test_the_oracle_emits_each_labelled_event_on_the_frame_that_reaches_it():
    truth = {
        "answered_by": "machine",
        "mailbox": "personal",
        "beep_end_ms": 3010,
        "greeting_end_ms": 2500,
        "human_greeting_end_ms": None,
    }
    got: list = []
    oracle = OracleDetector({TRUTH_PARAMETER: json.dumps(truth)}, sample_rate=8000, sink=got.extend)
    for _ in range(200):
        oracle.push(np.zeros(160, dtype=np.int16))
    kinds = [(e.kind, e.at_ms, e.emitted_ms) for e in got]
    assert kinds == [("machine_detected", 2600, 2600), ("beep_ended", 3010, 3020)]


class _SlowTranscriber:
    """Takes a while, as Whisper does, and says the same thing each time."""

    def __init__(self, text: str, seconds: float) -> None:
        self.text = text
        self.seconds = seconds

    def transcribe(self, samples, *, sample_rate):
        import time

        from afterbeep.detect import Transcript

        time.sleep(self.seconds)
        return Transcript(self.text)


async def _closing_done(hub, calls, timeout_s=5.0):
    """Wait for ``calls`` closed calls to finish in the hub's side thread."""
    for _ in range(int(timeout_s / 0.05)):
        if hub.closing_done >= calls:
            return
        await asyncio.sleep(0.05)


def _short_answer():
    # "Hello, this is Dana." (1 s of noisy voice) then quiet: a person by timing.
    rng = np.random.default_rng(5)
    voice = (rng.normal(0, 3000, 8000) * np.sin(np.linspace(0, 60, 8000))).astype(np.int16)
    return np.concatenate([np.zeros(4000, np.int16), voice, np.zeros(16000, np.int16)])


def test_with_recognition_closing_never_blocks_the_loop_and_the_notes_come_later():
    # Her notes need the words, which take 0.6 s; closing the call right after the decision
    # must not wait for them.
    from afterbeep.detect.events import GreetingTranscribed, HumanDetected

    audio = _short_answer()
    settings = DetectorSettings(asr=True, asr_decide=False)

    async def call():
        hub = DetectorHub(settings=settings, transcriber=_SlowTranscriber("Hi, this is Dana.", 0.6))
        got: list = []
        handle = hub.open(sample_rate=8000, parameters={}, sink=got.extend)
        handle.push(audio)
        hub.flush()
        assert any(isinstance(e, HumanDetected) for e in got), got
        loop = asyncio.get_running_loop()
        began = loop.time()
        assert handle.close() == []
        closed_in = loop.time() - began
        await _closing_done(hub, 1)
        return got, closed_in, hub

    got, closed_in, hub = asyncio.run(call())
    assert closed_in < 0.1
    assert hub.closing_done == 1
    notes = [e for e in got if isinstance(e, GreetingTranscribed)]
    assert [n.spoken_name for n in notes] == ["Dana"]
    bank = hub._banks[(8000, "full")]
    assert len(bank.free) == bank.size  # the slot is free for the next call


async def _two_calls_one_with_words(audio, settings, text, *, mailbox_beyond):
    """Two calls of ``audio`` on a hub that gives recognition to one call at a time (the
    other gets the mailbox words with ``mailbox_beyond``); their events, what closing them
    returned, and the hub, once every closed call has finished."""
    hub = DetectorHub(
        settings=settings,
        transcriber=_SlowTranscriber(text, 0.05),
        asr_max_calls=1,
        asr_mailbox_beyond=mailbox_beyond,
    )
    got: list[list] = [[], []]
    handles = [hub.open(sample_rate=8000, parameters={}, sink=g.extend) for g in got]
    assert hub.asr_calls == 1
    for handle in handles:
        handle.push(audio)
    hub.flush()
    closed = [handle.close() for handle in handles]
    await _closing_done(hub, 2 if mailbox_beyond else 1)
    return got, closed, hub


def test_calls_past_the_recognition_limit_are_detected_without_it():
    from afterbeep.detect.events import GreetingTranscribed, HumanDetected

    audio = _short_answer()
    settings = DetectorSettings(asr=True, asr_decide=False)

    got, closed, hub = asyncio.run(
        _two_calls_one_with_words(audio, settings, "Hi, this is Dana.", mailbox_beyond=False)
    )
    assert hub.asr_calls == 0
    assert all(any(isinstance(e, HumanDetected) for e in g) for g in got)
    assert [n.spoken_name for n in got[0] if isinstance(n, GreetingTranscribed)] == ["Dana"]
    assert not [e for e in [*got[1], *closed[1]] if isinstance(e, GreetingTranscribed)]


def _long_greeting():
    # 6 s of a voiced sound with syllables and no pause (a machine by its length alone),
    # then quiet.
    t = np.arange(48000) / 8000
    phase = 2 * np.pi * np.cumsum(120 + 20 * np.sin(2 * np.pi * 0.5 * t)) / 8000
    harmonics = sum(np.sin(k * phase) / k for k in range(1, 11))
    syllables = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    voice = (3000 * harmonics * syllables).astype(np.int16)
    return np.concatenate([np.zeros(4000, np.int16), voice, np.zeros(24000, np.int16)])


def test_calls_past_the_limit_can_have_their_mailbox_read_and_decide_without_words():
    from afterbeep.detect.events import DECISION_EVENTS, MailboxFull

    settings = DetectorSettings(asr=True)

    def run(audio, text):
        got, closed, _hub = asyncio.run(
            _two_calls_one_with_words(audio, settings, text, mailbox_beyond=True)
        )
        return [[*g, *c] for g, c in zip(got, closed, strict=True)]

    machine = run(_long_greeting(), "The mailbox is full. Goodbye.")
    assert all(any(isinstance(e, MailboxFull) for e in events) for events in machine), machine

    # The call past the limit decides as a call without recognition does, never on words.
    audio = _short_answer()
    person = run(audio, "Please leave a message after the tone.")
    plain = Detector(sample_rate=8000, settings=DetectorSettings(asr=False))
    alone = run_detector(plain, audio)
    first = [e for e in person[1] if isinstance(e, DECISION_EVENTS)]
    expected = [e for e in alone if isinstance(e, DECISION_EVENTS)]
    assert [(type(e), e.emitted_ms) for e in first] == [(type(e), e.emitted_ms) for e in expected]
    # ... while the call within the limit waited for its words (here too slow to decide).
    waited = [e for e in person[0] if isinstance(e, DECISION_EVENTS)]
    assert waited[0].emitted_ms > expected[0].emitted_ms


@pytest.mark.parametrize(("seconds", "without_words"), [(0.02, 0), (1.5, 2)])
def test_stats_count_the_machines_cues_reached_without_words(seconds, without_words):
    # Two machines whose words are recognised, their audio in as it would come (a second
    # at a time): readings that take 20 ms are back by the greeting's end; readings that
    # take 1.5 s are not back in the 2 s the cue waits, of audio time, with every frame in.
    audio = np.concatenate([_long_greeting(), np.zeros(40000, np.int16)])
    hub = DetectorHub(
        settings=DetectorSettings(asr=True), transcriber=_SlowTranscriber(VOICEMAIL, seconds)
    )
    step = 8000 if seconds < 1 else audio.size

    async def run():
        handles = [hub.open(sample_rate=8000, parameters={}, sink=lambda _: None) for _ in "ab"]
        for start in range(0, audio.size, step):
            for handle in handles:
                handle.push(audio[start : start + step])
            hub.flush()
            await asyncio.sleep(0.1)
        for handle in handles:
            handle.close()
        await _closing_done(hub, 2, timeout_s=10.0)

    asyncio.run(run())
    stats = hub.stats()
    assert stats["machine_cues"] == 2
    assert stats["cues_without_words"] == without_words


def test_stats_count_no_cues_for_calls_without_recognition():
    async def run():
        hub = DetectorHub(settings=DetectorSettings(asr=False))
        got: list = []
        handle = hub.open(sample_rate=8000, parameters={}, sink=got.extend)
        handle.push(np.concatenate([_long_greeting(), np.zeros(40000, np.int16)]))
        hub.flush()
        handle.close()
        return got, hub.stats()

    got, stats = asyncio.run(run())
    assert any(isinstance(e, MESSAGE_CUE_EVENTS) for e in got), got
    assert (stats["machine_cues"], stats["cues_without_words"]) == (0, 0)


VOICEMAIL = "Hi, you've reached Dana Smith. I'm not available, please leave a message."


def test_a_hub_keeps_numpys_blas_in_the_calling_thread():
    # Its pool threads would run at the media loop's priority and spin between products.
    from threadpoolctl import threadpool_info

    DetectorHub(settings=DetectorSettings(asr=False))
    blas = [info for info in threadpool_info() if info["user_api"] == "blas"]
    assert blas
    assert all(info["num_threads"] == 1 for info in blas)
