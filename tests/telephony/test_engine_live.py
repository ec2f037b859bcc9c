"""The media engine behind the real web app, driven by the call simulator over loopback
sockets: right actions, never before the cue, once per call, policy and barge-in.

The oracle detector reads each call's labels, so these tests judge engine and transport.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest
from telephony_helpers import RecordingHttp
from telephony_helpers import twilio_stream as _stream

from afterbeep.telephony import PolicyDecision
from afterbeep.telephony.simulator import simulate_calls


def _run(live_server, calls, carrier="twilio"):
    return asyncio.run(
        simulate_calls(calls, url=live_server.media_url(carrier), carrier=carrier, tail_ms=2500)
    )


def test_every_kind_of_call_gets_the_right_action_and_never_before_the_cue(live_server, make_call):
    kinds = ["human", "machine", "machine-nobeep", "full", "general", "fax"]
    calls = [make_call(kind, seed=i, cue_ms=1500 + 100 * i) for i, kind in enumerate(kinds * 2)]
    report = _run(live_server, calls)
    summary = report.summary()
    assert summary["errors"] == 0
    assert [c.action for c in report.calls] == [c.expected for c in report.calls]
    assert summary["early_starts"] == 0
    assert summary["played_before_cue_ms"] == 0
    for call in report.calls:
        if call.action == "drop":
            assert call.message_latency_ms is not None
            assert call.message_latency_ms >= 0
            assert call.media_frames_received >= 50  # the whole 1 s message arrived
            assert call.server["bytes_played"] == 8000
            assert call.server["end_reason"] == "completed"  # after the final mark came back
        if call.action == "connect":
            assert call.connect_delay_ms is not None
            assert call.connect_delay_ms >= 0
        if call.expected == "skip":
            assert call.media_frames_received == 0
    # The media loop's lateness was sampled while the calls' streams were open.
    lag = live_server.engine.stats()["loop_lag_ms"]
    assert lag["samples"] >= 10
    assert lag["p95"] is not None


@pytest.mark.parametrize("carrier", ["twilio", "telnyx"])
def test_a_mailbox_that_hangs_up_first_is_a_right_skip_and_ends_the_stream(
    live_server, make_call, carrier
):
    """A full mailbox labelled ``hangup=yes`` whose audio ends before the (oracle's) reading
    of its greeting: the far end sends its stop and hangs up then, not 2.5 s later."""
    labelled, samples = make_call("full", seed=3, cue_ms=2400)
    hangs_up = dataclasses.replace(labelled, id="full-hangs-up", notes="hangup=yes")
    waits = dataclasses.replace(labelled, id="full-waits")
    # The oracle reads "full" at the greeting's end (2000 ms): the audio ends before it.
    short = samples[: 8 * 1500]
    report = _run(live_server, [(hangs_up, short), (waits, short)], carrier=carrier)
    first, second = report.calls
    assert (first.action, first.hung_up_first, first.correct) == ("none", True, True)
    assert first.ended_ms is not None
    assert first.ended_ms < 1700
    assert first.server["end_reason"] == "far_end_hangup"
    ends = [e["note"] for e in first.server["events"] if e["kind"] == "end"]
    assert ends == ["stop"]  # the carrier's stop came before the close
    # The same audio without the label goes on in silence: afterbeep skips it itself.
    assert (second.action, second.hung_up_first, second.correct) == ("skip", False, True)
    assert second.server["end_reason"] == "mailbox_full"
    assert report.summary()["hung_up_first"] == 1


@pytest.mark.parametrize("carrier", ["twilio", "vonage"])
def test_a_menu_hears_its_operator_key_and_the_call_goes_to_the_rep(
    operator_server, make_call, carrier
):
    """on_menu = "operator": the far end, a menu labelled ``operator=0``, reads the key's
    touch tones in what afterbeep sends (mu-law JSON for Twilio, linear16 for Vonage); a menu
    whose labels name no key, and a personal mailbox, are left as without the setting."""
    labelled, samples = make_call("general", seed=4, cue_ms=2000)
    menu = dataclasses.replace(labelled, id="menu", notes="style=menu; operator=0")
    no_key = dataclasses.replace(labelled, id="closed-office")
    calls = [(menu, samples), (no_key, samples), make_call("machine", seed=5, cue_ms=1800)]
    report = asyncio.run(
        simulate_calls(
            calls,
            url=operator_server.media_url(carrier),
            carrier=carrier,
            tail_ms=2500,
            on_menu="operator",
        )
    )
    pressed, skipped, dropped = report.calls
    assert (pressed.expected, pressed.action, pressed.keys, pressed.correct) == (
        "connect",
        "connect",
        "0",
        True,
    )
    assert pressed.server["end_reason"] == "operator"
    # The rep is connected once the key has played out (200 ms of tone and pause).
    pressed_at = next(e for e in pressed.server["events"] if e["kind"] == "keys_pressed")
    assert pressed.connect_ms - pressed_at["received_ms"] >= 150
    assert pressed.message_start_ms is None  # the key's tones are no message
    assert pressed.played_before_cue_ms == 0
    assert [e["keys"] for e in pressed.server["events"] if e["kind"] == "keys_pressed"] == ["0"]
    assert (skipped.action, skipped.keys, skipped.correct) == ("skip", "", True)
    assert (dropped.action, dropped.correct) == ("drop", True)
    summary = report.summary()
    assert (summary["menus_to_press"], summary["menus_pressed_right"]) == (1, 1)
    assert summary["early_starts"] == 0


def test_a_menu_the_run_expects_pressed_is_wrong_when_skipped(live_server, make_call):
    # The server skips menus (on_menu = "skip"); the run expected the key: not right.
    labelled, samples = make_call("general", seed=4, cue_ms=2000)
    menu = dataclasses.replace(labelled, id="menu", notes="style=menu; operator=0")
    report = asyncio.run(
        simulate_calls(
            [(menu, samples)], url=live_server.media_url("twilio"), tail_ms=2500, on_menu="operator"
        )
    )
    (call,) = report.calls
    assert (call.expected, call.action, call.keys, call.correct) == ("connect", "skip", "", False)
    assert call.cause == "detector"


@pytest.mark.parametrize("carrier", ["telnyx", "plivo", "vonage"])
def test_other_carriers_run_the_same_engine(live_server, make_call, carrier):
    calls = [make_call(kind, seed=i) for i, kind in enumerate(["human", "machine", "full"])]
    report = _run(live_server, calls, carrier=carrier)
    assert [c.action for c in report.calls] == ["connect", "drop", "skip"]
    assert report.summary()["early_starts"] == 0
    drop = report.calls[1]
    assert drop.server["end_reason"] == "completed"  # the carrier's mark/notify came back


def test_a_reconnected_stream_never_plays_the_drop_twice(live_server, make_call):
    _, samples = make_call("machine", cue_ms=1800)
    call_sid = "CA" + "7" * 32
    url = live_server.media_url()
    first_media, _ = asyncio.run(_stream(url, call_sid, samples, cut_after_media=5))
    second_media, second_marks = asyncio.run(_stream(url, call_sid, samples))
    assert first_media >= 5
    assert second_media == 0
    assert second_marks == ["afterbeep:none"]
    timeline = live_server.engine.timelines[("twilio", call_sid)]
    assert timeline.streams == 2
    assert timeline.action == "drop"
    assert timeline.end_reason == "far_end_hangup", timeline.to_dict()


def test_two_streams_of_one_call_at_once_play_one_message(live_server, make_call):
    _, samples = make_call("machine", cue_ms=1800)
    call_sid = "CA" + "8" * 32
    url = live_server.media_url()

    async def both():
        return await asyncio.gather(
            _stream(url, call_sid, samples), _stream(url, call_sid, samples)
        )

    (media_a, _), (media_b, _) = asyncio.run(both())
    assert sorted([media_a, media_b])[0] == 0
    assert max(media_a, media_b) >= 50


def test_a_compliance_policy_can_block_the_drop_and_is_named(live_server, make_call):
    engine = live_server.engine

    def policy(context):
        if context.parameters.get("afterbeep.corpus_call") == "machine-99":
            return PolicyDecision(False, rule="compliance.calling-hours", reason="after 9 pm")
        return PolicyDecision(True, rule="none")

    engine.policy = policy
    try:
        report = _run(live_server, [make_call("machine", seed=99), make_call("machine", seed=3)])
    finally:
        from afterbeep.telephony import allow_all

        engine.policy = allow_all
    blocked, allowed = report.calls
    assert blocked.action == "skip"
    assert blocked.media_frames_received == 0
    assert blocked.server["end_reason"] == "compliance_blocked"
    assert blocked.server["rule"] == "compliance.calling-hours"
    assert allowed.action == "drop"


def test_a_broken_policy_blocks_rather_than_drops_unchecked(live_server, make_call):
    engine = live_server.engine

    def policy(context):
        raise RuntimeError("rules database unreachable")

    engine.policy = policy
    try:
        report = _run(live_server, [make_call("machine", seed=4)])
    finally:
        from afterbeep.telephony import allow_all

        engine.policy = allow_all
    [call] = report.calls
    assert call.action == "skip"
    assert call.server["rule"] == "compliance.error"


def test_talking_over_the_message_clears_playback_and_connects_the_rep(live_server, make_call):
    report = _run(live_server, [make_call("machine", seed=6, loud_after_cue_ms=900)])
    [call] = report.calls
    assert call.clears == 1
    assert call.action == "connect"
    assert call.server["end_reason"] == "cancelled"
    assert call.server["message_start_ms"] is not None
    assert 0 < call.server["bytes_played"] < 8000
    # Somebody answered who heard a recording from the cue on: their wait for the rep is
    # counted from it to the barge-in.
    [barge_in] = [e for e in call.server["events"] if e["kind"] == "barge_in"]
    assert call.server["person_wait_ms"] == barge_in["at_ms"] - call.server["cue_ms"] > 0
    assert call.server["abandoned"] is False


def test_twilio_call_control_hands_people_to_the_rep_and_hangs_up_after_the_drop(
    live_server, make_call
):
    from afterbeep.telephony import RestCallControl, TelephonySettings, TwilioCalls

    api = RecordingHttp(status=200)
    settings = TelephonySettings(
        public_url="https://dialer.example.com",
        twilio_account_sid="AC" + "a" * 32,
        twilio_auth_token="t",
    )
    engine = live_server.engine
    engine.call_control = RestCallControl(TwilioCalls(settings, http_client=api))
    try:
        report = asyncio.run(
            simulate_calls(
                [make_call("human", seed=1), make_call("machine", seed=2)],
                url=live_server.media_url(),
                tail_ms=2500,
                parameters={"afterbeep.rep_number": "+12065550199"},
            )
        )
        # The REST calls run in worker threads once each stream has ended.
        for _ in range(200):
            if len(api.requests) >= 2:
                break
            time.sleep(0.05)
    finally:
        engine.call_control = None
    human, machine = report.calls
    by_call = {r["uri"].rsplit("/", 1)[-1][:-5]: r["data"] for r in api.requests}
    assert by_call[human.call_id]["Twiml"].count("<Dial>+12065550199</Dial>") == 1
    assert by_call[machine.call_id] == {"Status": "completed"}  # after the final mark
