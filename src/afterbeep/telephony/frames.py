"""Typed frames between a carrier serializer and the media-session engine.

Inbound frames (``StreamStarted``, ``AudioIn``, ``MarkReached``, ``DtmfIn``, ``StreamStopped``)
are what a serializer makes of a carrier's wire messages; outbound frames (``PlayAudio``,
``SendMark``, ``ClearPlayback``, ``EndCall``) are what the engine asks a serializer to put on
the wire. Audio is always int16 PCM at the stream's own rate here: mu-law or linear16 on the
wire is the serializer's business. Control frames are distinct types from audio frames.
This module holds data only: no I/O, no protocol knowledge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamStarted:
    """The carrier opened a media stream for one call.

    ``call_id`` is the carrier's id of the call (Twilio callSid, Telnyx call_control_id, the
    AudioSocket UUID...): the key that makes a drop play at most once per call attempt, even
    when the carrier reconnects the stream. ``parameters`` are the custom parameters the
    stream was started with (strings only).
    """

    call_id: str
    stream_id: str
    sample_rate: int = 8000
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioIn:
    """Far-end audio, any whole number of samples (serializers cut nothing)."""

    samples: NDArray[np.int16]


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkReached:
    """Playback reached a mark the engine sent (Twilio/Telnyx ``mark``, Plivo ``playedStream``,
    Vonage ``websocket:notify``)."""

    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackCleared:
    """The carrier confirmed that queued playback was flushed (where the protocol says so)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DtmfIn:
    digit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamStopped:
    """The carrier ended the stream (call hung up or stream stopped)."""

    reason: str = "stopped"


InFrame = StreamStarted | AudioIn | MarkReached | PlaybackCleared | DtmfIn | StreamStopped


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayAudio:
    """Audio to play into the call (int16 at the stream's rate; 20 ms per frame by default)."""

    samples: NDArray[np.int16]


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMark:
    """Ask the carrier to report back when playback reaches this point."""

    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearPlayback:
    """Flush every queued, not yet played, piece of audio."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EndCall:
    """The engine is done with the stream: ``action`` is what was done (``drop``, ``connect``,
    ``skip``, ``none``). Serializers whose protocol has a hang-up frame send it; the
    websocket/TCP layer then closes the stream."""

    action: str
    reason: str = ""


OutFrame = PlayAudio | SendMark | ClearPlayback | EndCall

__all__ = [
    "AudioIn",
    "ClearPlayback",
    "DtmfIn",
    "EndCall",
    "InFrame",
    "MarkReached",
    "OutFrame",
    "PlayAudio",
    "PlaybackCleared",
    "SendMark",
    "StreamStarted",
    "StreamStopped",
]
