"""The streaming detector: human vs machine decisions, timeouts, event rules, input checks."""

from __future__ import annotations

import numpy as np
import pytest
from detector_signals import mix, ms_len, noise, silence, speech, talkers, to_int16, tone

from afterbeep.detect.detector import Detector, DetectorBank, DetectorSettings, detect_samples
from afterbeep.detect.events import (
    DECISION_EVENTS,
    MESSAGE_CUE_EVENTS,
    BeepEnded,
    FaxDetected,
    GreetingEnded,
    HumanDetected,
    MachineDetected,
    NotSure,
    RecordingAfterAll,
    Timeout,
)
from afterbeep.errors import ConfigError

SETTINGS = DetectorSettings(asr=False)


def _run(signal, sr=8000, settings=SETTINGS):
    return detect_samples(to_int16(signal), sample_rate=sr, settings=settings)


def _decisions(events):
    return [e for e in events if isinstance(e, DECISION_EVENTS)]


@pytest.mark.parametrize("greeting_ms", [350, 600, 1000, 1600])
@pytest.mark.parametrize("floor", [None, -60.0, -40.0])
def test_short_greeting_then_silence_is_human_within_a_second(greeting_ms, floor):
    head = [silence(700), speech(greeting_ms, seed=greeting_ms)]
    greeting_end = ms_len(*head)
    events = _run(mix(*head, silence(3000), floor_dbfs=floor))
    decisions = _decisions(events)
    assert len(decisions) == 1
    assert isinstance(decisions[0], HumanDetected), events
    assert greeting_end < decisions[0].emitted_ms <= greeting_end + 1000
    assert not [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]


def test_hello_hello_is_human_on_the_first_hello():
    head = [silence(500), speech(450, seed=1)]
    events = _run(mix(*head, silence(1500), speech(450, seed=2), silence(2000)))
    decisions = _decisions(events)
    assert isinstance(decisions[0], HumanDetected)
    assert decisions[0].emitted_ms <= ms_len(*head) + 1000


@pytest.mark.parametrize("seed", range(4))
def test_long_continuous_greeting_is_machine_then_beep_cue(seed):
    head = [silence(600), speech(6000, seed=seed), silence(400)]
    beep = tone(1000, 400)
    events = _run(mix(*head, beep, silence(1500)))
    decisions = _decisions(events)
    assert len(decisions) == 1
    assert isinstance(decisions[0], MachineDetected)
    # Decided while the greeting was still going, from its length alone.
    assert decisions[0].emitted_ms < ms_len(*head[:2])
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert len(cues) == 1
    assert isinstance(cues[0], BeepEnded)
    assert events.index(cues[0]) > events.index(decisions[0])


def test_machine_first_phrase_with_a_short_pause_is_not_human():
    # "Hi! <400 ms> You've reached Dana, I can't take your call..." - the pause is short.
    parts = [silence(500), speech(500, seed=3), silence(400), speech(5000, seed=4)]
    events = _run(mix(*parts, silence(2500)))
    decisions = _decisions(events)
    assert isinstance(decisions[0], MachineDetected), events


@pytest.mark.parametrize("pause_ms", [840, 850, 860, 870])
def test_speech_starting_again_at_the_human_deadline_is_waited_for(pause_ms):
    # "This is Sam. <pause> Please leave a message..." where the second sentence starts in
    # the last frames before human_silence_ms runs out: its onset is not yet an utterance
    # (min_speech_ms), but a person's decision must not be taken in the middle of it.
    parts = [silence(500), speech(800, seed=3, gaps=False), silence(pause_ms), speech(5000, seed=4)]
    decisions = _decisions(_run(mix(*parts, silence(2500))))
    assert isinstance(decisions[0], MachineDetected), decisions


def test_machine_without_beep_ends_with_greeting_ended():
    head = [silence(500), speech(5000, seed=5)]
    events = _run(mix(*head, silence(3000)))
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert len(cues) == 1
    assert isinstance(cues[0], GreetingEnded)
    speech_end = ms_len(*head)
    assert abs(cues[0].at_ms - speech_end) <= 60
    assert cues[0].emitted_ms >= speech_end + SETTINGS.greeting_end_silence_ms - 60
    assert not cues[0].words_read  # no recognition: nothing says which mailbox it is


