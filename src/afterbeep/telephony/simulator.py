"""The call simulator: the far end of many calls, over a carrier's real protocol, on loopback.

Owns ``simulate``: dials N concurrent calls into a running afterbeep media endpoint
(``ws://host:port/media/<carrier>``), plays each labelled corpus call in real time (one
20 ms frame per 20 ms, from one shared clock), behaves as the carrier does with what comes
back (queues audio for playout, reports a mark when playout reaches it, flushes on clear),
and measures per call and in aggregate: the action afterbeep took (drop / connect / skip /
none, read from its audio and its ``afterbeep:<action>`` marks) against the corpus truth,
message start minus the true beep end, how soon a person was handed to the rep after their
greeting, audio played before the beep, inbound frames sent late and playout gaps.
Each call carries its labels in the ``afterbeep.truth`` stream parameter (only the oracle
detector reads them). Must not import the engine: it knows afterbeep only through the wire.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from afterbeep.audio.dtmf import GAP_MS, KeyReader
from afterbeep.detect.corpus import LabelledCall, load_corpus, read_call_audio
from afterbeep.detect.evaluate import is_abandoned, right_action
from afterbeep.errors import ConfigError, InvalidInput

FRAME_MS = 20
SIM_CARRIERS = ("twilio", "telnyx", "plivo", "vonage", "asterisk")
TRUTH_PARAMETER = "afterbeep.truth"
# A frame sent more than this after its due time counts as late.
LATE_MS = 20
# The pacer wakes this often and sends each call's frames that are due on that call's own
# clock: calls started at different moments send out of phase, as real carrier streams do.
PACER_TICK_MS = 5


# Marks afterbeep puts after what it plays (a message, a menu's key): not actions.
_PLAYBACK_MARKS = ("afterbeep:drop-end", "afterbeep:keys-end")
# Below this, a sample of what afterbeep sends is silence (about -60 dBFS).
_QUIET_SAMPLE = 33


# ---- each carrier's far end ----------------------------------------------------------------


def _parse_media_mark_clear(message: str | bytes) -> tuple[str, Any]:
    """What Twilio- and Telnyx-style JSON servers send back: media, mark, clear, or else."""
    msg = json.loads(message)
    event = msg.get("event")
    if event == "media":
        return "media", _unmulaw(msg["media"]["payload"])
    if event == "mark":
        return "mark", msg["mark"]["name"]
    if event == "clear":
        return "clear", None
    return "other", msg


class _FarEnd(ABC):
    """The carrier's side of one stream: what it sends, and what it makes of replies."""

    binary_audio = False
    tcp = False  # AudioSocket: a TCP connection (``tcp://HOST:PORT``), not a websocket
    marks = True  # whether afterbeep can say what it did on the wire (else: its timeline)

    def __init__(self, call_id: str, parameters: dict[str, str]) -> None:
        self.call_id = call_id
        self.stream_id = "MZ" + uuid.uuid4().hex
        self.parameters = parameters
        self.sequence = 1

    @abstractmethod
    def opening(self) -> list[str | bytes]: ...

    @abstractmethod
    def media(self, samples: NDArray[np.int16], chunk: int) -> str | bytes: ...

    def media_payload(self, payload: str, chunk: int) -> str | bytes:
        """``media`` with an already base64-encoded mu-law payload; only the far ends the
        simulator pre-encodes payloads for (Twilio) have it."""
        msg = f"{type(self).__name__} takes samples, not pre-encoded payloads"
        raise TypeError(msg)

    @abstractmethod
    def parse(self, message: str | bytes) -> tuple[str, Any]:
        """``("media", samples)``, ``("mark", name)``, ``("clear", None)`` or
        ``("other", message)``."""
        ...

    @abstractmethod
    def mark_echo(self, name: str) -> str | bytes: ...

    def samples(self, message: str | bytes) -> NDArray[np.int16]:
        """The audio of a media message ``parse`` read as media: a JSON message's base64
        mu-law ``media.payload`` (Twilio, Telnyx, Plivo); the binary far ends override it."""
        from afterbeep.audio.codec import mulaw_decode

        payload = json.loads(message)["media"]["payload"]
        return mulaw_decode(np.frombuffer(base64.b64decode(payload), dtype=np.uint8))

    def closing(self) -> list[str | bytes]:
        """What the carrier sends when the far end hangs up, before it closes the stream
        (the close alone, where its protocol has no message for it)."""
        return []

    def _next(self) -> str:
        self.sequence += 1
        return str(self.sequence)


def _mulaw(samples: NDArray[np.int16]) -> str:
    from afterbeep.audio.codec import mulaw_encode

    return base64.b64encode(mulaw_encode(samples).tobytes()).decode("ascii")


def _unmulaw(payload: str) -> int:
    """Bytes (= samples) in a base64 mu-law payload, without decoding it."""
    if len(payload) % 4:
        raise ValueError("payload is not base64")
    return len(payload) // 4 * 3 - payload[-2:].count("=")


class _TwilioFarEnd(_FarEnd):
    def opening(self) -> list[str | bytes]:
        from afterbeep.telephony.twilio import twilio_far_end_messages

        connected, start = twilio_far_end_messages(
            stream_sid=self.stream_id,
            call_sid=self.call_id,
            account_sid="AC" + "0" * 32,
            parameters=self.parameters,
        )
        return [connected, start]

    def media_payload(self, payload: str, chunk: int) -> str | bytes:
        # The same message twilio_media_message builds, formatted directly: the simulator
        # sends thousands a second.
        sequence = self._next()
        timestamp = (chunk - 1) * FRAME_MS
        return (
            f'{{"event":"media","sequenceNumber":"{sequence}","media":{{"track":"inbound",'
            f'"chunk":"{chunk}","timestamp":"{timestamp}","payload":"{payload}"}},'
            f'"streamSid":"{self.stream_id}"}}'
        )

    def media(self, samples: NDArray[np.int16], chunk: int) -> str | bytes:
        from afterbeep.telephony.twilio import twilio_media_message

        return twilio_media_message(
            samples,
            stream_sid=self.stream_id,
            sequence=int(self._next()),
            chunk=chunk,
            timestamp_ms=(chunk - 1) * FRAME_MS,
        )

    def parse(self, message: str | bytes) -> tuple[str, Any]:
        return _parse_media_mark_clear(message)

    def mark_echo(self, name: str) -> str | bytes:
        return json.dumps(
            {
                "event": "mark",
                "sequenceNumber": self._next(),
                "streamSid": self.stream_id,
                "mark": {"name": name},
            }
        )

    def closing(self) -> list[str | bytes]:
        stop = {
            "event": "stop",
            "sequenceNumber": self._next(),
            "stop": {"accountSid": "AC" + "0" * 32, "callSid": self.call_id},
            "streamSid": self.stream_id,
        }
        return [json.dumps(stop)]


