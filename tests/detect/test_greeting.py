"""Greeting words: mailbox-state phrase tables, rep notes, and how the detector schedules
speech recognition (with a fake transcriber: fast and deterministic)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from detector_signals import mix, ms_len, silence, speech, talkers, to_int16, tone

from afterbeep.detect._asr import TranscribedWord, Transcript
from afterbeep.detect._mailbox import (
    MAILBOX_PATTERNS,
    MailboxState,
    answer_words,
    asks_for_a_message,
    classify_mailbox,
    greeting_notes,
    offers_a_menu,
    opens_like_a_carrier,
    operator_digit,
    promises_tone,
    puts_through,
    spoken_words,
)
from afterbeep.detect.detector import DetectorSettings, detect_samples
from afterbeep.detect.events import (
    MESSAGE_CUE_EVENTS,
    NO_DROP_EVENTS,
    BeepEnded,
    GeneralMailbox,
    GreetingEnded,
    GreetingTranscribed,
    HumanDetected,
    MachineDetected,
    MailboxFull,
    MailboxNotSetUp,
    MailboxTakesNoMessages,
    RecordingAfterAll,
)
from afterbeep.errors import ConfigError

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
        "The person you are calling has a full mailbox and cannot accept the new message.",
        "Sorry, the mailbox you are trying to reach it full. Please try again later.",
        # tiny.en on a read-out number: "has a" heard as "and a".
        "The person you call in 9, 7, 4, 5, 2 and a full mailbox. Goodbye!",
        # ... and in babble, "mailbox" as "mail of some kind".
        "The person who calls in 9 7 3 2 0 or 4 9 1 3 and a full mail of some kind of",
        "This mailbox is in full. Don't buy it!",
    ],
    MailboxState.NOT_SET_UP: [
        "The person you are calling has not set up their voicemail yet.",
        "This voice mailbox has not been set up.",
        "The subscriber's mailbox hasn't been set-up. Goodbye.",
        "The voicemail has not yet been initialized.",
        "This voice mailbox is not being set up. Goodbye.",
        "The subscriber you have dialed to not settle their voicemail.",
        "The person you are trying to reach, voicemail, has not been safe up here.",
        # tiny.en lost the "not" before "set up".
        "The mailbox four two nine one, nine one nine to have been set up. Please try again later.",
        "The person you are trying to reach, and a voicemail after the announcement has been "
        "set up here. Goodbye!",
        "The client, which and a voic mailbox. I've been set up yet.",
    ],
    MailboxState.GENERAL: [
        "Thank you for calling Acme Corporation. For sales, press 1. For support, press 2.",
        "If you know your party's extension, you may dial it at any time.",
        "To use our company directory, please dial by name.",
        "You've reached the general mail of the public manual. Please leave a message.",
        # Dial by name without naming it; tiny.en heard "three letters" as "free letter".
        "Please enter the first three letters of the person's last name.",
        "Please enter the first three letters on the person's last name.",
        "I'm actually leaving on the first three-lan of my parents last name.",
        "Please enter the free letter of the person's name.",
        "Spell the last name of the person you are calling.",
        "Our office is now closed. Our business hours are 9 to 5.",
        "For the operator, press zero.",
        "Thank you for calling Acme. To reach the receptionist, stay on the line.",
        "For the front desk, dial zero.",
        "Thank you for calling. Our clinic is currently closed.",
        "Thank you for calling Lakeside Construction. Our office is imploring to be closed.",
        "Thanks for calling Acme Dental. The office is now closed.",
        # tiny.en's "human resources department", and "all of our representatives are busy".
        "You have reached the human remote in the department of Granite Marketing.",
        "Thank you for calling. All of our equipment are busy.",
        # ... its "our" lost, what they are busy with still said.
        "You have reached Horizon Software. Or how to coordinate or not helping other customers.",
        "Press one to leave a message, or remain on the line to be transferred to our live "
        "receptionist team.",
        "Press 1 for sales. Press 2 for service.",
        # One option left of a menu whose other words were garbled.
        "You have reached Orchard Marketing. I'm going to ask for billing, press three.",
        "You have reached the claims department at Trident Properties.",
        "Our finance department is currently busy assisting other clients.",
        # Options that name only their key.
        "Thank you for calling Elm Dental. If you are a new patient, press one now. If you "
        "have an appointment today, press 2.",
        # A team's shared line.
        "You've reached the consultation line. Our managing partners, Ann Lee and Bo Chan, "
        "are currently unavailable. Please leave your name and number.",
        "You have reached the scheduling line at Apex Clinic. Please leave a message.",
        # Lines that put the caller through: hold, queue and recording notices.
        "Please hold while we connect your call.",
        "This call may be monitored or recorded. Connecting your call now.",
        "Thank you for calling. Your call is important to us. Please stay with us.",
        "The next available agent will take your call.",
        "All lines are busy. Someone will be with you in a moment.",
    ],
    MailboxState.TAKES_NO_MESSAGES: [
        "The number you have dialed cannot take your call. Please try again later. Goodbye.",
        "The subscriber's voice mailbox. Please call again later.",
        "Please, please like and later. Please try back later, go by.",
        "The number you have dialed is not available. Goodbye.",
    ],
    MailboxState.CARRIER_DEFAULT: [
        "The person you are calling is not available. At the tone, please record your message.",
        "Your call has been forwarded to an automated voice messaging system.",
        "The person you're calling is not available. For more options for a press pound.",
        # The system's one key for more options, garbled and repeated: not a menu.
        "The person you are calling is not available. When you are finished, hang up. Or press "
        "files for a more option. Or press files for a more option.",
        "Your call has been forwarded to an automated voice messaging system. When you have "
        "finished recording, it will make hang up. All press one for mode options. I'll press 1 "
        "for mode options.",
    ],
    MailboxState.PERSONAL: [
        "Hi, you've reached Dana Smith. I can't take your call right now, leave a message.",
        "Hey it's Mike, leave it at the beep.",
        "Hi, it's Dana. I've set up yet another line, leave a message on this one.",
        "Hi, it's Dana. Leave your name and number, and spell your name if it's unusual.",
        "You have reached the voicemail of Priya Patel at Northwind. Please leave a message.",
        # Mentions an operator or receptionist, but offers no way to one: still a person's.
        "Hi, this is Dana, the receptionist at Acme. Please leave a message after the tone.",
        "You've reached Sam, switchboard operator. I'll call you back.",
        # Busy with one client of their own: a person's line.
        "Hi, it's Dana. I'm with a client right now, please leave a message.",
        "This is Raj. I'm helping a customer, so leave your number and I'll call you back.",
        # Sends the caller away, but invites a message too.
        "I'm away this week. Leave a message or try again later.",
        "Please record your message after the tone, or call back later.",
        # A goodbye that is not the end, or comes with an invitation.
        "Goodbye for now, I'm away until Monday.",
        "Hi, this is Sam. Leave your name and number. Goodbye.",
        "This is Carlos. Leave a message and I'll call you back. For more options. I'll press "
        "phones for a lot of changes.",
        # A department mentioned, not reached (tiny.en's "Hannah Hill with Acme Partners").
        "Hello, this is time to fill with my department. Leave a message after the meet.",
        # tiny.en's "Ha, got you!": something closed, not a place of business.
        "The law is closed. The law, you're reached when it's not done. Please leave your name.",
        # Not a mailbox that is not set up: tiny.en's "The person you're calling, <name>, is
        # not available" (a carrier's default greeting; it records).
        "The person you're calling for a mailbox is not available.",
        # "Mail" for a person's own, not a full or a general box.
        "Hi, it's Dana. I'm out checking the mail, leave a message.",
        # A mailbox's own keys, and a personal line named for its owner.
        "Hi, this is Dana. If you would like to leave a callback number, press one.",
        "When you are finished recording, press one now to re-record.",
        "You've reached Mike's line. I look forward to connecting with you.",
        "Hi, it's Dana. My team and I are away this week, leave a message.",
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
        ("Dial by name for the operator. The press zero. Press zero.", "0"),
        ("Press 0 for the operator, press 1 for sales.", "0"),
        # The catch-all names the key for a person; tiny.en may put a full stop inside it.
        ("For all other calls. Press zero.", "0"),
        ("For all other inquiries, press zero.", "0"),
        ("For anything else, press 0.", "0"),
        ("For all other meetings, worry. Press zero.", None),  # garbled: not read as one
        ("For billing, press three. For all other calls press 2 for sales.", None),
    ],
)
def test_operator_digit(text, digit):
    assert operator_digit(text) == digit


def test_before_the_end_only_a_key_named_after_the_person_counts():
    # Words so far that end "...press five to reach the operator." may go on "Press zero."
    cut_short = "For hours and directions, press five to reach the operator."
    assert operator_digit(cut_short) == "5"
    assert operator_digit(cut_short, key_last=True) is None
    assert operator_digit(cut_short + " Press zero or stay on the line.", key_last=True) == "0"
    assert operator_digit("For all other calls, press zero.", key_last=True) == "0"


@pytest.mark.parametrize(
    ("text", "promised"),
    [
        ("Please leave a message after the tone.", True),
        ("At the tone, please record your message.", True),
        # tiny.en across a chunk's edge, "after the beep" heard as "after... here the beat".
        ("Leave a message after... Here the beat, and I'll call you back.", True),
        ("Please leave a message.", False),
        ("Thanks for calling, have a great day.", False),
    ],
)
def test_promises_tone(text, promised):
    assert promises_tone(text) is promised


def _timed_words(*words):
    return tuple(TranscribedWord(text, start, end) for text, start, end in words)


@pytest.mark.parametrize(
    ("text", "words", "offset_ms", "span_ms"),
    [
        # tiny.en sometimes says a short greeting again in the quiet after it: the name does
        # not run on into the next sentence ("Dana This").
        (
            "Hi, this is Dana. This is Dana.",
            _timed_words(
                ("Hi,", 0.0, 0.3),
                ("this", 0.4, 0.5),
                ("is", 0.5, 0.6),
                ("Dana.", 0.6, 0.9),
                ("This", 1.5, 1.6),
                ("is", 1.6, 1.7),
                ("Dana.", 1.7, 2.0),
            ),
            500,
            (1100, 1400),
        ),
        # The span is the mention the name was read from, not the first word that matches.
        (
            "Dana called. This is Dana.",
            _timed_words(
                ("Dana", 0.0, 0.3),
                ("called.", 0.3, 0.7),
                ("This", 1.0, 1.1),
                ("is", 1.1, 1.2),
                ("Dana.", 1.2, 1.5),
            ),
            0,
            (1200, 1500),
        ),
        # Nor into the next clause: "This is Dana, thanks for calling" is Dana.
        (
            "This is Dana, thanks for calling.",
            _timed_words(
                ("This", 0.0, 0.2),
                ("is", 0.2, 0.3),
                ("Dana,", 0.3, 0.7),
                ("thanks", 0.8, 1.1),
                ("for", 1.1, 1.2),
                ("calling.", 1.2, 1.6),
            ),
            0,
            (300, 700),
        ),
    ],
)
def test_the_name_is_read_within_its_sentence_and_timed_by_its_mention(
    text, words, offset_ms, span_ms
):
    notes = greeting_notes(Transcript(text, words), offset_ms=offset_ms, speech_ms=1500)
    assert notes.spoken_name == "Dana"
    assert notes.name_span_ms == span_ms


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


def _decision(events):
    """The call's human/machine decision event (the first one: there is at most one)."""
    return next(e for e in events if isinstance(e, (HumanDetected, MachineDetected)))


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


