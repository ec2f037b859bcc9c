"""The media engine's action on each no-drop event, with a scripted detector."""

from __future__ import annotations

import asyncio
import base64

import numpy as np
import pytest

from afterbeep.detect import (
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
from afterbeep.telephony import DetectorHub, EngineSettings, MediaEngine
from afterbeep.telephony._detection import LiveDetector
from afterbeep.telephony.engine import ACTION_MARK_PREFIX, MODE_PARAMETER, REP_DROP, TAKE_BACK
from afterbeep.telephony.frames import AudioIn, EndCall, SendMark, StreamStarted


class _Scripted(LiveDetector):
    """Delivers its events with the frame that brings the call's audio to ``at_audio_ms``
    (0: the first frame)."""

    def __init__(self, sink, events, at_audio_ms=0):
        self._sink = sink
        self._events = events
        self._due = at_audio_ms
        self._heard_ms = 0

    def push(self, samples):
        self._heard_ms += samples.size * 1000 // 8000
        if self._events and self._heard_ms >= self._due:
            events, self._events = self._events, []
            self._sink(events)

    def close(self):
        return []


class _ScriptedHub(DetectorHub):
    def __init__(self, events, at_audio_ms=0):
        super().__init__()
        self._script = events
        self._due = at_audio_ms

    def open(self, *, sample_rate, parameters, sink, machine_known=False, offset_ms=0):
        return _Scripted(sink, list(self._script), self._due)


def _drain(session):
    """What the engine has sent on ``session`` so far."""
    sent = []
    while not session.outbox.empty():
        sent.append(session.outbox.get_nowait())
    return sent


async def _one_frame(engine, parameters=None):
    """A Twilio stream that sends one frame; what the engine sent back."""
    session = engine.session("twilio")
    session.handle(StreamStarted(call_id="CA1", stream_id="MZ1", parameters=parameters or {}))
    session.handle(AudioIn(samples=np.zeros(160, dtype=np.int16)))
    return _drain(session)


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (MailboxFull(at_ms=900, emitted_ms=1000), "mailbox_full"),
        (MailboxNotSetUp(at_ms=900, emitted_ms=1000), "mailbox_not_set_up"),
        (MailboxTakesNoMessages(at_ms=900, emitted_ms=1000), "mailbox_takes_no_messages"),
        (GeneralMailbox(at_ms=900, emitted_ms=1000, operator_digit="0"), "general_mailbox"),
    ],
)
def test_each_no_drop_event_skips_the_message_and_says_why(event, reason):
    machine = MachineDetected(at_ms=800, emitted_ms=800, reason="long greeting")
    engine = MediaEngine(hub=_ScriptedHub([machine, event]))

    sent = asyncio.run(_one_frame(engine))
    timeline = engine.timelines[("twilio", "CA1")]
    assert (timeline.action, timeline.end_reason) == ("skip", reason)
    assert timeline.message_start_ms is None
    assert any(isinstance(frame, EndCall) and frame.action == "skip" for frame in sent)


@pytest.mark.parametrize(
    ("setting", "words_read", "action", "reason"),
    [
        ("drop", False, "drop", None),
        ("skip", False, "skip", "beepless_unread"),
        ("skip", True, "drop", None),
        ("connect", False, "connect", "beepless_unread"),
        ("connect", True, "drop", None),
    ],
)
def test_a_beepless_greeting_not_read_is_dropped_skipped_or_handed_to_the_rep_as_set(
    setting, words_read, action, reason
):
    machine = MachineDetected(at_ms=800, emitted_ms=800, reason="long greeting")
    cue = GreetingEnded(at_ms=6000, emitted_ms=7500, words_read=words_read)
    engine = MediaEngine(EngineSettings(beepless_unread=setting), hub=_ScriptedHub([machine, cue]))

    sent = asyncio.run(_one_frame(engine))
    timeline = engine.timelines[("twilio", "CA1")]
    assert timeline.action == action
    assert timeline.cue_ms == 6000
    if action in ("skip", "connect"):
        assert timeline.end_reason == reason
        assert timeline.message_start_ms is None
        assert any(isinstance(frame, EndCall) and frame.action == action for frame in sent)
    else:
        assert timeline.message_start_ms is not None


