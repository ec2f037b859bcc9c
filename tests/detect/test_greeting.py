"""Greeting words: mailbox-state phrase tables, rep notes, and how the detector schedules
speech recognition (with a fake transcriber: fast and deterministic)."""

from __future__ import annotations

import time

import pytest
from detector_signals import mix, ms_len, silence, speech, to_int16, tone

from afterbeep.detect._asr import TranscribedWord, Transcript
from afterbeep.detect._mailbox import (
    MAILBOX_PATTERNS,
    MailboxState,
    classify_mailbox,
    greeting_notes,
    operator_digit,
)
from afterbeep.detect.detector import DetectorSettings, detect_samples
from afterbeep.detect.events import (
    MESSAGE_CUE_EVENTS,
    NO_DROP_EVENTS,
    GeneralMailbox,
    GreetingTranscribed,
    HumanDetected,
    MachineDetected,
    MailboxFull,
    MailboxNotSetUp,
)

# Replaying a recording faster than real time: recognition runs inside feed and each result
# is released at the audio time it would have been ready (deterministic for tests).
REPLAY = DetectorSettings(asr_threaded=False)

# Should-match examples per state, in the forms Whisper tiny tends to write them.
EXAMPLES = {
    MailboxState.FULL: [
        "The mailbox is full and cannot accept any messages at this time. Goodbye.",
        "Sorry, the voice mail box you have reached is full.",
        "The male box is currently full.",
        "This mailbox cannot accept any more messages.",
    ],
    MailboxState.NOT_SET_UP: [
        "The person you are calling has not set up their voicemail yet.",
        "This voice mailbox has not been set up.",
        "The subscriber's mailbox hasn't been set-up. Goodbye.",
        "The voicemail has not yet been initialized.",
    ],
    MailboxState.GENERAL: [
        "Thank you for calling Acme Corporation. For sales, press 1. For support, press 2.",
        "If you know your party's extension, you may dial it at any time.",
        "To use our company directory, please dial by name.",
        "Our office is now closed. Our business hours are 9 to 5.",
        "For the operator, press zero.",
    ],
    MailboxState.CARRIER_DEFAULT: [
        "The person you are calling is not available. At the tone, please record your message.",
        "Your call has been forwarded to an automated voice messaging system.",
    ],
    MailboxState.PERSONAL: [
        "Hi, you've reached Dana Smith. I can't take your call right now, leave a message.",
        "Hey it's Mike, leave it at the beep.",
        "You have reached the voicemail of Priya Patel at Northwind. Please leave a message.",
    ],
}


@pytest.mark.parametrize(
    ("state", "text"), [(state, text) for state, texts in EXAMPLES.items() for text in texts]
)
def test_mailbox_examples_classify_as_their_state(state, text):
    assert classify_mailbox(text) is state


def test_every_state_in_the_table_has_examples():
    assert {state for state, _ in MAILBOX_PATTERNS} <= set(EXAMPLES)


@pytest.mark.parametrize(
    ("text", "digit"),
    [
        ("For the operator, press zero.", "0"),
        ("Press 0 to reach the receptionist.", "0"),
        ("Press nine for the front desk", "9"),
        ("For sales press 1.", None),
        ("For the directory, press nine. For the operator, press zero.", "0"),
        ("For the directory press 9 for the operator, press 0.", "0"),
        ("Press 0 for the operator, press 1 for sales.", "0"),
    ],
)
def test_operator_digit(text, digit):
    assert operator_digit(text) == digit


def test_greeting_notes_name_span_pace_formality():
    words = (
        TranscribedWord("Acme,", 0.0, 0.4),
        TranscribedWord("Mike", 0.5, 0.8),
        TranscribedWord("speaking.", 0.8, 1.3),
    )
    notes = greeting_notes(
        Transcript("Acme, Mike speaking.", words), offset_ms=1000, speech_ms=1300
    )
    assert notes.spoken_name == "Mike"
    assert notes.name_span_ms == (1500, 1800)
    assert notes.words_per_minute == pytest.approx(3 * 60000 / 1300, rel=0.01)
    assert notes.formality == "formal"
    casual = greeting_notes(Transcript("Hey, it's Dana."), offset_ms=0, speech_ms=800)
    assert casual.spoken_name == "Dana"
    assert casual.formality == "casual"


class FakeTranscriber:
    """Returns scripted text per call, and can pretend to take time."""

    def __init__(self, texts, seconds=0.0):
        self.texts = list(texts)
        self.seconds = seconds
        self.calls = []

    def transcribe(self, samples, *, sample_rate):
        self.calls.append((samples.size, sample_rate))
        if self.seconds:
            time.sleep(self.seconds)
        text = self.texts.pop(0) if self.texts else ""
        return Transcript(text, ())


def _machine_call(*, beep=True):
    # Two phrases with a 600 ms pause: the first chunk is transcribed at that pause.
    parts = [silence(500), speech(2800, seed=1), silence(600), speech(1500, seed=2)]
    speech_end = ms_len(*parts)
    parts.append(silence(400))
    if beep:
        parts.append(tone(1000, 300))
    parts.append(silence(2000))
    return to_int16(mix(*parts)), speech_end


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["The mailbox is full", "and cannot accept messages. Goodbye."], MailboxFull),
        (["The person you are calling", "has not set up their voicemail."], MailboxNotSetUp),
        (["Thank you for calling Acme.", "For the operator, press zero."], GeneralMailbox),
    ],
)
def test_no_drop_event_comes_before_the_cue(texts, expected):
    samples, _ = _machine_call()
    fake = FakeTranscriber(texts)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    kinds = [type(e) for e in events]
    assert expected in kinds, events
    cue_index = next(i for i, e in enumerate(events) if isinstance(e, MESSAGE_CUE_EVENTS))
    assert kinds.index(expected) < cue_index
    assert len(fake.calls) == 2  # chunked: one per phrase, not one per frame
    if expected is GeneralMailbox:
        general = next(e for e in events if isinstance(e, GeneralMailbox))
        assert general.operator_digit == "0"