def _machine_call(*, beep=True, tail_ms=2000):
    # Two phrases with a 600 ms pause: the first chunk is transcribed at that pause.
    parts = [silence(500), speech(2800, seed=1), silence(600), speech(1500, seed=2)]
    speech_end = ms_len(*parts)
    parts.append(silence(400))
    if beep:
        parts.append(tone(1000, 300))
    parts.append(silence(tail_ms))
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


@pytest.mark.parametrize(
    ("texts", "through"),
    [
        (["Thank you for calling Acme.", "Please hold while we connect your call."], True),
        (["This call may be monitored or recorded.", "Connecting your call now."], True),
        (["Thank you for calling Elm Dental. If you are a new patient,", "press one now."], False),
    ],
)
def test_a_line_that_puts_the_caller_through_is_not_dropped_on(texts, through):
    samples, speech_end = _machine_call(beep=False)
    events = detect_samples(
        samples, sample_rate=8000, settings=REPLAY, transcriber=FakeTranscriber(texts)
    )
    general = [e for e in events if isinstance(e, GeneralMailbox)]
    assert len(general) == 1, events
    cue_index = next(i for i, e in enumerate(events) if isinstance(e, MESSAGE_CUE_EVENTS))
    assert events.index(general[0]) < cue_index
    assert general[0].at_ms <= speech_end + 20
    # A person comes next on a hold or transfer line (the engine may hand it to the rep);
    # a menu waits for a key.
    assert general[0].puts_through is through


@pytest.mark.parametrize(
    ("text", "through"),
    [
        ("Please hold while we connect your call.", True),
        ("Your call is important to us. The next available agent will be with you shortly.", True),
        ("This call may be recorded for quality and training purposes.", True),
        ("Please stay on the line.", True),
        # A queue that ends in a mailbox, a menu, a company's own mailbox: no person next.
        ("All of our representatives are busy. Please leave a message after the tone.", False),
        ("For sales, press one. For support, press two. Please hold.", False),
        ("You have reached the general mailbox of Acme.", False),
        ("Hi, this is Dana. I'm on hold with the bank, leave a message.", False),
    ],
)
def test_puts_through_only_where_a_person_comes_next(text, through):
    assert puts_through(text) is through


@pytest.mark.parametrize(
    ("whole_max_ms", "texts"),
    [
        # A short greeting is transcribed again from its start with each phrase...
        (10000, ["Hi, you've reached Dana Smith.", "Hi, you've reached Dana Smith. Leave it."]),
        # ... a long one phrase by phrase.
        (0, ["Hi, you've reached Dana Smith.", "Please leave a message."]),
    ],
)
def test_personal_greeting_gets_notes_and_no_no_drop_event(whole_max_ms, texts):
    samples, _ = _machine_call()
    fake = FakeTranscriber(texts)
    settings = DetectorSettings(asr_threaded=False, asr_whole_max_ms=whole_max_ms)
    events = detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)
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

    words = "Hello you have reached Dana, leave a message"
    quick = cue_of(FakeTranscriber([words]))
    slow = cue_of(FakeTranscriber([words], seconds=0.2))
    assert slow.at_ms == quick.at_ms
    # 200 ms of processing, rounded up to whole 20 ms frames (plus scheduling slack).
    assert 200 <= slow.emitted_ms - quick.emitted_ms <= 300


def _hesitant_greeting(pause_ms, *, beep):
    # "You've reached Dana Smith at Keystone." <pause> "Please leave a message..."
    parts = [silence(500), speech(3000, seed=1), silence(pause_ms)]
    first_end = ms_len(*parts[:2])
    parts += [speech(1500, seed=2), silence(400)]
    if beep:
        parts.append(tone(1000, 300))
    parts.append(silence(4000))
    return to_int16(mix(*parts)), first_end, ms_len(*parts[:4])


def test_a_greeting_whose_words_are_not_over_is_not_ended_by_a_long_pause():
    samples, _, resumed = _hesitant_greeting(1900, beep=True)
    texts = [
        "You've reached Dana Smith at Keystone Engineering.",
        "You've reached Dana Smith at Keystone Engineering. Please leave a message after the beep.",
    ]
    events = detect_samples(
        samples, sample_rate=8000, settings=REPLAY, transcriber=FakeTranscriber(texts)
    )
    cues = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert cues, events
    assert isinstance(cues[0], BeepEnded), events
    assert cues[0].emitted_ms > resumed