class _TelnyxFarEnd(_FarEnd):
    def opening(self) -> list[str | bytes]:
        state = base64.b64encode(json.dumps(self.parameters).encode()).decode()
        start = {
            "event": "start",
            "sequence_number": "1",
            "start": {
                "user_id": str(uuid.uuid4()),
                "call_control_id": self.call_id,
                "client_state": state,
                "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
            },
            "stream_id": self.stream_id,
        }
        return [json.dumps({"event": "connected", "version": "1.0.0"}), json.dumps(start)]

    def media(self, samples: NDArray[np.int16], chunk: int) -> str | bytes:
        return json.dumps(
            {
                "event": "media",
                "sequence_number": self._next(),
                "media": {
                    "track": "inbound",
                    "chunk": str(chunk),
                    "timestamp": str((chunk - 1) * FRAME_MS),
                    "payload": _mulaw(samples),
                },
                "stream_id": self.stream_id,
            }
        )

    def parse(self, message: str | bytes) -> tuple[str, Any]:
        return _parse_media_mark_clear(message)

    def mark_echo(self, name: str) -> str | bytes:
        return json.dumps(
            {
                "event": "mark",
                "sequence_number": self._next(),
                "stream_id": self.stream_id,
                "mark": {"name": name},
            }
        )

    def closing(self) -> list[str | bytes]:
        stop = {
            "event": "stop",
            "sequence_number": self._next(),
            "stop": {"call_control_id": self.call_id},
            "stream_id": self.stream_id,
        }
        return [json.dumps(stop)]


class _PlivoFarEnd(_FarEnd):
    def opening(self) -> list[str | bytes]:
        start = {
            "event": "start",
            "sequenceNumber": 0,
            "start": {
                "callId": self.call_id,
                "streamId": self.stream_id,
                "accountId": "MA" + "0" * 18,
                "tracks": ["inbound"],
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000},
            },
            "extra_headers": json.dumps(self.parameters),
        }
        return [json.dumps(start)]

    def media(self, samples: NDArray[np.int16], chunk: int) -> str | bytes:
        return json.dumps(
            {
                "event": "media",
                "sequenceNumber": int(self._next()),
                "streamId": self.stream_id,
                "media": {
                    "track": "inbound",
                    "timestamp": str((chunk - 1) * FRAME_MS),
                    "chunk": chunk,
                    "payload": _mulaw(samples),
                },
            }
        )

    def parse(self, message: str | bytes) -> tuple[str, Any]:
        msg = json.loads(message)
        event = msg.get("event")
        if event == "playAudio":
            return "media", _unmulaw(msg["media"]["payload"])
        if event == "checkpoint":
            return "mark", msg["name"]
        if event == "clearAudio":
            return "clear", None
        return "other", msg

    def mark_echo(self, name: str) -> str | bytes:
        return json.dumps(
            {
                "event": "playedStream",
                "sequenceNumber": int(self._next()),
                "streamId": self.stream_id,
                "name": name,
            }
        )


class _VonageFarEnd(_FarEnd):
    binary_audio = True

    def opening(self) -> list[str | bytes]:
        headers = {"call_uuid": self.call_id, **self.parameters}
        return [
            json.dumps(
                {"event": "websocket:connected", "content-type": "audio/l16;rate=8000", **headers}
            )
        ]

    def media(self, samples: NDArray[np.int16], chunk: int) -> str | bytes:
        return samples.astype("<i2").tobytes()

    def parse(self, message: str | bytes) -> tuple[str, Any]:
        if isinstance(message, bytes):
            return "media", len(message) // 2
        msg = json.loads(message)
        if msg.get("action") == "notify":
            return "mark", msg["payload"]["name"]
        if msg.get("action") == "clear":
            return "clear", None
        return "other", msg

    def mark_echo(self, name: str) -> str | bytes:
        return json.dumps({"event": "websocket:notify", "payload": {"name": name}})

    def samples(self, message: str | bytes) -> NDArray[np.int16]:
        assert isinstance(message, bytes)
        return np.frombuffer(message, dtype="<i2").astype(np.int16)


class _AsteriskFarEnd(_FarEnd):
    """Asterisk's AudioSocket() application: the call's UUID, then 20 ms signed-linear
    frames; afterbeep answers with audio frames and a hangup frame. The protocol carries no
    parameters and no marks: the simulator reads afterbeep's action from its timeline."""

    binary_audio = True
    tcp = True
    marks = False

    def opening(self) -> list[str | bytes]:
        from afterbeep.telephony.audiosocket import KIND_UUID, pack_frame

        return [pack_frame(KIND_UUID, uuid.UUID(self.call_id).bytes)]

    def media(self, samples: NDArray[np.int16], chunk: int) -> str | bytes:
        from afterbeep.telephony.audiosocket import KIND_AUDIO, pack_frame

        return pack_frame(KIND_AUDIO, samples.astype("<i2").tobytes())

    def parse(self, message: str | bytes) -> tuple[str, Any]:
        from afterbeep.telephony.audiosocket import HEADER, KIND_AUDIO, KIND_HANGUP

        if not isinstance(message, bytes) or len(message) < HEADER.size:
            return "other", message
        kind, length = HEADER.unpack_from(message)
        if kind == KIND_AUDIO:
            return "media", length // 2
        if kind == KIND_HANGUP:
            return "hangup", None
        return "other", message

    def mark_echo(self, name: str) -> str | bytes:
        raise TypeError("AudioSocket has no marks")

    def samples(self, message: str | bytes) -> NDArray[np.int16]:
        from afterbeep.telephony.audiosocket import HEADER

        assert isinstance(message, bytes)
        return np.frombuffer(message[HEADER.size :], dtype="<i2").astype(np.int16)