@pytest.mark.parametrize("floor", [None, -80.0])
def test_carrier_silence_before_greeting_is_not_human(floor):
    # 3-7 s of (near) digital silence, then a recorded greeting.
    for pre_ms in (3000, 5000, 7000):
        head = [silence(pre_ms), speech(5000, seed=pre_ms)]
        events = _run(mix(*head, silence(400), tone(850, 300), silence(1000), floor_dbfs=floor))
        decisions = _decisions(events)
        assert isinstance(decisions[0], MachineDetected), (pre_ms, events)
        assert decisions[0].emitted_ms > pre_ms


def test_silence_only_is_not_sure_after_the_no_speech_timeout():
    events = _run(mix(silence(12000), floor_dbfs=-60))
    decisions = _decisions(events)
    assert len(decisions) == 1
    assert isinstance(decisions[0], NotSure)
    assert decisions[0].emitted_ms == SETTINGS.no_speech_timeout_ms


def test_machine_with_no_cue_times_out():
    settings = DetectorSettings(asr=False, total_timeout_ms=9000, greeting_end_silence_ms=5000)
    # Greeting, then talking resumes every 3 s: never 5 s of quiet, never a beep.
    parts = [silence(300)]
    for seed in range(4):
        parts += [speech(3500, seed=seed), silence(2000)]
    events = _run(mix(*parts), settings=settings)
    assert isinstance(events[-1], Timeout)
    assert events[-1].emitted_ms == 9000


def test_fax_answer_tone_is_fax_not_beep():
    events = _run(mix(silence(500), tone(2100, 3000), silence(500)))
    assert isinstance(events[0], FaxDetected)
    assert not [e for e in events if isinstance(e, BeepEnded)]


def test_fax_calling_tone_on_a_line_whose_noise_starts_with_it_is_fax():
    # Digital silence, then a CNG tone (1100 Hz, 0.5 s) with line noise that starts with it:
    # the noise after the tone reads as speech until the floor follows it, but nothing was
    # said before the tone.
    cng = tone(1100, 500) + noise(500, level_dbfs=-40.0, seed=4)
    after = noise(3000, level_dbfs=-40.0, seed=5)
    events = _run(mix(silence(800), cng, after, cng, after, floor_dbfs=None))
    assert isinstance(_decisions(events)[0], FaxDetected), events
    assert not [e for e in events if isinstance(e, BeepEnded)]


def test_events_never_precede_their_audio():
    events = _run(
        mix(silence(500), speech(5000, seed=9), silence(300), tone(1400, 200), silence(900))
    )
    for event in events:
        assert event.emitted_ms >= event.at_ms


def test_sixteen_khz_decides_like_eight_khz():
    def call(sr):
        return mix(
            silence(600, sr),
            speech(5000, sr, seed=11),
            silence(400, sr),
            tone(1000, 300, sr),
            silence(1200, sr),
            sr=sr,
        )

    narrow = _run(call(8000), sr=8000)
    wide = _run(call(16000), sr=16000)
    assert [type(e) for e in narrow] == [type(e) for e in wide]
    for a, b in zip(narrow, wide, strict=True):
        assert abs(a.at_ms - b.at_ms) <= 20


def test_bank_gives_the_same_events_as_single_detectors():
    calls = [
        to_int16(mix(silence(500), speech(600, seed=1), silence(3000))),
        to_int16(
            mix(silence(300), speech(4000, seed=2), silence(300), tone(900, 300), silence(500))
        ),
        to_int16(mix(silence(4100), floor_dbfs=None)),
    ]
    n = min(c.size for c in calls) // 160 * 160
    frames = np.stack([c[:n] for c in calls]).reshape(3, -1, 160)
    bank = DetectorBank(n_streams=3, settings=SETTINGS)
    singles = [Detector(settings=SETTINGS) for _ in calls]
    for t in range(frames.shape[1]):
        from_bank = bank.feed(np.ascontiguousarray(frames[:, t]))
        for i, single in enumerate(singles):
            assert single.feed(frames[i, t]) == from_bank[i]


