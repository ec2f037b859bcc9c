"""Plivo audio streams over WebSocket (``<Stream bidirectional="true">``).

In: ``start`` (start.callId, start.streamId, mediaFormat audio/x-mulaw 8000, extra_headers),
``media`` (base64 payload), ``dtmf``, ``playedStream`` (a checkpoint we sent was played),
``clearedAudio``, ``stop``. Out: ``playAudio`` {media: contentType, sampleRate, payload},
``checkpoint`` {streamId, name}, ``clearAudio`` {streamId}.
Wire format only: no call logic.
"""

from __future__ import annotations

import json
from typing import Any

from afterbeep.audio.codec import mulaw_decode, mulaw_encode
from afterbeep.telephony._serializer import (
    ProtocolError,
    decode_payload,
    encode_payload,
    field_of,
    parse_object,
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
    PlaybackCleared,
    SendMark,
    StreamStarted,
    StreamStopped,
)

CARRIER = "plivo"


def _extra_headers(value: Any) -> dict[str, str]:
    """Plivo's ``extra_headers``: an object, a JSON object string or ``k=v,k=v``."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if not isinstance(value, str) or not value.strip():
        return {}
    try:
        decoded = json.loads(value)
    except json.JSONDecodeError:
        pairs = (part.split("=", 1) for part in value.split(",") if "=" in part)
        return {k.strip(): v.strip() for k, v in pairs}
    return {str(k): str(v) for k, v in decoded.items()} if isinstance(decoded, dict) else {}


class PlivoSerializer:
    """One Plivo audio stream."""

    carrier = CARRIER
    marks = True

    def __init__(self) -> None:
        self.stream_id: str | None = None

    def decode(self, message: str | bytes) -> list[InFrame]:
        msg = parse_object(CARRIER, message)
        event = field_of(CARRIER, msg, "event", str)
        if event == "start":
            if self.stream_id is not None:
                raise ProtocolError(CARRIER, "second 'start' on one stream", field="event")
            start = field_of(CARRIER, msg, "start", dict)
            call_id = field_of(CARRIER, start, "callId", str, where="start")
            stream_id = field_of(CARRIER, start, "streamId", str, where="start")
            fmt = start.get("mediaFormat") or {}
            encoding, rate = fmt.get("encoding", "audio/x-mulaw"), fmt.get("sampleRate", 8000)
            if encoding != "audio/x-mulaw" or int(rate) != 8000:
                raise ProtocolError(
                    CARRIER,
                    f"media format {encoding} {rate} Hz; expected audio/x-mulaw 8000 Hz",
                    field="start.mediaFormat",
                )
            self.stream_id = stream_id
            params = _extra_headers(msg.get("extra_headers"))
            return [StreamStarted(call_id=call_id, stream_id=stream_id, parameters=params)]
        if self.stream_id is None:
            raise ProtocolError(CARRIER, f"{event!r} before 'start'", field="event")
        if event == "media":
            media = field_of(CARRIER, msg, "media", dict)
            payload = field_of(CARRIER, media, "payload", str, where="media")
            raw = decode_payload(CARRIER, payload, field="media.payload", sample_bytes=1)
            return [AudioIn(samples=mulaw_decode(raw))]
        if event == "playedStream":
            return [MarkReached(name=field_of(CARRIER, msg, "name", str))]
        if event == "clearedAudio":
            return [PlaybackCleared()]
        if event == "dtmf":
            dtmf = field_of(CARRIER, msg, "dtmf", dict)
            return [DtmfIn(digit=field_of(CARRIER, dtmf, "digit", str, where="dtmf"))]
        if event == "stop":
            return [StreamStopped(reason="stop")]
        raise ProtocolError(CARRIER, f"unknown event {event!r}", field="event")

    def encode(self, frame: OutFrame) -> list[str | bytes]:
        if isinstance(frame, PlayAudio):
            body: dict[str, Any] = {
                "event": "playAudio",
                "media": {
                    "contentType": "audio/x-mulaw",
                    "sampleRate": 8000,
                    "payload": encode_payload(mulaw_encode(frame.samples).tobytes()),
                },
            }
        elif isinstance(frame, SendMark):
            body = {"event": "checkpoint", "streamId": self.stream_id, "name": frame.name}
        elif isinstance(frame, ClearPlayback):
            body = {"event": "clearAudio", "streamId": self.stream_id}
        elif isinstance(frame, EndCall):
            return []
        else:  # pragma: no cover
            raise TypeError(type(frame).__name__)
        return [json.dumps(body, separators=(",", ":"))]


__all__ = ["PlivoSerializer"]