_FAR_ENDS: dict[str, type[_FarEnd]] = {
    "twilio": _TwilioFarEnd,
    "telnyx": _TelnyxFarEnd,
    "plivo": _PlivoFarEnd,
    "vonage": _VonageFarEnd,
    "asterisk": _AsteriskFarEnd,
}


class _TcpLink:
    """An AudioSocket connection with the websocket calls the simulator makes: ``send``,
    iteration over whole frames (until afterbeep closes the socket) and ``close`` (a hangup
    frame, then the socket)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send(self, message: str | bytes) -> None:
        assert isinstance(message, bytes)
        self.writer.write(message)
        await self.writer.drain()

    def __aiter__(self) -> _TcpLink:
        return self

    async def __anext__(self) -> bytes:
        from afterbeep.telephony.audiosocket import read_frame

        try:
            return await read_frame(self.reader)
        except asyncio.IncompleteReadError as error:
            raise StopAsyncIteration from error

    async def close(self) -> None:
        from afterbeep.telephony.audiosocket import KIND_HANGUP, pack_frame

        if not self.writer.is_closing():
            with contextlib.suppress(ConnectionError, OSError):
                await self.send(pack_frame(KIND_HANGUP))
            self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


# ---- results -------------------------------------------------------------------------------


@dataclass(slots=True)
class SimulatedCall:
    """One simulated call: its truth and what afterbeep did, in the call's audio time (ms)."""

    index: int
    call_id: str
    corpus_id: str
    answered_by: str
    mailbox: str | None
    expected: str
    cue_ms: int | None
    beep_end_ms: int | None
    human_greeting_end_ms: int | None
    action: str = "none"
    message_start_ms: float | None = None
    message_latency_ms: float | None = None
    connect_ms: float | None = None
    connect_delay_ms: float | None = None
    played_before_cue_ms: float = 0.0
    media_frames_received: int = 0
    frames_sent: int = 0
    frames_late: int = 0
    playback_gaps: int = 0
    clears: int = 0
    ended_ms: float | None = None
    error: str | None = None
    cause: str | None = None
    server: dict[str, Any] | None = None
    rep_drop_ms: float | None = None
    """When the simulated rep, handed a machine, pressed drop (call audio time)."""
    rep_dropped: bool = False
    """The rep's drop played the message (on the stream that took the call back)."""
    taken_back_ms: float | None = None
    """When afterbeep took back a call it had handed to the rep (the answer was a recording
    after all), by its take-back mark (call audio time)."""
    answered_s: float | None = None
    """When the call's media began, in seconds after the session's first dial."""
    hung_up_first: bool = False
    """The far end hung up before afterbeep did anything: a corpus call labelled
    ``hangup=yes`` ("The mailbox is full. Goodbye.") ends with its recording."""
    operator_key: str | None = None
    """A company menu's key for a person (label ``operator=0``), where the run expects
    afterbeep to press it and hand the call to the rep (``on_menu="operator"``)."""
    keys: str = ""
    """The keys a menu's far end heard pressed (touch tones in what afterbeep sent)."""

    @property
    def correct(self) -> bool:
        """The expected action, or none on a no-drop mailbox that hung up by itself first:
        no message left and no rep kept, as with a skip; on a menu whose key the run
        expects pressed, the rep connected after that key and no other."""
        if not right_action(self.expected, self.action, hung_up_first=self.hung_up_first):
            return False
        return self.operator_key is None or self.keys == self.operator_key

    @property
    def abandoned(self) -> bool:
        """A person's call (the truth) never handed to the rep, or handed over more than
        two seconds after their greeting ended (``is_abandoned``; the engine's own measure
        is ``EngineSettings.abandon_after_ms``)."""
        return is_abandoned(self.answered_by, self.action, self.connect_delay_ms)

    @property
    def right_with_rep(self) -> bool:
        """The right outcome once the rep's drop is counted: a machine the rep was handed
        got its message after all, not before its cue."""
        return self.correct or (self.rep_dropped and self.expected == "drop" and not self.early)

    @property
    def early(self) -> bool:
        """The message started before the labelled cue (beep end, else greeting end)."""
        return (
            self.message_start_ms is not None
            and self.cue_ms is not None
            and self.message_start_ms < self.cue_ms
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            correct=self.correct,
            early=self.early,
            right_with_rep=self.right_with_rep,
            abandoned=self.abandoned,
        )
        return data


def _spread(values: Sequence[float]) -> float | None:
    return round(max(values) - min(values), 2) if values else None


