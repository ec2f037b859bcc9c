"""Vonage Voice API WebSocket endpoint (NCCO ``connect`` to a ``websocket`` endpoint).

In: a first text message ``{"event": "websocket:connected", "content-type":
"audio/l16;rate=8000|16000", ...}`` carrying the NCCO's custom headers, then binary frames of
20 ms linear16 little-endian audio (320 bytes at 8 kHz, 640 at 16 kHz); text events
``websocket:notify`` (a notify we sent was reached in playback), ``websocket:cleared``,
``websocket:dtmf``. Out: binary 20 ms frames at the same rate, ``{"action": "notify",
"payload": {"name": ...}}`` and ``{"action": "clear"}``. The call is identified by the
``call_uuid`` (or ``uuid``) header our NCCO adds; without it the stream is its own call.
Wire format only: no call logic.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import numpy as np

from afterbeep.telephony._serializer import ProtocolError, field_of, parse_object
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
)

CARRIER = "vonage"
_RATE = re.compile(r"audio/l16;\s*rate=(\d+)", re.I)


class VonageSerializer:
    """One Vonage websocket call leg."""

    carrier = CARRIER
    marks = True

    def __init__(self) -> None:
        self.sample_rate: int | None = None

    def decode(self, message: str | bytes) -> list[InFrame]:
        if isinstance(message, bytes):
            if self.sample_rate is None:
                raise ProtocolError(CARRIER, "audio before 'websocket:connected'")
            frame_bytes = self.sample_rate // 50 * 2
            if len(message) != frame_bytes:
                raise ProtocolError(
                    CARRIER,
                    f"binary frame of {len(message)} bytes; expected {frame_bytes} "
                    f"(20 ms of linear16 at {self.sample_rate} Hz)",
                )
            return [AudioIn(samples=np.frombuffer(message, dtype="<i2").astype(np.int16))]
        msg = parse_object(CARRIER, message)
        event = field_of(CARRIER, msg, "event", str)
        if event == "websocket:connected":
            return [self._connected(msg)]
        if self.sample_rate is None:
            raise ProtocolError(CARRIER, f"{event!r} before 'websocket:connected'", field="event")
        if event == "websocket:notify":
            payload = msg.get("payload")
            name = payload.get("name") if isinstance(payload, dict) else None
            if not isinstance(name, str):
                raise ProtocolError(CARRIER, "notify without a name", field="payload.name")
            return [MarkReached(name=name)]
        if event == "websocket:cleared":
            return [PlaybackCleared()]
        if event == "websocket:dtmf":
            digit = msg.get("digit") or (msg.get("dtmf") or {}).get("digits")
            return [DtmfIn(digit=str(digit))] if digit else []
        if event.startswith("websocket:"):
            return []  # other websocket:* notices carry nothing for the call
        raise ProtocolError(CARRIER, f"unknown event {event!r}", field="event")

    def _connected(self, msg: dict[str, Any]) -> StreamStarted:
        if self.sample_rate is not None:
            raise ProtocolError(CARRIER, "second 'websocket:connected'", field="event")
        content_type = field_of(CARRIER, msg, "content-type", str)
        match = _RATE.fullmatch(content_type.strip())
        if match is None or int(match.group(1)) not in (8000, 16000):
            raise ProtocolError(
                CARRIER,
                f"content-type {content_type!r}; expected audio/l16;rate=8000 or 16000",
                field="content-type",
            )
        self.sample_rate = int(match.group(1))
        headers = {
            str(k): v if isinstance(v, str) else json.dumps(v)
            for k, v in msg.items()
            if k not in ("event", "content-type")
        }
        stream_id = str(uuid.uuid4())
        call_id = headers.get("call_uuid") or headers.get("uuid") or stream_id
        return StreamStarted(
            call_id=call_id, stream_id=stream_id, sample_rate=self.sample_rate, parameters=headers
        )

    def encode(self, frame: OutFrame) -> list[str | bytes]:
        if isinstance(frame, PlayAudio):
            return [frame.samples.astype("<i2").tobytes()]
        if isinstance(frame, SendMark):
            return [json.dumps({"action": "notify", "payload": {"name": frame.name}})]
        if isinstance(frame, ClearPlayback):
            return [json.dumps({"action": "clear"})]
        if isinstance(frame, EndCall):
            return []
        raise TypeError(type(frame).__name__)  # pragma: no cover


__all__ = ["VonageSerializer"]
