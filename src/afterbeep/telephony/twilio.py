"""Twilio Media Streams, bidirectional (TwiML ``<Connect><Stream>``): the wire format only.

In: ``connected``, ``start`` (streamSid, callSid, customParameters, mediaFormat audio/x-mulaw
8000 Hz mono), ``media`` (base64 mu-law, inbound track), ``mark`` (echo of a mark we sent,
when playback reached it), ``dtmf``, ``stop``. Out: ``media`` (base64 mu-law), ``mark``
{name}, ``clear``. Every outbound message carries the stream's ``streamSid``.
Must not decide anything about the call (see ``engine``).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from afterbeep.audio.codec import mulaw_decode, mulaw_encode
from afterbeep.telephony._serializer import (
    ProtocolError,
    decode_payload,
    encode_payload,
    field_of,
    parse_object,
    string_params,
)
from afterbeep.telephony.frames import (
    AudioIn,
    ClearPlayback,
    DtmfIn,
    EndCall,
    InFrame,
    MarkReached,
    OutFrame,
    PlayAudio,
    SendMark,
    StreamStarted,
    StreamStopped,
)

CARRIER = "twilio"


class TwilioSerializer:
    """One Twilio media stream."""

    carrier = CARRIER
    marks = True

    def __init__(self) -> None:
        self.stream_sid: str | None = None
        self.call_sid: str | None = None

    def decode(self, message: str | bytes) -> list[InFrame]:
        msg = parse_object(CARRIER, message)
        event = field_of(CARRIER, msg, "event", str)
        if event == "connected":
            return []
        if event == "start":
            return [self._start(msg)]
        if self.stream_sid is None:
            raise ProtocolError(CARRIER, f"{event!r} before 'start'", field="event")
        sid = msg.get("streamSid")
        if sid is not None and sid != self.stream_sid:
            raise ProtocolError(CARRIER, f"unknown streamSid {sid!r}", field="streamSid")
        if event == "media":
            media = field_of(CARRIER, msg, "media", dict)
            if media.get("track", "inbound") not in ("inbound", "inbound_track"):
                return []  # only the far end's audio is analysed
            payload = field_of(CARRIER, media, "payload", str, where="media")
            raw = decode_payload(CARRIER, payload, field="media.payload", sample_bytes=1)
            return [AudioIn(samples=mulaw_decode(raw))]
        if event == "mark":
            mark = field_of(CARRIER, msg, "mark", dict)
            return [MarkReached(name=field_of(CARRIER, mark, "name", str, where="mark"))]
        if event == "dtmf":
            dtmf = field_of(CARRIER, msg, "dtmf", dict)
            return [DtmfIn(digit=field_of(CARRIER, dtmf, "digit", str, where="dtmf"))]
        if event == "stop":
            return [StreamStopped(reason="stop")]
        # Twilio documents exactly these events; anything else is not a Media Stream.
        raise ProtocolError(CARRIER, f"unknown event {event!r}", field="event")

    def _start(self, msg: dict[str, Any]) -> StreamStarted:
        if self.stream_sid is not None:
            raise ProtocolError(CARRIER, "second 'start' on one stream", field="event")
        start = field_of(CARRIER, msg, "start", dict)
        stream_sid = field_of(CARRIER, start, "streamSid", str, where="start")
        call_sid = field_of(CARRIER, start, "callSid", str, where="start")
        fmt = start.get("mediaFormat") or {}
        encoding = fmt.get("encoding", "audio/x-mulaw")
        rate = fmt.get("sampleRate", 8000)
        if encoding != "audio/x-mulaw" or rate != 8000:
            raise ProtocolError(
                CARRIER,
                f"media format {encoding} {rate} Hz; expected audio/x-mulaw 8000 Hz",
                field="start.mediaFormat",
            )
        self.stream_sid, self.call_sid = stream_sid, call_sid
        params = string_params(
            CARRIER, start.get("customParameters"), field="start.customParameters"
        )
        return StreamStarted(call_id=call_sid, stream_id=stream_sid, parameters=params)

    def encode(self, frame: OutFrame) -> list[str | bytes]:
        if self.stream_sid is None:
            return []
        if isinstance(frame, PlayAudio):
            payload = encode_payload(mulaw_encode(frame.samples).tobytes())
            body: dict[str, Any] = {"event": "media", "media": {"payload": payload}}
        elif isinstance(frame, SendMark):
            body = {"event": "mark", "mark": {"name": frame.name}}
        elif isinstance(frame, ClearPlayback):
            body = {"event": "clear"}
        elif isinstance(frame, EndCall):
            return []  # the stream is closed by the socket layer; the call by REST
        else:  # pragma: no cover - the union is closed
            raise TypeError(type(frame).__name__)
        body["streamSid"] = self.stream_sid
        return [json.dumps(body, separators=(",", ":"))]


# ---- the far end's side (the simulator speaks as Twilio) -----------------------------------


def twilio_far_end_messages(
    *, stream_sid: str, call_sid: str, account_sid: str, parameters: dict[str, str]
) -> tuple[str, str]:
    """The ``connected`` and ``start`` messages Twilio sends when a stream opens."""
    connected = {"event": "connected", "protocol": "Call", "version": "1.0.0"}
    start = {
        "event": "start",
        "sequenceNumber": "1",
        "start": {
            "accountSid": account_sid,
            "streamSid": stream_sid,
            "callSid": call_sid,
            "tracks": ["inbound"],
            "customParameters": parameters,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        },
        "streamSid": stream_sid,
    }
    return json.dumps(connected), json.dumps(start)


def twilio_media_message(
    samples: np.ndarray, *, stream_sid: str, sequence: int, chunk: int, timestamp_ms: int
) -> str:
    """One inbound ``media`` message as Twilio sends it."""
    payload = encode_payload(mulaw_encode(samples).tobytes())
    return json.dumps(
        {
            "event": "media",
            "sequenceNumber": str(sequence),
            "media": {
                "track": "inbound",
                "chunk": str(chunk),
                "timestamp": str(timestamp_ms),
                "payload": payload,
            },
            "streamSid": stream_sid,
        },
        separators=(",", ":"),
    )


__all__ = ["TwilioSerializer", "twilio_far_end_messages", "twilio_media_message"]