def _stats(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    arr = np.asarray(values, dtype=np.float64)
    return {
        "n": len(values),
        "p50": round(float(np.percentile(arr, 50)), 1),
        "p95": round(float(np.percentile(arr, 95)), 1),
        "max": round(float(arr.max()), 1),
    }


# The hand-over a person should get: with the rep within this long of their greeting's end.
PERSON_TO_REP_MS = 1000.0


def _within(people: Sequence[SimulatedCall], limit_ms: float) -> dict[str, Any]:
    """How many of ``people`` (with a greeting end to time) were handed to the rep within
    ``limit_ms`` of it, and their share."""
    timed = [c for c in people if c.human_greeting_end_ms is not None]
    within = sum(
        1
        for c in timed
        if c.action == "connect"
        and c.connect_delay_ms is not None
        and c.connect_delay_ms <= limit_ms
    )
    return {
        "people": len(timed),
        "within": within,
        "share": round(within / len(timed), 4) if timed else None,
    }


@dataclass(slots=True)
class SimulationReport:
    carrier: str
    url: str
    calls: list[SimulatedCall] = field(default_factory=list)
    wall_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        calls = self.calls
        correct = sum(c.correct for c in calls)
        confusion: dict[str, dict[str, int]] = {}
        for c in calls:
            row = confusion.setdefault(c.expected, {})
            row[c.action] = row.get(c.action, 0) + 1
        drops = [c for c in calls if c.action == "drop" and c.expected == "drop"]
        # People handed to the rep (a menu's call to the rep has no greeting end to time).
        humans = [
            c
            for c in calls
            if c.action == "connect" and c.expected == "connect" and c.connect_delay_ms is not None
        ]
        wrong = [c for c in calls if not c.correct]
        people = [c for c in calls if c.answered_by == "human"]
        return {
            "carrier": self.carrier,
            "calls": len(calls),
            "correct": correct,
            "accuracy": round(correct / len(calls), 4) if calls else None,
            "confusion": confusion,
            "wrong_by_cause": {
                cause: sum(1 for c in wrong if (c.cause or "unknown") == cause)
                for cause in sorted({c.cause or "unknown" for c in wrong})
            },
            "early_starts": sum(c.early for c in calls),
            "messages_to_non_machines": sum(
                1 for c in calls if c.action == "drop" and c.answered_by != "machine"
            ),
            "played_before_cue_ms": round(sum(c.played_before_cue_ms for c in calls), 1),
            # Message start - cue: the beep's end, or a beep-less greeting's end.
            "message_latency_ms": _stats([c.message_latency_ms for c in drops]),  # type: ignore[misc]
            # The same, for the calls whose greeting ends in a beep only.
            "message_after_beep_ms": _stats(
                [c.message_latency_ms for c in drops if c.beep_end_ms is not None]  # type: ignore[misc]
            ),
            "human_connect_ms": _stats([c.connect_delay_ms for c in humans]),  # type: ignore[misc]
            # Of every person answered, those with the rep within 1 s of their greeting's
            # end: the hand-over's p95 counts only those handed over, so a person never
            # handed to the rep would leave it looking better; this share does not
            # (p95 within 1 s holds over every person when the share is at least 0.95).
            "people_to_rep_within_1s": _within(people, PERSON_TO_REP_MS),
            # People (the truth) never handed to the rep, or handed over later than the
            # two-second rule after their greeting: abandoned calls, of the people called
            # (the law's cap is 3% of a campaign's answered calls). "marked": those the
            # server's timelines say abandoned (it cannot know a person it took for a
            # machine and hung up on).
            "abandoned": sum(c.abandoned for c in calls),
            "abandoned_share": (
                round(sum(c.abandoned for c in people) / len(people), 4) if people else None
            ),
            "abandoned_marked": sum(bool((c.server or {}).get("abandoned")) for c in calls),
            "frames_sent": sum(c.frames_sent for c in calls),
            "frames_late": sum(c.frames_late for c in calls),
            "playback_gaps": sum(c.playback_gaps for c in calls),
            "errors": sum(1 for c in calls if c.error),
            "wall_s": round(self.wall_s, 1),
            # From the first call's media to the last one's: how close together they came.
            "answered_over_s": _spread([c.answered_s for c in calls if c.answered_s is not None]),
            # The simulated rep's drops (simulate_calls(rep_drop_after_ms=...)): machines
            # handed to the rep that got their message after all, and how late after the cue.
            "rep_drops": sum(1 for c in calls if c.rep_drop_ms is not None),
            "rep_dropped": sum(c.rep_dropped for c in calls),
            "right_with_rep_drops": sum(c.right_with_rep for c in calls),
            "rep_drop_message_latency_ms": _stats(
                [c.message_latency_ms for c in calls if c.rep_dropped]  # type: ignore[misc]
            ),
            # Calls afterbeep handed to the rep and took back for the drop by itself.
            "taken_back": sum(c.taken_back_ms is not None for c in calls),
            "taken_back_right": sum(c.taken_back_ms is not None and c.correct for c in calls),
            # Mailboxes that hung up by themselves before afterbeep acted (right as skips).
            "hung_up_first": sum(c.hung_up_first for c in calls),
            # Company menus whose key for a person the run expects pressed (on_menu =
            # "operator"), those that got it and went to the rep, and menus that heard any key.
            "menus_to_press": sum(c.operator_key is not None for c in calls),
            "menus_pressed_right": sum(c.operator_key is not None and c.correct for c in calls),
            "menus_with_keys": sum(bool(c.keys) for c in calls),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "per_call": [c.to_dict() for c in self.calls]}


# ---- one call -----------------------------------------------------------------------------


def _truth(call: LabelledCall) -> dict[str, Any]:
    return {
        "answered_by": call.answered_by,
        "mailbox": call.mailbox,
        "beep_end_ms": call.beep_end_ms,
        "greeting_end_ms": call.greeting_end_ms,
        "human_greeting_end_ms": call.human_greeting_end_ms,
        "operator_key": call.operator_key,
    }


class _Call:
    def __init__(
        self,
        index: int,
        labelled: LabelledCall,
        audio: NDArray[np.int16],
        far_end: _FarEnd,
        result: SimulatedCall,
        tail_ms: int,
    ) -> None:
        self.index = index
        self.labelled = labelled
        self.far_end = far_end
        self.far_end_carrier = ""
        self.result = result
        n = audio.size - audio.size % 160
        frames = audio[:n].reshape(-1, 160)
        self.frames = frames
        # A mailbox that hangs up after its greeting does so when its recording ends; the
        # others go on in silence for tail_ms, time for afterbeep to act.
        self.hangs_up = labelled.far_end_hangs_up
        self.total_frames = frames.shape[0] + (0 if self.hangs_up else tail_ms // FRAME_MS)
        self.sent = 0
        self.hanging_up = False
        self.last_sent_at = 0.0
        self.t0 = 0.0
        self.ws: Any = None
        self.closed = asyncio.Event()
        self.connected = asyncio.Event()  # afterbeep handed the call to the rep
        self.playout_end = 0.0  # monotonic time at which queued playback runs out
        self.pending_marks: list[asyncio.TimerHandle] = []
        self.silence = np.zeros(160, dtype=np.int16)
        self.payloads: list[str] | None = None
        self.silence_payload = _mulaw(self.silence)
        self.hangup_ms: float | None = None  # when afterbeep hung up (AudioSocket)
        self.rep_stream = False  # the stream that took the call back for the rep's drop
        self.finished = False  # no stream of this call will come any more
        # A company menu listens for keys (its label names the one for a person): the
        # audio afterbeep sends it is read for touch tones, which are no message.
        self.key_reader = KeyReader(sample_rate=8000) if labelled.operator_key else None
        self.key_frames_ago: int | None = None  # media frames since the last key's tone

    def audio_ms(self, now: float) -> float:
        """The far end's audio clock at ``now``: the end of the last frame sent, plus the time
        since it was sent. A simulator that falls behind its schedule (``frames_late``) so
        does not charge afterbeep with its own delay; afterbeep's delays all count."""
        if self.sent == 0:
            return (now - self.t0) * 1000.0 - FRAME_MS
        return self.sent * FRAME_MS + (now - self.last_sent_at) * 1000.0

    def next_frame(self) -> NDArray[np.int16]:
        i = self.sent
        return self.frames[i] if i < self.frames.shape[0] else self.silence

    def next_message(self) -> str | bytes:
        """The next inbound media message (payloads encoded once per corpus call)."""
        i = self.sent
        if self.payloads is not None:
            payload = self.payloads[i] if i < len(self.payloads) else self.silence_payload
            return self.far_end.media_payload(payload, i + 1)
        return self.far_end.media(self.next_frame(), i + 1)

    def on_message(self, message: str | bytes, now: float) -> None:
        kind, value = self.far_end.parse(message)
        r = self.result
        if kind == "media" and self.key_reader is not None and self._is_key(message):
            # Tones play out like any audio (a mark after them comes back once they have).
            self.playout_end = max(self.playout_end, now) + value / 8000.0
            return
        if kind == "media":
            ms = value / 8.0  # samples at 8 kHz -> ms
            if r.message_start_ms is None:
                r.message_start_ms = round(self.audio_ms(now), 1)
                if r.cue_ms is not None:
                    r.message_latency_ms = round(r.message_start_ms - r.cue_ms, 1)
            if r.cue_ms is None or self.audio_ms(now) < r.cue_ms:
                r.played_before_cue_ms += ms
            if r.media_frames_received and now > self.playout_end + 0.001:
                r.playback_gaps += 1
            self.playout_end = max(self.playout_end, now) + ms / 1000.0
            r.media_frames_received += 1
            if self.rep_stream or r.rep_drop_ms is not None:
                r.rep_dropped = True
            elif r.action == "none" or r.taken_back_ms is not None:
                r.action = "drop"
        elif kind == "mark":
            if value == "afterbeep:take_back":
                # The rep is released; the message follows on this stream. The rep's own
                # drop says so too: that one stays the rep's.
                if r.rep_drop_ms is None and r.taken_back_ms is None:
                    r.taken_back_ms = round(self.audio_ms(now), 1)
            elif value.startswith("afterbeep:") and value not in _PLAYBACK_MARKS:
                action = value.split(":", 1)[1]
                if r.action != "drop" or action == "connect":
                    r.action = action
                if action == "connect" and r.connect_ms is None:
                    self.connected_at(round(self.audio_ms(now), 1))
            # The carrier reports a mark when playout reaches it.
            delay = max(0.0, self.playout_end - now)
            loop = asyncio.get_running_loop()
            self.pending_marks.append(loop.call_later(delay, self._echo, value))
        elif kind == "hangup":
            if self.hangup_ms is None:
                self.hangup_ms = round(self.audio_ms(now), 1)
            # afterbeep is done with the call: send no more audio into a socket it closes.
            self.closed.set()
        elif kind == "clear":
            r.clears += 1
            self.playout_end = now
            for handle in self.pending_marks:
                handle.cancel()

    def _is_key(self, message: str | bytes) -> bool:
        """Whether a media message is part of a key press: a key's tone, or the quiet
        after one (``GAP_MS``); a menu's far end hears the key and no message."""
        reader = self.key_reader
        assert reader is not None
        samples = self.far_end.samples(message)
        if reader.feed(samples) or reader.in_key:
            self.result.keys = reader.keys
            self.key_frames_ago = 0
            return True
        if self.key_frames_ago is None:
            return False
        self.key_frames_ago += 1
        quiet = not samples.size or int(np.abs(samples).max()) < _QUIET_SAMPLE
        return quiet and self.key_frames_ago * FRAME_MS <= GAP_MS

    def connected_at(self, ms: float) -> None:
        """afterbeep handed the call to the rep at audio time ``ms``."""
        r = self.result
        if self.rep_stream:
            return
        r.connect_ms = ms
        self.connected.set()
        if self.labelled.human_greeting_end_ms is not None:
            r.connect_delay_ms = round(ms - self.labelled.human_greeting_end_ms, 1)

    def _echo(self, name: str) -> None:
        if self.ws is not None and not self.closed.is_set():
            asyncio.get_running_loop().create_task(self._send_quietly(self.far_end.mark_echo(name)))

    async def _send_quietly(self, message: str | bytes) -> None:
        try:
            await self.ws.send(message)
        except Exception:
            self.closed.set()


async def _run_tcp_call(call: _Call, url: str, connect_timeout: float) -> None:
    """One AudioSocket call to ``tcp://HOST:PORT``."""
    r = call.result
    host, _, port = url.removeprefix("tcp://").rstrip("/").rpartition(":")
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, int(port)), timeout=connect_timeout
        )
        link = _TcpLink(reader, writer)
        call.ws = link
        for message in call.far_end.opening():
            await link.send(message)
        call.t0 = time.monotonic()
        async for message in link:
            call.on_message(message, time.monotonic())
        writer.close()
    except ConnectionResetError as error:
        # afterbeep hung up and closed the socket while audio was still on its way to it:
        # its kernel answers that audio with a reset, which may come before the end of file.
        if call.hangup_ms is None and r.error is None:
            r.error = f"{type(error).__name__}: {error}"
    except (OSError, asyncio.TimeoutError, ValueError) as error:  # noqa: UP041
        if r.error is None:
            r.error = f"{type(error).__name__}: {error}"
    finally:
        if call.t0:
            r.ended_ms = round(call.audio_ms(time.monotonic()), 1)
        call.closed.set()