def test_the_reps_drop_on_a_beepless_greeting_is_made_though_its_words_were_not_read():
    # The rep heard the greeting and asked for the drop: skipping it would overrule them.
    cue = GreetingEnded(at_ms=1800, emitted_ms=1800, words_read=False)
    engine = MediaEngine(EngineSettings(beepless_unread="skip"), hub=_ScriptedHub([cue]))

    asyncio.run(_one_frame(engine, {MODE_PARAMETER: REP_DROP}))
    timeline = engine.timelines[("twilio", "CA1")]
    assert timeline.rep_drop_ms is not None
    assert timeline.action == "drop"
    assert timeline.message_start_ms is not None


def test_a_menu_taken_back_from_the_rep_is_skipped_and_the_rep_released():
    person = HumanDetected(at_ms=2000, emitted_ms=3000, reason="short greeting")
    menu = RecordingAfterAll(at_ms=9000, emitted_ms=9200, reason="its words are a menu's")
    general = GeneralMailbox(at_ms=9000, emitted_ms=9200, operator_digit="0")
    engine = MediaEngine(hub=_ScriptedHub([person, menu, general]))

    sent = asyncio.run(_one_frame(engine))
    marks = [f.name for f in sent if isinstance(f, SendMark)]
    prefix = ACTION_MARK_PREFIX
    assert marks == [prefix + "connect", prefix + TAKE_BACK, prefix + "skip"]
    timeline = engine.timelines[("twilio", "CA1")]
    assert (timeline.action, timeline.end_reason, timeline.decision) == (
        "skip",
        "general_mailbox",
        "machine",
    )
    assert timeline.taken_back_ms is not None
    assert timeline.message_start_ms is None
    assert engine.watching == {}


def test_an_answer_taken_back_on_its_words_is_dropped_on_at_its_greetings_end():
    person = HumanDetected(at_ms=1800, emitted_ms=2800, reason="short greeting")
    back = RecordingAfterAll(at_ms=4600, emitted_ms=6100, reason="its words are a recording's")
    cue = GreetingEnded(at_ms=4600, emitted_ms=6100, words_read=True, words_heard=True)
    engine = MediaEngine(
        EngineSettings(beepless_unread="skip"), hub=_ScriptedHub([person, back, cue])
    )

    sent = asyncio.run(_one_frame(engine))
    marks = [f.name for f in sent if isinstance(f, SendMark)]
    assert marks[:2] == [ACTION_MARK_PREFIX + "connect", ACTION_MARK_PREFIX + TAKE_BACK]
    timeline = engine.timelines[("twilio", "CA1")]
    assert (timeline.action, timeline.decision) == ("drop", "machine")
    assert timeline.taken_back_ms is not None
    assert timeline.cue_ms == 4600
    assert timeline.message_start_ms is not None
    assert engine.watching == {}


class _NotesLater(LiveDetector):
    """Decides at once; its greeting notes come after close (as recognition's do)."""

    def __init__(self, sink, decision, notes):
        self._sink = sink
        self._decision = [decision]
        self._notes = notes

    def push(self, samples):
        if self._decision:
            events, self._decision = self._decision, []
            self._sink(events)

    def close(self):
        asyncio.get_running_loop().call_soon(self._sink, [self._notes])
        return []


class _NotesLaterHub(DetectorHub):
    def __init__(self, decision, notes):
        super().__init__()
        self._decision = decision
        self._notes = notes

    def open(self, *, sample_rate, parameters, sink, machine_known=False, offset_ms=0):
        return _NotesLater(sink, self._decision, self._notes)


class _Kept:
    def __init__(self):
        self.recorded = []
        self.notes = []

    def record(self, timeline):
        self.recorded.append((timeline.call_id, timeline.notes))

    def record_notes(self, timeline):
        self.notes.append((timeline.call_id, dict(timeline.notes)))