def test_personal_greeting_gets_notes_and_no_no_drop_event():
    samples, _ = _machine_call()
    fake = FakeTranscriber(["Hi, you've reached Dana Smith.", "Please leave a message."])
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    assert not [e for e in events if isinstance(e, NO_DROP_EVENTS)]
    notes = [e for e in events if isinstance(e, GreetingTranscribed)]
    assert len(notes) == 1
    assert notes[0].spoken_name == "Dana Smith"
    assert notes[0].extra["mailbox"] == "personal"


def test_asr_time_is_counted_into_emitted_ms():
    # A beep-less greeting's end waits for the last phrase's words; that phrase is left for
    # the cue (final pause longer than the end-of-greeting silence), so the cue comes when
    # its 200 ms of recognition would have finished.
    samples, _ = _machine_call(beep=False)
    settings = DetectorSettings(asr_threaded=False, asr_final_pause_ms=3000, asr_min_chunk_ms=20000)

    def cue_of(transcriber):
        events = detect_samples(
            samples, sample_rate=8000, settings=settings, transcriber=transcriber
        )
        for event in events:
            assert event.emitted_ms >= event.at_ms
        return next(e for e in events if isinstance(e, MESSAGE_CUE_EVENTS))

    quick = cue_of(FakeTranscriber(["Hello you have reached Dana"]))
    slow = cue_of(FakeTranscriber(["Hello you have reached Dana"], seconds=0.2))
    assert slow.at_ms == quick.at_ms
    # 200 ms of processing, rounded up to whole 20 ms frames (plus scheduling slack).
    assert 200 <= slow.emitted_ms - quick.emitted_ms <= 300


def test_human_decision_is_not_delayed_by_asr():
    head = [silence(500), speech(700, seed=3)]
    samples = to_int16(mix(*head, silence(2500)))
    slow = FakeTranscriber(["Hi, this is Dana."], seconds=0.3)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=slow)
    human = next(e for e in events if isinstance(e, HumanDetected))
    assert human.emitted_ms <= ms_len(*head) + 1000
    notes = next(e for e in events if isinstance(e, GreetingTranscribed))
    assert notes.spoken_name == "Dana"
    assert notes.extra["speaker"] == "human"
    assert notes.emitted_ms >= human.emitted_ms + 300


def test_asr_off_needs_no_transcriber():
    samples, _ = _machine_call()
    events = detect_samples(samples, sample_rate=8000, settings=DetectorSettings(asr=False))
    assert not [e for e in events if isinstance(e, GreetingTranscribed)]
    assert [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]


def test_short_system_message_then_hang_up_is_a_full_mailbox():
    # "This mailbox is full. Goodbye." is too short to be a machine by timing; the far end
    # hangs up before any decision, and the words decide.
    samples = to_int16(mix(silence(400), speech(1600, seed=8), silence(500)))
    fake = FakeTranscriber(["This mailbox is full. Goodbye."])
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    kinds = [type(e) for e in events]
    assert kinds[:2] == [MachineDetected, MailboxFull], events


def test_a_beep_never_waits_for_recognition():
    samples, _ = _machine_call(beep=True)
    slow = FakeTranscriber(["Hi, you've reached Dana.", "Please leave a message."], seconds=0.9)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=slow)
    cue = next(e for e in events if isinstance(e, MESSAGE_CUE_EVENTS))
    assert cue.emitted_ms - cue.at_ms <= 200
    notes = next(e for e in events if isinstance(e, GreetingTranscribed))
    assert notes.emitted_ms > cue.emitted_ms  # the rest is recognised after the cue


def test_a_full_mailbox_heard_after_the_beep_is_still_reported():
    samples, _ = _machine_call(beep=True)
    slow = FakeTranscriber(["Hello.", "The mailbox is full. Goodbye."], seconds=0.9)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=slow)
    kinds = [type(e) for e in events]
    cue_index = next(i for i, e in enumerate(events) if isinstance(e, MESSAGE_CUE_EVENTS))
    assert MailboxFull in kinds[cue_index + 1 :], events


def test_threaded_recognition_leaves_the_decisions_to_the_audio():
    # Live mode: recognition runs in a worker thread. Replayed far faster than real time,
    # the transcripts arrive late in audio time, yet the decision and the beep cue are the
    # same as with no recognition at all; the notes still come by the end of the call.
    samples, _ = _machine_call(beep=True)
    slow = FakeTranscriber(["Hi, you've reached Dana.", "Please leave a message."], seconds=0.3)
    live = detect_samples(samples, sample_rate=8000, settings=DetectorSettings(), transcriber=slow)
    plain = detect_samples(samples, sample_rate=8000, settings=DetectorSettings(asr=False))
    decided = [(type(e), e.at_ms, e.emitted_ms) for e in live if type(e) is not GreetingTranscribed]
    assert decided == [(type(e), e.at_ms, e.emitted_ms) for e in plain]
    notes = next(e for e in live if isinstance(e, GreetingTranscribed))
    assert notes.spoken_name == "Dana"
