"""Each carrier's serializer against that carrier's documented message shapes, both ways."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import uuid

import numpy as np
import pytest

from afterbeep.audio.codec import mulaw_decode, mulaw_encode
from afterbeep.telephony import (
    AudioIn,
    AudioSocketSerializer,
    ClearPlayback,
    DtmfIn,
    EndCall,
    MarkReached,
    PlayAudio,
    PlaybackCleared,
    PlivoSerializer,
    ProtocolError,
    SendMark,
    StreamStarted,
    StreamStopped,
    TelnyxSerializer,
    TwilioSerializer,
    VonageSerializer,
)
from afterbeep.telephony.audiosocket import pack_frame, read_frame

RNG = np.random.default_rng(5)
FRAME = (RNG.standard_normal(160) * 3000).astype(np.int16)
ULAW = mulaw_encode(FRAME).tobytes()
B64 = base64.b64encode(ULAW).decode()


# ---- Twilio Media Streams ----------------------------------------------------------------------

TWILIO_START = {
    "event": "start",
    "sequenceNumber": "1",
    "start": {
        "accountSid": "AC" + "1" * 32,
        "streamSid": "MZ" + "2" * 32,
        "callSid": "CA" + "3" * 32,
        "tracks": ["inbound"],
        "customParameters": {"afterbeep.call_attempt_id": "7", "rep": "Dana"},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    },
    "streamSid": "MZ" + "2" * 32,
}


def _twilio_started() -> TwilioSerializer:
    s = TwilioSerializer()
    assert (
        s.decode(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})) == []
    )
    s.decode(json.dumps(TWILIO_START))
    return s


def test_twilio_start_gives_the_call_and_its_parameters():
    s = TwilioSerializer()
    [frame] = s.decode(json.dumps(TWILIO_START))
    assert frame == StreamStarted(
        call_id="CA" + "3" * 32,
        stream_id="MZ" + "2" * 32,
        sample_rate=8000,
        parameters={"afterbeep.call_attempt_id": "7", "rep": "Dana"},
    )


def test_twilio_media_mark_dtmf_stop_in():
    s = _twilio_started()
    sid = "MZ" + "2" * 32
    media = {
        "event": "media",
        "sequenceNumber": "3",
        "media": {"track": "inbound", "chunk": "1", "timestamp": "5", "payload": B64},
        "streamSid": sid,
    }
    [audio] = s.decode(json.dumps(media))
    assert isinstance(audio, AudioIn)
    np.testing.assert_array_equal(audio.samples, mulaw_decode(ULAW))
    mark = {"event": "mark", "sequenceNumber": "4", "streamSid": sid, "mark": {"name": "m1"}}
    assert s.decode(json.dumps(mark)) == [MarkReached(name="m1")]
    dtmf = {
        "event": "dtmf",
        "streamSid": sid,
        "sequenceNumber": "5",
        "dtmf": {"track": "inbound_track", "digit": "1"},
    }
    assert s.decode(json.dumps(dtmf)) == [DtmfIn(digit="1")]
    stop = {
        "event": "stop",
        "sequenceNumber": "6",
        "streamSid": sid,
        "stop": {"accountSid": "AC" + "1" * 32, "callSid": "CA" + "3" * 32},
    }
    assert s.decode(json.dumps(stop)) == [StreamStopped(reason="stop")]


def test_twilio_out_media_mark_and_clear_carry_the_stream_sid():
    s = _twilio_started()
    sid = "MZ" + "2" * 32
    [media] = s.encode(PlayAudio(samples=FRAME))
    body = json.loads(media)
    assert body["event"] == "media"
    assert body["streamSid"] == sid
    assert base64.b64decode(body["media"]["payload"]) == ULAW  # 160 bytes = 20 ms
    assert json.loads(s.encode(SendMark(name="end"))[0]) == {
        "event": "mark",
        "mark": {"name": "end"},
        "streamSid": sid,
    }
    assert json.loads(s.encode(ClearPlayback())[0]) == {"event": "clear", "streamSid": sid}
    assert s.encode(EndCall(action="drop")) == []


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("{not json", None),
        ("[1, 2]", None),
        (
            json.dumps(
                {
                    "event": "media",
                    "streamSid": "MZ" + "2" * 32,
                    "media": {"payload": "***not base64***"},
                }
            ),
            "media.payload",
        ),
        (
            json.dumps(
                {
                    "event": "media",
                    "streamSid": "MZ" + "2" * 32,
                    "media": {"payload": base64.b64encode(b"\0" * 40000).decode()},
                }
            ),
            "media.payload",
        ),
        (
            json.dumps({"event": "media", "streamSid": "MZ" + "9" * 32, "media": {"payload": B64}}),
            "streamSid",
        ),
        (json.dumps({"event": "hello"}), "event"),
        (json.dumps({"event": 5}), "event"),
        (json.dumps({"event": "media"}), "media"),
    ],
)
def test_twilio_bad_messages_raise_protocol_errors_naming_the_field(message, field):
    s = _twilio_started()
    with pytest.raises(ProtocolError) as caught:
        s.decode(message)
    assert caught.value.field == field
    assert caught.value.carrier == "twilio"


def test_twilio_media_before_start_and_wrong_format_are_refused():
    with pytest.raises(ProtocolError, match="before 'start'"):
        TwilioSerializer().decode(json.dumps({"event": "media", "media": {"payload": B64}}))
    bad = json.loads(json.dumps(TWILIO_START))
    bad["start"]["mediaFormat"]["encoding"] = "audio/x-l16"
    with pytest.raises(ProtocolError, match="expected audio/x-mulaw"):
        TwilioSerializer().decode(json.dumps(bad))


# ---- Telnyx -------------------------------------------------------------------------------------


def test_telnyx_both_directions():
    s = TelnyxSerializer()
    state = base64.b64encode(json.dumps({"afterbeep.call_attempt_id": "9"}).encode()).decode()
    start = {
        "event": "start",
        "sequence_number": "1",
        "start": {
            "user_id": str(uuid.uuid4()),
            "call_control_id": "v3:abc",
            "client_state": state,
            "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
        },
        "stream_id": "32de0dea",
    }
    assert s.decode(json.dumps({"event": "connected", "version": "1.0.0"})) == []
    [started] = s.decode(json.dumps(start))
    assert started.call_id == "v3:abc"
    assert started.parameters == {"afterbeep.call_attempt_id": "9"}
    media = {
        "event": "media",
        "sequence_number": "4",
        "stream_id": "32de0dea",
        "media": {"track": "inbound", "chunk": "2", "timestamp": "5", "payload": B64},
    }
    [audio] = s.decode(json.dumps(media))
    np.testing.assert_array_equal(audio.samples, mulaw_decode(ULAW))
    assert s.decode(
        json.dumps({"event": "mark", "stream_id": "32de0dea", "mark": {"name": "x"}})
    ) == [MarkReached(name="x")]
    assert s.decode(
        json.dumps(
            {"event": "stop", "stream_id": "32de0dea", "stop": {"call_control_id": "v3:abc"}}
        )
    ) == [StreamStopped(reason="stop")]
    out = json.loads(s.encode(PlayAudio(samples=FRAME))[0])
    assert out["event"] == "media"
    assert base64.b64decode(out["media"]["payload"]) == ULAW
    assert json.loads(s.encode(SendMark(name="x"))[0]) == {"event": "mark", "mark": {"name": "x"}}
    assert json.loads(s.encode(ClearPlayback())[0]) == {"event": "clear"}


# ---- Plivo --------------------------------------------------------------------------------------


def test_plivo_both_directions():
    s = PlivoSerializer()
    start = {
        "event": "start",
        "sequenceNumber": 0,
        "start": {
            "callId": "call-1",
            "streamId": "st-1",
            "accountId": "MA1",
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000},
        },
        "extra_headers": "afterbeep.call_attempt_id=3,rep=Dana",
    }
    [started] = s.decode(json.dumps(start))
    assert started.call_id == "call-1"
    assert started.parameters == {"afterbeep.call_attempt_id": "3", "rep": "Dana"}
    media = {
        "event": "media",
        "sequenceNumber": 1,
        "streamId": "st-1",
        "media": {"track": "inbound", "timestamp": "20", "chunk": 1, "payload": B64},
    }
    [audio] = s.decode(json.dumps(media))
    np.testing.assert_array_equal(audio.samples, mulaw_decode(ULAW))
    played = {"event": "playedStream", "sequenceNumber": 2, "streamId": "st-1", "name": "end"}
    assert s.decode(json.dumps(played)) == [MarkReached(name="end")]
    cleared = {"event": "clearedAudio", "sequenceNumber": 3, "streamId": "st-1"}
    assert s.decode(json.dumps(cleared)) == [PlaybackCleared()]
    out = json.loads(s.encode(PlayAudio(samples=FRAME))[0])
    assert out["event"] == "playAudio"
    assert out["media"]["contentType"] == "audio/x-mulaw"
    assert out["media"]["sampleRate"] == 8000
    assert base64.b64decode(out["media"]["payload"]) == ULAW
    assert json.loads(s.encode(SendMark(name="end"))[0]) == {
        "event": "checkpoint",
        "streamId": "st-1",
        "name": "end",
    }
    assert json.loads(s.encode(ClearPlayback())[0]) == {"event": "clearAudio", "streamId": "st-1"}


# ---- Vonage -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [8000, 16000])
def test_vonage_binary_linear16_both_directions(rate):
    s = VonageSerializer()
    connected = {
        "event": "websocket:connected",
        "content-type": f"audio/l16;rate={rate}",
        "call_uuid": "aaaa-bbbb",
        "rep": "Dana",
    }
    [started] = s.decode(json.dumps(connected))
    assert started.sample_rate == rate
    assert started.call_id == "aaaa-bbbb"
    assert started.parameters == {"call_uuid": "aaaa-bbbb", "rep": "Dana"}
    samples = (RNG.standard_normal(rate // 50) * 2000).astype(np.int16)
    [audio] = s.decode(samples.astype("<i2").tobytes())
    np.testing.assert_array_equal(audio.samples, samples)
    with pytest.raises(ProtocolError, match=f"expected {rate // 50 * 2}"):
        s.decode(b"\0" * 100)
    assert s.encode(PlayAudio(samples=samples)) == [samples.astype("<i2").tobytes()]
    notify = json.loads(s.encode(SendMark(name="end"))[0])
    assert notify == {"action": "notify", "payload": {"name": "end"}}
    assert s.decode(json.dumps({"event": "websocket:notify", "payload": {"name": "end"}})) == [
        MarkReached(name="end")
    ]
    assert json.loads(s.encode(ClearPlayback())[0]) == {"action": "clear"}
    assert s.decode(json.dumps({"event": "websocket:cleared"})) == [PlaybackCleared()]


# ---- Asterisk AudioSocket -----------------------------------------------------------------------


def test_audiosocket_framing_is_kind_length_payload():
    call = uuid.uuid4()
    assert pack_frame(0x01, call.bytes) == b"\x01\x00\x10" + call.bytes
    s = AudioSocketSerializer()
    [started] = s.decode(pack_frame(0x01, call.bytes))
    assert started.call_id == str(call)
    pcm = FRAME.astype("<i2").tobytes()
    [audio] = s.decode(pack_frame(0x10, pcm))
    np.testing.assert_array_equal(audio.samples, FRAME)
    assert s.decode(pack_frame(0x03, b"5")) == [DtmfIn(digit="5")]
    assert s.decode(pack_frame(0x00)) == [StreamStopped(reason="hangup")]
    [out] = s.encode(PlayAudio(samples=FRAME))
    assert out[:3] == struct.pack(">BH", 0x10, 320)
    assert out[3:] == pcm
    assert s.encode(EndCall(action="drop")) == [b"\x00\x00\x00"]
    assert s.encode(SendMark(name="x")) == []  # the protocol has no marks
    with pytest.raises(ProtocolError, match="error code 0x02"):
        s.decode(pack_frame(0xFF, b"\x02"))
    with pytest.raises(ProtocolError, match="whole 16-bit samples"):
        s.decode(pack_frame(0x10, b"\0" * 3))
    with pytest.raises(ProtocolError, match="length says"):
        s.decode(b"\x10\x01\x40" + b"\0" * 10)


def test_audiosocket_frames_read_from_a_real_tcp_socket():
    call = uuid.uuid4()
    pcm = FRAME.astype("<i2").tobytes()

    async def scenario() -> list[object]:
        got: list[object] = []
        done = asyncio.Event()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            s = AudioSocketSerializer()
            try:
                while True:
                    for frame in s.decode(await read_frame(reader)):
                        got.append(frame)
                        if isinstance(frame, StreamStopped):
                            [hangup] = s.encode(EndCall(action="none"))
                            writer.write(hangup)
                            await writer.drain()
                            return
            finally:
                writer.close()
                done.set()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        wire = pack_frame(0x01, call.bytes) + pack_frame(0x10, pcm) + pack_frame(0x00)
        for i in range(0, len(wire), 7):  # arbitrary TCP segmentation
            writer.write(wire[i : i + 7])
            await writer.drain()
        reply = await reader.readexactly(3)
        await done.wait()
        writer.close()
        server.close()
        await server.wait_closed()
        got.append(reply)
        return got

    started, audio, stopped, reply = asyncio.run(scenario())
    assert started.call_id == str(call)
    np.testing.assert_array_equal(audio.samples, FRAME)
    assert isinstance(stopped, StreamStopped)
    assert reply == b"\x00\x00\x00"