def test_wrong_frame_size_names_the_expected_size():
    detector = Detector(sample_rate=8000, settings=SETTINGS)
    with pytest.raises(ValueError, match="160 samples"):
        detector.feed(np.zeros(320, dtype=np.int16))
    wide = Detector(sample_rate=16000, settings=SETTINGS)
    with pytest.raises(ValueError, match="320 samples"):
        wide.feed(np.zeros(160, dtype=np.int16))
    with pytest.raises(ValueError, match="int16"):
        detector.feed(np.zeros(160, dtype=np.float32))


def test_unsupported_sample_rate_is_an_error():
    with pytest.raises(ValueError, match="8000 or 16000"):
        Detector(sample_rate=44100, settings=SETTINGS)


@pytest.mark.parametrize(
    ("overrides", "name"),
    [
        ({"human_silence_ms": -5}, "human_silence_ms"),
        ({"beep_tone_ratio": 1.5}, "beep_tone_ratio"),
        ({"no_such_setting": 1}, "no_such_setting"),
        ({"beep_min_hz": 3000.0, "beep_max_hz": 2000.0}, "beep_min_hz"),
        ({"human_max_greeting_ms": 4000, "machine_speech_ms": 2000}, "human_max_greeting_ms"),
    ],
)
def test_bad_settings_raise_config_error_naming_the_setting(overrides, name):
    with pytest.raises(ConfigError, match=name):
        DetectorSettings(**overrides)


def test_beep_band_above_nyquist_is_a_config_error_at_8_khz():
    settings = DetectorSettings(asr=False, beep_max_hz=5000.0)
    with pytest.raises(ConfigError, match="beep_max_hz"):
        Detector(sample_rate=8000, settings=settings)
    Detector(sample_rate=16000, settings=settings)  # fine where it fits


def test_settings_from_config_table():
    settings = DetectorSettings.from_config({"human_silence_ms": 800, "asr": False})
    assert settings.human_silence_ms == 800
    with pytest.raises(ConfigError, match="human_silence_ms"):
        DetectorSettings.from_config({"human_silence_ms": "soon"})