@pytest.mark.parametrize(
    ("text", "quiet_ms"),
    [
        # Words that end a greeting: the usual 1.5 s of quiet.
        ("You've reached Dana Smith. Please leave a message.", 1500),
        ("You've reached Dana Smith. Thanks for calling!", 1500),
        # Words still going somewhere: up to greeting_end_max_silence_ms (3 s).
        ("You've reached Dana Smith at Keystone Engineering.", 3000),
        # A tone promised and not come: greeting_end_tone_promised_ms (2.5 s).
        ("You've reached Dana Smith. Leave a message after the beep.", 2500),
    ],
)
def test_beep_less_end_waits_longer_when_the_words_are_not_over(text, quiet_ms):
    samples, first_end, _ = _hesitant_greeting(8000, beep=False)
    fake = FakeTranscriber([text] * 4)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    cue = next(e for e in events if isinstance(e, MESSAGE_CUE_EVENTS))
    assert isinstance(cue, GreetingEnded), events
    assert quiet_ms <= cue.emitted_ms - first_end <= quiet_ms + 200
    assert cue.words_read


# The latest a person is handed over when their words are late: the quiet that decides,
# the wait for words on their way, and a frame.
LATEST_HAND_OVER_MS = REPLAY.human_silence_ms + REPLAY.asr_decide_grace_ms + 20


def test_human_decision_waits_for_slow_recognition_at_most_the_grace():
    # Recognition slower than the 950 ms of quiet that decides plus the grace: timing
    # decides alone, and the notes come when the words are ready.
    head = [silence(500), speech(700, seed=3)]
    samples = to_int16(mix(*head, silence(3500)))
    slow = FakeTranscriber(["Hi, this is Dana."], seconds=1.5)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=slow)
    human = next(e for e in events if isinstance(e, HumanDetected))
    assert human.emitted_ms <= ms_len(*head) + LATEST_HAND_OVER_MS
    notes = next(e for e in events if isinstance(e, GreetingTranscribed))
    assert notes.spoken_name == "Dana"
    assert notes.extra["speaker"] == "human"
    assert notes.emitted_ms >= human.emitted_ms + 500


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
    slow = FakeTranscriber(
        ["Hi there, thanks for calling today.", "The mailbox is full. Goodbye."], seconds=0.9
    )
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=slow)
    kinds = [type(e) for e in events]
    cue_index = next(i for i, e in enumerate(events) if isinstance(e, MESSAGE_CUE_EVENTS))
    assert MailboxFull in kinds[cue_index + 1 :], events


class PacedTranscriber(FakeTranscriber):
    """Scripted texts, each taking its own time."""

    def __init__(self, texts, seconds):
        super().__init__(texts)
        self.delays = list(seconds)

    def transcribe(self, samples, *, sample_rate):
        if self.delays:
            time.sleep(self.delays.pop(0))
        return super().transcribe(samples, sample_rate=sample_rate)


def test_a_company_line_known_before_the_beep_is_skipped_though_its_last_words_are_late():
    # "Thank you for calling Acme. Our office is currently closed." is a company line; its
    # general-mailbox event waits only for a key to a person. The last phrase is still being
    # recognised when the beep ends: the beep ends that wait, and the line is skipped.
    samples, _ = _machine_call(beep=True)
    fake = PacedTranscriber(
        [
            "Thank you for calling Acme. Our office is currently closed.",
            "Thank you for calling Acme. Our office is currently closed. Please leave a message.",
        ],
        seconds=[0.0, 0.9],
    )
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    kinds = [type(e) for e in events]
    cue_index = kinds.index(BeepEnded)
    assert GeneralMailbox in kinds[:cue_index], events
    general = events[kinds.index(GeneralMailbox)]
    assert general.operator_digit is None
    assert general.emitted_ms == events[cue_index].emitted_ms


def test_threaded_recognition_leaves_the_decisions_to_the_audio():
    # Live mode: recognition runs in a worker thread. Replayed far faster than real time,
    # the transcripts arrive late in audio time, yet the decision and the beep cue are the
    # same as with no recognition at all; the notes still come by the end of the call.
    samples, _ = _machine_call(beep=True)
    texts = ["Hi, you've reached Dana.", "Hi, you've reached Dana. Please leave a message."]
    slow = FakeTranscriber(texts, seconds=0.3)
    no_words = DetectorSettings(asr_decide=False)
    live = detect_samples(samples, sample_rate=8000, settings=no_words, transcriber=slow)
    plain = detect_samples(samples, sample_rate=8000, settings=DetectorSettings(asr=False))
    decided = [(type(e), e.at_ms, e.emitted_ms) for e in live if type(e) is not GreetingTranscribed]
    assert decided == [(type(e), e.at_ms, e.emitted_ms) for e in plain]
    notes = next(e for e in live if isinstance(e, GreetingTranscribed))
    assert notes.spoken_name == "Dana"


# -- words on the decision path ------------------------------------------------------------


def test_a_greeting_that_signs_off_with_thanks_for_calling_is_read_once_it_is_over():
    assert answer_words("This is Rachel. Thanks for calling.").signs_off
    assert not answer_words("Thank you for calling Acme, this is Kim.").signs_off
    # Alone it is only a mark once the greeting is over: it is how a person's answer begins.
    assert not answer_words("Thank you for calling.").recording


@pytest.mark.parametrize(
    ("text", "recording", "person"),
    [
        ("Hello?", False, False),
        ("Hi, this is Dana.", False, True),
        ("Good afternoon, Westfield Engineering, Maria speaking.", False, True),
        ("Acme Dental, how can I help you?", False, True),
        ("Hi, Dana here.", False, True),
        ("Hi, you've reached Dana Smith.", True, False),
        # tiny.en's reading of "You have reached Orchard Marketing." on a noisy line.
        ("You'll have reached for a car kissing.", True, False),
        ("Welcome to the Atlas Insurance company directory.", True, False),
        ("This is Maria. Please leave your name and number.", True, False),
        # tiny.en's reading of "Hi, Dana here. Please leave your name and number" in babble.
        ("Hi, I've made it here. I'm leaving your name and have been in time", True, False),
        ("I'm not available right now.", True, False),
        ("For sales, press one.", True, False),
        ("Sorry I missed your call.", True, False),
        ("The mailbox is full.", True, False),
        # A carrier prompt's opening, cut off where it pauses before the number or the name.
        ("The person you are calling,", True, False),
        ("The subscriber you are trying to read", True, False),
        ("The number you have dialed", True, False),
        # tiny.en's reading of "The person you are calling," on a carrier's prompt; a person
        # asking who is calling is still a person.
        ("I'm a person who is calling me to the email mail.", True, True),
        ("Sorry, who is calling?", False, True),
        # A recording's good wishes; a person's thanks opens their answer.
        ("Hi, Greg here. Have a great day.", True, False),
        ("Thank you for calling Granite Insurance, this is Laura.", False, True),
        # An opening and nothing else, its name lost (tiny.en); a recording goes on.
        ("Thank you for calling him a real insurance living game.", False, True),
        ("Good afternoon, I tried to make a factory, David", False, True),
        ("Thanks for calling. Have a great day!", True, False),
        (
            "Thank you for calling Acme. If you know your party's extension, dial it now.",
            True,
            False,
        ),
        ("Good afternoon, and thank you for calling Acme. Our office is closed.", True, False),
        # A company line's menu, cut before its key words.
        ("Thank you for calling Cedar Law Group. If you know your part", True, False),
        # Someone on the line who cannot hear the caller.
        ("Yes, hello? Anyone there?", False, True),
        ("Hello? Can you hear me?", False, True),
        ("Hello, is anybody there?", False, True),
        ("Someone will return your call.", True, False),
    ],
)
def test_answer_words_mark_recordings_and_people(text, recording, person):
    words = answer_words(text)
    assert (words.recording, words.person) == (recording, person)


