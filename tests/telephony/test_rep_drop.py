"""The rep's drop: a call handed to the rep that was a recording after all comes back to the
engine, which drops the message after the beep, once (real detector, no sockets)."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from telephony_helpers import (
    as_int16,
    beep,
    engine_stream,
    feed_burst,
    feed_session,
    line_floor,
    talk,
)

from afterbeep.detect import DetectorSettings
from afterbeep.telephony import DetectorHub, MediaEngine, default_message
from afterbeep.telephony.engine import (
    ACTION_MARK_PREFIX,
    DROP_END_MARK,
    MODE_PARAMETER,
    REP_DROP,
    TAKE_BACK,
    EngineSettings,
)
from afterbeep.telephony.frames import (
    AudioIn,
    EndCall,
    PlayAudio,
    SendMark,
    StreamStarted,
)

CALL = "CA" + "5" * 32


class _Control:
    """Call control that records what it was asked (no carrier here)."""

    def __init__(self, *, takes_back: bool = True):
        self.actions = []
        self.taken_back = []
        self.takes_back = takes_back

    def act(self, timeline, action):
        self.actions.append(action)

    def take_back_for_drop(self, timeline, parameters):
        self.taken_back.append(dict(parameters))
        return self.takes_back


def _engine(control=None, *, watch=True):
    hub = DetectorHub(detector="afterbeep", settings=DetectorSettings(asr=False))
    return MediaEngine(
        EngineSettings(watch_after_hand_over=watch),
        hub=hub,
        call_control=control,
        message=lambda start: default_message(sample_rate=start.sample_rate, seconds=0.5),
    )


async def _stream(engine, samples, *, parameters=None, stream_id="MZ1", marks=True):
    return await engine_stream(
        engine, CALL, samples, parameters=parameters, stream_id=stream_id, marks=marks
    )


# "Hello?", then quiet: by timing a person, and the call goes to the rep.
HELLO = as_int16(line_floor(300), talk(500), line_floor(1600))
# The rest of the prank's greeting, then the beep, then the line.
AFTER_CONNECT = as_int16(talk(1800), line_floor(300), beep(300), line_floor(1500))
BEEP_END_IN_STREAM = 1800 + 300 + 300


def test_the_reps_drop_plays_the_message_after_the_beep_once():
    control = _Control()
    engine = _engine(control)
    heard_until = []

    async def call():
        _, first = await _stream(engine, HELLO)
        timeline = engine.timelines[("twilio", CALL)]
        assert (timeline.action, timeline.end_reason) == ("connect", "human")
        heard_until.append(timeline.audio_ms)
        answer = engine.rep_drop("twilio", CALL)
        assert answer.accepted, answer
        assert answer.redirected
        assert control.taken_back == [{MODE_PARAMETER: REP_DROP}]
        await asyncio.sleep(0.2)  # the carrier takes a moment to open the new stream
        _, second = await _stream(
            engine, AFTER_CONNECT, parameters=answer.parameters, stream_id="MZ2"
        )
        again = engine.rep_drop("twilio", CALL)
        return first, second, again

    first, second, again = asyncio.run(call())
    assert not [f for f in first if isinstance(f, PlayAudio)]
    played = [f for f in second if isinstance(f, PlayAudio)]
    assert len(played) == 25  # the whole 0.5 s message
    timeline = engine.timelines[("twilio", CALL)]
    assert timeline.action == "drop"
    assert timeline.end_reason == "completed"
    assert timeline.decision == "machine"
    assert timeline.streams == 2
    # The new stream's audio starts where the call is: at least where the first one stopped.
    assert timeline.rep_drop_ms is not None
    assert timeline.rep_drop_ms >= heard_until[0]
    # The beep and the message are in the call's time, and the message starts after the beep.
    beep_end = timeline.rep_drop_ms + BEEP_END_IN_STREAM
    assert abs(timeline.beep_end_ms - beep_end) <= 30
    assert timeline.beep_end_ms <= timeline.message_start_ms <= timeline.beep_end_ms + 150
    kinds = [e["kind"] for e in timeline.events]
    assert kinds.index("human_detected") < kinds.index("rep_drop") < kinds.index("beep_ended")
    rep = next(e for e in timeline.events if e["kind"] == "rep_drop")
    assert rep["detector_decision"] == "human"
    assert control.actions == ["connect", "drop"]
    assert (again.accepted, again.reason) == (False, "already_dropped")


def test_a_reps_drop_on_a_line_already_recording_plays_after_a_moment_of_quiet():
    engine = _engine(_Control())

    async def call():
        await _stream(engine, HELLO)
        answer = engine.rep_drop("twilio", CALL)
        quiet = as_int16(line_floor(3000))
        _, sent = await _stream(engine, quiet, parameters=answer.parameters, stream_id="MZ2")
        return sent

    sent = asyncio.run(call())
    timeline = engine.timelines[("twilio", CALL)]
    assert timeline.action == "drop"
    assert [f for f in sent if isinstance(f, PlayAudio)]
    settings = DetectorSettings(asr=False)
    waited = timeline.message_start_ms - timeline.rep_drop_ms
    assert settings.greeting_end_silence_ms <= waited <= settings.greeting_end_silence_ms + 60


@pytest.mark.parametrize("when", ["unknown", "in_progress", "skipped"])
def test_a_reps_drop_is_refused_unless_the_call_is_with_the_rep(when):
    control = _Control()
    engine = _engine(control)

    async def call():
        if when == "unknown":
            return engine.rep_drop("twilio", CALL)
        session = engine.session("twilio")
        session.handle(StreamStarted(call_id=CALL, stream_id="MZ1"))
        session.handle(AudioIn(samples=np.zeros(160, dtype=np.int16)))
        if when == "skipped":
            session._finish("skip", "general_mailbox")
        return engine.rep_drop("twilio", CALL)

    answer = asyncio.run(call())
    expected = {"unknown": "unknown_call", "in_progress": "not_with_the_rep"}
    assert (answer.accepted, answer.reason) == (False, expected.get(when, "not_with_the_rep"))
    assert control.taken_back == []


def test_without_a_carrier_to_ask_the_answer_names_the_stream_to_open():
    engine = _engine(None, watch=False)

    async def call():
        await _stream(engine, HELLO, parameters={"afterbeep.campaign": "7"})
        return engine.rep_drop("twilio", CALL)

    answer = asyncio.run(call())
    assert answer.accepted
    assert not answer.redirected
    assert answer.parameters == {"afterbeep.campaign": "7", MODE_PARAMETER: REP_DROP}


def test_end_frames_name_the_action():
    # The rep's drop ends its stream like any drop: the final mark, then the end.
    engine = _engine(_Control())

    async def call():
        await _stream(engine, HELLO)
        answer = engine.rep_drop("twilio", CALL)
        _, sent = await _stream(
            engine, AFTER_CONNECT, parameters=answer.parameters, stream_id="MZ2"
        )
        return sent

    sent = asyncio.run(call())
    ends = [f for f in sent if isinstance(f, EndCall)]
    assert [(e.action, e.reason) for e in ends] == [("drop", "completed")]


@pytest.mark.parametrize(("offset_ms", "cue_in_stream_ms"), [(3000, 2000), (6000, 0)])
def test_the_oracle_joins_a_known_machine_with_only_its_cue(offset_ms, cue_in_stream_ms):
    import json

    from afterbeep.detect import BeepEnded
    from afterbeep.telephony._detection import TRUTH_PARAMETER, OracleDetector

    truth = {"answered_by": "machine", "mailbox": "personal", "beep_end_ms": 5000}
    heard = []
    oracle = OracleDetector(
        {TRUTH_PARAMETER: json.dumps({**truth, "greeting_end_ms": 4500})},
        sample_rate=8000,
        sink=heard.extend,
        machine_known=True,
        offset_ms=offset_ms,
    )
    for _ in range(200):
        oracle.push(np.zeros(160, dtype=np.int16))
    assert [type(e) for e in heard] == [BeepEnded]
    assert heard[0].at_ms == cue_in_stream_ms


def test_the_web_route_answers_the_reps_drop(tmp_path):
    from datetime import UTC, datetime

    from fastapi.testclient import TestClient

    from afterbeep.settings import Settings
    from afterbeep.telephony import TelephonySettings
    from afterbeep.telephony.engine import CallTimeline
    from afterbeep.web.app import create_app

    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = TelephonySettings()
    control = _Control()
    engine = _engine(control)
    app.state.media_engine = engine

    def timeline(call_id, action, end_reason):
        engine.timelines[("twilio", call_id)] = CallTimeline(
            carrier="twilio",
            call_id=call_id,
            stream_id="MZ",
            parameters={"afterbeep.campaign": "3"},
            started_at=datetime.now(UTC),
            action=action,
            end_reason=end_reason,
        )

    timeline("CA-rep", "connect", "human")
    timeline("CA-busy", None, None)
    # From this machine: with no control token set, the call controls are open only to it.
    with TestClient(app, client=("127.0.0.1", 50123)) as client:
        unknown = client.post("/calls/drop", json={"carrier": "twilio", "call_id": "CA-none"})
        busy = client.post("/calls/drop", json={"carrier": "twilio", "call_id": "CA-busy"})
        bad = client.post("/calls/drop", json={"carrier": "twilio"})
        accepted = client.post("/calls/drop", json={"carrier": "twilio", "call_id": "CA-rep"})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "unknown_call"
    assert busy.status_code == 409
    assert busy.json()["error"] == "not_with_the_rep"
    assert bad.status_code == 422
    assert accepted.status_code == 202
    body = accepted.json()
    assert body["redirected"] is True
    assert body["parameters"] == {"afterbeep.campaign": "3", MODE_PARAMETER: REP_DROP}
    assert control.taken_back == [body["parameters"]]


# -- the answer watched on its stream (no call control: the far end keeps the stream) -------
def _marks(sent):
    return [f.name for f in sent if isinstance(f, SendMark)]


# The prank's greeting going on after the hand-over, then its beep.
PRANK_REST = as_int16(talk(3000), line_floor(300), beep(300), line_floor(1500))
PRANK_BEEP_END_IN_REST = 3000 + 300 + 300


def test_a_watched_answer_that_goes_on_to_a_beep_is_taken_back_and_dropped_on_its_stream():
    engine = _engine(None)

    async def call():
        return await _stream(engine, np.concatenate([HELLO, PRANK_REST]))

    _session, sent = asyncio.run(call())
    marks = _marks(sent)
    connect, back = ACTION_MARK_PREFIX + "connect", ACTION_MARK_PREFIX + TAKE_BACK
    assert marks == [connect, back, DROP_END_MARK]
    played = [f for f in sent if isinstance(f, PlayAudio)]
    assert len(played) == 25
    # The rep was connected before any of the message, and released before it.
    assert sent.index(next(f for f in sent if isinstance(f, SendMark) and f.name == back)) < (
        sent.index(played[0])
    )
    timeline = engine.timelines[("twilio", CALL)]
    assert (timeline.action, timeline.end_reason, timeline.decision) == (
        "drop",
        "completed",
        "machine",
    )
    assert timeline.streams == 1
    assert timeline.rep_drop_ms is None
    assert timeline.taken_back_ms is not None
    beep_end = HELLO.size // 8 + PRANK_BEEP_END_IN_REST
    assert abs(timeline.beep_end_ms - beep_end) <= 30
    assert timeline.beep_end_ms <= timeline.message_start_ms <= timeline.beep_end_ms + 150
    kinds = [e["kind"] for e in timeline.events]
    assert kinds.index("human_detected") < kinds.index("recording_after_all")
    assert kinds.index("recording_after_all") < kinds.index("beep_ended")
    assert engine.watching == {}


def test_a_beep_in_the_watchs_last_frames_takes_the_call_back_though_the_hub_lags():
    # The rest of the watch comes before the hub has read a frame of it, its beep ending
    # 200 ms before the watch's end: the watch ends only once the detector has read that
    # far, so the beep takes the call back (it once ended on the audio received).
    engine = _engine(None)
    watch_ms = DetectorSettings().watch_after_human_ms

    async def call():
        session, sent = await _stream(engine, HELLO)
        timeline = engine.timelines[("twilio", CALL)]
        assert timeline.action == "connect"
        handed = next(e for e in timeline.events if e["kind"] == "human_detected")
        talk_ms = handed["received_ms"] + watch_ms - 800 - HELLO.size // 8
        rest = as_int16(talk(talk_ms), line_floor(300), beep(300), line_floor(1200))
        return sent + await feed_burst(session, rest)

    sent = asyncio.run(call())
    assert _marks(sent)[:2] == [ACTION_MARK_PREFIX + "connect", ACTION_MARK_PREFIX + TAKE_BACK]
    timeline = engine.timelines[("twilio", CALL)]
    assert timeline.decision == "machine"
    assert timeline.taken_back_ms is not None
    assert "recording_after_all" in [e["kind"] for e in timeline.events]


def test_a_watched_person_stays_with_the_rep_and_the_stream_ends_after_the_watch():
    engine = _engine(None)
    watch_ms = DetectorSettings().watch_after_human_ms

    async def call():
        return await _stream(engine, np.concatenate([HELLO, as_int16(line_floor(watch_ms))]))

    session, sent = asyncio.run(call())
    assert session.ended
    assert _marks(sent) == [ACTION_MARK_PREFIX + "connect"]  # once, at the hand-over
    assert [(f.action, f.reason) for f in sent if isinstance(f, EndCall)] == [("connect", "human")]
    assert not [f for f in sent if isinstance(f, PlayAudio)]
    timeline = engine.timelines[("twilio", CALL)]
    assert (timeline.action, timeline.end_reason, timeline.taken_back_ms) == (
        "connect",
        "human",
        None,
    )
    # The hand-over came at the decision, long before the stream's end.
    assert timeline.decided_ms < HELLO.size // 8 + 200
    assert engine.watching == {}


def test_a_reps_drop_on_a_watched_stream_plays_on_that_stream_after_the_beep():
    engine = _engine(None)

    async def call():
        session, first = await _stream(engine, HELLO)
        assert not session.ended
        answer = engine.rep_drop("twilio", CALL)
        await asyncio.sleep(0)  # made in the media loop
        rest = await feed_session(session, AFTER_CONNECT)
        return answer, first + rest

    answer, sent = asyncio.run(call())
    assert answer.accepted
    assert answer.in_stream
    assert not answer.redirected
    assert _marks(sent) == [
        ACTION_MARK_PREFIX + "connect",
        ACTION_MARK_PREFIX + TAKE_BACK,
        DROP_END_MARK,
    ]
    assert len([f for f in sent if isinstance(f, PlayAudio)]) == 25
    timeline = engine.timelines[("twilio", CALL)]
    assert (timeline.action, timeline.end_reason, timeline.streams) == ("drop", "completed", 1)
    assert timeline.rep_drop_ms is not None
    assert timeline.taken_back_ms is None
    beep_end = HELLO.size // 8 + BEEP_END_IN_STREAM
    assert abs(timeline.beep_end_ms - beep_end) <= 30
    assert timeline.beep_end_ms <= timeline.message_start_ms <= timeline.beep_end_ms + 150
    rep = next(e for e in timeline.events if e["kind"] == "rep_drop")
    assert rep["detector_decision"] == "human"


def test_with_a_call_control_the_person_is_handed_over_at_once():
    control = _Control()
    engine = _engine(control)

    async def call():
        return await _stream(engine, HELLO)

    session, _sent = asyncio.run(call())
    assert session.ended
    assert control.actions == ["connect"]
    assert engine.watching == {}