async def _run_call(call: _Call, url: str, connect_timeout: float) -> None:
    import websockets

    if call.far_end.tcp:
        await _run_tcp_call(call, url, connect_timeout)
        return
    r = call.result
    try:
        async with websockets.connect(
            url, open_timeout=connect_timeout, max_size=2**20, compression=None
        ) as ws:
            for message in call.far_end.opening():
                await ws.send(message)
            # Media only after the opening: a rep's stream goes on the call's own clock, so
            # the pacer would otherwise send it the moment the socket is there.
            call.ws = ws
            if not call.rep_stream:
                call.t0 = time.monotonic()
            try:
                async for message in ws:
                    call.on_message(message, time.monotonic())
            except websockets.ConnectionClosedError as error:
                r.error = f"stream closed abnormally: {error}"
    except (OSError, asyncio.TimeoutError, Exception) as error:  # noqa: UP041
        if r.error is None:
            r.error = f"{type(error).__name__}: {error}"
    finally:
        if call.t0:
            r.ended_ms = round(call.audio_ms(time.monotonic()), 1)
        call.closed.set()


async def _rep_presses_drop(
    call: _Call, web_url: str, after_ms: float, client: Any
) -> dict[str, Any] | None:
    """The simulated rep, handed a recording, presses drop ``after_ms`` after being
    connected (while the call's first stream may still be open: afterbeep watching the
    answer). Returns afterbeep's answer when it accepted. ``client``: one
    ``httpx.AsyncClient`` for the run (making one per request stalls the pacer)."""
    import httpx

    r = call.result
    waits = [
        asyncio.ensure_future(call.connected.wait()),
        asyncio.ensure_future(call.closed.wait()),
    ]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for wait in waits:
        wait.cancel()
    if r.connect_ms is None:
        return None
    await asyncio.sleep(max(0.0, r.connect_ms + after_ms - call.audio_ms(time.monotonic())) / 1000)
    if r.action != "connect" or r.taken_back_ms is not None or call.sent >= call.total_frames:
        return None  # afterbeep took it back by itself, or the call is over
    r.rep_drop_ms = round(call.audio_ms(time.monotonic()), 1)
    try:
        response = await client.post(
            web_url.rstrip("/") + "/calls/drop",
            json={"carrier": call.far_end_carrier, "call_id": r.call_id},
        )
    except httpx.HTTPError as error:
        r.error = f"rep's drop: {type(error).__name__}: {error}"
        return None
    if response.status_code != 202:
        return None  # refused (already dropped, not with the rep): the call is over
    answer: dict[str, Any] = response.json()
    return answer


