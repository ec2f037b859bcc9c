"""A person's answer watched after the hand-over on a carrier's one-way copy of the call
(Twilio ``<Start><Stream>`` before the ``<Dial>``): a greeting that goes on to a beep takes
the call back from the rep for the drop; a person stays with the rep (real detector, the
engine's sessions fed frame by frame, a call control that records what it is asked)."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from telephony_helpers import (
    as_int16,
    beep,
    engine_stream,
    feed_burst,
    line_floor,
    talk,
    twilio_stream,
)

from afterbeep.detect import DetectorSettings
from afterbeep.telephony import DetectorHub, MediaEngine, default_message
from afterbeep.telephony.engine import (
    DROP_END_MARK,
    MODE_PARAMETER,
    TAKEN_BACK,
    WATCH,
    EngineSettings,
)
from afterbeep.telephony.frames import (
    AudioIn,
    EndCall,
    PlayAudio,
    SendMark,
    StreamStarted,
)

CALL = "CA" + "6" * 32
CAMPAIGN = {"afterbeep.campaign": "9", "afterbeep.rep_number": "+12065550111"}
WATCH_MS = 4000


class _CopyingControl:
    """A carrier that can copy a call's audio to a stream while the rep talks."""

    def __init__(self) -> None:
        self.actions: list[str] = []
        self.watched: list[dict[str, str]] = []
        self.stopped: list[str] = []
        self.taken_back: list[dict[str, str]] = []

    def act(self, timeline, action):
        self.actions.append(action)

    def hand_over_watched(self, timeline, parameters):
        self.watched.append(dict(parameters))
        return True

    def stop_watching(self, timeline, stream_id):
        self.stopped.append(stream_id)

    def take_back_for_drop(self, timeline, parameters):
        self.taken_back.append(dict(parameters))
        return True


def _engine(control, *, watch=True, watch_ms=WATCH_MS):
    settings = DetectorSettings(asr=False, watch_after_human_ms=watch_ms)
    return MediaEngine(
        EngineSettings(watch_after_hand_over=watch),
        hub=DetectorHub(detector="afterbeep", settings=settings),
        call_control=control,
        message=lambda start: default_message(sample_rate=start.sample_rate, seconds=0.5),
    )


async def _stream(engine, samples, *, parameters, stream_id, stop_at_end=False):
    return await engine_stream(
        engine, CALL, samples, parameters=parameters, stream_id=stream_id, stop_at_end=stop_at_end
    )


