"""A prank greeting end to end, over a real websocket on loopback: the real detector hands
it to the rep and goes on listening; the simulated rep presses drop, or, when the rep does
not, afterbeep takes the call back by itself at the beep; either way the message plays after
the beep, on the call's stream."""

from __future__ import annotations

import asyncio

import numpy as np
from telephony_helpers import GUARD_TOKEN, beep, line_floor, talk

from afterbeep.detect.corpus import LabelledCall
from afterbeep.telephony.simulator import simulate_calls


def _prank():
    """'Hello?', 1.6 s as if listening, the rest of the greeting (3 s), a beep, the line."""
    parts = [line_floor(300), talk(500), line_floor(1600), talk(3000), line_floor(300)]
    beep_end = sum(p.size for p in parts) // 8 + 300
    audio = np.concatenate([*parts, beep(300), line_floor(2500)])
    call = LabelledCall(
        id="prank",
        audio="prank.wav",
        answered_by="machine",
        mailbox="personal",
        beep_end_ms=beep_end,
        greeting_end_ms=beep_end - 600,
        human_greeting_end_ms=None,
        notes="",
    )
    return call, np.clip(audio, -32768, 32767).astype(np.int16)


def test_a_prank_handed_to_the_rep_gets_its_message_after_the_beep(real_detector_server):
    call, audio = _prank()
    report = asyncio.run(
        simulate_calls(
            [(call, audio)],
            url=real_detector_server.media_url(),
            tail_ms=1000,
            rep_drop_after_ms=800,
        )
    )
    [result] = report.calls
    assert result.error is None
    assert result.action == "connect"  # the detector's, on "Hello?" and its quiet
    assert not result.correct
    assert result.rep_drop_ms is not None
    # Pressed 800 ms after being connected: the event loop's timers are millisecond-grained
    # (one may fire a fraction of a millisecond early), and it may run late on a loaded
    # machine.
    assert result.connect_ms + 795 <= result.rep_drop_ms <= result.connect_ms + 1500
    assert result.rep_dropped
    assert result.taken_back_ms is None  # the rep's drop, not afterbeep's
    assert result.right_with_rep
    assert not result.early
    assert 0 <= result.message_latency_ms <= 200  # after the beep, as any drop
    timeline = result.server
    assert timeline["action"] == "drop"
    assert timeline["end_reason"] == "completed"
    assert timeline["streams"] == 1  # the stream was still open: the drop played on it
    assert timeline["decision"] == "machine"
    summary = report.summary()
    assert (summary["rep_drops"], summary["rep_dropped"], summary["right_with_rep_drops"]) == (
        1,
        1,
        1,
    )
    assert summary["early_starts"] == 0


def test_without_the_rep_afterbeep_takes_the_prank_back_at_its_beep(real_detector_server):
    call, audio = _prank()
    report = asyncio.run(
        simulate_calls([(call, audio)], url=real_detector_server.media_url(), tail_ms=1000)
    )
    [result] = report.calls
    assert result.error is None
    assert result.connect_ms is not None  # handed to the rep first
    assert result.taken_back_ms is not None
    assert result.action == "drop"
    assert result.correct
    assert not result.early
    assert 0 <= result.message_latency_ms <= 200
    assert result.rep_drop_ms is None
    assert not result.rep_dropped
    timeline = result.server
    assert (timeline["action"], timeline["decision"], timeline["streams"]) == ("drop", "machine", 1)
    assert timeline["taken_back_ms"] is not None
    summary = report.summary()
    assert (summary["rep_drops"], summary["taken_back"], summary["taken_back_right"]) == (0, 1, 1)


def test_behind_a_control_token_the_reps_drop_needs_it(guarded_server):
    call, audio = _prank()

    def run(token):
        report = asyncio.run(
            simulate_calls(
                [(call, audio)],
                url=guarded_server.media_url(),
                tail_ms=1000,
                rep_drop_after_ms=800,
                control_token=token,
            )
        )
        return report.calls[0]

    refused = run("rep-desk-" + "0" * 24)
    # Refused (401): the timelines cannot be read either. The call itself goes on: afterbeep
    # takes the prank back by itself at its beep, and the message plays after it.
    assert refused.rep_drop_ms is not None
    assert refused.server is None
    assert refused.error is None
    assert refused.played_before_cue_ms == 0
    assert 0 <= refused.message_latency_ms <= 200
    accepted = run(GUARD_TOKEN)
    assert accepted.rep_dropped
    assert accepted.server["action"] == "drop"
    kinds = [e["kind"] for e in accepted.server["events"]]
    assert "rep_drop" in kinds, kinds
    assert accepted.server["taken_back_ms"] is None  # the rep's drop, not afterbeep's