@pytest.mark.parametrize(
    ("text", "carrier"),
    [
        ("The person you are calling,", True),
        ("You are trying to reach the voicemail of", True),
        ("The number you have dialed", True),
        ("I'm a person who is calling me to the email mail.", True),
        ("Yes, who is calling?", False),
        # Said what it is about already, or a personal greeting's opening.
        ("The person you are calling has not set up their voicemail.", False),
        ("Hi, you have reached Dana Smith.", False),
        ("Thank you for calling Acme.", False),
    ],
)
def test_a_carriers_opening_is_known_before_it_says_what_it_is_about(text, carrier):
    assert opens_like_a_carrier(text) is carrier


@pytest.mark.parametrize(
    ("text", "anywhere"),
    [
        ("Good afternoon, Westfield Engineering, Maria speaking", True),
        ("Acme Dental, how can I help", True),
        ("Scheduling, who's calling", True),
        # Where a reading cut short ends on them, a voicemail's opening says these too.
        ("Hi, this is Dana.", False),
        ("Hi, Dana here.", False),
        ("Please speak after the tone.", False),
    ],
)
def test_a_persons_mark_that_holds_wherever_a_reading_stops(text, anywhere):
    assert answer_words(text).person_anywhere is anywhere


@pytest.mark.parametrize(
    ("text", "calls_out"),
    [
        ("Hello? Hello?", True),
        ("Hello, hello. Hello? Hello?", True),
        ("Yes? Hello?", True),
        # A recording's opening hello, and a person's hello that goes on, say more.
        ("Hello, you've reached Dana.", False),
        ("Hello, this is Dana.", False),
        ("", False),
    ],
)
def test_answer_words_mark_a_person_calling_out_with_nothing_but_hellos(text, calls_out):
    assert answer_words(text).calls_out is calls_out


def _short_then_pause():
    # A 1.2 s phrase, then 1.3 s of quiet: by timing, a person waiting for an answer.
    head = [silence(500), speech(1200, seed=5)]
    return to_int16(mix(*head, silence(1300), speech(2500, seed=6), silence(3000))), head


def test_a_short_recorded_phrase_then_a_pause_is_a_machine_by_its_words():
    samples, head = _short_then_pause()
    fake = FakeTranscriber(["Hi, you've reached Dana Smith.", "Please leave a message."])
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, MachineDetected), events
    assert decision.reason == "words of a recording"
    # Decided in the pause, before timing alone would have said "human".
    assert decision.emitted_ms < ms_len(*head) + 950


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This is Rachel. Thanks for calling.", MachineDetected),
        # tiny.en dropped a sound.
        ("This is Kevin. Thank for calling.", MachineDetected),
        # A person's thanks come first; cut at a pause they say nothing about who answered.
        ("Thank you for calling Acme, this is Kim.", HumanDetected),
    ],
)
def test_a_short_greeting_that_signs_off_is_a_recording(text, expected):
    samples, head = _short_then_pause()
    events = detect_samples(
        samples, sample_rate=8000, settings=REPLAY, transcriber=FakeTranscriber([text] * 3)
    )
    decision = _decision(events)
    assert isinstance(decision, expected), events
    # Decided when timing would decide: once the greeting is over.
    assert ms_len(*head) + 950 <= decision.emitted_ms <= ms_len(*head) + 1000


class PromptedTranscriber(FakeTranscriber):
    """A prompted recogniser whose prompt-less second opinion says ``second``."""

    def __init__(self, texts, second, *, seconds=0.0, second_seconds=0.0):
        super().__init__(texts, seconds)
        self.second = FakeTranscriber(second, second_seconds)

    def without_prompt(self):
        return self.second


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        # The prompt made a name sound like a mailbox ("Maria Taylor." -> "I'll read this
        # mailbox."): without it, a name; timing decides, and the pause says a person.
        ("Read this Taylor.", HumanDetected),
        # Both readings say a recording: the words decide, still inside the pause.
        ("Hi, you reached Dana Smith.", MachineDetected),
    ],
)
def test_words_of_a_recording_are_heard_again_without_the_prompt(second, expected):
    samples, head = _short_then_pause()
    fake = PromptedTranscriber(["I'll read this mailbox."] * 3, [second])
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, expected), events
    assert len(fake.second.calls) == 1  # once, on the same audio as the first reading
    assert fake.second.calls[0] == fake.calls[0]
    assert decision.emitted_ms <= ms_len(*head) + LATEST_HAND_OVER_MS
    if expected is MachineDetected:
        assert decision.reason == "words of a recording"
        assert decision.emitted_ms < ms_len(*head) + REPLAY.human_silence_ms


def test_a_second_opinion_too_late_leaves_the_words_as_heard():
    # The words themselves come back 700 ms after the pause they were sent at; their second
    # opinion would come after timing's grace: the words decide, as with no second opinion.
    samples, head = _short_then_pause()
    fake = PromptedTranscriber(
        ["Hi, you've reached Dana Smith."] * 3,
        ["Hi, you read Dana Smith."],
        seconds=0.7,
        second_seconds=0.5,
    )
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, MachineDetected), events
    assert decision.reason == "words of a recording"
    assert len(fake.second.calls) == 1
    assert decision.emitted_ms <= ms_len(*head) + LATEST_HAND_OVER_MS


def test_a_hang_up_after_words_of_a_recording_is_a_machine_whatever_the_second_opinion():
    # "Leave a message after the tone." and the line drops before any decision; the second
    # opinion heard nothing of a recording, but with no one left to hand over, the words go.
    samples = to_int16(mix(silence(500), speech(1500, seed=5), silence(700)))
    fake = PromptedTranscriber(["Leave a message after the tone."] * 3, ["It may look simple."] * 3)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, MachineDetected), events
    assert decision.reason == "words of a recording"


def test_no_second_opinion_when_the_setting_is_off():
    samples, _ = _short_then_pause()
    fake = PromptedTranscriber(["I'll read this mailbox."] * 3, ["Read this Taylor."])
    settings = DetectorSettings(asr_threaded=False, asr_recheck_recording=False)
    events = detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, MachineDetected), events
    assert not fake.second.calls


def _spread_words(text, start, end):
    """``text`` as a transcript whose words are spread evenly from ``start`` to ``end`` s."""
    words = text.split()
    if not words:
        return Transcript("", ())
    step = (end - start) / len(words)
    timed = tuple(
        TranscribedWord(w, start + i * step, start + (i + 1) * step) for i, w in enumerate(words)
    )
    return Transcript(text, timed)


_NOT_THE_OWNERS = (
    "Hi, you've reached Dana Smith at Keystone Engineering. Leave your name and number."
)
_THE_OWNERS = "Hi, you've reached Dana Smith. I'm not available, I'll call you back."


class LastReadingSlow(FakeTranscriber):
    """The same words for every clip; a clip at least ``slow_from_s`` long takes
    ``seconds`` (the whole greeting, sent again at its end)."""

    def __init__(self, text, slow_from_s, seconds):
        super().__init__([])
        self.text, self.slow_from_s, self.slow_seconds = text, slow_from_s, seconds

    def transcribe(self, samples, *, sample_rate):
        self.calls.append((samples.size, sample_rate))
        if samples.size / sample_rate >= self.slow_from_s:
            time.sleep(self.slow_seconds)
        return Transcript(self.text, ())


