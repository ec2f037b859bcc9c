"""Telnyx media streaming over WebSocket (Call Control ``stream_url``, bidirectional RTP mode).

In: ``connected``, ``start`` (stream_id, start.call_control_id, client_state, media_format
PCMU 8000 Hz), ``media`` (base64 payload, inbound track), ``mark``, ``dtmf``, ``error``,
``stop``. Out: ``media`` {payload}, ``mark`` {name}, ``clear``. ``client_state`` (base64 of
a JSON object, as our REST adapter sets it) becomes the stream's parameters.
Wire format only: no call logic.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
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
    SendMark,
    StreamStarted,
    StreamStopped,
)

CARRIER = "telnyx"
log = logging.getLogger(__name__)


def decode_client_state(value: Any) -> dict[str, Any] | None:
    """A ``client_state`` that is base64 of a JSON object, as afterbeep sets it; None for
    anything else."""
    if not isinstance(value, str) or not value:
        return None
    try:
        decoded = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return None
    return decoded if isinstance(decoded, dict) else None


def _client_state(value: Any) -> dict[str, str]:
    decoded = decode_client_state(value)
    if decoded is None:
        return {"client_state": value} if isinstance(value, str) and value else {}
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in decoded.items()}


class TelnyxSerializer:
    """One Telnyx media stream."""

    carrier = CARRIER
    marks = True

    def __init__(self) -> None:
        self.stream_id: str | None = None

    def decode(self, message: str | bytes) -> list[InFrame]:
        msg = parse_object(CARRIER, message)
        event = field_of(CARRIER, msg, "event", str)
        if event == "connected":
            return []
        if event == "start":
            if self.stream_id is not None:
                raise ProtocolError(CARRIER, "second 'start' on one stream", field="event")
            start = field_of(CARRIER, msg, "start", dict)
            stream_id = field_of(CARRIER, msg, "stream_id", str)
            call_id = field_of(CARRIER, start, "call_control_id", str, where="start")
            fmt = start.get("media_format") or {}
            encoding, rate = fmt.get("encoding", "PCMU"), fmt.get("sample_rate", 8000)
            if encoding != "PCMU" or rate != 8000:
                raise ProtocolError(
                    CARRIER,
                    f"media format {encoding} {rate} Hz; expected PCMU 8000 Hz",
                    field="start.media_format",
                )
            self.stream_id = stream_id
            params = _client_state(start.get("client_state"))
            return [StreamStarted(call_id=call_id, stream_id=stream_id, parameters=params)]
        if self.stream_id is None:
            raise ProtocolError(CARRIER, f"{event!r} before 'start'", field="event")
        if event == "media":
            media = field_of(CARRIER, msg, "media", dict)
            if media.get("track", "inbound") != "inbound":
                return []
            payload = field_of(CARRIER, media, "payload", str, where="media")
            raw = decode_payload(CARRIER, payload, field="media.payload", sample_bytes=1)
            return [AudioIn(samples=mulaw_decode(raw))]
        if event == "mark":
            mark = field_of(CARRIER, msg, "mark", dict)
            return [MarkReached(name=field_of(CARRIER, mark, "name", str, where="mark"))]
        if event == "dtmf":
            dtmf = field_of(CARRIER, msg, "dtmf", dict)
            return [DtmfIn(digit=field_of(CARRIER, dtmf, "digit", str, where="dtmf"))]
        if event == "error":
            log.warning(
                "telnyx stream %s reported an error: %s", self.stream_id, msg.get("payload")
            )
            return []
        if event == "stop":
            return [StreamStopped(reason="stop")]
        raise ProtocolError(CARRIER, f"unknown event {event!r}", field="event")

    def encode(self, frame: OutFrame) -> list[str | bytes]:
        if isinstance(frame, PlayAudio):
            body: dict[str, Any] = {
                "event": "media",
                "media": {"payload": encode_payload(mulaw_encode(frame.samples).tobytes())},
            }
        elif isinstance(frame, SendMark):
            body = {"event": "mark", "mark": {"name": frame.name}}
        elif isinstance(frame, ClearPlayback):
            body = {"event": "clear"}
        elif isinstance(frame, EndCall):
            return []
        else:  # pragma: no cover
            raise TypeError(type(frame).__name__)
        return [json.dumps(body, separators=(",", ":"))]


__all__ = ["TelnyxSerializer", "decode_client_state"]
