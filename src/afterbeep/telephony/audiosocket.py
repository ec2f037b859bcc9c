"""Asterisk AudioSocket over TCP: 1 kind byte, 2-byte big-endian length, payload.

Kinds: 0x00 hangup, 0x01 UUID (16 bytes: the call's id, first on the stream), 0x03 DTMF
(one ASCII digit), 0x10 audio (signed 16-bit little-endian, 8 kHz mono; 320 bytes per
20 ms), 0xff error. We send audio frames and, when done, a hangup frame. The protocol has no
marks: the engine ends a drop when its audio has had time to play.
``AudioSocketSerializer.decode`` takes exactly one whole frame (the TCP layer cuts them with
``read_frame``). Wire format only: no call logic.
"""

from __future__ import annotations

import asyncio
import struct
import uuid

import numpy as np

from afterbeep.telephony._serializer import MAX_PAYLOAD_BYTES, ProtocolError
from afterbeep.telephony.frames import (
    AudioIn,
    ClearPlayback,
    DtmfIn,
    EndCall,
    InFrame,
    OutFrame,
    PlayAudio,
    SendMark,
    StreamStarted,
    StreamStopped,
)

CARRIER = "asterisk"
KIND_HANGUP = 0x00
KIND_UUID = 0x01
KIND_DTMF = 0x03
KIND_AUDIO = 0x10
KIND_ERROR = 0xFF
HEADER = struct.Struct(">BH")


def pack_frame(kind: int, payload: bytes = b"") -> bytes:
    """One AudioSocket frame."""
    return HEADER.pack(kind, len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    """The next whole frame from ``reader`` (``IncompleteReadError`` if the socket is cut
    mid-frame, ``ProtocolError`` for a length no frame may have)."""
    header = await reader.readexactly(HEADER.size)
    _, length = HEADER.unpack(header)
    if length > MAX_PAYLOAD_BYTES:
        raise ProtocolError(CARRIER, f"frame length {length} over {MAX_PAYLOAD_BYTES} bytes")
    return header + await reader.readexactly(length)


class AudioSocketSerializer:
    """One AudioSocket connection."""

    carrier = CARRIER
    marks = False

    def __init__(self) -> None:
        self.call_id: str | None = None

    def decode(self, message: str | bytes) -> list[InFrame]:
        if not isinstance(message, bytes) or len(message) < HEADER.size:
            raise ProtocolError(CARRIER, "a frame is at least 3 bytes")
        kind, length = HEADER.unpack_from(message)
        payload = message[HEADER.size :]
        if len(payload) != length:
            raise ProtocolError(CARRIER, f"length says {length} bytes, frame has {len(payload)}")
        if kind == KIND_UUID:
            if len(payload) != 16:
                raise ProtocolError(CARRIER, f"UUID frame of {len(payload)} bytes; expected 16")
            if self.call_id is not None:
                raise ProtocolError(CARRIER, "second UUID frame")
            self.call_id = str(uuid.UUID(bytes=payload))
            return [StreamStarted(call_id=self.call_id, stream_id=self.call_id)]
        if kind == KIND_HANGUP:
            return [StreamStopped(reason="hangup")]
        if kind == KIND_ERROR:
            code = payload[0] if payload else 0
            raise ProtocolError(CARRIER, f"Asterisk reported error code {code:#04x}")
        if self.call_id is None:
            raise ProtocolError(CARRIER, f"frame kind {kind:#04x} before the UUID frame")
        if kind == KIND_AUDIO:
            if not payload or len(payload) % 2:
                raise ProtocolError(
                    CARRIER, f"audio frame of {len(payload)} bytes; expected whole 16-bit samples"
                )
            return [AudioIn(samples=np.frombuffer(payload, dtype="<i2").astype(np.int16))]
        if kind == KIND_DTMF:
            return [DtmfIn(digit=payload[:1].decode("ascii", "replace"))]
        raise ProtocolError(CARRIER, f"unknown frame kind {kind:#04x}")

    def encode(self, frame: OutFrame) -> list[str | bytes]:
        if isinstance(frame, PlayAudio):
            return [pack_frame(KIND_AUDIO, frame.samples.astype("<i2").tobytes())]
        if isinstance(frame, EndCall):
            return [pack_frame(KIND_HANGUP)]
        if isinstance(frame, (SendMark, ClearPlayback)):
            return []
        raise TypeError(type(frame).__name__)  # pragma: no cover


__all__ = [
    "KIND_AUDIO",
    "KIND_DTMF",
    "KIND_ERROR",
    "KIND_HANGUP",
    "KIND_UUID",
    "AudioSocketSerializer",
    "pack_frame",
    "read_frame",
]