@pytest.mark.parametrize(
    ("text", "seconds", "wait_ms", "read"),
    [
        (_NOT_THE_OWNERS, 0.0, 2000, True),
        (_NOT_THE_OWNERS, 2.0, 3000, True),
        (_NOT_THE_OWNERS, 2.0, 200, False),
        (_THE_OWNERS, 2.0, 200, True),
    ],
)
def test_a_beep_less_end_says_whether_the_words_were_read_up_to_the_last_speech(
    text, seconds, wait_ms, read
):
    # 8.5 s of greeting: its first 7 s are read early and settle it (no no-drop phrase).
    # Words that are not the owner's own leave the last phrase to decide between a message
    # and none (a company's "press 0" comes last), so the cue waits for the whole
    # greeting's last reading, up to asr_cue_max_wait_ms: back by then, the words were read
    # to the end; later, they were not (the engine may skip such a call). The owner's own
    # words ("I'll call you back") need no wait: read as a personal mailbox's either way.
    head = [silence(500), speech(7000, seed=1), silence(700), speech(1500, seed=2)]
    samples = to_int16(mix(*head, silence(5000)))
    settings = REPLAY.model_copy(update={"asr_cue_max_wait_ms": wait_ms})
    fake = LastReadingSlow(text, slow_from_s=8.5, seconds=seconds)
    events = detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)
    cue = next(e for e in events if isinstance(e, MESSAGE_CUE_EVENTS))
    assert isinstance(cue, GreetingEnded), events
    assert cue.words_read is read
    assert cue.words_heard  # its opening was read either way


@pytest.mark.parametrize("gap_ms", [60, 300])
def test_a_long_greeting_read_in_parts_is_read_to_its_end(gap_ms):
    # 13 s of speech in four stretches: past asr_whole_max_ms it is read in parts, the next
    # one from where the last one's audio ended. A reading asked for just as a stretch
    # ends (after asr_max_chunk_ms of speech, with only a short gap) takes the audio up
    # to now; had the part been booked up to its end plus the padding still to come, the
    # next one would start past it and the greeting would never count as read to its end
    # (a beep-less personal mailbox skipped, though every word of it was read).
    stretches = [speech(4600, seed=1), speech(3800, seed=2), speech(3500, seed=3)]
    parts = [silence(500)]
    for stretch in stretches:
        parts += [stretch, silence(gap_ms)]
    samples = to_int16(mix(*parts, speech(1500, seed=4), silence(5000)))
    texts = ["Hi, you've reached Dana Smith at Keystone Engineering.", *["More words."] * 10]
    settings = REPLAY.model_copy(update={"asr_decide": False})
    fake = FakeTranscriber(texts)
    events = detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)
    (cue,) = [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    assert isinstance(cue, GreetingEnded), events
    assert len(fake.calls) >= 3  # read in parts
    assert cue.words_read


@pytest.mark.parametrize(("seconds", "heard"), [(0.0, True), (3.0, False), (None, False)])
def test_a_beep_says_whether_any_of_the_greetings_words_were_read_by_it(seconds, heard):
    # A 5 s greeting and its beep: words back at once were read by the beep; words that
    # take 3 s a reading (a busy worker) or no recognition at all: the beep comes first.
    samples = to_int16(
        mix(silence(500), speech(5000, seed=1), silence(400), tone(1000, 300), silence(3000))
    )
    text = "Hi, you've reached Dana Smith. Please leave a message after the tone."
    fake = None if seconds is None else LastReadingSlow(text, slow_from_s=0.0, seconds=seconds)
    settings = REPLAY if fake else DetectorSettings(asr=False)
    events = detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)
    cue = next(e for e in events if isinstance(e, MESSAGE_CUE_EVENTS))
    assert isinstance(cue, BeepEnded), events
    assert cue.words_heard is heard


class TimedTranscriber(FakeTranscriber):
    """Scripted text whose words are spread evenly from 0.2 s to ``ends[i]`` s of the chunk
    (None: to 50 ms before the chunk's end)."""

    def __init__(self, texts, ends):
        super().__init__(texts)
        self.ends = list(ends)

    def transcribe(self, samples, *, sample_rate):
        text = super().transcribe(samples, sample_rate=sample_rate).text
        end = self.ends.pop(0) if self.ends else None
        end = samples.size / sample_rate - 0.05 if end is None else end
        return _spread_words(text, 0.2, end)


@pytest.mark.parametrize(
    ("again", "expected"),
    [
        # Heard again, the sentence went on where the level detector heard nothing (a
        # recording's speech lost in noise): its words decide.
        (
            "Hello, this is Derek Mitchell with Granite Logistics. I'm away from my desk.",
            MachineDetected,
        ),
        # Nothing more: the pause was a pause.
        ("Hello, this is Derek Mitchell with", HumanDetected),
    ],
)
def test_words_that_stop_mid_sentence_are_heard_again_past_the_pause(again, expected):
    head = [silence(500), speech(1200, seed=5)]
    samples = to_int16(mix(*head, silence(4000)))
    fake = TimedTranscriber(["Hello, this is Derek Mitchell with", again], [1.4, None])
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, expected), events
    first, second = fake.calls[:2]
    assert second[0] > first[0]  # heard again up to later in the pause
    if expected is HumanDetected:
        assert decision.emitted_ms <= ms_len(*head) + LATEST_HAND_OVER_MS


def test_words_that_end_a_sentence_are_not_heard_again():
    head = [silence(500), speech(1200, seed=5)]
    samples = to_int16(mix(*head, silence(4000)))
    fake = TimedTranscriber(["Hello, this is Derek Mitchell."] * 3, [1.4] * 3)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, HumanDetected), events
    assert len(fake.calls) == 1  # the greeting, once


def test_words_too_late_leave_the_decision_to_timing():
    samples, head = _short_then_pause()
    slow = FakeTranscriber(["Hi, you've reached Dana Smith."], seconds=1.0)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=slow)
    decision = _decision(events)
    assert isinstance(decision, HumanDetected), events
    assert decision.emitted_ms <= ms_len(*head) + LATEST_HAND_OVER_MS


def test_words_on_their_way_when_timing_would_decide_are_waited_for():
    # Sent at the 400 ms pause, back 700 ms later: after the 950 ms of quiet that would make
    # this a person, inside the grace. The words make it a machine.
    samples, head = _short_then_pause()
    slow = FakeTranscriber(["Hi, you've reached Dana Smith."], seconds=0.7)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=slow)
    decision = _decision(events)
    assert isinstance(decision, MachineDetected), events
    assert decision.reason == "words of a recording"
    assert ms_len(*head) + REPLAY.human_silence_ms < decision.emitted_ms
    assert decision.emitted_ms <= ms_len(*head) + LATEST_HAND_OVER_MS


def _long_answer():
    # 3.6 s of speech with no long pause, then the quiet of someone waiting.
    head = [silence(400), speech(3600, seed=7)]
    return to_int16(mix(*head, silence(4000))), head


@pytest.mark.parametrize(
    "text",
    [
        "Good afternoon, Westfield Engineering, Maria speaking.",
        # Only the opening was heard (the name at the end lost), then quiet: a person.
        "Thank you for calling Westfield Engineering.",
    ],
)
def test_a_long_company_answer_that_ends_with_a_name_is_a_person(text):
    samples, head = _long_answer()
    fake = FakeTranscriber([text])
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, HumanDetected), events
    assert decision.reason == "words of a person"
    assert decision.emitted_ms <= ms_len(*head) + 1000


@pytest.mark.parametrize(
    "text", ["Westfield Engineering, Monday through Friday.", "Thank you for calling."]
)
def test_a_long_greeting_without_the_words_of_a_person_is_a_machine(text):
    samples, _ = _long_answer()
    fake = FakeTranscriber([text])
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, MachineDetected), events


def test_without_word_decisions_a_long_answer_is_a_machine_while_it_talks():
    samples, head = _long_answer()
    fake = FakeTranscriber(["Good afternoon, Westfield Engineering, Maria speaking."])
    settings = DetectorSettings(asr_threaded=False, asr_decide=False)
    events = detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, MachineDetected)
    assert decision.reason == "long greeting"
    assert decision.emitted_ms < ms_len(*head)


def test_talking_past_the_sure_limit_is_a_machine_whatever_it_says():
    samples = to_int16(mix(silence(400), speech(6500, seed=9), silence(3000)))
    fake = FakeTranscriber(["Good afternoon, Maria speaking, how can I help you?"] * 3)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, MachineDetected), events
    assert decision.reason == "long greeting"


def test_machine_speech_must_not_exceed_the_sure_limit():
    with pytest.raises(ConfigError, match="machine_sure_speech_ms"):
        DetectorSettings(machine_speech_ms=6000, machine_sure_speech_ms=5000)


