"""Typed events the streaming detector emits.

Every event carries two audio times, in milliseconds from the start of the call's audio:

- ``at_ms``: the moment in the audio the event is about (e.g. where the beep ended);
- ``emitted_ms``: the end of the frame whose arrival produced the event. The detector never
  looks ahead, so ``emitted_ms >= at_ms`` always, and a media engine acting on the event
  cannot act before ``emitted_ms``. Evaluation measures latency from ``emitted_ms``.

Decision events (``HumanDetected``, ``MachineDetected``, ``NotSure``) say who answered; at most
one of them per call. A person's answer may later be found a recording after all
(``RecordingAfterAll``, followed by its cue): the call is then taken back for the drop. Cue events (``BeepEnded``, ``GreetingEnded``) say when a message may
start. Mailbox events say a message must not be dropped (``MailboxFull``, ``MailboxNotSetUp``,
``MailboxTakesNoMessages``, ``GeneralMailbox``) or carry notes for the rep (``GreetingTranscribed``); ``RecognitionShed``
says a live call's words were not heard because recognition was too busy.
This module holds data only: no detection logic, no carrier or audio I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args


@dataclass(frozen=True, slots=True, kw_only=True)
class DetectionEvent:
    at_ms: int
    emitted_ms: int

    @property
    def kind(self) -> str:
        """Stable snake-case name used in JSON output, e.g. ``beep_ended``."""
        return _KIND_NAMES[type(self)]


@dataclass(frozen=True, slots=True, kw_only=True)
class HumanDetected(DetectionEvent):
    """A live person answered. ``at_ms`` is the end of their greeting."""

    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MachineDetected(DetectionEvent):
    """An answering machine or voicemail answered. ``at_ms`` is when that became clear."""

    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingAfterAll(DetectionEvent):
    """An answer handed over as a person's went on as a recording: take the call back from
    the rep. Either it ended in a beep (a prank greeting: "Hello?", a pause as if listening,
    "Ha, got you! ..."; ``at_ms`` is the beep's end, and its ``BeepEnded`` cue, or a no-drop
    event when the words say a company line or a full mailbox, follows at once), or its words
    offered a company's menu ("Thank you for calling Acme." <pause> "For sales, press one
    ..."; ``at_ms`` is the end of its speech so far, and ``GeneralMailbox`` follows: no
    drop), or, with no pause as long as a person's wait for the rep, went on to ask for a
    message and then went quiet ("Hi, Robert here." <1 s> "Please leave a message.";
    ``at_ms`` is the end of its speech, and its cue follows as a machine's). Only after a
    ``HumanDetected``, and only while the detector watches the person's answer
    (``watch_after_human_ms``)."""

    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FaxDetected(DetectionEvent):
    """A fax or modem tone answered."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NotSure(DetectionEvent):
    """No confident decision by the detector's decision deadline."""

    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class BeepEnded(DetectionEvent):
    """The (last) beep tone ended at ``at_ms``: a message may start now.

    ``words_heard``: some of the greeting's words were read by the beep, so its mailbox
    (full, not set up, a company's) was known or could have been; False when recognition is
    off or every reading was refused (too busy) or not back yet: the message then starts on
    the beep alone. The share of cues without words is what a service's recognition is short
    of (``DetectorHub.stats``)."""

    frequency_hz: float = 0.0
    duration_ms: int = 0
    words_heard: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class GreetingEnded(DetectionEvent):
    """A machine greeting ended with no beep; ``at_ms`` is the end of its speech.

    ``words_read``: its words were recognised from its start up to its last speech, say a
    recording (or a person: ``words_say_person``) and named no mailbox that takes no
    message. False when recognition is off, its last words were refused (too busy) or not
    back by the cue, or its words say nothing of a recording (noise behind a person read as
    words is no mailbox's greeting): beep-less greetings are where full,
    not-set-up and company mailboxes are, so a media engine may choose not to drop on one it
    could not read (``EngineSettings.beepless_unread``).

    ``words_say_person``: its words, read to its end, are a person's answer and nothing of a
    recording's ("Good afternoon, Lakeside Insurance, Julie speaking."): the machine was
    decided by timing alone (a long business answer, words not in time for the decision at
    a burst), and no message may be played to a person. Also set, its words not all read,
    as soon as those read so far carry a person's mark that a reading cut short cannot fake
    ("Kim speaking", "how can I help"): then ``at_ms`` is the speech's end so far, not a
    recording's greeting end, and the person may still be talking. A media engine hands
    the call to the rep instead; there is no beep, so it is never set after one.

    ``words_heard``: some of its words were read by the cue (as ``BeepEnded``'s)."""

    words_read: bool = False
    words_say_person: bool = False
    words_heard: bool = False


# What a dialer may do at a ``GreetingEnded`` whose words were not read: the media engine's
# ``beepless_unread`` setting and the evaluation's reading of it.
BeeplessUnread = Literal["skip", "drop", "connect"]
BEEPLESS_UNREAD: tuple[str, ...] = get_args(BeeplessUnread)


@dataclass(frozen=True, slots=True, kw_only=True)
class MailboxFull(DetectionEvent):
    """The greeting says the mailbox is full: do not drop."""

    transcript: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MailboxNotSetUp(DetectionEvent):
    """The greeting says the mailbox is not set up: do not drop."""

    transcript: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MailboxTakesNoMessages(DetectionEvent):
    """A beep-less system message sends the caller away ("please try again later") without
    inviting a message (full or not set up, the words did not say which): do not drop."""

    transcript: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class GeneralMailbox(DetectionEvent):
    """A company directory, department line or menu: do not drop; try 0 for an operator.

    ``puts_through``: its words put the caller through to a person instead of taking a
    message (a hold or transfer prompt, a queue, a recording notice: "Please hold while we
    connect your call."), with no menu and no invitation to leave a message."""

    transcript: str = ""
    operator_digit: str | None = None
    puts_through: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class GreetingTranscribed(DetectionEvent):
    """Notes for the rep from the greeting: transcript, the name as spoken (its words, its time
    span and ``name_wav``, the clip itself as a mono PCM16 WAV file, so the rep hears how the
    prospect says it), pace, formality."""

    transcript: str = ""
    spoken_name: str | None = None
    name_span_ms: tuple[int, int] | None = None
    words_per_minute: float | None = None
    formality: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    name_wav: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecognitionShed(DetectionEvent):
    """Speech recognition was too busy to hear this call in time (live calls, see
    ``DetectorSettings.asr_max_wait_ms``). ``stage`` says what was given up from ``at_ms``:
    ``decision`` (timing alone decides who answered; the words may still read a machine's
    mailbox), ``mailbox`` or ``notes`` (the call goes on as with recognition off, and asks
    again at a later pause, with what followed, in case the worker has caught up)."""

    stage: str = ""
    expected_wait_ms: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeout(DetectionEvent):
    """The call's audio went on past the detector's total time limit with no cue."""

    stage: str = ""


_KIND_NAMES: dict[type[DetectionEvent], str] = {
    HumanDetected: "human_detected",
    MachineDetected: "machine_detected",
    RecordingAfterAll: "recording_after_all",
    FaxDetected: "fax_detected",
    NotSure: "not_sure",
    BeepEnded: "beep_ended",
    GreetingEnded: "greeting_ended",
    MailboxFull: "mailbox_full",
    MailboxNotSetUp: "mailbox_not_set_up",
    MailboxTakesNoMessages: "mailbox_takes_no_messages",
    GeneralMailbox: "general_mailbox",
    GreetingTranscribed: "greeting_transcribed",
    RecognitionShed: "recognition_shed",
    Timeout: "timeout",
}

DECISION_EVENTS = (HumanDetected, MachineDetected, FaxDetected, NotSure)
MESSAGE_CUE_EVENTS = (BeepEnded, GreetingEnded)
NO_DROP_EVENTS = (MailboxFull, MailboxNotSetUp, MailboxTakesNoMessages, GeneralMailbox)

__all__ = [
    "BEEPLESS_UNREAD",
    "DECISION_EVENTS",
    "MESSAGE_CUE_EVENTS",
    "NO_DROP_EVENTS",
    "BeepEnded",
    "BeeplessUnread",
    "DetectionEvent",
    "FaxDetected",
    "GeneralMailbox",
    "GreetingEnded",
    "GreetingTranscribed",
    "HumanDetected",
    "MachineDetected",
    "MailboxFull",
    "MailboxNotSetUp",
    "MailboxTakesNoMessages",
    "NotSure",
    "RecognitionShed",
    "RecordingAfterAll",
    "Timeout",
]
