"""The media engine's action on each no-drop event, with a scripted detector."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from afterbeep.detect import (
    GeneralMailbox,
    MachineDetected,
    MailboxFull,
    MailboxNotSetUp,
    MailboxTakesNoMessages,
)
from afterbeep.telephony import DetectorHub, MediaEngine
from afterbeep.telephony._detection import LiveDetector
from afterbeep.telephony.frames import AudioIn, EndCall, StreamStarted


class _Scripted(LiveDetector):
    def __init__(self, sink, events):
        self._sink = sink
        self._events = events

    def push(self, samples):
        if self._events:
            events, self._events = self._events, []
            self._sink(events)

    def close(self):
        return []


class _ScriptedHub(DetectorHub):
    def __init__(self, events):
        super().__init__()
        self._script = events

    def open(self, *, sample_rate, parameters, sink):
        return _Scripted(sink, list(self._script))


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (MailboxFull(at_ms=900, emitted_ms=1000), "mailbox_full"),
        (MailboxNotSetUp(at_ms=900, emitted_ms=1000), "mailbox_not_set_up"),
        (MailboxTakesNoMessages(at_ms=900, emitted_ms=1000), "mailbox_takes_no_messages"),
        (GeneralMailbox(at_ms=900, emitted_ms=1000, operator_digit="0"), "general_mailbox"),
    ],
)
def test_each_no_drop_event_skips_the_message_and_says_why(event, reason):
    machine = MachineDetected(at_ms=800, emitted_ms=800, reason="long greeting")
    engine = MediaEngine(hub=_ScriptedHub([machine, event]))

    async def call():
        session = engine.session("twilio")
        session.handle(StreamStarted(call_id="CA1", stream_id="MZ1"))
        session.handle(AudioIn(samples=np.zeros(160, dtype=np.int16)))
        sent = []
        while not session.outbox.empty():
            sent.append(session.outbox.get_nowait())
        return sent

    sent = asyncio.run(call())
    timeline = engine.timelines[("twilio", "CA1")]
    assert (timeline.action, timeline.end_reason) == ("skip", reason)
    assert timeline.message_start_ms is None
    assert any(isinstance(frame, EndCall) and frame.action == "skip" for frame in sent)