@pytest.mark.parametrize("beep", [False, True])
def test_a_system_message_that_sends_the_caller_away_takes_no_message_unless_a_beep_follows(
    beep,
):
    samples, _ = _machine_call(beep=beep)
    first = "Sorry, this number cannot take your call."
    fake = FakeTranscriber([first, f"{first} Please try again later. Goodbye."] * 2)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    kinds = [type(e) for e in events]
    cue_index = next(i for i, e in enumerate(events) if isinstance(e, MESSAGE_CUE_EVENTS))
    if beep:
        # A beep: the system records after all, so the message goes.
        assert MailboxTakesNoMessages not in kinds, events
    else:
        assert kinds.index(MailboxTakesNoMessages) < cue_index, events
    assert answer_words("Can you call me back later?").recording is False


def test_warm_up_runs_the_recogniser_once_before_any_call():
    from afterbeep.detect.detector import Detector

    fake = FakeTranscriber([])
    Detector(settings=REPLAY, transcriber=fake).warm_up()
    assert fake.calls == [(4000, 8000)]  # half a second of silence
    Detector(settings=DetectorSettings(asr=False), transcriber=fake).warm_up()
    assert len(fake.calls) == 1  # recognition off: nothing to load


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Yes?", 1),
        ("Hello? Hello.", 2),
        ("The person you're calling, 283-835-7174.", 14),
        ("Call 5 5 5 0 1 4 8.", 8),
    ],
)
def test_spoken_words_count_a_number_digit_by_digit(text, count):
    assert spoken_words(text) == count


def _yes_in_a_busy_room():
    # "Yes?" and then the talkers behind the person, 8 dB under them and never pausing long.
    head = [silence(500), speech(500, seed=21)]
    talkers = speech(7000, level_dbfs=-28.0, seed=22)
    return to_int16(mix(*head, talkers)), head


def test_a_word_or_two_in_long_speech_is_a_person_with_talkers_behind():
    samples, head = _yes_in_a_busy_room()
    fake = FakeTranscriber(["Yes?"] * 5)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, HumanDetected), events
    assert decision.reason == "few words"
    # Late (the talkers hid the pause), but a person hears the rep rather than a recording.
    assert decision.emitted_ms <= ms_len(*head) + REPLAY.machine_sure_speech_ms


@pytest.mark.parametrize(
    "text",
    [
        "Hi, this is Dana and Victor, we are both out right now",
        "The person you're calling, 283-835-7174.",
        # Few enough for a person's own words, a person's phrase among them, but a
        # recording's too.
        "Hi, you've reached Dana. Anyone there?",
        # As many words, none a person's.
        "Thanks for getting in touch with our store.",
        # A person's own words, but more of them than asr_person_words.
        "Hello? Anyone there? I can hear you breathing, who is calling me now",
    ],
)
def test_long_speech_with_the_words_of_a_greeting_is_still_a_machine(text):
    samples, _ = _yes_in_a_busy_room()
    fake = FakeTranscriber([text] * 5)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, MachineDetected), events


@pytest.mark.parametrize(
    "text",
    ["Yes, hello? Anyone there? Anyone there?", "Hello? Hello? Can you hear me?"],
)
def test_more_words_in_long_speech_are_a_person_when_they_are_a_persons_own(text):
    # Over asr_few_words, but a person's own words (and none a recording's): the caller
    # cannot hear them, the talkers behind them go on.
    samples, _ = _yes_in_a_busy_room()
    fake = FakeTranscriber([text] * 5)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, HumanDetected), events
    assert decision.reason == "few words"
    assert spoken_words(text) > REPLAY.asr_few_words


def test_a_few_words_reading_needs_a_second_transcript_to_agree():
    # Whisper drops the words being spoken at a chunk's end: the first transcript has only
    # the prank's "Hello?", the next one reaches its next sentence.
    samples, _ = _yes_in_a_busy_room()
    fake = FakeTranscriber(["Hello?", *["Hello? Ha, got you! Hey, it's Luis."] * 4])
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, MachineDetected), events
    assert len(fake.calls) >= 2


def test_talkers_that_stop_after_a_persons_word_leave_a_person():
    # "Yes?", 3.2 s of talkers, then quiet: too long a greeting for a person by timing, but
    # its words are one person's word.
    head = [silence(500), speech(500, seed=21), speech(3200, level_dbfs=-28.0, seed=22)]
    samples = to_int16(mix(*head, silence(3000)))
    fake = FakeTranscriber(["Yes?"] * 5)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, HumanDetected), events
    assert decision.reason == "few words"
    assert decision.emitted_ms <= ms_len(*head) + LATEST_HAND_OVER_MS


class SpanTranscriber(FakeTranscriber):
    """Scripted text whose words are spread evenly over ``spans[i]`` = (start, end) seconds of
    the chunk."""

    def __init__(self, texts, spans):
        super().__init__(texts)
        self.spans = list(spans)

    def transcribe(self, samples, *, sample_rate):
        text = super().transcribe(samples, sample_rate=sample_rate).text
        return _spread_words(text, *self.spans.pop(0))


def test_a_whole_reading_that_says_less_keeps_what_was_heard_before():
    # The second reading of the greeting from its start (tiny.en) left out its first
    # sentence, heard in the first: that sentence still counts, and the line is skipped.
    samples, _ = _machine_call(beep=True)
    fake = SpanTranscriber(
        [
            "You've reached the general mailbox for Acme Logistics, thank you.",
            "Please leave a message after the tone.",
        ],
        [(0.2, 2.9), (3.7, 5.0)],
    )
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    kinds = [type(e) for e in events]
    assert GeneralMailbox in kinds, events
    cue_index = next(i for i, e in enumerate(events) if isinstance(e, MESSAGE_CUE_EVENTS))
    assert kinds.index(GeneralMailbox) < cue_index
    notes = next(e for e in events if isinstance(e, GreetingTranscribed))
    assert "general mailbox" in notes.transcript
    assert "after the tone" in notes.transcript


@pytest.mark.parametrize(
    ("rest", "expected"),
    [
        # The rest of the answer, heard on its own, ends on who is speaking: a person.
        ("Westfield Engineering, this is Kevin.", HumanDetected),
        # Nothing more in it: the words heard stand, and timing says a machine.
        ("", MachineDetected),
    ],
)
def test_words_that_stop_short_of_the_speech_are_heard_on_their_own(rest, expected):
    samples, head = _long_answer()
    fake = SpanTranscriber(["Thank you for calling.", rest], [(0.2, 1.2), (0.2, 2.0)])
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    decision = _decision(events)
    assert isinstance(decision, expected), events
    whole, alone = fake.calls[:2]
    assert alone[0] < whole[0]  # only the speech after the last word heard
    assert decision.emitted_ms <= ms_len(*head) + 1000


def test_words_that_reach_the_end_of_the_speech_are_not_heard_again():
    samples, _ = _long_answer()
    fake = SpanTranscriber(["Good afternoon, Westfield Engineering, Maria speaking."], [(0.2, 3.9)])
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    assert isinstance(_decision(events), HumanDetected), events
    assert len(fake.calls) == 1