async def _settled(check, seconds=2.0):
    """Wait for the call control's worker thread to have been asked."""
    for _ in range(int(seconds / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)


# "Hello?" and quiet: a person by timing, handed to the rep.
HELLO = as_int16(line_floor(300), talk(500), line_floor(1600))
# The greeting goes on after the hand-over, to its beep, then the mailbox records.
PRANK_REST = as_int16(talk(3000), line_floor(300), beep(300), line_floor(400))
RECORDING = as_int16(line_floor(3000))


def test_a_copy_that_goes_on_to_a_beep_takes_the_call_back_and_its_new_stream_drops():
    control = _CopyingControl()
    engine = _engine(control)

    async def call():
        _, first = await _stream(engine, HELLO, parameters=CAMPAIGN, stream_id="MZ1")
        await _settled(lambda: control.watched)
        [copy_parameters] = control.watched
        copy, on_copy = await _stream(
            engine, PRANK_REST, parameters=copy_parameters, stream_id="MZ2"
        )
        await _settled(lambda: control.taken_back)
        [drop_parameters] = control.taken_back
        _, on_drop = await _stream(engine, RECORDING, parameters=drop_parameters, stream_id="MZ3")
        return first, copy, on_copy, on_drop

    first, copy, on_copy, on_drop = asyncio.run(call())
    assert [(f.action, f.reason) for f in first if isinstance(f, EndCall)] == [("connect", "human")]
    assert control.actions == ["drop"]  # the hand-over went through hand_over_watched
    assert control.watched == [{**CAMPAIGN, MODE_PARAMETER: WATCH}]
    # The copy never plays: it ends itself once it has heard the beep, and the carrier is
    # asked to stop it, then to bring the call back to a stream for the drop.
    assert copy.ended
    assert not [f for f in on_copy if isinstance(f, (PlayAudio, SendMark))]
    assert [type(f) for f in on_copy] == [EndCall]
    assert control.stopped == ["MZ2"]
    assert control.taken_back == [{**CAMPAIGN, MODE_PARAMETER: TAKEN_BACK}]
    # The call's new stream drops the message once the recording line has been quiet.
    assert len([f for f in on_drop if isinstance(f, PlayAudio)]) == 25
    timeline = engine.timelines[("twilio", CALL)]
    assert (timeline.action, timeline.end_reason, timeline.decision) == (
        "drop",
        "completed",
        "machine",
    )
    assert timeline.streams == 3
    assert timeline.rep_drop_ms is None
    assert timeline.taken_back_ms is not None
    assert timeline.taken_back_ms < timeline.message_start_ms
    kinds = [e["kind"] for e in timeline.events]
    order = ["human_detected", "watch_start", "recording_after_all", "watch_end", "greeting_ended"]
    assert [k for k in kinds if k in order] == order


@pytest.mark.parametrize("after_window_ms", [0, 1000])
def test_a_beep_in_the_last_frames_of_the_window_takes_the_call_back_though_the_hub_lags(
    after_window_ms,
):
    # The copy's whole window (and more) comes before the hub has read a frame of it: the
    # watch ends only once its detector has read up to the window's end, so the beep 400 ms
    # before it is heard (the engine once ended the watch on the audio it had received and
    # kept the call with the rep).
    control = _CopyingControl()
    engine = _engine(control)
    rest = as_int16(PRANK_REST, line_floor(after_window_ms)) if after_window_ms else PRANK_REST

    async def call():
        await _stream(engine, HELLO, parameters=CAMPAIGN, stream_id="MZ1")
        await _settled(lambda: control.watched)
        copy = engine.session("twilio")
        copy.handle(StreamStarted(call_id=CALL, stream_id="MZ2", parameters=control.watched[0]))
        assert engine.stats()["watching_copies"] == 1  # what /calls/stats shows
        on_copy = await feed_burst(copy, rest)
        await _settled(lambda: control.taken_back)
        return copy, on_copy

    copy, on_copy = asyncio.run(call())
    assert copy.ended
    assert [type(f) for f in on_copy] == [EndCall]
    assert control.taken_back == [{**CAMPAIGN, MODE_PARAMETER: TAKEN_BACK}]
    timeline = engine.timelines[("twilio", CALL)]
    end = next(e for e in timeline.events if e["kind"] == "watch_end")
    assert end["reason"] == "a recording after all"
    assert timeline.taken_back_ms is not None
    assert engine.stats()["watching_copies"] == 0


def test_a_person_on_the_copy_stays_with_the_rep_and_the_copy_is_stopped():
    control = _CopyingControl()
    engine = _engine(control)
    conversation = as_int16(*(part for _ in range(4) for part in (talk(700), line_floor(600))))

    async def call():
        await _stream(engine, HELLO, parameters=CAMPAIGN, stream_id="MZ1")
        await _settled(lambda: control.watched)
        copy, on_copy = await _stream(
            engine, conversation, parameters=control.watched[0], stream_id="MZ2"
        )
        await _settled(lambda: control.stopped)
        return copy, on_copy

    copy, on_copy = asyncio.run(call())
    assert copy.ended
    assert [type(f) for f in on_copy] == [EndCall]
    assert control.stopped == ["MZ2"]
    assert control.taken_back == []
    timeline = engine.timelines[("twilio", CALL)]
    assert (timeline.action, timeline.end_reason, timeline.taken_back_ms) == (
        "connect",
        "human",
        None,
    )
    end = next(e for e in timeline.events if e["kind"] == "watch_end")
    start = next(e for e in timeline.events if e["kind"] == "watch_start")
    assert end["reason"] == "the answer was a person's"
    assert WATCH_MS <= end["at_ms"] - start["at_ms"] <= WATCH_MS + 40


def test_a_copy_the_carrier_ends_asks_nothing_more_of_it():
    control = _CopyingControl()
    engine = _engine(control)

    async def call():
        await _stream(engine, HELLO, parameters=CAMPAIGN, stream_id="MZ1")
        await _settled(lambda: control.watched)
        await _stream(
            engine,
            as_int16(talk(600), line_floor(400)),
            parameters=control.watched[0],
            stream_id="MZ2",
            stop_at_end=True,
        )
        await asyncio.sleep(0.1)

    asyncio.run(call())
    assert control.stopped == []
    assert control.taken_back == []
    timeline = engine.timelines[("twilio", CALL)]
    assert (timeline.action, timeline.end_reason) == ("connect", "human")
    assert engine.sessions_open == 0
    assert engine.copies == {}


def test_a_copy_of_a_call_not_with_the_rep_is_ended_at_once():
    control = _CopyingControl()
    engine = _engine(control)

    async def call():
        return await _stream(
            engine,
            PRANK_REST,
            parameters={**CAMPAIGN, MODE_PARAMETER: WATCH},
            stream_id="MZ9",
        )

    session, sent = asyncio.run(call())
    assert session.ended
    assert [(f.action, f.reason) for f in sent] == [("none", "not_with_the_rep")]
    assert ("twilio", CALL) not in engine.timelines
    assert control.stopped == control.taken_back == []
    assert engine.sessions_open == 0


def test_the_reps_drop_while_the_copy_runs_ends_the_copy():
    control = _CopyingControl()
    engine = _engine(control)

    async def call():
        await _stream(engine, HELLO, parameters=CAMPAIGN, stream_id="MZ1")
        await _settled(lambda: control.watched)
        copy = engine.session("twilio")
        copy.handle(StreamStarted(call_id=CALL, stream_id="MZ2", parameters=control.watched[0]))
        quiet = np.zeros(160, dtype=np.int16)
        copy.handle(AudioIn(samples=quiet))
        answer = engine.rep_drop("twilio", CALL)  # the rep heard a recording
        assert answer.accepted
        assert answer.redirected
        _, on_drop = await _stream(
            engine, RECORDING, parameters=control.taken_back[0], stream_id="MZ3"
        )
        copy.handle(AudioIn(samples=quiet))  # the copy's next frame
        await _settled(lambda: control.stopped)
        return copy, on_drop

    copy, on_drop = asyncio.run(call())
    assert copy.ended
    assert control.stopped == ["MZ2"]
    assert len([f for f in on_drop if isinstance(f, PlayAudio)]) == 25
    timeline = engine.timelines[("twilio", CALL)]
    assert (timeline.action, timeline.end_reason) == ("drop", "completed")
    assert timeline.rep_drop_ms is not None


def test_without_the_watch_the_hand_over_is_a_plain_one():
    control = _CopyingControl()
    engine = _engine(control, watch=False)

    async def call():
        await _stream(engine, HELLO, parameters=CAMPAIGN, stream_id="MZ1")
        await _settled(lambda: control.actions)

    asyncio.run(call())
    assert control.actions == ["connect"]
    assert control.watched == []


# -- over real sockets, with Twilio's REST API as the call control ---------------------------
def _twiml_stream(request):
    import xml.etree.ElementTree as ET

    root = ET.fromstring(request["data"]["Twiml"])
    stream = root.find(".//Stream")
    return root, {p.get("name"): p.get("value") for p in stream.findall("Parameter")}


def test_over_real_sockets_twilios_copy_takes_the_call_back_and_its_new_stream_drops(tmp_path):
    import time

    from telephony_helpers import RecordingHttp, start_server

    from afterbeep.settings import Settings
    from afterbeep.telephony import TelephonySettings, TwilioCalls
    from afterbeep.telephony.rest import CarrierCallControls, RestCallControl
    from afterbeep.web.app import create_app

    telephony = TelephonySettings(
        public_url="https://dialer.example.com",
        twilio_account_sid="AC" + "a" * 32,
        twilio_auth_token="test-auth-token-0123456789abcdef",
    )
    http = RecordingHttp(status=200)
    control = CarrierCallControls(
        {"twilio": RestCallControl(TwilioCalls(telephony, http_client=http))}
    )
    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = telephony
    app.state.media_engine = engine = _engine(control)
    server, thread, port = start_server(app)
    url = f"ws://127.0.0.1:{port}/media/twilio"

    def requests(n):
        for _ in range(300):
            if len(http.requests) >= n:
                return http.requests
            time.sleep(0.01)
        sent = [(r["uri"].rsplit("/Calls/", 1)[-1], r["data"]) for r in http.requests]
        raise AssertionError(f"{len(sent)} REST requests, expected {n}: {sent}")

    try:
        first = asyncio.run(
            twilio_stream(url, call_sid=CALL, stream_sid="MZ1", parameters=CAMPAIGN, samples=HELLO)
        )
        [hand_over] = requests(1)
        root, copy_parameters = _twiml_stream(hand_over)
        assert [child.tag for child in root] == ["Start", "Dial"]
        assert copy_parameters == {**CAMPAIGN, MODE_PARAMETER: WATCH}
        on_copy = asyncio.run(
            twilio_stream(
                url,
                call_sid=CALL,
                stream_sid="MZ2",
                parameters=copy_parameters,
                samples=PRANK_REST,
            )
        )
        _, stop, take_back = requests(3)
        assert stop["uri"].endswith(f"/Calls/{CALL}/Streams/MZ2.json")
        assert stop["data"] == {"Status": "stopped"}
        root, drop_parameters = _twiml_stream(take_back)
        assert [child.tag for child in root] == ["Connect"]
        assert drop_parameters == {**CAMPAIGN, MODE_PARAMETER: TAKEN_BACK}
        on_drop = asyncio.run(
            twilio_stream(
                url, call_sid=CALL, stream_sid="MZ3", parameters=drop_parameters, samples=RECORDING
            )
        )
        hang_up = requests(4)[3]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert first == (0, ["afterbeep:connect"])
    assert on_copy == (0, [])  # a copy is never played into
    media, marks = on_drop
    assert media == 25
    assert marks == [DROP_END_MARK]
    assert hang_up["data"] == {"Status": "completed"}
    timeline = engine.timelines[("twilio", CALL)]
    assert (timeline.action, timeline.end_reason, timeline.streams) == ("drop", "completed", 3)
    assert timeline.taken_back_ms is not None