def test_notes_that_arrive_after_a_person_was_connected_reach_the_recorder():
    person = HumanDetected(at_ms=1200, emitted_ms=2150, reason="short greeting")
    notes = GreetingTranscribed(
        at_ms=1200,
        emitted_ms=3400,
        transcript="Hi, this is Dana.",
        spoken_name="Dana",
        name_span_ms=(700, 1100),
        words_per_minute=160.0,
        formality="casual",
        extra={"speaker": "human"},
        name_wav=b"RIFF-a-clip",
    )
    kept = _Kept()
    # Handed over at once (the answer not watched), so the notes come after the end.
    engine = MediaEngine(
        EngineSettings(watch_after_hand_over=False),
        hub=_NotesLaterHub(person, notes),
        recorder=kept,
    )
    heard = []
    engine.listeners.append(lambda timeline: heard.append(timeline.notes))

    async def call():
        session = engine.session("twilio")
        session.handle(StreamStarted(call_id="CA1", stream_id="MZ1"))
        session.handle(AudioIn(samples=np.zeros(160, dtype=np.int16)))
        for _ in range(20):  # the notes, then the recorder's worker thread
            await asyncio.sleep(0.01)
            if kept.notes:
                break

    asyncio.run(call())
    timeline = engine.timelines[("twilio", "CA1")]
    assert (timeline.action, timeline.end_reason) == ("connect", "human")
    assert kept.recorded == [("CA1", None)]  # recorded at the end, before the words came
    expected = {
        "transcript": "Hi, this is Dana.",
        "spoken_name": "Dana",
        "name_span_ms": [700, 1100],
        "name_wav": base64.b64encode(b"RIFF-a-clip").decode("ascii"),
        "words_per_minute": 160.0,
        "formality": "casual",
        "speaker": "human",
        "at_ms": 1200,
    }
    assert kept.notes == [("CA1", expected)]
    assert timeline.notes == expected
    assert heard == [None, expected]  # listeners hear the end, then the notes
    # Nothing else happens on a finished call: no second action, no second end.
    assert [e["kind"] for e in timeline.events].count("end") == 1


def test_beepless_unread_comes_from_the_file_or_the_environment_and_is_checked():
    from afterbeep.errors import ConfigError
    from afterbeep.telephony.config import load_telephony_settings

    table = {"engine": {"beepless_unread": "skip"}}
    assert load_telephony_settings(table, environ={}).engine.beepless_unread == "skip"
    env = {"AFTERBEEP_TELEPHONY_BEEPLESS_UNREAD": "drop"}
    assert load_telephony_settings(table, environ=env).engine.beepless_unread == "drop"
    assert load_telephony_settings({}, environ={}).engine.beepless_unread == "skip"
    with pytest.raises(ConfigError, match="beepless_unread"):
        load_telephony_settings({}, environ={"AFTERBEEP_TELEPHONY_BEEPLESS_UNREAD": "maybe"})


@pytest.mark.parametrize(
    ("setting", "puts_through", "action", "reason"),
    [
        ("skip", True, "skip", "general_mailbox"),
        ("connect", True, "connect", "hold_line"),
        ("connect", False, "skip", "general_mailbox"),
    ],
)
def test_a_hold_line_is_skipped_or_handed_to_the_rep_as_set(setting, puts_through, action, reason):
    machine = MachineDetected(at_ms=800, emitted_ms=800, reason="words of a recording")
    hold = GeneralMailbox(
        at_ms=2500,
        emitted_ms=2600,
        transcript="Please hold while we connect your call.",
        puts_through=puts_through,
    )
    engine = MediaEngine(EngineSettings(on_hold_line=setting), hub=_ScriptedHub([machine, hold]))

    sent = asyncio.run(_one_frame(engine))
    timeline = engine.timelines[("twilio", "CA1")]
    assert (timeline.action, timeline.end_reason) == (action, reason)
    assert timeline.message_start_ms is None  # never a message on a company line
    marks = [f.name for f in sent if isinstance(f, SendMark)]
    assert marks == [ACTION_MARK_PREFIX + action]


@pytest.mark.parametrize(
    ("name", "env_name", "other", "bad"),
    [
        ("on_hold_line", "AFTERBEEP_TELEPHONY_ON_HOLD_LINE", "connect", "wait"),
        ("on_menu", "AFTERBEEP_TELEPHONY_ON_MENU", "operator", "press"),
    ],
)
def test_company_line_settings_come_from_the_file_or_the_environment_and_are_checked(
    name, env_name, other, bad
):
    from afterbeep.errors import ConfigError
    from afterbeep.telephony.config import load_telephony_settings

    def value(table, environ):
        return getattr(load_telephony_settings(table, environ=environ).engine, name)

    assert value({}, {}) == "skip"
    table = {"engine": {name: other}}
    assert value(table, {}) == other
    assert value(table, {env_name: "skip"}) == "skip"
    with pytest.raises(ConfigError, match=name):
        load_telephony_settings({}, environ={env_name: bad})