class GrowingTranscriber(FakeTranscriber):
    """Each reading says as much of ``sentences`` as the audio sent is long: one sentence
    per ``per_ms`` of it (a greeting recognised as it goes on)."""

    def __init__(self, sentences, per_ms):
        super().__init__([])
        self.sentences = sentences
        self.per_ms = per_ms

    def transcribe(self, samples, *, sample_rate):
        self.calls.append((samples.size, sample_rate))
        heard = max(1, min(len(self.sentences), samples.size * 1000 // sample_rate // self.per_ms))
        return Transcript(" ".join(self.sentences[:heard]), ())


def _company_line_that_opens_like_a_person(*, beep=True):
    """ "Thank you for calling Acme." <a pause as if listening> "Our office is currently
    closed." "Please leave a message after the tone ..." and its beep."""
    parts = [silence(500), speech(1400, seed=31), silence(1800), speech(1800, seed=32)]
    parts += [silence(500), speech(3500, seed=33), silence(400)]
    if beep:
        parts.append(tone(1000, 400))
    parts.append(silence(2000))
    return to_int16(mix(*parts))


def test_a_company_line_taken_back_at_its_beep_is_skipped_by_its_words():
    fake = GrowingTranscriber(
        [
            "Thank you for calling Acme.",
            "Our office is currently closed.",
            "Please leave a message after the tone and we will call you back.",
        ],
        per_ms=2200,
    )
    events = detect_samples(
        _company_line_that_opens_like_a_person(),
        sample_rate=8000,
        settings=REPLAY,
        transcriber=fake,
    )
    kinds = [type(e) for e in events]
    assert kinds.index(HumanDetected) < kinds.index(RecordingAfterAll), events
    # Its words were recognised while the greeting went on: known for a company line by the
    # beep, before the cue.
    assert GeneralMailbox in kinds[: kinds.index(BeepEnded)], events


def test_a_persons_talk_after_the_hand_over_is_recognised_only_up_to_the_cap():
    # A person talks on with the rep (no beep): watch_words_ms caps what is sent.
    parts = [silence(500), speech(700, seed=34), silence(1800)]
    for seed in range(35, 41):
        parts += [speech(2500, seed=seed), silence(800)]
    samples = to_int16(mix(*parts, silence(1000)))
    settings = DetectorSettings(asr_threaded=False, watch_words_ms=4000)
    fake = GrowingTranscriber(["Hello?", "Oh hi, yes, this is Dana."], per_ms=1500)
    events = detect_samples(samples, sample_rate=8000, settings=settings, transcriber=fake)
    assert isinstance(_decision(events), HumanDetected)
    assert not [e for e in events if isinstance(e, (RecordingAfterAll, *MESSAGE_CUE_EVENTS))]
    capped_calls = len(fake.calls)
    uncapped = GrowingTranscriber(["Hello?", "Oh hi, yes, this is Dana."], per_ms=1500)
    detect_samples(
        samples,
        sample_rate=8000,
        settings=DetectorSettings(asr_threaded=False, watch_words_ms=60000),
        transcriber=uncapped,
    )
    assert capped_calls < len(uncapped.calls)


@pytest.mark.parametrize(
    ("text", "menu"),
    [
        ("Thank you for calling Acme. For sales, press one. For support, press two.", True),
        ("If you know your party's extension, you may dial it at any time.", True),
        ("To use our company directory, please dial by name.", True),
        ("For the operator, press zero.", True),
        ("For customer support, press zero.", True),
        # What a person on the line with the rep may say: not a menu.
        ("Sure, my extension is 204. It's in the directory.", False),
        ("The operator put you through? Okay, go ahead.", False),
        ("When you are finished recording, hang up, or press one for more options.", False),
    ],
)
def test_offers_a_menu_only_on_keys_to_press_or_dialling_by_name(text, menu):
    assert offers_a_menu(text) is menu


def _menu_that_opens_like_a_person():
    """ "Thank you for calling Acme." <a pause as if listening> then its menu, no beep."""
    parts = [silence(500), speech(1400, seed=41), silence(1800), speech(2000, seed=42)]
    parts += [silence(500), speech(2500, seed=43), silence(3000)]
    return to_int16(mix(*parts))


@pytest.mark.parametrize(
    ("rest", "taken_back"),
    [
        (["For sales, press one.", "For support, press two."], True),
        (["Oh, hi. Sure, my extension is 204.", "It's in the directory, yes."], False),
    ],
)
def test_a_menu_heard_after_the_hand_over_is_taken_back_and_skipped(rest, taken_back):
    fake = GrowingTranscriber(["Thank you for calling Acme.", *rest], per_ms=2000)
    events = detect_samples(
        _menu_that_opens_like_a_person(), sample_rate=8000, settings=REPLAY, transcriber=fake
    )
    kinds = [type(e) for e in events]
    assert kinds[0] is HumanDetected, events
    assert not [e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)]
    if taken_back:
        assert kinds.index(RecordingAfterAll) < kinds.index(GeneralMailbox), events
    else:
        assert RecordingAfterAll not in kinds, events
        assert GeneralMailbox not in kinds, events


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Please leave a message.", True),
        ("Hi, Robert here. Please leave your name and number.", True),
        ("Speak after the tone.", True),
        ("Leave a message after the beep.", True),
        ("You've reached Linda and Carlos.", True),
        # tiny.en's "I'm leaving your name" for "Please leave your name".
        ("I'm leaving your name and have been in time", True),
        # What a person on the line may say.
        ("Hello? Who is this?", False),
        ("Sure, my extension is 204. It's in the directory.", False),
        ("Did you get my voicemail?", False),
    ],
)
def test_asks_for_a_message_only_on_a_recordings_request_or_whose_line_it_is(text, asks):
    assert asks_for_a_message(text) is asks


def _greeting_that_goes_on_after_a_hello(pause_ms):
    """ "Hi, Robert here." <pause_ms> "Please leave a message.", no beep, then quiet."""
    parts = [silence(500), speech(900, seed=51), silence(pause_ms), speech(2000, seed=52)]
    return to_int16(mix(*parts, silence(4000)))


@pytest.mark.parametrize(
    ("pause_ms", "rest", "taken_back"),
    [
        # A recording: it went on before the rep could have said a word.
        (1100, ["Please leave a message."], True),
        # A person after the rep had spoken ("... can I take a message?" is a person's too).
        (2600, ["Sure, leave me your name and number."], False),
        # A person saying their hello again, or asking, in the same second.
        (1100, ["Hello? Who is this?"], False),
    ],
)
def test_an_answer_that_goes_on_to_ask_for_a_message_is_taken_back_and_dropped_on(
    pause_ms, rest, taken_back
):
    fake = GrowingTranscriber(["Hi, Robert here.", *rest], per_ms=1500)
    samples = _greeting_that_goes_on_after_a_hello(pause_ms)
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    kinds = [type(e) for e in events]
    assert kinds[0] is HumanDetected, events
    if not taken_back:
        assert not [e for e in events if isinstance(e, (RecordingAfterAll, *MESSAGE_CUE_EVENTS))]
        return
    cue = next(e for e in events if isinstance(e, GreetingEnded))
    assert kinds.index(RecordingAfterAll) < kinds.index(GreetingEnded), events
    assert cue.words_read
    # At the greeting's end, after the quiet that ends a beep-less greeting.
    speech_end = ms_len(samples) - 4000
    assert cue.at_ms >= speech_end - 100
    assert cue.emitted_ms >= speech_end + REPLAY.greeting_end_silence_ms


def test_an_answer_taken_back_on_its_words_waits_for_the_tone_they_promise():
    # "Hi, Robert here." <1 s> "Leave a message after the tone." <1.8 s> beep: the quiet
    # before the beep is longer than a greeting's end, but the words promise the tone, and
    # the message starts after it, not into it.
    parts = [silence(500), speech(900, seed=51), silence(1100), speech(2000, seed=52)]
    parts += [silence(1800), tone(1000, 400), silence(3000)]
    fake = GrowingTranscriber(["Hi, Robert here.", "Leave a message after the tone."], per_ms=1500)
    events = detect_samples(
        to_int16(mix(*parts)), sample_rate=8000, settings=REPLAY, transcriber=fake
    )
    kinds = [type(e) for e in events]
    assert kinds[0] is HumanDetected, events
    assert kinds.index(RecordingAfterAll) < kinds.index(BeepEnded), events
    assert GreetingEnded not in kinds, events


