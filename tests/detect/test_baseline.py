"""The app_amd baseline on hand-made signals, with expectations worked out from app_amd's rules.

Frames are 20 ms; a frame is "voice" when its mean absolute value is at least the silence
threshold (256). A 3000-amplitude sine has a mean absolute value of about 1910 (voice); digital
zeros are silence.
"""

from __future__ import annotations

import numpy as np
import pytest

from afterbeep.detect.baseline import AsteriskAmd, AsteriskAmdSettings
from afterbeep.detect.events import GreetingEnded, HumanDetected, MachineDetected, NotSure
from afterbeep.detect.run import run_detector
from afterbeep.errors import ConfigError

RATE = 8000


def sound(ms: int, amplitude: float = 3000.0, hz: float = 300.0) -> np.ndarray:
    t = np.arange(ms * RATE // 1000) / RATE
    # A tone whose loudness wobbles at 4 Hz, like syllables, but never drops below threshold.
    envelope = 0.75 + 0.25 * np.sin(2 * np.pi * 4 * t)
    return (amplitude * envelope * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def quiet(ms: int) -> np.ndarray:
    return np.zeros(ms * RATE // 1000, dtype=np.int16)


def run(*parts: np.ndarray, **settings: int) -> tuple[AsteriskAmd, list]:
    amd = AsteriskAmd(sample_rate=RATE, settings=settings or None)
    return amd, run_detector(amd, np.concatenate(parts))


def test_long_continuous_speech_is_a_machine_by_long_greeting():
    # Voice from 0: the greeting starts after 100 ms of voice; the word count never rises
    # (app_amd starts "in a word"), so the 1500 ms greeting limit decides at 1500 ms.
    amd, events = run(sound(4000), quiet(2000))
    first = events[0]
    assert isinstance(first, MachineDetected)
    assert (first.emitted_ms, first.reason) == (1500, "LONGGREETING-1500-1500")
    assert amd.status == "MACHINE"


def test_three_short_words_are_a_machine_by_word_count():
    # 300 ms silence, then 200 ms words with 100 ms gaps: word n is counted after 100 ms of it,
    # at 400, 700 and 1000 ms; the third reaches the maximum of 3 words.
    _amd, events = run(
        quiet(300), sound(200), quiet(100), sound(200), quiet(100), sound(200), quiet(3000)
    )
    assert isinstance(events[0], MachineDetected)
    assert (events[0].emitted_ms, events[0].reason) == (1000, "MAXWORDS-3-3")


def test_short_burst_then_silence_is_a_human():
    # "Hello?" of 400 ms at 500 ms, then silence: 800 ms of silence after the greeting started
    # makes HUMAN at 900 + 800 = 1700 ms.
    _amd, events = run(quiet(500), sound(400), quiet(3000))
    human = events[0]
    assert isinstance(human, HumanDetected)
    assert (human.emitted_ms, human.at_ms, human.reason) == (1700, 900, "HUMAN-800-800")
    assert len(events) == 1  # no cue after a human


def test_initial_silence_is_a_machine_as_app_amd_says():
    _amd, events = run(quiet(6000))
    assert isinstance(events[0], MachineDetected)
    assert (events[0].emitted_ms, events[0].reason) == (2500, "INITIALSILENCE-2500-2500")
    # Nothing is ever heard afterwards, so no message cue either.
    assert len(events) == 1


def test_too_long_is_not_sure():
    # 60 ms blips (shorter than a word) every 120 ms: never a word, never a greeting, never
    # 2500 ms of silence; the analysis stops when the total reaches 5000 ms.
    pattern = np.concatenate([sound(60), quiet(60)] * 60)
    amd, events = run(pattern)
    assert isinstance(events[0], NotSure)
    assert (events[0].emitted_ms, events[0].reason) == (5000, "TOOLONG-5000")
    assert amd.status == "NOTSURE"


def test_hang_up_before_a_decision():
    amd, events = run(quiet(1000))
    assert len(events) == 1
    assert isinstance(events[0], NotSure)
    assert events[0].reason == "HANGUP"
    assert amd.status == "HANGUP"


def test_below_threshold_is_silence():
    # Mean |x| of a 300-amplitude sine is about 191 < 256: silence, so initial silence rules.
    _amd, events = run(sound(3000, amplitude=300.0))
    assert events[0].reason == "INITIALSILENCE-2500-2500"


def test_message_cue_after_machine_waits_for_silence_after_the_beep():
    # Greeting 3 s, 300 ms gap (shorter than the 800 ms cue silence), 500 ms beep, silence.
    # MACHINE at 1500 ms; the beep ends at 3800 ms; the cue comes 800 ms later at 4600 ms.
    beep = sound(500, hz=1000.0)
    _amd, events = run(sound(3000), quiet(300), beep, quiet(3000))
    assert [type(e) for e in events] == [MachineDetected, GreetingEnded]
    cue = events[1]
    assert (cue.at_ms, cue.emitted_ms) == (3800, 4600)


def test_a_long_pause_in_the_greeting_makes_the_baseline_start_early():
    # The weakness the corpus must expose: 900 ms of silence inside the greeting is a cue.
    _amd, events = run(sound(2000), quiet(900), sound(1500), quiet(300), sound(400), quiet(2000))
    cue = events[1]
    assert isinstance(cue, GreetingEnded)
    assert cue.emitted_ms == 2000 + 800


def test_settings_and_frames_are_validated():
    with pytest.raises(ConfigError, match="'greeting' must be a positive integer"):
        AsteriskAmd(sample_rate=RATE, settings={"greeting": 0})
    with pytest.raises(ConfigError, match="unknown asterisk-baseline setting"):
        AsteriskAmd(sample_rate=RATE, settings={"greting": 10})
    with pytest.raises(ConfigError, match="sample_rate must be 8000 or 16000"):
        AsteriskAmd(sample_rate=11025)
    amd = AsteriskAmd(sample_rate=16000)
    with pytest.raises(ValueError, match="320 samples"):
        amd.feed(np.zeros(160, dtype=np.int16))
    settings = AsteriskAmdSettings(maximum_number_of_words=2)
    assert AsteriskAmd(settings=settings).settings.maximum_number_of_words == 2
    assert AsteriskAmdSettings().as_dict()["initial_silence"] == 2500


def test_sixteen_khz_gives_the_same_decision():
    t = np.arange(400 * 16) / 16000
    burst = (3000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16)
    amd = AsteriskAmd(sample_rate=16000)
    events = run_detector(
        amd, np.concatenate([np.zeros(8000, np.int16), burst, np.zeros(48000, np.int16)])
    )
    assert (type(events[0]), events[0].emitted_ms) == (HumanDetected, 1700)