def _menu_script(digit="0"):
    machine = MachineDetected(at_ms=800, emitted_ms=800, reason="long greeting")
    menu = GeneralMailbox(
        at_ms=9000,
        emitted_ms=9100,
        transcript="For sales, press one. For the operator, press zero.",
        operator_digit=digit,
    )
    # The greeting's end comes after: it must not start a message on a menu being pressed.
    end = GreetingEnded(at_ms=9600, emitted_ms=11300)
    return [machine, menu, end]


async def _press_operator(engine, *, loud_menu=False):
    """A Twilio stream whose detector reads a menu; frames keep coming (``loud_menu``: the
    menu talking on at -10 dBFS) while the engine plays its key. What it sent, and the
    session."""
    session = engine.session("twilio")
    session.handle(StreamStarted(call_id="CA1", stream_id="MZ1"))
    level = 10000 if loud_menu else 0
    frame = np.full(160, level, dtype=np.int16)
    sent = []
    for _ in range(20):  # 400 ms of the call, in real time: the key is 200 ms
        session.handle(AudioIn(samples=frame))
        sent += _drain(session)
        await asyncio.sleep(0.02)
    return sent, session


@pytest.mark.parametrize("loud_menu", [False, True])
def test_a_menu_gets_its_operator_key_pressed_and_the_call_goes_to_the_rep(loud_menu):
    from afterbeep.audio.dtmf import read_keys
    from afterbeep.telephony.engine import KEYS_END_MARK
    from afterbeep.telephony.frames import MarkReached, PlayAudio

    engine = MediaEngine(EngineSettings(on_menu="operator"), hub=_ScriptedHub(_menu_script("0")))

    async def run():
        sent, session = await _press_operator(engine, loud_menu=loud_menu)
        played = [f.samples for f in sent if isinstance(f, PlayAudio)]
        marks = [f.name for f in sent if isinstance(f, SendMark)]
        assert read_keys(np.concatenate(played), sample_rate=8000) == "0"
        assert marks == [KEYS_END_MARK]  # no action yet: the carrier has not played it all
        assert not any(isinstance(f, EndCall) for f in sent)
        session.handle(MarkReached(name=KEYS_END_MARK))
        return _drain(session)

    after = asyncio.run(run())
    timeline = engine.timelines[("twilio", "CA1")]
    assert (timeline.action, timeline.end_reason) == ("connect", "operator")
    assert timeline.message_start_ms is None
    assert timeline.bytes_played == 0
    assert [f.name for f in after if isinstance(f, SendMark)] == [ACTION_MARK_PREFIX + "connect"]
    assert any(isinstance(f, EndCall) and f.action == "connect" for f in after)
    pressed = [e for e in timeline.events if e["kind"] == "keys_pressed"]
    assert [e["keys"] for e in pressed] == ["0"]
    assert not any(e["kind"] == "barge_in" for e in timeline.events)
    assert not engine.already_dropped(("twilio", "CA1"))  # no message was left


def test_a_menu_is_skipped_by_default_and_a_hang_up_while_pressing_leaves_no_action():
    from afterbeep.telephony.frames import StreamStopped

    engine = MediaEngine(hub=_ScriptedHub(_menu_script("0")))
    asyncio.run(_press_operator(engine))
    timeline = engine.timelines[("twilio", "CA1")]
    assert (timeline.action, timeline.end_reason) == ("skip", "general_mailbox")

    engine = MediaEngine(EngineSettings(on_menu="operator"), hub=_ScriptedHub(_menu_script("9")))

    async def hang_up():
        session = engine.session("twilio")
        session.handle(StreamStarted(call_id="CA2", stream_id="MZ2"))
        session.handle(AudioIn(samples=np.zeros(160, dtype=np.int16)))
        session.handle(StreamStopped(reason="far end hung up"))

    asyncio.run(hang_up())
    timeline = engine.timelines[("twilio", "CA2")]
    assert (timeline.action, timeline.end_reason) == ("none", "far_end_hangup")