class _LastPhraseLouder(FakeTranscriber):
    """Hears "Hi!" in a short clip, ``last`` in a clip that holds the louder last phrase,
    and words that say nothing in the rest."""

    def __init__(self, last):
        super().__init__([])
        self.last = last

    def transcribe(self, samples, *, sample_rate):
        self.calls.append((samples.size, sample_rate))
        if samples.size < 1500 * sample_rate // 1000:
            return Transcript("Hi!", ())
        half_seconds = samples[: samples.size - samples.size % 4000].reshape(-1, 4000)
        loudest = np.sqrt(np.mean(half_seconds.astype(np.float64) ** 2, axis=1)).max()
        if loudest > 10 ** (-14 / 20) * 32768:  # the last phrase is at -10 dBFS, the rest -20
            return Transcript(self.last, ())
        return Transcript("Happy holidays from all of us to all of you.", ())


@pytest.mark.parametrize(
    ("last", "taken_back"),
    [
        ("Please leave your name and number.", True),
        # A person telling the rep their news at length: nothing asks for a message.
        ("Anyway, that is all from me.", False),
    ],
)
def test_a_long_answer_whose_last_phrase_asks_for_a_message_is_taken_back(last, taken_back):
    # "Hi!" <1 s> then more than watch_words_ms of words that say nothing, and a louder last
    # phrase, past what was recognised as the answer went on: read once the line goes quiet.
    parts = [silence(500), speech(600, seed=60), silence(1100)]
    parts += [speech(3000, seed=61), silence(400), speech(3000, seed=62), silence(400)]
    parts += [speech(2500, seed=63, level_dbfs=-10.0), silence(4000)]
    settings = DetectorSettings(asr_threaded=False, watch_words_ms=3000)
    fake = _LastPhraseLouder(last)
    events = detect_samples(
        to_int16(mix(*parts)), sample_rate=8000, settings=settings, transcriber=fake
    )
    kinds = [type(e) for e in events]
    assert kinds[0] is HumanDetected, events
    if taken_back:
        assert kinds.index(RecordingAfterAll) < kinds.index(GreetingEnded), events
    else:
        assert not [e for e in events if isinstance(e, (RecordingAfterAll, *MESSAGE_CUE_EVENTS))]


def test_a_person_whose_room_talks_on_is_not_taken_back_whatever_its_words_are_read_as():
    # "Hi, Robert here." and the room's talkers from a second later, 10 dB under the voice,
    # read by tiny.en as a recording's words (it has done so in babble): the line never goes
    # quiet as a greeting's end does, so the person stays with the rep.
    hello = [silence(500), speech(900, seed=51)]
    start = len(np.concatenate(hello)) + 8 * 1100
    signal = mix(*hello, silence(8000))
    signal[start:] += talkers((signal.size - start) / 8, -30.0)[: signal.size - start]
    fake = GrowingTranscriber(["Hi, Robert here.", "Please leave a message."], per_ms=1500)
    events = detect_samples(to_int16(signal), sample_rate=8000, settings=REPLAY, transcriber=fake)
    assert isinstance(_decision(events), HumanDetected), events
    assert len(fake.calls) >= 2  # the talk after the hello was recognised
    assert not [e for e in events if isinstance(e, (RecordingAfterAll, *MESSAGE_CUE_EVENTS))]


@pytest.mark.parametrize(
    ("texts", "read", "person"),
    [
        (["Good afternoon, Lakeside Insurance,", "Julie speaking."], True, True),
        (
            ["Thank you for calling Pioneer Manufacturing,", "this is Aisha, how can I help you?"],
            True,
            True,
        ),
        (["Hi, you've reached Dana Smith.", "Please leave a message."], True, False),
        (["Hi, this is Dana.", "Please leave a message."], True, False),
        # A person calling out into a line they cannot hear (loud behind them: timing
        # took the noise for a long greeting).
        (["Hello? Hello?", "Hello, hello? Hello?"], True, True),
        # Babble behind a person's "Hello? Hello?", read as words: nothing of a recording
        # nor of a person's answer.
        (["Hello,", "I'm going to go."], False, False),
        (["I was meeting you.", "I was meeting in the morning."], False, False),
    ],
)
def test_a_beepless_end_says_what_its_words_read(texts, read, person):
    # Words not used for the decision (as past asr_max_calls at a burst): timing says
    # machine, the words are read to the end, and the greeting's end says what they are.
    # A message needs a mailbox's greeting: words of neither a recording nor a person leave
    # it unread (the engine's beepless_unread setting decides, skip by default). The quiet
    # after is long enough for words that do not sound over to end it all the same
    # (greeting_end_max_silence_ms).
    samples, _ = _machine_call(beep=False, tail_ms=6000)
    settings = REPLAY.model_copy(update={"asr_decide": False})
    events = detect_samples(
        samples, sample_rate=8000, settings=settings, transcriber=FakeTranscriber(texts)
    )
    assert isinstance(_decision(events), MachineDetected)
    (end,) = [e for e in events if isinstance(e, GreetingEnded)]
    assert end.words_heard
    assert end.words_read is read
    assert end.words_say_person is person


class _ReadingTranscriber(FakeTranscriber):
    """A fake whose ``text_only`` reader (no word times) is a fake of its own."""

    def __init__(self, texts):
        super().__init__(texts)
        self.reader = FakeTranscriber([])
        # The reader says what the main transcriber would have said next.
        self.reader.texts = self.texts

    def text_only(self):
        return self.reader


def test_a_machines_mailbox_words_are_read_without_word_times():
    # Once the call is known for a machine, its words only serve the mailbox reading (full,
    # not set up, a company's) and the notes: those for the mailbox reading go to the
    # transcriber's text-only reader, which skips the alignment pass.
    samples, _ = _machine_call(beep=False)
    fake = _ReadingTranscriber(["Hi, you've reached Dana Smith.", "The mailbox is full."])
    events = detect_samples(samples, sample_rate=8000, settings=REPLAY, transcriber=fake)
    machine = next(e for e in events if isinstance(e, MachineDetected))
    full = next(e for e in events if isinstance(e, MailboxFull))
    assert len(fake.calls) == 1  # the greeting before the decision, with word times
    assert len(fake.reader.calls) == 1  # the rest, after it
    assert machine.at_ms < full.at_ms


class _SlowLastReading(FakeTranscriber):
    """Reads its first chunk at once and every later one in ``seconds`` (a worker behind)."""

    def transcribe(self, samples, *, sample_rate):
        self.seconds = 0.0 if not self.calls else self._later
        return super().transcribe(samples, sample_rate=sample_rate)

    def __init__(self, texts, later_s):
        super().__init__(texts)
        self._later = later_s


@pytest.mark.parametrize(
    ("texts", "early"),
    [
        # "Julie speaking" holds wherever a reading stops: the rest is not waited for.
        (["Good afternoon, Lakeside Insurance, Julie speaking.", "How can I help you?"], True),
        (["Riverside Realty, how can I help", "you today?"], True),
        # "this is Dana" at a reading's end is a voicemail's opening as often as a person's.
        (["Hi, this is Dana.", "Please leave a message."], False),
        # The risk taken: a recording that answers like a person goes to the rep, its rest
        # unread (the rep who hears it can still drop the message).
        (["Good afternoon, Julie speaking.", "Please leave a message after the tone."], True),
    ],
)
def test_a_timing_machine_whose_words_say_a_person_goes_to_the_rep_once_read(texts, early):
    # Past asr_max_calls at a burst: timing said machine, and the last phrase's words are
    # slow to come. A person's own mark in the words read so far hands the call over as
    # soon as they are in, instead of at a recording's greeting end (or the words' return).
    samples, speech_end = _machine_call(beep=False, tail_ms=6000)
    settings = REPLAY.model_copy(update={"asr_decide": False})
    events = detect_samples(
        samples, sample_rate=8000, settings=settings, transcriber=_SlowLastReading(texts, 2.5)
    )
    assert isinstance(_decision(events), MachineDetected)
    (end,) = [e for e in events if isinstance(e, GreetingEnded)]
    quick = end.emitted_ms - speech_end < settings.greeting_end_silence_ms
    assert quick is early, events
    assert end.words_say_person is early
    if early:
        # To the rep while the greeting's last phrase is still being read (and spoken).
        assert end.emitted_ms < speech_end