def test_one_decision_and_nothing_after_finish():
    detector = Detector(settings=SETTINGS)
    samples = to_int16(mix(silence(500), speech(700, seed=4), silence(300)))
    events = []
    for start in range(0, samples.size // 160 * 160, 160):
        events += detector.feed(samples[start : start + 160])
    events += detector.finish()
    assert len(_decisions(events)) == 1
    assert isinstance(_decisions(events)[0], NotSure)  # hung up before a decision
    assert detector.finish() == []


def test_settings_from_config_take_command_line_overrides_on_top():
    from afterbeep.detect.detector import DetectorSettings

    settings = DetectorSettings.from_config({"human_silence_ms": 800, "asr": True}, asr=False)
    assert settings.human_silence_ms == 800
    assert settings.asr is False


def test_soft_greeting_tail_under_the_speech_gate_is_not_its_end():
    # A machine greeting 20 dB over a noisy line's floor, then 3 s more of it at 8 dB over
    # the floor (the voice fading: under the 10 dB speech gate, still the greeting), then
    # quiet.
    loud = [silence(500), speech(4000, seed=4, gaps=False, level_dbfs=-40.0)]
    soft = speech(3000, seed=5, level_dbfs=-52.0, gaps=False)
    events = _run(mix(*loud, soft, silence(4000), floor_dbfs=-60.0))
    cue = next(e for e in events if isinstance(e, GreetingEnded))
    # (the synthetic voice fades over its last syllable: 200 ms of slack)
    assert cue.emitted_ms >= ms_len(*loud, soft) + SETTINGS.greeting_end_silence_ms - 200


def test_quiet_must_outlast_the_greetings_own_longest_pause():
    # A 1.3 s pause inside the greeting: the speaker may pause so again, so quiet after the
    # second part must last longer than that plus the margin.
    parts = [silence(500), speech(4000, seed=6, gaps=False), silence(1300)]
    parts += [speech(1500, seed=7, gaps=False)]
    events = _run(mix(*parts, silence(4000)))
    cue = next(e for e in events if isinstance(e, GreetingEnded))
    wait = cue.emitted_ms - ms_len(*parts)
    assert wait >= 1300 + SETTINGS.greeting_end_pause_margin_ms - 100
    assert wait <= SETTINGS.greeting_end_max_silence_ms + 100


@pytest.mark.parametrize("greeting_ms", [600, 1200, 1600])
def test_noise_that_starts_with_a_persons_words_does_not_delay_the_hand_over(greeting_ms):
    # Digital silence, then the person's line: room noise 10 dB under the voice starting
    # with their first word. The floor needs a steady stretch after the words to step up
    # to that noise; until then the noise reads as speech. Once it has, the greeting's end
    # is read again, also when the greeting began before the frames kept for that.
    head = [silence(800), speech(greeting_ms, seed=greeting_ms)]
    greeting_end = ms_len(*head)
    line = noise(greeting_ms + 3000, level_dbfs=-30.0, seed=7)
    signal = np.concatenate([*head, silence(3000)])
    signal[len(silence(800)) :] += line
    decisions = _decisions(_run(signal))
    assert isinstance(decisions[0], HumanDetected), decisions
    # The end as read (a soft last syllable may sink under the noise), and the hand-over.
    assert greeting_end - 300 <= decisions[0].at_ms <= greeting_end + 100
    assert decisions[0].emitted_ms <= greeting_end + 1000


@pytest.mark.parametrize(
    ("pick_up_ms", "talkers_ms"), [(600, 2000), (600, 2500), (100, 3500), (100, 4500)]
)
def test_talkers_before_a_person_speaks_up_are_not_their_greeting(pick_up_ms, talkers_ms):
    # Picked up in a busy room: people talking 30 dB under the voice, then "Hello?" and
    # silence. Read from the talkers' start, the greeting would be too long for a person;
    # the first loud word shows they were background. Talkers heard for three or four
    # seconds from the pick-up (quieter than any recording is played) are not yet a
    # greeting long enough for a machine when the person's voice rises out of them.
    head = [
        silence(pick_up_ms),
        speech(talkers_ms, level_dbfs=-50.0, seed=11),
        speech(700, seed=12),
    ]
    greeting_end = ms_len(*head)
    decisions = _decisions(_run(mix(*head, silence(3000))))
    assert isinstance(decisions[0], HumanDetected), decisions
    assert greeting_end < decisions[0].emitted_ms <= greeting_end + 1000


@pytest.mark.parametrize("room_under_db", [8.0, 11.0])
def test_a_person_whose_room_talks_on_after_their_hello_is_a_person(room_under_db):
    # Picked up in a busy room whose talkers are only 8-11 dB under the voice and never
    # stop: "Hello?" stands out of them, then the person waits while the room goes on.
    head = [silence(600), silence(1400), speech(700, seed=12)]
    greeting_end = ms_len(*head)
    signal = mix(*head, silence(4000))
    start = len(silence(600))
    signal[start:] += talkers((signal.size - start) / 8, -20.0 - room_under_db)[
        : signal.size - start
    ]
    decisions = _decisions(_run(signal))
    assert isinstance(decisions[0], HumanDetected), decisions
    assert greeting_end < decisions[0].emitted_ms <= greeting_end + 1100


def test_a_recording_that_starts_softly_and_talks_on_is_still_a_machine():
    # A greeting whose first second is 7 dB under the rest (a soft "Hi,"), then talks on at
    # its level: the step reads as a room's, and the words go on louder than it.
    head = [silence(600), speech(1000, level_dbfs=-27.0, seed=11), speech(5000, seed=12)]
    decisions = _decisions(_run(mix(*head, silence(3000))))
    assert isinstance(decisions[0], MachineDetected), decisions


def test_a_quiet_greeting_that_talks_on_is_still_a_machine():
    # As quiet as a room's talkers, but talking on: a machine once machine_sure_speech_ms
    # of it has passed, not at machine_speech_ms.
    start = ms_len(silence(600))
    decisions = _decisions(_run(mix(silence(600), speech(7000, level_dbfs=-45.0, seed=3))))
    assert isinstance(decisions[0], MachineDetected), decisions
    assert decisions[0].at_ms >= start + SETTINGS.machine_sure_speech_ms - 100


def test_a_greeting_that_keeps_its_level_is_not_restarted():
    # The same length of speech all at one level (a machine talking on): still a machine.
    head = [silence(600), speech(2500, seed=11), speech(700, seed=12)]
    decisions = _decisions(_run(mix(*head, silence(3000))))
    assert isinstance(decisions[0], MachineDetected), decisions


# -- a call known to have reached a machine (the rep asked for the drop) ------------------


def _known(signal, sr=8000):
    samples = to_int16(signal)
    detector = Detector(sample_rate=sr, settings=SETTINGS, machine_known=True)
    n = detector.frame_size
    events = []
    for start in range(0, samples.size - n + 1, n):
        events.extend(detector.feed(samples[start : start + n]))
    return events + detector.finish()


def test_a_call_known_to_be_a_machine_drops_after_the_beep_without_a_decision():
    # Joined in the middle of the greeting: the rest of it, then the beep.
    head = [speech(2000, seed=21), silence(400)]
    beep = tone(1000, 300)
    expected_end = ms_len(*head, beep)
    events = _known(mix(*head, beep, silence(1500)))
    assert not _decisions(events)
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert len(cues) == 1, events
    assert isinstance(cues[0], BeepEnded)
    assert expected_end <= cues[0].emitted_ms <= expected_end + 150


def test_a_call_known_to_be_a_machine_joined_after_its_beep_cues_on_the_quiet():
    events = _known(mix(silence(4000)))
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert len(cues) == 1, events
    assert isinstance(cues[0], GreetingEnded)
    assert cues[0].emitted_ms == SETTINGS.greeting_end_silence_ms


def test_a_call_known_to_be_a_machine_waits_for_the_end_of_a_beepless_greeting():
    # Joined a second before the greeting's next sentence: that silence is not one of the
    # greeting's pauses, so the usual 1.5 s of quiet after its speech ends it.
    head = [silence(1000), speech(2500, seed=22)]
    end = ms_len(*head)
    events = _known(mix(*head, silence(3000)))
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert len(cues) == 1, events
    assert isinstance(cues[0], GreetingEnded)
    assert end - 40 <= cues[0].at_ms <= end  # the speech's soft last frames
    assert cues[0].emitted_ms == cues[0].at_ms + SETTINGS.greeting_end_silence_ms


def test_a_bank_slot_reset_as_a_known_machine_matches_the_single_detector():
    samples = to_int16(mix(speech(1500, seed=23), silence(300), tone(850, 200), silence(1500)))
    bank = DetectorBank(n_streams=2, sample_rate=8000, settings=SETTINGS)
    bank.reset(1, machine_known=True)
    n = bank.frame_size
    from_bank = []
    for start in range(0, samples.size - n + 1, n):
        frame = samples[start : start + n]
        from_bank.extend(bank.feed(np.stack([frame, frame]))[1])
    single = _known(mix(speech(1500, seed=23), silence(300), tone(850, 200), silence(1500)))
    assert [(type(e), e.at_ms, e.emitted_ms) for e in from_bank] == [
        (type(e), e.at_ms, e.emitted_ms) for e in single
    ]


# -- a person's answer, watched ------------------------------------------------------------
def _prank(rest_ms=5000, pause_ms=1800, beep_after_ms=400):
    """ "Hello?", a pause as if listening, then the rest of a recorded greeting and a beep."""
    hello = [silence(600), speech(500, seed=11)]
    rest = [silence(pause_ms), speech(rest_ms, seed=12), silence(beep_after_ms)]
    return hello, rest


def test_a_greeting_that_goes_on_to_a_beep_is_taken_back_for_the_drop():
    hello, rest = _prank()
    beep_end = ms_len(*hello, *rest) + 400
    events = _run(mix(*hello, *rest, tone(1000, 400), silence(2000)))
    decisions = _decisions(events)
    assert len(decisions) == 1
    assert isinstance(decisions[0], HumanDetected)
    assert decisions[0].emitted_ms <= ms_len(*hello) + 1000  # the rep got it in time
    taken = [e for e in events if isinstance(e, RecordingAfterAll)]
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert len(taken) == 1
    assert len(cues) == 1
    assert isinstance(cues[0], BeepEnded)
    assert events.index(decisions[0]) < events.index(taken[0]) < events.index(cues[0])
    assert abs(cues[0].at_ms - beep_end) <= 40
    assert beep_end <= cues[0].emitted_ms <= beep_end + 150


@pytest.mark.parametrize("tones", [((850, 500), (440, 200)), ((1000, 900),)])
def test_a_beep_that_outlasts_the_persons_silence_is_a_machines_cue(tones):
    # "Luis Miller." <pause> "Please leave a message after the tone." then a beep whose end
    # falls past human_silence_ms after the words: the quiet before and during it is not a
    # person waiting, and the call must not go to the rep an instant before its beep.
    head = [silence(600), speech(1500, seed=5), silence(300)]
    beep = [tone(hz, ms) for hz, ms in tones]
    beep_end = ms_len(*head, *beep)
    events = _run(mix(*head, *beep, silence(2000)))
    decisions = _decisions(events)
    assert len(decisions) == 1
    assert isinstance(decisions[0], MachineDetected), events
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert len(cues) == 1
    assert isinstance(cues[0], BeepEnded)
    assert abs(cues[0].at_ms - beep_end) <= 40
    assert beep_end <= cues[0].emitted_ms <= beep_end + 150


def test_a_persons_second_hello_and_a_tone_is_not_taken_back():
    # "Hello?" ... "Hello?" (under watch_min_speech_ms of speech after the decision), then a
    # tone on the line: still the person.
    events = _run(
        mix(
            silence(600),
            speech(500, seed=11),
            silence(1800),
            speech(700, seed=13),
            silence(400),
            tone(1000, 400),
            silence(2000),
        )
    )
    assert isinstance(_decisions(events)[0], HumanDetected)
    assert not [e for e in events if isinstance(e, (RecordingAfterAll, *MESSAGE_CUE_EVENTS))]


@pytest.mark.parametrize("gap_ms", [1000, 1300, 1700])
def test_a_beep_after_the_persons_quiet_with_nothing_said_takes_the_call_back(gap_ms):
    # "Derek Phillips. Leave your name and number after the beep." <gap> beep: the person's
    # quiet passed first, the beep then ended the same greeting.
    head = [silence(600), speech(2200, seed=21)]
    beep_end = ms_len(*head, silence(gap_ms)) + 400
    events = _run(mix(*head, silence(gap_ms), tone(1000, 400), silence(2000)))
    decisions = _decisions(events)
    assert len(decisions) == 1
    assert isinstance(decisions[0], HumanDetected)
    taken = [e for e in events if isinstance(e, RecordingAfterAll)]
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert len(taken) == 1
    assert taken[0].reason == "a beep ended the greeting"
    assert len(cues) == 1
    assert isinstance(cues[0], BeepEnded)
    assert events.index(decisions[0]) < events.index(taken[0]) < events.index(cues[0])
    assert beep_end <= cues[0].emitted_ms <= beep_end + 150


def test_a_lone_hello_then_a_tone_is_not_taken_back():
    events = _run(
        mix(silence(600), speech(500, seed=11), silence(1300), tone(1000, 400), silence(2000))
    )
    assert isinstance(_decisions(events)[0], HumanDetected)
    assert not [e for e in events if isinstance(e, (RecordingAfterAll, *MESSAGE_CUE_EVENTS))]


def test_a_tone_well_after_the_persons_greeting_is_not_taken_back():
    head = [silence(600), speech(2200, seed=21)]
    events = _run(mix(*head, silence(2600), tone(1000, 400), silence(2000)))
    assert isinstance(_decisions(events)[0], HumanDetected)
    assert not [e for e in events if isinstance(e, RecordingAfterAll)]


def test_a_tone_long_after_the_person_last_spoke_is_not_taken_back():
    hello, rest = _prank(beep_after_ms=3000)  # a beep 3 s after the speech: not a mailbox's
    events = _run(mix(*hello, *rest, tone(1000, 400), silence(2000)))
    assert isinstance(_decisions(events)[0], HumanDetected)
    assert not [e for e in events if isinstance(e, RecordingAfterAll)]


def test_a_beep_after_the_watch_is_over_is_not_taken_back():
    hello, rest = _prank()
    settings = DetectorSettings(asr=False, watch_after_human_ms=3000)
    events = _run(mix(*hello, *rest, tone(1000, 400), silence(2000)), settings=settings)
    assert isinstance(_decisions(events)[0], HumanDetected)
    assert not [e for e in events if isinstance(e, (RecordingAfterAll, *MESSAGE_CUE_EVENTS))]


def test_watching_off_leaves_the_person_handed_over():
    hello, rest = _prank()
    settings = DetectorSettings(asr=False, watch_after_human_ms=0)
    events = _run(mix(*hello, *rest, tone(1000, 400), silence(2000)), settings=settings)
    assert [type(e) for e in events] == [HumanDetected]


def _busy_line(ms, seed=7):
    """Line noise whose level wanders by 12 dB every 100 ms (talkers far behind): never quiet
    for the greeting-end cue, never speech either."""
    rng = np.random.default_rng(seed)
    parts = [
        noise(100, level_dbfs=float(rng.uniform(-58, -46)), seed=seed + i)
        for i in range(int(ms // 100))
    ]
    return np.concatenate(parts)


@pytest.mark.parametrize("no_speech_ms", [4000, 60000])
def test_a_beepless_greeting_on_a_line_that_never_goes_quiet_ends_after_no_speech(no_speech_ms):
    head = [silence(500), speech(5000, seed=5)]
    settings = DetectorSettings(asr=False, greeting_end_no_speech_ms=no_speech_ms)
    events = _run(mix(*head, _busy_line(7000)), settings=settings)
    decisions = _decisions(events)
    assert isinstance(decisions[0], MachineDetected)
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    speech_end = ms_len(*head)
    if no_speech_ms > 7000:
        assert cues == []  # the quiet the usual cue waits for never came
    else:
        assert len(cues) == 1
        assert isinstance(cues[0], GreetingEnded)
        # The busy line reads as speech until the floor follows it down; the cue comes
        # no_speech_ms after the last of that, never sooner after the greeting.
        cue = cues[0]
        assert cue.at_ms >= speech_end - 60
        assert no_speech_ms <= cue.emitted_ms - cue.at_ms <= no_speech_ms + 100


def _far_talkers(ms, seed=9):
    """Talkers far behind a clean recording: faint noise with a word now and then, 30 dB and
    more under the greeting, that crosses the speech gate."""
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(int(ms // 700)):
        parts.append(noise(600, level_dbfs=float(rng.uniform(-64, -58)), seed=seed + i))
        parts.append(speech(100, level_dbfs=-50.0, seed=seed + 100 + i, gaps=False))
    return np.concatenate(parts)


@pytest.mark.parametrize("below_peak_db", [30.0, 60.0])
def test_far_talkers_crossing_the_speech_gate_do_not_hold_a_greeting_open(below_peak_db):
    head = [silence(500), speech(5000, seed=5)]
    settings = DetectorSettings(asr=False, greeting_end_below_peak_db=below_peak_db)
    events = _run(mix(*head, _far_talkers(7000)), settings=settings)
    assert isinstance(_decisions(events)[0], MachineDetected)
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    speech_end = ms_len(*head)
    if below_peak_db > 40:
        assert cues == []  # every faint word counts as the greeting going on
    else:
        assert len(cues) == 1
        assert isinstance(cues[0], GreetingEnded)
        # Ended at the greeting's own last speech, greeting_end_no_speech_ms after it.
        assert speech_end - 100 <= cues[0].at_ms <= speech_end
        wait = settings.greeting_end_no_speech_ms
        assert wait <= cues[0].emitted_ms - cues[0].at_ms <= wait + 100


@pytest.mark.parametrize("pause_ms", [1300, 1450, 1500])
def test_a_first_hesitation_of_up_to_a_second_and_a_half_is_not_the_greetings_end(pause_ms):
    # No longer pause before it to learn from: greeting_end_silence_ms must outlast it and
    # the time the next sentence's speech takes to be known.
    parts = [silence(500), speech(4000, seed=6, gaps=False), silence(pause_ms)]
    parts += [speech(2000, seed=7, gaps=False)]
    events = _run(mix(*parts, silence(4000)))
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert len(cues) == 1, events
    assert cues[0].at_ms >= ms_len(*parts) - 100