def test_a_company_line_without_an_operator_key_is_skipped_even_with_on_menu_operator():
    machine = MachineDetected(at_ms=800, emitted_ms=800, reason="long greeting")
    closed = GeneralMailbox(at_ms=3000, emitted_ms=3100, transcript="Our office is closed.")
    engine = MediaEngine(EngineSettings(on_menu="operator"), hub=_ScriptedHub([machine, closed]))
    asyncio.run(_one_frame(engine))
    timeline = engine.timelines[("twilio", "CA1")]
    assert (timeline.action, timeline.end_reason) == ("skip", "general_mailbox")


def test_a_person_taken_for_a_machine_whose_words_say_so_goes_to_the_rep_not_the_message():
    machine = MachineDetected(at_ms=2600, emitted_ms=2600, reason="long greeting")
    end = GreetingEnded(at_ms=2800, emitted_ms=4600, words_read=True, words_say_person=True)
    engine = MediaEngine(hub=_ScriptedHub([machine, end]))

    sent = asyncio.run(_one_frame(engine))
    timeline = engine.timelines[("twilio", "CA1")]
    assert (timeline.action, timeline.end_reason) == ("connect", "person_words")
    assert timeline.message_start_ms is None
    assert [f.name for f in sent if isinstance(f, SendMark)] == [ACTION_MARK_PREFIX + "connect"]
    assert not engine.already_dropped(("twilio", "CA1"))


async def _run(engine, frames):
    """A Twilio stream of ``frames`` silent frames; the call's timeline."""
    session = engine.session("twilio")
    session.handle(StreamStarted(call_id="CA1", stream_id="MZ1", parameters={}))
    for _ in range(frames):
        session.handle(AudioIn(samples=np.zeros(160, dtype=np.int16)))
    return engine.timelines[("twilio", "CA1")]


@pytest.mark.parametrize(
    ("decided_at_ms", "wait_ms", "abandoned"),
    [(2000, 1000, False), (3000, 2000, False), (3500, 2500, True)],
)
def test_a_person_handed_to_the_rep_late_abandons_the_call(decided_at_ms, wait_ms, abandoned):
    # The person's greeting ended at 1,000 ms; the rep has them when the decision comes.
    human = HumanDetected(at_ms=1000, emitted_ms=decided_at_ms)
    settings = EngineSettings(watch_after_hand_over=False)  # the call ends at the hand-over
    engine = MediaEngine(settings, hub=_ScriptedHub([human], decided_at_ms))
    timeline = asyncio.run(_run(engine, decided_at_ms // 20 + 5))
    assert (timeline.action, timeline.end_reason) == ("connect", "human")
    assert timeline.person_wait_ms == wait_ms
    assert timeline.abandoned is abandoned
    stats = engine.stats()  # what /calls/stats shows
    assert (stats["people"], stats["abandoned"]) == (1, int(abandoned))


def test_a_person_taken_for_a_machine_waits_from_the_end_of_their_words():
    machine = MachineDetected(at_ms=3400, emitted_ms=3400, reason="long greeting")
    cue = GreetingEnded(at_ms=4000, emitted_ms=6300, words_read=True, words_say_person=True)
    engine = MediaEngine(hub=_ScriptedHub([machine, cue], 6300))
    timeline = asyncio.run(_run(engine, 6300 // 20 + 5))
    assert timeline.end_reason == "person_words"
    assert timeline.person_wait_ms == 2300
    assert timeline.abandoned


def test_the_abandon_limit_is_a_setting_and_machines_never_abandon():
    human = HumanDetected(at_ms=1000, emitted_ms=2400)
    settings = EngineSettings(abandon_after_ms=1000, watch_after_hand_over=False)
    strict = MediaEngine(settings, hub=_ScriptedHub([human], 2400))
    timeline = asyncio.run(_run(strict, 2400 // 20 + 5))
    assert (timeline.person_wait_ms, timeline.abandoned) == (1400, True)
    machine = MachineDetected(at_ms=3400, emitted_ms=3400, reason="long greeting")
    full = MailboxFull(at_ms=3900, emitted_ms=4000)
    engine = MediaEngine(hub=_ScriptedHub([machine, full], 9000))
    timeline = asyncio.run(_run(engine, 9000 // 20 + 5))
    assert timeline.end_reason == "mailbox_full"
    assert (timeline.person_wait_ms, timeline.abandoned) == (None, False)
