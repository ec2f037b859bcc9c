"""What every carrier serializer is: wire message in -> typed frames; typed frame -> wire message.

Owns the ``Serializer`` protocol, ``ProtocolError`` (a ``CarrierError`` naming the carrier and
the field at fault) and small shared helpers (JSON object parsing, strict base64, payload
size checks). A serializer holds only the per-stream protocol state it needs (ids to address
outbound messages, a mark counter); it never touches the detector, timing or sockets.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Protocol

import orjson

from afterbeep.errors import CarrierError
from afterbeep.telephony.frames import InFrame, OutFrame

# A 20 ms frame at 8 kHz is 160 samples; carriers send 20 ms, some up to 100 ms or more.
# Anything above 1 s in one message is not a media frame: refuse it rather than buffer it.
MAX_PAYLOAD_BYTES = 32000
MAX_MESSAGE_CHARS = 65536


class ProtocolError(CarrierError):
    """A message a carrier should never send: bad JSON, bad base64, wrong sizes, a message
    out of order. Closes that one stream; the engine and other calls go on."""

    def __init__(self, carrier: str, message: str, *, field: str | None = None) -> None:
        self.field = field
        where = "stream" + (f", field {field!r}" if field else "")
        super().__init__(f"{where}: {message}", carrier=carrier)


class Serializer(Protocol):
    """One carrier's wire format for one stream."""

    carrier: str
    marks: bool
    """Whether the protocol reports back when playback reaches a mark."""

    def decode(self, message: str | bytes) -> list[InFrame]:
        """Frames in one wire message; ``ProtocolError`` for a message that breaks the protocol.
        Unknown but well-formed events give no frames (logged by the caller)."""
        ...

    def encode(self, frame: OutFrame) -> list[str | bytes]:
        """Wire messages for one outbound frame (none when the protocol has no such message)."""
        ...


def parse_object(carrier: str, message: str | bytes) -> dict[str, Any]:
    """A JSON object from a text message, or ``ProtocolError``."""
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError(carrier, "binary message is not UTF-8 JSON") from error
    if len(message) > MAX_MESSAGE_CHARS:
        raise ProtocolError(carrier, f"message of {len(message)} characters is too long")
    try:
        # orjson: a media stream parses one message per call every 20 ms; the standard
        # library's parser was a tenth of the media loop at 200 calls.
        value = orjson.loads(message)
    except orjson.JSONDecodeError as error:
        raise ProtocolError(carrier, f"not JSON ({error.msg} at column {error.colno})") from error
    if not isinstance(value, dict):
        raise ProtocolError(carrier, f"expected a JSON object, got {type(value).__name__}")
    return value


def field_of(carrier: str, obj: dict[str, Any], key: str, kind: type, *, where: str = "") -> Any:
    """``obj[key]`` of type ``kind``, or ``ProtocolError`` naming the field."""
    name = f"{where}.{key}" if where else key
    if key not in obj:
        raise ProtocolError(carrier, "missing", field=name)
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(
            carrier, f"expected {kind.__name__}, got {type(value).__name__}", field=name
        )
    return value


def decode_payload(carrier: str, payload: str, *, field: str, sample_bytes: int) -> bytes:
    """Strict base64 of audio: whole samples, at most ``MAX_PAYLOAD_BYTES``."""
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ProtocolError(carrier, "payload is not valid base64", field=field) from error
    if not raw or len(raw) > MAX_PAYLOAD_BYTES or len(raw) % sample_bytes:
        raise ProtocolError(
            carrier,
            f"audio payload of {len(raw)} bytes; expected 1-{MAX_PAYLOAD_BYTES} bytes "
            f"of whole {sample_bytes}-byte samples",
            field=field,
        )
    return raw


def encode_payload(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def string_params(carrier: str, value: Any, *, field: str) -> dict[str, str]:
    """Custom parameters as a dict of strings (absent = empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProtocolError(carrier, "expected an object", field=field)
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


__all__ = ["MAX_PAYLOAD_BYTES", "ProtocolError", "Serializer"]