async def _rep_stream(call: _Call, url: str, parameters: dict[str, str], timeout: float) -> None:
    """The rep's drop on a call whose stream had ended: the simulator, as the carrier, opens
    the stream afterbeep asks for, from where the call's audio is by then (what the rep
    heard meanwhile is not sent)."""
    r = call.result
    call.far_end = type(call.far_end)(r.call_id, parameters)
    call.rep_stream = True
    call.ws = None  # the pacer waits for the new stream
    call.closed.clear()
    call.hanging_up = False
    call.sent = min(call.total_frames, int((time.monotonic() - call.t0) / (FRAME_MS / 1000.0)))
    call.last_sent_at = time.monotonic()
    call.playout_end = 0.0
    await _run_call(call, url, timeout)


async def _pace(calls: list[_Call]) -> None:
    """One pacer for every call: every ``PACER_TICK_MS`` it sends each call's frames that are
    due on that call's own clock."""
    tick = FRAME_MS / 1000.0
    step = PACER_TICK_MS / 1000.0
    hang_ups: set[asyncio.Task[None]] = set()
    while True:
        # A call between streams (the rep listening before the drop) is not over yet.
        active = [c for c in calls if not c.finished]
        if not active:
            if hang_ups:
                await asyncio.gather(*hang_ups)
            return
        now = time.monotonic()
        sends = []
        for call in active:
            if not call.t0 or call.ws is None or call.closed.is_set():
                continue
            # Frame k holds audio [20k, 20k + 20) ms: it can leave once that audio is over.
            due = min(call.total_frames, int((now - call.t0) / tick))
            while call.sent < due:
                late_ms = (now - (call.t0 + (call.sent + 1) * tick)) * 1000.0
                if late_ms > LATE_MS:
                    call.result.frames_late += 1
                message = call.next_message()
                call.sent += 1
                call.last_sent_at = now
                call.result.frames_sent += 1
                sends.append(call._send_quietly(message))
            # The close handshake must not hold up the clock: hang up in a task of its own.
            if call.sent >= call.total_frames and not call.closed.is_set() and not call.hanging_up:
                call.hanging_up = True
                hang_ups.add(asyncio.create_task(_hang_up(call)))
        # One after the other: on loopback a send finishes at once, and a task per send
        # (gather) costs the simulator twice the CPU at thousands of frames a second.
        for send in sends:
            await send
        next_tick = now + step - (now % step)
        await asyncio.sleep(max(0.0, next_tick - time.monotonic()))


async def _hang_up(call: _Call) -> None:
    """The far end hangs up: its audio ran out (the carrier's stop, where it has one, then
    the close)."""
    r = call.result
    if r.error is None and r.action == "none":
        r.ended_ms = call.audio_ms(time.monotonic())
    r.hung_up_first = call.hangs_up and r.action == "none" and not call.rep_stream
    with contextlib.suppress(Exception):
        for message in call.far_end.closing():
            await call.ws.send(message)
        await call.ws.close()
    call.closed.set()


def _http_base(url: str) -> str:
    base = url.replace("wss://", "https://").replace("ws://", "http://")
    return base.split("/media/")[0]


def _control_headers(control_token: str | None) -> dict[str, str]:
    """What the server's call controls need (its ``telephony.control_token``, if it has one)."""
    return {"Authorization": f"Bearer {control_token}"} if control_token else {}


async def _fetch_timelines(
    web_url: str, call_ids: list[str], control_token: str | None = None
) -> dict[str, dict[str, Any]]:
    """The server's own timelines of these calls (when it is afterbeep's web app)."""
    import httpx

    try:
        async with httpx.AsyncClient(
            timeout=10.0, headers=_control_headers(control_token)
        ) as client:
            response = await client.post(
                web_url.rstrip("/") + "/calls/timelines", json={"call_ids": call_ids}
            )
            response.raise_for_status()
            data = response.json()
    except Exception:
        return {}
    return {row["call_id"]: row for row in data.get("timelines", [])}


# What the detector reads in a machine's words that says "leave no message" (event kinds and
# the engine's end reasons alike).
_NO_DROP = frozenset(
    {"mailbox_full", "mailbox_not_set_up", "mailbox_takes_no_messages", "general_mailbox"}
)


