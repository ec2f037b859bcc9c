"""The media-session engine: one live call's audio in, the right action out.

Owns ``MediaEngine`` (one per process: the shared detector loop, the playout clock, the drop
ledger and the timelines of calls) and ``MediaSession`` (one carrier stream). Per call:
frames in -> detector -> on its events:

- a person (``HumanDetected``): connect the rep at once; where the far end keeps the stream
  open after the hand-over, go on listening while the detector watches the answer, and take
  the call back for the drop when it was a recording after all (``RecordingAfterAll``: a
  prank "Hello? ... Ha, got you!" that ends in a beep), or when the rep asks for the drop;
  where the carrier moves the call to the rep, watch a one-way copy of its audio instead
  (``WATCH`` streams), which asks the carrier to bring the call back for the drop;
- a machine, then its cue (``BeepEnded`` / ``GreetingEnded``): ask the compliance policy,
  then play the message as paced 20 ms frames ``lead_ms`` ahead of real time with a mark at
  the end, and hang up when the carrier reports the mark played;
- a full, not set up or general mailbox, a beep-less greeting whose words were not read
  (``beepless_unread``), a fax, a blocked drop, no decision: skip, hang up;
- somebody talking over the message (barge-in): clear playback and connect the rep.

Every call's timeline (events, beep end, message start, bytes played, end reason) is kept in
memory (``MediaEngine.timelines``) and handed to a ``DropRecorder`` (``afterbeep.store`` rows,
see ``recording``). A drop plays at most once per call (keyed on the carrier's call id), even
when the carrier reconnects the stream, to this process or, with a ``StoreDropLedger``, to
any process sharing its database (see ``ledger``). Must not parse any wire format (see the serializers)
nor open sockets (see ``server``).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from afterbeep.audio.dtmf import key_tones
from afterbeep.detect import (
    BeepEnded,
    BeeplessUnread,
    DetectionEvent,
    FaxDetected,
    GeneralMailbox,
    GreetingEnded,
    GreetingTranscribed,
    HumanDetected,
    MachineDetected,
    MailboxFull,
    MailboxNotSetUp,
    MailboxTakesNoMessages,
    NotSure,
    RecognitionShed,
    RecordingAfterAll,
    Timeout,
)
from afterbeep.detect.evaluate import ABANDON_AFTER_MS
from afterbeep.errors import ConfigError
from afterbeep.telephony._detection import DetectorHub, LiveDetector
from afterbeep.telephony._loop_lag import LoopLag
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
from afterbeep.telephony.ledger import DropLedger, MemoryDropLedger

log = logging.getLogger(__name__)

FRAME_MS = 20
DROP_END_MARK = "afterbeep:drop-end"
# After a company menu's operator key (on_menu = "operator"): the key's tones have played.
KEYS_END_MARK = "afterbeep:keys-end"
ACTION_MARK_PREFIX = "afterbeep:"
# The mark that takes a call handed to the rep back for the drop (release the rep's leg).
TAKE_BACK = "take_back"
ACTIONS = ("drop", "connect", "skip", "none")
# A stream opened with this parameter set to REP_DROP joins a call the rep was handed and
# found to be a recording: drop the message after its beep (see MediaEngine.rep_drop).
MODE_PARAMETER = "afterbeep.mode"
REP_DROP = "drop"
# ... set to WATCH: the carrier's one-way copy of a call just handed to the rep (Twilio
# <Start><Stream> before the <Dial>), watched for a recording after all; set to TAKEN_BACK: the
# call that copy took back from the rep for the drop (dropped on like the rep's drop).
WATCH = "watch"
TAKEN_BACK = "taken_back"


class EngineSettings(BaseModel):
    """Media-engine settings (``[telephony]`` of afterbeep.toml); bad values fail at start-up."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # "afterbeep": the streaming detector; "oracle": the simulator's labels (measurement only).
    detector: Literal["afterbeep", "oracle"] = "afterbeep"
    # Speech recognition of greetings (mailbox full / not set up / company menus, words in
    # the human/machine decision, notes) in the process's recognition worker, never blocking
    # the media loop: off by default; see docs/telephony.md for what it costs.
    asr: bool = False
    # With asr: the calls at once that get it (later ones are detected on timing alone, as
    # their words could not come back in time) and CPU threads per recognition job (the
    # other cores stay with the media loop).
    asr_max_calls: int = Field(16, ge=0, le=100_000)
    # ... and the calls past it have their words recognised once they are known for a
    # machine, only to read a full, not-set-up or company mailbox (their decisions never
    # wait for words; the worker gives up what it cannot hear in time).
    asr_mailbox_beyond_max: bool = True
    asr_cpu_threads: int = Field(1, ge=0, le=64)
    # Recognition in processes of its own, this many jobs at once (0: one per core), for a
    # machine with cores to spare; off (default): one job at a time in a thread of this
    # process, which measured as well or better on two cores (docs/telephony.md).
    asr_processes: bool = False
    asr_workers: int = Field(0, ge=0, le=64)
    # Playback is kept this far ahead of real time: enough to ride out scheduling jitter on a
    # loaded machine, little enough that a clear on barge-in drops at most this much audio.
    lead_ms: int = Field(100, ge=0, le=2000)
    # Barge-in: this long of far-end sound this far above the line's floor during playback.
    barge_in_ms: int = Field(300, ge=40, le=5000)
    barge_in_margin_db: float = Field(18.0, ge=3.0, le=60.0)
    barge_in_min_dbfs: float = Field(-45.0, ge=-90.0, le=0.0)
    # A beep-less greeting whose words were not read (recognition off, or too busy for the
    # call): skip it (default), since beep-less greetings are where full, not-set-up and
    # company mailboxes are and a message is never left on those, drop at its end as at any
    # cue, or connect the rep, who hears a person or drops into a mailbox (see
    # docs/telephony.md for what each costs).
    beepless_unread: BeeplessUnread = "skip"
    # A person must hear the rep within this long of the end of their greeting, or the call
    # counts as abandoned (US: 47 CFR 64.1200(a)(7)(i); UK: Ofcom, the same two seconds).
    abandon_after_ms: int = Field(ABANDON_AFTER_MS, ge=0, le=60_000)
    # No decision (NotSure): hang up (default) or hand the call to the rep.
    on_not_sure: Literal["hang_up", "connect"] = "hang_up"
    # A company line that puts the caller through ("Please hold while we connect your
    # call."; GeneralMailbox.puts_through, from its words): skip it as any company line
    # (default), or hand the call to the rep, who waits for the person on hold.
    on_hold_line: Literal["skip", "connect"] = "skip"
    # A company menu that names the key for a person ("For the operator, press zero.";
    # GeneralMailbox.operator_digit): skip it as any company line (default), or press that
    # key (its touch tones, in-band on the call's stream) and hand the call to the rep, who
    # reaches the front desk and asks for the prospect.
    on_menu: Literal["skip", "operator"] = "skip"
    # A call with no final action after this much audio is ended (stuck far end).
    max_call_ms: int = Field(180_000, ge=5_000, le=3_600_000)
    # A call handed to the rep stays on its stream while the detector watches the answer
    # (DetectorSettings.watch_after_human_ms): a greeting that goes on to a beep is taken
    # back from the rep and gets the message, and the rep's drop plays on the same stream.
    # Where the far end keeps the stream open after the hand-over mark (the simulator, a
    # dialer that bridges the rep itself); with a call control the carrier moves the call to
    # the rep and the stream ends, and the answer is watched on a one-way copy of the call's
    # audio where the carrier can make one (Twilio <Start><Stream>, see hand_over_watched).
    watch_after_hand_over: bool = True

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            first = error.errors()[0]
            name = ".".join(str(part) for part in first["loc"]) or "settings"
            raise ConfigError(f"telephony setting {name!r}: {first['msg']}") from error


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    """A compliance policy's answer: may the message be dropped now? ``rule`` names the rule
    (a dotted id such as ``compliance.calling-hours``) that allowed or blocked it."""

    allowed: bool
    rule: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a policy knows of a call at the moment of the drop."""

    carrier: str
    call_id: str
    parameters: dict[str, str]


@dataclass(frozen=True, slots=True)
class RepDrop:
    """The answer to a rep's drop (``MediaEngine.rep_drop``): accepted or why not
    (``unknown_call``, ``already_dropped``, ``not_with_the_rep``), the parameters of the
    stream that will drop the message, and whether a carrier was asked to open it."""

    accepted: bool
    reason: str
    message: str
    parameters: dict[str, str] | None = None
    redirected: bool = False
    in_stream: bool = False
    """The call's stream was still open (the answer watched): the drop plays on it, and no
    stream needs opening."""


CompliancePolicy = Callable[[CallContext], PolicyDecision]
MessageSource = Callable[[StreamStarted], NDArray[np.int16]]


def allow_all(_: CallContext) -> PolicyDecision:
    """The policy used when none is given: every drop allowed (rule ``none``)."""
    return PolicyDecision(True, rule="none")


class CallControl(Protocol):
    """Acts on the call itself once the engine is done with its stream (e.g. through the
    carrier's REST API: hand it to the rep, hang up). Called in a worker thread.

    A call control may also have ``take_back_for_drop(timeline, parameters) -> bool``: bring
    a call the rep was handed back to a media stream with ``parameters`` (the rep's drop,
    ``MediaEngine.rep_drop``); True when it asked a carrier to. And, to watch a person's answer
    after the hand-over where the carrier can copy a call's audio to a stream while the rep
    talks: ``hand_over_watched(timeline, parameters) -> bool`` (hand the call to the rep and
    open that copy with ``parameters``; True if a copy was asked for, else it was a plain
    hand-over) and ``stop_watching(timeline, stream_id)`` (end the copy)."""

    def act(self, timeline: CallTimeline, action: str) -> None: ...


class DropRecorder(Protocol):
    """Keeps a finished call's timeline (e.g. as a drop row in the store). Both are called
    in a worker thread."""

    def record(self, timeline: CallTimeline) -> None: ...

    def record_notes(self, timeline: CallTimeline) -> None:
        """The call's greeting notes (``timeline.notes``) arrived after it was recorded:
        recognition finishes a greeting's words after a person was handed to the rep."""
        ...


@dataclass(slots=True)
class CallTimeline:
    """Everything that happened on one call, in the call's audio time (ms from answer)."""

    carrier: str
    call_id: str
    stream_id: str
    parameters: dict[str, str]
    started_at: datetime
    events: list[dict[str, Any]] = field(default_factory=list)
    decision: str | None = None
    action: str | None = None
    beep_end_ms: int | None = None
    cue_ms: int | None = None
    decided_ms: int | None = None
    message_start_ms: int | None = None
    message_ms: int = 0
    bytes_played: int = 0
    end_reason: str | None = None
    rule: str | None = None
    audio_ms: int = 0
    streams: int = 1
    ended_at: datetime | None = None
    notes: dict[str, Any] | None = None
    """The rep's notes from the greeting's words (``greeting_notes``); may come after the end."""
    rep_drop_ms: int | None = None
    """When the rep, handed a call that was a recording after all, had it take the drop."""
    taken_back_ms: int | None = None
    """When a call handed to the rep was taken back for the drop, its answer having turned
    out a recording (``RecordingAfterAll``)."""
    person_wait_ms: int | None = None
    """A person's answer: from the end of their greeting, as the detector heard it, to the
    hand-over to the rep (None: no person known to have answered)."""
    abandoned: bool = False
    """A person's answer handed to the rep later than ``EngineSettings.abandon_after_ms``
    after their greeting: an abandoned call, which the campaign's abandoned-call rate
    (the ``abandon`` compliance rules) counts."""

    @property
    def finished(self) -> bool:
        return self.end_reason is not None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data["ended_at"] = self.ended_at.isoformat() if self.ended_at else None
        data["parameters"] = {
            k: v for k, v in self.parameters.items() if not k.startswith("afterbeep.truth")
        }
        return data


def greeting_notes(event: GreetingTranscribed) -> dict[str, Any]:
    """What a call keeps of the detector's notes for the rep (JSON-ready): ``name_wav`` is
    the name as the prospect said it, a WAV file in base64 (a second or less: ~20 kB)."""
    return {
        "transcript": event.transcript,
        "spoken_name": event.spoken_name,
        "name_span_ms": list(event.name_span_ms) if event.name_span_ms else None,
        "name_wav": base64.b64encode(event.name_wav).decode("ascii") if event.name_wav else None,
        "words_per_minute": event.words_per_minute,
        "formality": event.formality,
        "speaker": event.extra.get("speaker"),
        "at_ms": event.at_ms,
    }


@functools.lru_cache(maxsize=8)
def default_message(*, sample_rate: int, seconds: float = 3.0) -> NDArray[np.int16]:
    """A stand-in message when no recording is configured: a soft chime, then a low hum.
    Made once per rate and shared by every call (read-only)."""
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    tone = np.where(t < 0.4, np.sin(2 * np.pi * 660 * t), np.sin(2 * np.pi * 330 * t) * 0.6)
    envelope = np.minimum(1.0, np.minimum(t / 0.02, (seconds - t) / 0.05))
    message = (tone * envelope * 0.2 * 32767).astype(np.int16)
    message.flags.writeable = False
    return message


def _call_time_now(timeline: CallTimeline) -> int:
    """Where a call's audio is now, for a stream that joins it: the time since its first
    stream opened (the rep may have listened meanwhile), at least as far as its audio has
    reached, in whole frames."""
    elapsed = datetime.now(UTC) - timeline.started_at
    wall_ms = round(elapsed.total_seconds() * 1000 / FRAME_MS) * FRAME_MS
    return max(wall_ms, timeline.audio_ms)


def _energy_dbfs(samples: NDArray[np.int16]) -> float:
    if samples.size == 0:
        return -120.0
    x = samples.astype(np.float32)
    power = float(np.dot(x, x)) / samples.size / (32768.0 * 32768.0)
    return 10.0 * math.log10(power + 1e-12)


def _in_worker(work: Callable[[CallTimeline], None], timeline: CallTimeline, *, what: str) -> None:
    """Run ``work(timeline)`` in a worker thread (at once, outside an event loop); a failure
    is logged, never raised into the media loop."""

    def _run() -> None:
        try:
            work(timeline)
        except Exception:
            log.exception("%s failed", what)

    try:
        asyncio.get_running_loop().run_in_executor(None, _run)
    except RuntimeError:
        _run()


class MediaEngine:
    """One per process: creates sessions and runs what they share."""

    def __init__(
        self,
        settings: EngineSettings | None = None,
        *,
        message: MessageSource | None = None,
        policy: CompliancePolicy | None = None,
        recorder: DropRecorder | None = None,
        call_control: CallControl | None = None,
        hub: DetectorHub | None = None,
        ledger: DropLedger | None = None,
        keep_timelines: int = 10_000,
    ) -> None:
        self.settings = settings or EngineSettings()
        if hub is None:
            from afterbeep.detect import DetectorSettings

            hub = DetectorHub(
                detector=self.settings.detector,
                settings=DetectorSettings.from_config(
                    asr=self.settings.asr, asr_cpu_threads=self.settings.asr_cpu_threads
                ),
                asr_max_calls=self.settings.asr_max_calls,
                asr_mailbox_beyond=self.settings.asr_mailbox_beyond_max,
                asr_workers=self.settings.asr_workers,
                asr_processes=self.settings.asr_processes,
            )
            hub.warm_up()
        self.hub = hub
        self.message = message or (lambda start: default_message(sample_rate=start.sample_rate))
        self.policy = policy or allow_all
        self.recorder = recorder
        self.call_control = call_control
        self.timelines: dict[tuple[str, str], CallTimeline] = {}
        self._keep = keep_timelines
        # Which calls' messages have started; shared by processes when it is a StoreDropLedger.
        self.ledger: DropLedger = ledger or MemoryDropLedger()
        self._playing: list[MediaSession] = []
        self._ticker: asyncio.Task[None] | None = None
        self.sessions_open = 0
        self.loop_lag = LoopLag()  # sampled while streams are open
        self.listeners: list[Callable[[CallTimeline], None]] = []
        # Calls handed to the rep whose stream is still open, the answer watched; and those
        # whose answer is watched on the carrier's copy of the call (a stream of its own).
        self.watching: dict[tuple[str, str], MediaSession] = {}
        self.copies: dict[tuple[str, str], MediaSession] = {}

    def session(self, carrier: str, *, marks: bool = True) -> MediaSession:
        """A session for one new stream of ``carrier``; ``marks``: whether the protocol reports
        playback marks (else the drop ends when its audio has had time to play)."""
        return MediaSession(self, carrier, marks=marks)

    def stats(self) -> dict[str, Any]:
        """What the engine is doing (streams open, messages playing, calls watched after the
        hand-over on their own stream and on the carrier's copy, timelines kept, of them the
        people handed to the rep and those handed over too late: ``CallTimeline.abandoned``),
        how late the event loop ran (``LoopLag.stats``) and its detection's
        ``DetectorHub.stats``."""
        timelines = list(self.timelines.values())
        return {
            "streams_open": self.sessions_open,
            "playing": len(self._playing),
            "watching": len(self.watching),
            "watching_copies": len(self.copies),
            "timelines": len(timelines),
            "people": sum(t.person_wait_ms is not None for t in timelines),
            "abandoned": sum(t.abandoned for t in timelines),
            "loop_lag_ms": self.loop_lag.stats(),
            "detection": self.hub.stats(),
        }

    def _stream_opened(self) -> None:
        self.sessions_open += 1
        self.loop_lag.watch(lambda: self.sessions_open > 0)

    # -- the drop ledger -------------------------------------------------------------------
    def claim_drop(self, key: tuple[str, str]) -> bool:
        """True once per call: the caller may start the message; later callers may not."""
        return self.ledger.claim(key)

    def already_dropped(self, key: tuple[str, str]) -> bool:
        return self.ledger.claimed(key)

    def _timeline_for(self, carrier: str, start: StreamStarted) -> CallTimeline:
        key = (carrier, start.call_id)
        timeline = self.timelines.get(key)
        if timeline is not None:
            timeline.streams += 1
            timeline.stream_id = start.stream_id
            if not self.ledger.claimed(key):  # the stream was cut before any message: go on
                timeline.end_reason = None
                timeline.ended_at = None
            return timeline
        timeline = CallTimeline(
            carrier=carrier,
            call_id=start.call_id,
            stream_id=start.stream_id,
            parameters=dict(start.parameters),
            started_at=datetime.now(UTC),
        )
        self.timelines[key] = timeline
        while len(self.timelines) > self._keep:
            self.timelines.pop(next(iter(self.timelines)))
        return timeline

    def _finished(self, timeline: CallTimeline) -> None:
        self._tell_listeners(timeline)
        if self.recorder is not None:
            _in_worker(self.recorder.record, timeline, what=f"recording call {timeline.call_id}")

    def _notes_after_end(self, timeline: CallTimeline) -> None:
        """A finished call's greeting notes arrived: listeners hear the timeline again and
        the recorder adds the notes to what it stored."""
        self._tell_listeners(timeline)
        if self.recorder is not None:
            _in_worker(
                self.recorder.record_notes,
                timeline,
                what=f"recording the notes of call {timeline.call_id}",
            )

    def _tell_listeners(self, timeline: CallTimeline) -> None:
        for listener in list(self.listeners):
            try:
                listener(timeline)
            except Exception:
                log.exception("timeline listener failed")

    def _act_on_call(self, timeline: CallTimeline, action: str) -> None:
        control = self.call_control
        if control is None:
            return
        watched = getattr(control, "hand_over_watched", None)
        if action == "connect" and watched is not None and self.watches_hand_overs:
            parameters = {**timeline.parameters, MODE_PARAMETER: WATCH}

            def _act(timeline: CallTimeline) -> None:
                watched(timeline, parameters)

        else:

            def _act(timeline: CallTimeline) -> None:
                control.act(timeline, action)

        _in_worker(_act, timeline, what=f"call control for call {timeline.call_id} ({action})")

    @property
    def watches_hand_overs(self) -> bool:
        """Whether a person's answer is watched after the hand-over (a greeting that goes on
        to a beep is taken back for the drop): ``watch_after_hand_over`` with the afterbeep
        detector and ``watch_after_human_ms`` over 0."""
        return (
            self.settings.watch_after_hand_over
            and self.hub.detector == "afterbeep"
            and self.hub.settings.watch_after_human_ms > 0
        )

    def _end_watch(
        self, timeline: CallTimeline, stream_id: str, take_back: dict[str, str] | None
    ) -> None:
        """A copy of a call with the rep is over: ask the carrier to end it, then, if the
        answer was a recording, to bring the call back to a stream with ``take_back``."""
        control = self.call_control
        stop = getattr(control, "stop_watching", None)
        take = getattr(control, "take_back_for_drop", None)

        def _act(timeline: CallTimeline) -> None:
            try:
                if stop is not None:
                    stop(timeline, stream_id)
            finally:
                if take_back is not None and take is not None:
                    take(timeline, take_back)

        _in_worker(_act, timeline, what=f"ending the watch of call {timeline.call_id}")

    # -- the rep's drop --------------------------------------------------------------------
    def rep_drop(self, carrier: str, call_id: str) -> RepDrop:
        """The rep was handed this call and heard a recording (a prank "Hello? ... Ha, got
        you!", a greeting that paused like a person): have it take the message after all.

        Allowed once the call was handed to the rep and while no message has started for it.
        The call control brings the call back to a stream with ``MODE_PARAMETER`` set to
        ``REP_DROP`` (for Twilio, TwiML ``<Connect><Stream>``, which ends the rep's leg); that
        stream drops the message after the beep, or at once on a quiet line. Without a call
        control for the carrier (simulated calls, a dialer of its own) the answer carries the
        stream parameters for whoever opens that stream. While the call's stream is still
        open (its answer watched after the hand-over) the drop is made on that stream
        instead, in the media loop (``RepDrop.in_stream``). Runs the carrier's REST call:
        call it outside the media loop.
        """
        key = (carrier, call_id)
        timeline = self.timelines.get(key)
        if timeline is None:
            return RepDrop(False, "unknown_call", f"no call {call_id!r} of {carrier} is known")
        if self.ledger.claimed(key):
            return RepDrop(False, "already_dropped", "its message has already been played")
        watched = self.watching.get(key)
        if watched is not None and watched.loop is not None:
            # Its stream is still open: the drop is made on it (in the media loop).
            watched.loop.call_soon_threadsafe(watched.rep_drop_in_stream)
            return RepDrop(
                True, "accepted", "", parameters=dict(timeline.parameters), in_stream=True
            )
        if not timeline.finished or timeline.action != "connect":
            return RepDrop(
                False,
                "not_with_the_rep",
                f"only a call handed to the rep can take the rep's drop (it is "
                f"{timeline.action or 'in progress'})",
            )
        parameters = {**timeline.parameters, MODE_PARAMETER: REP_DROP}
        take_back = getattr(self.call_control, "take_back_for_drop", None)
        redirected = bool(take_back(timeline, parameters)) if take_back is not None else False
        return RepDrop(True, "accepted", "", parameters=parameters, redirected=redirected)

    # -- the playout clock -----------------------------------------------------------------
    def _start_playing(self, session: MediaSession) -> None:
        self._playing.append(session)
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while self._playing:
            now = time.monotonic()
            for session in list(self._playing):
                if not session._play_step(now):
                    self._playing.remove(session)
            await asyncio.sleep(FRAME_MS / 1000 / 2)


class MediaSession:
    """One carrier stream of one call. The transport feeds ``handle``; ``outbox`` holds the
    frames to send, ending with an ``EndCall`` after which the transport closes the stream."""

    def __init__(self, engine: MediaEngine, carrier: str, *, marks: bool) -> None:
        self.engine = engine
        self.carrier = carrier
        self.marks = marks
        self.outbox: asyncio.Queue[OutFrame] = asyncio.Queue()
        self.timeline: CallTimeline | None = None
        self._start: StreamStarted | None = None
        self._detector: LiveDetector | None = None
        self._samples_in = 0
        self._rate = 8000
        self._decision: str | None = None
        self._done = False
        self._recorded = False  # this stream handed the timeline to the recorder
        # The call's audio time at this stream's first frame: 0, but for a stream that joins
        # a call the rep asked to drop (its audio times are the call's, from the answer).
        self._offset_ms = 0
        # ... and at the detector's first frame (later for a detector that replaced the
        # first one: the rep's drop on a watched stream).
        self._events_offset_ms = 0
        # Handed to the rep, the stream open while the answer is watched: until this audio
        # time (None: not watching).
        self._watch_until: int | None = None
        self._handed_over = False
        # A one-way copy of a call with the rep (mode WATCH): never plays, watched until
        # this audio time.
        self._copy_until: int | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._recent: deque[NDArray[np.int16]] = deque(maxlen=50)  # the last second
        self._loud_frames = 0
        # playback
        self._message: NDArray[np.int16] | None = None
        self._frame_size = 160
        self._sent_frames = 0
        self._total_frames = 0
        self._play_started = 0.0
        self._playing = False
        self._awaiting_mark = False
        self._barge_floor = -120.0
        self._keys: str | None = None  # the menu keys being pressed (instead of a message)

    # -- input -----------------------------------------------------------------------------
    @property
    def audio_ms(self) -> int:
        """The call's audio time of this stream's latest frame, in ms from the answer."""
        return self._offset_ms + self._samples_in * 1000 // self._rate

    @property
    def ended(self) -> bool:
        return self._done

    def handle(self, frame: InFrame) -> None:
        """Act on one inbound frame (never raises for a frame of a well-formed stream)."""
        if self._done:
            return
        if isinstance(frame, StreamStarted):
            self._on_start(frame)
            return
        if self._start is None:
            return
        if isinstance(frame, AudioIn):
            self._on_audio(frame.samples)
        elif isinstance(frame, MarkReached):
            if frame.name == DROP_END_MARK and self._awaiting_mark and self._keys is None:
                self._finish("drop", "completed")
            elif frame.name == KEYS_END_MARK and self._awaiting_mark and self._keys is not None:
                self._keys_pressed()
        elif isinstance(frame, StreamStopped):
            self.stream_lost(frame.reason)
        elif isinstance(frame, (DtmfIn, PlaybackCleared)):
            pass

    def stream_lost(self, reason: str = "far end hung up") -> None:
        """The stream ended without our ``EndCall`` (hang-up, socket cut, protocol error)."""
        if self._done or self._start is None:
            self._done = True
            self._close_detector()
            return
        if self._copy_until is not None:
            self._end_copy(f"the copy ended: {reason}", stop=False)
            return
        if self._keys is not None:
            self._finish("none", "far_end_hangup", send=False)  # it went while we pressed
        elif self._playing or self._awaiting_mark:
            self._finish("drop", "far_end_hangup", send=False)
        elif self._watch_until is not None:
            self._finish("connect", "human", send=False)  # the rep has the call
        else:
            end = "protocol_error" if reason.startswith("protocol") else "far_end_hangup"
            self._finish("none", end, send=False, note=reason)

    def _on_start(self, start: StreamStarted) -> None:
        if self._start is not None:
            return
        self._start = start
        self._rate = start.sample_rate
        self._frame_size = start.sample_rate // 50
        engine = self.engine
        mode = start.parameters.get(MODE_PARAMETER)
        if mode == WATCH:
            self._on_copy_start(start)
            return
        rep_drop = mode in (REP_DROP, TAKEN_BACK)
        self.timeline = timeline = engine._timeline_for(self.carrier, start)
        engine._stream_opened()
        if engine.already_dropped((self.carrier, start.call_id)):
            # The carrier reconnected a call whose message already started: never again.
            self._finish("none", "already_dropped")
            return
        if rep_drop:
            if timeline.streams > 1:
                self._offset_ms = _call_time_now(timeline)
            self._decision = "machine"
            if mode == REP_DROP:
                self._note(
                    "rep_drop", self._offset_ms, detector_decision=timeline.decision or "none"
                )
                timeline.rep_drop_ms = self._offset_ms
            timeline.decision = "machine"
        self._open_detector(machine_known=rep_drop, offset_ms=self._offset_ms)

    def _on_copy_start(self, start: StreamStarted) -> None:
        """The carrier's one-way copy of a call it handed to the rep: watched for
        ``watch_after_human_ms`` for an answer that goes on to a beep (``RecordingAfterAll``),
        which takes the call back for the drop (``MediaEngine._end_watch``). It never sends
        audio; a copy of a call not with the rep (unknown, dropped, taken back) is ended."""
        engine = self.engine
        key = (self.carrier, start.call_id)
        timeline = engine.timelines.get(key)
        if timeline is None or timeline.action != "connect" or engine.already_dropped(key):
            log.info("call %s: a copy of a call not with the rep, ended", start.call_id)
            self._done = True
            self._send(EndCall(action="none", reason="not_with_the_rep"))
            return
        self.timeline = timeline
        timeline.streams += 1
        engine._stream_opened()
        self._offset_ms = _call_time_now(timeline)
        self._copy_until = self._offset_ms + engine.hub.settings.watch_after_human_ms
        engine.copies[key] = self
        self._note("watch_start", self._offset_ms, stream_id=start.stream_id)
        self._open_detector(machine_known=False, watching=True, offset_ms=self._offset_ms)

    def _end_copy(self, reason: str, *, stop: bool = True, take_back: bool = False) -> None:
        """The end of a copy of a call with the rep: the carrier is asked to end it
        (``stop``) and, ``take_back``, to bring the call back to a stream for the drop."""
        timeline = self.timeline
        start = self._start
        assert timeline is not None
        assert start is not None
        self._done = True
        self._copy_until = None
        if self.engine.copies.get((self.carrier, start.call_id)) is self:
            del self.engine.copies[(self.carrier, start.call_id)]
        self._note("watch_end", self.audio_ms, reason=reason)
        self._close_detector()
        self.engine.sessions_open -= 1
        if stop:
            self._send(EndCall(action="none", reason="watch_over"))
        if stop or take_back:
            parameters = {**timeline.parameters, MODE_PARAMETER: TAKEN_BACK} if take_back else None
            self.engine._end_watch(timeline, start.stream_id, parameters)

    def _open_detector(
        self, *, machine_known: bool, offset_ms: int, watching: bool = False
    ) -> None:
        """Detection from this frame on (``offset_ms``: the call's audio time here)."""
        start = self._start
        assert start is not None
        self._events_offset_ms = offset_ms
        # ``watching`` only for a copy, so a hub that cannot watch still serves every other
        # stream.
        extra = {"watching": True} if watching else {}
        try:
            self._detector = self.engine.hub.open(
                sample_rate=start.sample_rate,
                parameters=start.parameters,
                sink=self._on_events,
                machine_known=machine_known,
                offset_ms=offset_ms,
                **extra,
            )
        except ConfigError as error:
            log.warning("call %s: %s", start.call_id, error)
            self._finish("none", "detector_unavailable", note=str(error))

    def _on_audio(self, samples: NDArray[np.int16]) -> None:
        self._samples_in += samples.size
        timeline = self.timeline
        assert timeline is not None
        timeline.audio_ms = max(timeline.audio_ms, self.audio_ms)
        if (self._playing or self._awaiting_mark) and self._keys is None:
            # (A menu talks on over its keys: that is no person barging in.)
            self._check_barge_in(_energy_dbfs(samples))
        else:
            self._recent.append(samples)  # levels are computed only if a message starts
        if self._detector is not None:
            self._detector.push(samples)
        if self._copy_until is not None and not self._done:
            if timeline.rep_drop_ms is not None or timeline.action != "connect":
                self._end_copy("the call left the rep")
            elif self.audio_ms >= self._copy_until and self._heard_all():
                self._end_copy("the answer was a person's")
            return
        if (
            self._watch_until is not None
            and self.audio_ms >= self._watch_until
            and self._heard_all()
        ):
            self._finish("connect", "human")
        if self.audio_ms > self.engine.settings.max_call_ms and not self._done:
            self._finish("none", "timeout")

    def _heard_all(self) -> bool:
        """Whether the watch may end here: its detector is made to read every frame come so
        far (the hub reads a batch behind the socket, and a beep in its last frames takes
        the call back), and it still watches after that."""
        if self._detector is not None:
            self._detector.catch_up()
        return not self._done and (self._copy_until is not None or self._watch_until is not None)

    def _check_barge_in(self, level: float) -> None:
        s = self.engine.settings
        if level > max(self._barge_floor + s.barge_in_margin_db, s.barge_in_min_dbfs):
            self._loud_frames += 1
        else:
            self._loud_frames = 0
        if self._loud_frames * FRAME_MS >= s.barge_in_ms:
            self._send(ClearPlayback())
            self._stop_playing()
            self._note("barge_in", self.audio_ms)
            # Somebody talked over the message: a person, whose greeting the cue took for
            # over (the message started then).
            timeline = self.timeline
            if timeline is not None and timeline.cue_ms is not None:
                self._person_waited(timeline.cue_ms)
            self._finish("connect", "cancelled")

    def _person_waited(self, greeting_end_ms: int) -> None:
        """A person's answer goes to the rep now; their greeting ended at call time
        ``greeting_end_ms``: how long they waited, and whether that abandoned the call."""
        timeline = self.timeline
        if timeline is None or timeline.person_wait_ms is not None:
            return
        wait = max(0, self.audio_ms - greeting_end_ms)
        timeline.person_wait_ms = wait
        timeline.abandoned = wait > self.engine.settings.abandon_after_ms
        if timeline.abandoned:
            log.info(
                "call %s: a person waited %d ms for the rep (over %d ms): abandoned",
                timeline.call_id,
                wait,
                self.engine.settings.abandon_after_ms,
            )

    # -- detector events -------------------------------------------------------------------
    def _note(self, kind: str, at_ms: int, **extra: Any) -> None:
        if self.timeline is not None:
            self.timeline.events.append(
                {"kind": kind, "at_ms": at_ms, "received_ms": self.audio_ms, **extra}
            )

    def _on_events(self, events: list[DetectionEvent]) -> None:
        for event in events:
            if isinstance(event, GreetingTranscribed):
                self._keep_notes(event)
            if self._done:
                continue  # only notes still count once the call is over
            if self._keys is not None:
                continue  # the menu's key is on its way: the call goes to the rep
            extra: dict[str, Any] = {}
            if isinstance(event, RecognitionShed):
                extra = {"stage": event.stage, "expected_wait_ms": event.expected_wait_ms}
            self._note(
                event.kind,
                self._events_offset_ms + event.at_ms,
                emitted_ms=self._events_offset_ms + event.emitted_ms,
                **extra,
            )
            if self._copy_until is not None:
                self._on_copy_event(event)
            else:
                self._on_event(event)

    def _on_copy_event(self, event: DetectionEvent) -> None:
        """On a copy of a call with the rep only a recording after all counts: the call is
        taken back for the drop, which its new stream plays (its cue is looked for there)."""
        if not isinstance(event, RecordingAfterAll):
            return
        timeline = self.timeline
        assert timeline is not None
        timeline.decision = "machine"
        timeline.taken_back_ms = self._events_offset_ms + event.at_ms
        self._end_copy("a recording after all", take_back=True)

    def _keep_notes(self, event: GreetingTranscribed) -> None:
        timeline = self.timeline
        if timeline is None:
            return
        timeline.notes = greeting_notes(event)
        if self._done and timeline.finished and self._recorded:
            self.engine._notes_after_end(timeline)

    def _on_event(self, event: DetectionEvent) -> None:
        timeline = self.timeline
        assert timeline is not None
        if self._decision is None and isinstance(
            event, (HumanDetected, MachineDetected, FaxDetected, NotSure)
        ):
            self._decision = {
                HumanDetected: "human",
                MachineDetected: "machine",
                FaxDetected: "fax",
                NotSure: "not_sure",
            }[type(event)]
            timeline.decision = self._decision
            timeline.decided_ms = self.audio_ms
        if isinstance(event, HumanDetected):
            self._person_waited(self._events_offset_ms + event.at_ms)
            if self._can_watch():
                self._hand_over()
            else:
                self._finish("connect", "human")
        elif isinstance(event, RecordingAfterAll):
            self._take_back()
        elif isinstance(event, FaxDetected):
            self._finish("none", "fax")
        elif isinstance(event, NotSure):
            if self.engine.settings.on_not_sure == "connect":
                self._finish("connect", "not_sure")
            else:
                self._finish("none", "not_sure")
        elif isinstance(event, MailboxFull):
            self._finish("skip", "mailbox_full")
        elif isinstance(event, MailboxNotSetUp):
            self._finish("skip", "mailbox_not_set_up")
        elif isinstance(event, MailboxTakesNoMessages):
            self._finish("skip", "mailbox_takes_no_messages")
        elif isinstance(event, GeneralMailbox):
            if event.puts_through and self.engine.settings.on_hold_line == "connect":
                self._finish("connect", "hold_line")
            elif event.operator_digit and self.engine.settings.on_menu == "operator":
                self._press_keys(event.operator_digit)
            else:
                self._finish("skip", "general_mailbox")
        elif isinstance(event, Timeout):
            self._finish("none", "timeout")
        elif isinstance(event, (BeepEnded, GreetingEnded)):
            if isinstance(event, BeepEnded):
                timeline.beep_end_ms = self._events_offset_ms + event.at_ms
            timeline.cue_ms = self._events_offset_ms + event.at_ms
            if (
                isinstance(event, GreetingEnded)
                and event.words_say_person
                and timeline.rep_drop_ms is None
                and timeline.taken_back_ms is None
            ):
                # Taken for a machine by timing, but its words are a person's answer: the
                # rep, late, rather than a recorded message to a person.
                self._person_waited(self._events_offset_ms + event.at_ms)
                self._finish("connect", "person_words")
                return
            unread = self.engine.settings.beepless_unread
            if (
                isinstance(event, GreetingEnded)
                and not event.words_read
                and unread != "drop"
                # The rep who asked for the drop heard the greeting; a call taken back
                # went past its beep.
                and timeline.rep_drop_ms is None
                and timeline.taken_back_ms is None
            ):
                # "connect": the rep hears what the words could not tell (a person, or a
                # mailbox the rep can drop the message into).
                self._finish("skip" if unread == "skip" else "connect", "beepless_unread")
                return
            self._on_cue()

    # -- a person's answer, watched ------------------------------------------------------
    def _can_watch(self) -> bool:
        engine = self.engine
        return (
            engine.settings.watch_after_hand_over
            and self.marks
            and engine.call_control is None
            and engine.hub.detector == "afterbeep"
            and engine.hub.settings.watch_after_human_ms > 0
        )

    def _hand_over(self) -> None:
        """Connect the rep (the action mark) and keep the stream while the answer is watched."""
        timeline = self.timeline
        start = self._start
        assert timeline is not None
        assert start is not None
        timeline.action = "connect"
        self._handed_over = True
        self._watch_until = self.audio_ms + self.engine.hub.settings.watch_after_human_ms
        try:
            self.loop = asyncio.get_running_loop()  # where the rep's drop is to be made
        except RuntimeError:
            self.loop = None
        self.engine.watching[(self.carrier, start.call_id)] = self
        self._send(SendMark(name=ACTION_MARK_PREFIX + "connect"))

    def _stop_watching(self) -> None:
        if self._watch_until is None:
            return
        self._watch_until = None
        if self._start is not None:
            self.engine.watching.pop((self.carrier, self._start.call_id), None)

    def _take_back(self, reason: str = "recording_after_all") -> None:
        """The call handed to the rep is a recording: take it back for the drop (the mark
        tells the far end to release the rep), which plays at the cue."""
        if self._watch_until is None:
            return
        self._stop_watching()
        timeline = self.timeline
        assert timeline is not None
        self._decision = "machine"
        timeline.decision = "machine"
        timeline.action = None
        if reason == "rep_drop":
            timeline.rep_drop_ms = self.audio_ms
        else:
            timeline.taken_back_ms = self.audio_ms
        self._send(SendMark(name=ACTION_MARK_PREFIX + TAKE_BACK))

    def rep_drop_in_stream(self) -> None:
        """The rep asked for the drop while the stream is still open: from here the call is
        a known machine (a new detector, which looks only for the cue), as a stream opened
        for the rep's drop would be."""
        if self._done or self._watch_until is None:
            return
        timeline = self.timeline
        assert timeline is not None
        self._note("rep_drop", self.audio_ms, detector_decision=timeline.decision or "none")
        self._take_back("rep_drop")
        self._close_detector()
        self._open_detector(machine_known=True, offset_ms=self.audio_ms)

    def _on_cue(self) -> None:
        start = self._start
        assert start is not None
        assert self.timeline is not None
        context = CallContext(self.carrier, start.call_id, dict(start.parameters))
        try:
            verdict = self.engine.policy(context)
        except Exception as error:  # a broken policy blocks: never drop unchecked
            log.exception("compliance policy failed for call %s", start.call_id)
            verdict = PolicyDecision(False, rule="compliance.error", reason=str(error))
        self.timeline.rule = verdict.rule or None
        if not verdict.allowed:
            self._note("compliance_blocked", self.audio_ms, rule=verdict.rule)
            self._finish("skip", "compliance_blocked", note=verdict.reason)
            return
        if not self.engine.claim_drop((self.carrier, start.call_id)):
            self._finish("none", "already_dropped")
            return
        self._begin_playback()

    # -- playback --------------------------------------------------------------------------
    def _begin_playback(self) -> None:
        start = self._start
        timeline = self.timeline
        assert start is not None
        assert timeline is not None
        self._play(np.asarray(self.engine.message(start), dtype=np.int16))
        # The line's floor: a quiet moment of the last second (the greeting's pauses, the
        # gap around the beep), not its median, which a long greeting would lift.
        levels = sorted(_energy_dbfs(frame) for frame in self._recent)
        self._barge_floor = levels[len(levels) // 5] if levels else -90.0
        self._loud_frames = 0
        timeline.action = "drop"
        timeline.message_start_ms = self.audio_ms
        timeline.message_ms = self._total_frames * FRAME_MS

    def _play(self, audio: NDArray[np.int16]) -> None:
        """Play ``audio`` (whole frames, padded with silence) from now on: what is due goes
        out at once, the rest on the engine's playback tick."""
        size = self._frame_size
        if audio.size % size:
            audio = np.concatenate([audio, np.zeros(size - audio.size % size, np.int16)])
        self._message = audio
        self._total_frames = audio.size // size
        self._sent_frames = 0
        self._play_started = time.monotonic()
        self._playing = True
        self._play_step(self._play_started)
        if self._playing:
            self.engine._start_playing(self)

    def _press_keys(self, keys: str) -> None:
        """Press a company menu's ``keys`` (their touch tones on the stream, paced as a
        message); the call goes to the rep once they have played (``_keys_pressed``). No
        message is left, so neither the compliance policy nor the drop ledger is asked."""
        self._keys = keys
        self._note("keys_pressed", self.audio_ms, keys=keys)
        self._play(key_tones(keys, sample_rate=self._rate))

    def _keys_pressed(self) -> None:
        keys = self._keys or ""
        self._finish("connect", "operator", note=f"pressed {keys} for a person")

    def _play_step(self, now: float) -> bool:
        """Send what is due; False once nothing more is to be sent."""
        if not self._playing or self._done or self._message is None:
            return False
        lead = self.engine.settings.lead_ms
        due = int((now - self._play_started) * 1000 + lead) // FRAME_MS + 1
        due = min(due, self._total_frames)
        size = self._frame_size
        while self._sent_frames < due:
            i = self._sent_frames
            chunk = self._message[i * size : (i + 1) * size]
            self._send(PlayAudio(samples=chunk))
            self._sent_frames += 1
            assert self.timeline is not None
            if self._keys is None:  # the message's bytes (a menu's key is not one)
                self.timeline.bytes_played += chunk.size  # one byte per sample on G.711
        if self._sent_frames >= self._total_frames:
            self._playing = False
            self._awaiting_mark = True
            if self.marks:
                self._send(SendMark(name=DROP_END_MARK if self._keys is None else KEYS_END_MARK))
            else:
                remaining = self._total_frames * FRAME_MS / 1000 - (now - self._play_started)
                asyncio.get_running_loop().call_later(
                    max(0.0, remaining) + FRAME_MS / 1000, self._played_without_marks
                )
            return False
        return True

    def _played_without_marks(self) -> None:
        if self._awaiting_mark and not self._done:
            if self._keys is not None:
                self._keys_pressed()
            else:
                self._finish("drop", "completed")

    def _stop_playing(self) -> None:
        self._playing = False
        self._awaiting_mark = False

    # -- the end ---------------------------------------------------------------------------
    def _send(self, frame: OutFrame) -> None:
        self.outbox.put_nowait(frame)

    def _finish(self, action: str, end_reason: str, *, send: bool = True, note: str = "") -> None:
        if self._done:
            return
        if self._copy_until is not None:  # a copy of a call with the rep has no action
            self._end_copy(end_reason, stop=send)
            return
        self._done = True
        self._stop_playing()
        self._stop_watching()
        timeline = self.timeline
        # A stream turned away because the call's message already played leaves the call's
        # outcome to the stream that played it.
        record = timeline is not None and not timeline.finished and end_reason != "already_dropped"
        if timeline is not None and not record:
            self._note("stream_end", self.audio_ms, action=action, reason=end_reason)
        if timeline is not None and record:
            if timeline.action != "drop" or action == "connect":
                timeline.action = action
            timeline.end_reason = end_reason
            timeline.ended_at = datetime.now(UTC)
            self._note("end", self.audio_ms, action=action, reason=end_reason, note=note)
        if send:
            if self.marks and action != "drop" and not (self._handed_over and action == "connect"):
                self._send(SendMark(name=ACTION_MARK_PREFIX + action))
            self._send(EndCall(action=action, reason=end_reason))
            if timeline is not None and record:
                self.engine._act_on_call(timeline, action)
        self._close_detector()
        if timeline is not None:
            self.engine.sessions_open -= 1
        if timeline is not None and record:
            self._recorded = True
            self.engine._finished(timeline)

    def _close_detector(self) -> None:
        if self._detector is not None:
            detector, self._detector = self._detector, None
            detector.close()


__all__ = [
    "ACTIONS",
    "DROP_END_MARK",
    "KEYS_END_MARK",
    "MODE_PARAMETER",
    "REP_DROP",
    "TAKEN_BACK",
    "TAKE_BACK",
    "WATCH",
    "CallContext",
    "CallControl",
    "CallTimeline",
    "CompliancePolicy",
    "DropRecorder",
    "EngineSettings",
    "MediaEngine",
    "MediaSession",
    "MessageSource",
    "PolicyDecision",
    "RepDrop",
    "allow_all",
    "default_message",
    "greeting_notes",
]
