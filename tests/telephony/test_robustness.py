"""Hostile or broken input on one stream closes that stream, with a logged reason, while the
other calls (running at the same time) go on untouched."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import struct
import uuid

import numpy as np
import websockets

from afterbeep.telephony import EngineSettings, MediaEngine, start_audiosocket_server
from afterbeep.telephony.audiosocket import pack_frame
from afterbeep.telephony.simulator import simulate_calls
from afterbeep.telephony.twilio import twilio_far_end_messages, twilio_media_message

SILENCE = np.zeros(160, dtype=np.int16)


def _opening(call_sid: str) -> list[str]:
    truth = json.dumps(
        {
            "answered_by": "machine",
            "mailbox": "personal",
            "beep_end_ms": 5000,
            "greeting_end_ms": 4000,
        }
    )
    return list(
        twilio_far_end_messages(
            stream_sid="MZ" + call_sid[2:],
            call_sid=call_sid,
            account_sid="AC" + "0" * 32,
            parameters={"afterbeep.truth": truth},
        )
    )


BAD_MESSAGES = {
    "bad-json": '{"event": "media", "media": {"payload": ',
    "bad-base64": json.dumps({"event": "media", "media": {"payload": "%%%%"}}),
    "odd-size": json.dumps({"event": "media", "media": {"payload": ""}}),
    "huge-payload": json.dumps(
        {"event": "media", "media": {"payload": base64.b64encode(b"\xff" * 60000).decode()}}
    ),
    "unknown-event": json.dumps({"event": "reticulate", "splines": 3}),
    "binary-garbage": b"\x00\xff\xfe\x80" * 40,
    "second-start": None,  # the start message again
}


async def _hostile(url: str, name: str) -> int | None:
    """A Twilio stream that behaves for 10 frames, then sends ``name``; the close code."""
    call_sid = "CA" + uuid.uuid4().hex
    opening = _opening(call_sid)
    async with websockets.connect(url) as ws:
        for message in opening:
            await ws.send(message)
        for i in range(10):
            await ws.send(
                twilio_media_message(
                    SILENCE,
                    stream_sid="MZ" + call_sid[2:],
                    sequence=i + 2,
                    chunk=i + 1,
                    timestamp_ms=i * 20,
                )
            )
        bad = BAD_MESSAGES[name]
        await ws.send(opening[1] if bad is None else bad)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), timeout=10)
        except websockets.ConnectionClosed:
            pass
        return ws.close_code


def _masked_text_frame(text: str) -> bytes:
    """A client websocket text frame (mask key 0, so the payload reads as is)."""
    payload = text.encode()
    n = len(payload)
    header = b"\x81" + (bytes([0x80 | n]) if n < 126 else b"\xfe" + struct.pack(">H", n))
    return header + b"\0\0\0\0" + payload


async def _cut_mid_message(port: int) -> None:
    """Open a websocket by hand, start a call, then cut the TCP socket inside a frame."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(uuid.uuid4().bytes).decode()
    writer.write(
        (
            f"GET /media/twilio HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    for message in _opening("CA" + uuid.uuid4().hex):
        writer.write(_masked_text_frame(message))
    frame = _masked_text_frame(json.dumps({"event": "media", "media": {"payload": "x" * 200}}))
    writer.write(frame[: len(frame) // 2])
    await writer.drain()
    writer.transport.abort()


def test_bad_streams_close_alone_while_other_calls_go_on(live_server, make_call, caplog):
    caplog.set_level(logging.INFO, logger="afterbeep.telephony")
    kinds = ["human", "machine", "machine-nobeep", "full", "general", "machine"] * 2
    calls = [make_call(kind, seed=i, cue_ms=2400) for i, kind in enumerate(kinds)]
    url = live_server.media_url()

    async def everything():
        good = asyncio.create_task(simulate_calls(calls, url=url, tail_ms=2500))
        await asyncio.sleep(0.3)  # the good calls are up and streaming
        bad = await asyncio.gather(*(_hostile(url, name) for name in BAD_MESSAGES))
        await _cut_mid_message(live_server.port)
        return await good, bad

    report, close_codes = asyncio.run(everything())
    assert close_codes == [1008] * len(BAD_MESSAGES)
    summary = report.summary()
    assert summary["errors"] == 0
    assert [c.action for c in report.calls] == [c.expected for c in report.calls]
    assert summary["early_starts"] == 0
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("afterbeep.telephony")]
    closing = [m for m in logged if m.startswith("closing twilio stream")]
    assert len(closing) == len(BAD_MESSAGES)
    for needle in (
        "not JSON",
        "not valid base64",
        "audio payload of 0 bytes",
        "characters is too long",
        "unknown event 'reticulate'",
        "not UTF-8 JSON",
        "second 'start'",
    ):
        assert any(needle in m for m in closing), needle
    assert any("closed by the far end" in m for m in logged)
    # Every hostile stream that got as far as 'start' has a timeline that says why it ended.
    ended = [t for t in live_server.engine.timelines.values() if t.end_reason == "protocol_error"]
    assert len(ended) >= len(BAD_MESSAGES)


def test_audiosocket_cut_mid_frame_closes_only_that_connection(caplog):
    caplog.set_level(logging.INFO, logger="afterbeep.telephony")
    from afterbeep.telephony import default_message

    engine = MediaEngine(
        EngineSettings(detector="afterbeep"),
        message=lambda start: default_message(sample_rate=8000, seconds=0.5),
    )

    async def scenario():
        server = await start_audiosocket_server(engine)
        port = server.sockets[0].getsockname()[1]
        good_id, bad_id = uuid.uuid4(), uuid.uuid4()
        _, good = await asyncio.open_connection("127.0.0.1", port)
        _, bad = await asyncio.open_connection("127.0.0.1", port)
        good.write(pack_frame(0x01, good_id.bytes))
        bad.write(pack_frame(0x01, bad_id.bytes))
        pcm = SILENCE.astype("<i2").tobytes()
        for _ in range(20):
            good.write(pack_frame(0x10, pcm))
            bad.write(pack_frame(0x10, pcm))
        bad.write(pack_frame(0x10, pcm)[:100])  # ... and the socket is cut mid-frame
        await bad.drain()
        bad.transport.abort()
        for _ in range(20):
            good.write(pack_frame(0x10, pcm))
        good.write(pack_frame(0x00))  # the good call hangs up normally
        await good.drain()
        for _ in range(100):
            if all(
                engine.timelines.get(("asterisk", str(u)))
                and engine.timelines[("asterisk", str(u))].finished
                for u in (good_id, bad_id)
            ):
                break
            await asyncio.sleep(0.05)
        good.close()
        server.close()
        await server.wait_closed()
        return good_id, bad_id

    good_id, bad_id = asyncio.run(scenario())
    good_timeline = engine.timelines[("asterisk", str(good_id))]
    bad_timeline = engine.timelines[("asterisk", str(bad_id))]
    assert good_timeline.audio_ms == 800  # all 40 frames, none lost to the other's failure
    assert bad_timeline.audio_ms == 400
    assert bad_timeline.end_reason == "far_end_hangup"
    assert any("socket cut mid-frame" in r.getMessage() for r in caplog.records)