def _cause(call: SimulatedCall) -> str:
    """Why a call got the wrong action: the detector's decision, the engine's
    ``beepless_unread`` setting (a personal mailbox without a beep, its words not read), its
    ``on_hold_line`` setting (a company line handed to the rep), or what the engine did
    otherwise."""
    server = call.server
    if call.error:
        return "transport"
    if server is None:
        return "unknown"
    decision = server.get("decision")
    for event in server.get("events", []):
        if event.get("kind") == "rep_drop":  # the rep corrected it: judge the detector's
            decision = event.get("detector_decision")
    kinds = {e.get("kind") for e in server.get("events", [])}
    truth = call.answered_by
    if truth in ("human", "machine") and decision != truth:
        return "detector"
    if call.expected == "skip" and not kinds & {*_NO_DROP, "compliance_blocked"}:
        return "detector"
    if call.expected == "drop" and server.get("end_reason") in _NO_DROP:
        return "detector"
    if call.expected == "skip" and call.action == "drop" and server.get("end_reason") in _NO_DROP:
        # The no-drop words came after the cue: the message had started when they did.
        return "detector"
    if truth not in ("human", "machine") and decision in ("human", "machine"):
        return "detector"
    if server.get("end_reason") == "beepless_unread":
        return "beepless_unread"  # the engine's setting, on a greeting it could not read
    if server.get("end_reason") == "hold_line":
        return "on_hold_line"  # the engine's setting: a hold line handed to the rep
    if call.expected == "connect" and call.mailbox == "general":
        return "detector"  # a menu whose key was not read (or not the right one)
    return "engine"


async def simulate_calls(
    calls: Sequence[tuple[LabelledCall, NDArray[np.int16]]],
    *,
    url: str,
    carrier: str = "twilio",
    stagger_ms: float = 10.0,
    tail_ms: int = 15_000,
    connect_timeout: float = 20.0,
    progress: Callable[[SimulatedCall], None] | None = None,
    parameters: dict[str, str] | None = None,
    web_url: str | None = None,
    rep_drop_after_ms: float | None = None,
    control_token: str | None = None,
    on_menu: str = "skip",
) -> SimulationReport:
    """Dial every call at once (start times ``stagger_ms`` apart) and wait for all to end.
    ``parameters`` are added to every call's stream parameters. ``web_url`` is the server's
    web app, where its timelines are read (default: ``url``'s host; AudioSocket's ``tcp://``
    URL has none, and without timelines only its drops can be seen). ``rep_drop_after_ms``:
    a simulated rep handed a machine presses drop this long after being connected (the
    rep's drop, ``POST /calls/drop``), and the simulator opens the stream it asks for.
    ``control_token``: the server's call-control token, for the rep's drop and the
    timelines (not needed on this machine when the server has none). ``on_menu``: the
    server's setting of that name, so a menu labelled with its key for a person
    (``operator=0``) is expected to get that key pressed and go to the rep ("operator"),
    or to be skipped ("skip")."""
    if on_menu not in ("skip", "operator"):
        raise ConfigError(f"on_menu must be 'skip' or 'operator', got {on_menu!r}")
    if carrier not in _FAR_ENDS:
        raise ConfigError(f"the simulator speaks {', '.join(SIM_CARRIERS)}; got {carrier!r}")
    if rep_drop_after_ms is not None and _FAR_ENDS[carrier].tcp:
        raise ConfigError("the rep's drop needs a carrier with a web app (not AudioSocket)")
    report = SimulationReport(carrier=carrier, url=url)
    sims: list[_Call] = []
    payload_cache: dict[str, list[str]] = {}
    run_id = uuid.uuid4().hex[:8]
    for index, (labelled, audio) in enumerate(calls):
        call_id = (
            str(uuid.uuid4()) if _FAR_ENDS[carrier].tcp else f"CA{run_id}{index:05d}" + "0" * 17
        )
        params = {
            TRUTH_PARAMETER: json.dumps(_truth(labelled)),
            "afterbeep.corpus_call": labelled.id,
            **(parameters or {}),
        }
        pressed = on_menu == "operator" and labelled.operator_key is not None
        result = SimulatedCall(
            index=index,
            call_id=call_id,
            corpus_id=labelled.id,
            answered_by=labelled.answered_by,
            mailbox=labelled.mailbox,
            expected="connect" if pressed else labelled.expected_action,
            cue_ms=labelled.message_cue_ms,
            beep_end_ms=labelled.beep_end_ms,
            human_greeting_end_ms=labelled.human_greeting_end_ms,
            operator_key=labelled.operator_key if pressed else None,
        )
        far_end = _FAR_ENDS[carrier](call_id, params)
        sim = _Call(index, labelled, audio, far_end, result, tail_ms)
        sim.far_end_carrier = carrier
        if carrier == "twilio":
            if labelled.id not in payload_cache:
                payload_cache[labelled.id] = [_mulaw(frame) for frame in sim.frames]
            sim.payloads = payload_cache[labelled.id]
        sims.append(sim)
        report.calls.append(result)

    if web_url is None and not url.startswith("tcp://"):
        web_url = _http_base(url)
    rep_client: Any = None
    if rep_drop_after_ms is not None:
        import httpx

        rep_client = httpx.AsyncClient(timeout=10.0, headers=_control_headers(control_token))
    began = time.monotonic()

    async def dial(call: _Call) -> None:
        await asyncio.sleep(call.index * stagger_ms / 1000.0)
        rep: asyncio.Task[dict[str, Any] | None] | None = None
        if (
            rep_drop_after_ms is not None
            and web_url is not None
            and call.labelled.answered_by == "machine"
        ):
            rep = asyncio.create_task(
                _rep_presses_drop(call, web_url, rep_drop_after_ms, rep_client)
            )
        await _run_call(call, url, connect_timeout)
        if call.t0:
            call.result.answered_s = round(call.t0 - began, 3)
        answer = await rep if rep is not None else None
        if answer is not None and not answer.get("in_stream") and call.sent < call.total_frames:
            await _rep_stream(call, url, answer["parameters"], connect_timeout)
        call.finished = True
        if progress is not None:
            progress(call.result)

    pacer = asyncio.create_task(_pace(sims))
    try:
        await asyncio.gather(*(dial(c) for c in sims))
        await pacer
    finally:
        if rep_client is not None:
            await rep_client.aclose()
    report.wall_s = time.monotonic() - began
    timelines = (
        await _fetch_timelines(web_url, [c.call_id for c in report.calls], control_token)
        if web_url
        else {}
    )
    for sim in sims:
        result = sim.result
        result.server = timelines.get(result.call_id)
        if not sim.far_end.marks:
            _action_from_timeline(sim)
        if not result.correct:
            result.cause = _cause(result)
    return report


