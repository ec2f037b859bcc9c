"""The shared detector loop gives every call exactly the events a detector of its own would,
however the calls' frames interleave; the oracle follows the labels."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from afterbeep.detect import Detector, DetectorSettings
from afterbeep.detect.corpus import build_corpus, load_corpus, read_call_audio
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