def _action_from_timeline(call: _Call) -> None:
    """Where the wire cannot say what afterbeep did (AudioSocket: audio and a hang-up), its
    timeline does; a person's hand-over is when afterbeep hung up the socket."""
    r = call.result
    if r.server is None or r.action == "drop":
        return
    r.action = r.server.get("action") or "none"
    if r.action == "connect" and call.hangup_ms is not None:
        call.connected_at(call.hangup_ms)


def load_simulation_calls(
    corpus: str | Path, *, count: int
) -> list[tuple[LabelledCall, NDArray[np.int16]]]:
    """``count`` calls from an 8 kHz corpus, cycling through it when it has fewer."""
    loaded = load_corpus(corpus)
    if not len(loaded):
        raise InvalidInput("the corpus has no calls", source=str(corpus))
    cache: dict[str, NDArray[np.int16]] = {}
    calls = list(loaded)
    out = []
    for i in range(count):
        call = calls[i % len(calls)]
        if call.id not in cache:
            samples, rate = read_call_audio(loaded.audio_path(call))
            if rate != 8000:
                raise InvalidInput(
                    f"the simulator plays 8 kHz calls; {call.audio} is {rate} Hz",
                    source=str(corpus),
                    field=call.id,
                )
            cache[call.id] = samples
        out.append((call, cache[call.id]))
    return out


def simulate(
    corpus: str | Path,
    *,
    url: str,
    calls: int,
    carrier: str = "twilio",
    progress: Callable[[SimulatedCall], None] | None = None,
    web_url: str | None = None,
    rep_drop_after_ms: float | None = None,
    control_token: str | None = None,
    answer_over_s: float | None = None,
    on_menu: str = "skip",
) -> SimulationReport:
    """Load ``calls`` calls from ``corpus`` and run them against ``url`` (blocking).
    ``answer_over_s``: the calls are answered evenly over this many seconds, as ring times
    spread a dialer's answers (default: 10 ms apart, all of them within a few seconds).
    ``on_menu``: see ``simulate_calls``."""
    if calls < 1:
        raise ConfigError(f"calls must be at least 1, got {calls}")
    if answer_over_s is not None and not 0 <= answer_over_s <= 600:
        raise ConfigError(f"answer_over_s must be 0-600 seconds, got {answer_over_s}")
    stagger_ms = 10.0 if answer_over_s is None else 1000.0 * answer_over_s / calls
    loaded = load_simulation_calls(corpus, count=calls)
    with asyncio.Runner(loop_factory=_fast_loop_factory()) as runner:
        return runner.run(
            simulate_calls(
                loaded,
                url=url,
                carrier=carrier,
                progress=progress,
                web_url=web_url,
                rep_drop_after_ms=rep_drop_after_ms,
                control_token=control_token,
                stagger_ms=stagger_ms,
                on_menu=on_menu,
            )
        )


def _fast_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (not on Windows): the simulator's own event loop is part
    of what it measures, and a slow one charges afterbeep with the simulator's delays."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
        return None
    return uvloop.new_event_loop


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else math.nan


@dataclass(frozen=True, slots=True)
class LocalServer:
    url: str
    """Base URL, ``http://127.0.0.1:PORT``."""
    pid: int
    audiosocket_url: str | None = None
    """``tcp://127.0.0.1:PORT`` where it takes AudioSocket calls, when asked to."""


@contextlib.contextmanager
def local_server(
    *,
    detector: str = "afterbeep",
    asr: bool = False,
    data_dir: str | Path | None = None,
    timeout_s: float = 30.0,
    audiosocket: bool = False,
    beepless_unread: str | None = None,
    on_menu: str | None = None,
) -> Iterator[LocalServer]:
    """Start ``afterbeep serve`` in a child process on a free loopback port with the given
    detector (``asr``: with greeting speech recognition; ``audiosocket``: also taking
    AudioSocket calls on another free port; ``beepless_unread``, ``on_menu``: the engine
    settings, else the configured ones); yields its URLs and process id and stops it afterwards. A separate
    process, so the simulator and the server each get their own core."""
    import os
    import socket
    import subprocess
    import sys
    import tempfile

    import httpx

    def free_port() -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])

    port = free_port()
    env = dict(
        os.environ,
        AFTERBEEP_TELEPHONY_DETECTOR=detector,
        AFTERBEEP_TELEPHONY_ASR="true" if asr else "false",
    )
    if beepless_unread is not None:
        env["AFTERBEEP_TELEPHONY_BEEPLESS_UNREAD"] = beepless_unread
    if on_menu is not None:
        env["AFTERBEEP_TELEPHONY_ON_MENU"] = on_menu
    audiosocket_url = None
    if audiosocket:
        audio_port = free_port()
        env["AFTERBEEP_AUDIOSOCKET_PORT"] = str(audio_port)
        env["AFTERBEEP_AUDIOSOCKET_HOST"] = "127.0.0.1"
        audiosocket_url = f"tcp://127.0.0.1:{audio_port}"
    with tempfile.TemporaryDirectory(prefix="afterbeep-sim-") as scratch:
        env["AFTERBEEP_DATA_DIR"] = str(data_dir or scratch)
        # The server's log goes to a file: a pipe nobody reads would stop it once full.
        log_path = Path(scratch) / "serve.log"
        log_file = log_path.open("wb")
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from afterbeep.cli import main; main()",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
        log_file.close()
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if child.poll() is not None:
                    err = log_path.read_bytes().decode(errors="replace")
                    raise ConfigError(f"afterbeep serve exited at start-up: {err[-500:]}")
                try:
                    health = httpx.get(base + "/healthz", timeout=1.0)
                    # Up, and with recognition on, its model loaded: calls dialled before
                    # would measure the loading, not the service.
                    if health.status_code == 200 and health.json().get("recognition") != "loading":
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise ConfigError(f"afterbeep serve did not answer on {base} in {timeout_s} s")
                time.sleep(0.2)
            yield LocalServer(url=base, pid=child.pid, audiosocket_url=audiosocket_url)
        finally:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


__all__ = [
    "SIM_CARRIERS",
    "SimulatedCall",
    "SimulationReport",
    "load_simulation_calls",
    "local_server",
    "simulate",
    "simulate_calls",
]
