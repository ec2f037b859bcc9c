"""``afterbeep simulate``: starts its own server (oracle detector) and reports as JSON; bad
options are one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from afterbeep.detect.corpus import CorpusWriter


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from afterbeep.cli import main; main()", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )


@pytest.mark.slow
def test_simulate_reports_every_call_as_json(tmp_path, make_call):
    writer = CorpusWriter(tmp_path / "corpus")
    for i, kind in enumerate(["human", "machine", "full"]):
        call, audio = make_call(kind, seed=i)
        writer.write_audio(call.audio, audio, sample_rate=8000)
        writer.add(call)
    writer.close()
    out = tmp_path / "report.json"
    result = _cli(
        "simulate",
        "--corpus",
        str(tmp_path / "corpus"),
        "--calls",
        "3",
        "--detector",
        "oracle",
        "--format",
        "json",
        "--out",
        str(out),
        "--answer-over-s",
        "1.5",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["calls"] == 3
    # Answered 0.5 s apart: the first and the last 1 s apart (less than 0.5 s of it
    # would be the server's own delay).
    assert 0.9 <= summary["answered_over_s"] < 1.5
    assert summary["correct"] == 3
    assert summary["early_starts"] == 0
    per_call = json.loads(out.read_text())["per_call"]
    assert [c["action"] for c in per_call] == ["connect", "drop", "skip"]


def test_simulate_refuses_an_unknown_carrier_and_call_needs_credentials(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from afterbeep.cli import app
    from afterbeep.errors import ConfigError

    for name in ("AFTERBEEP_TWILIO_ACCOUNT_SID", "AFTERBEEP_TWILIO_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no afterbeep.toml with credentials
    runner = CliRunner()
    result = runner.invoke(app, ["simulate", "--corpus", str(tmp_path), "--carrier", "morse"])
    assert isinstance(result.exception, ConfigError)
    assert result.exception.exit_code == 4
    assert "--carrier must be one of" in str(result.exception)
    result = runner.invoke(app, ["simulate", "--corpus", str(tmp_path), "--answer-over-s", "-1"])
    assert result.exit_code != 0
    assert "--answer-over-s" in result.output
    result = runner.invoke(app, ["call", "+12065550148", "--script", "7"])
    assert isinstance(result.exception, ConfigError)
    assert "Twilio is not configured" in str(result.exception)


def _sim_call(index, **fields):
    """A simulated call's result: a person handed to the rep unless ``fields`` say else."""
    from afterbeep.telephony.simulator import SimulatedCall

    base = dict(
        call_id=f"CA{index}",
        corpus_id=f"c{index:04d}",
        answered_by="human",
        mailbox=None,
        expected="connect",
        cue_ms=None,
        beep_end_ms=None,
        human_greeting_end_ms=None,
    )
    return SimulatedCall(index=index, **{**base, **fields})


def test_a_no_drop_reading_that_came_after_the_message_started_is_the_detectors():
    from afterbeep.telephony.simulator import _cause

    call = _sim_call(
        0, answered_by="machine", mailbox="general", expected="skip", cue_ms=8380, action="drop"
    )
    call.server = {
        "decision": "machine",
        "end_reason": "general_mailbox",
        "events": [
            {"kind": "greeting_ended", "at_ms": 8380, "received_ms": 9900},
            {"kind": "general_mailbox", "at_ms": 8380, "received_ms": 11560},
        ],
    }
    assert _cause(call) == "detector"
    call.server = {"decision": "machine", "end_reason": "completed", "events": []}
    call.action = "skip"
    call.expected = "drop"
    assert _cause(call) == "engine"  # a skip the detector never asked for
    call.server = {"decision": "machine", "end_reason": "beepless_unread", "events": []}
    assert _cause(call) == "beepless_unread"  # the engine's setting, not a fault
    # A hold line handed to the rep (on_hold_line = "connect"): the team's choice too.
    call.action, call.expected = "connect", "skip"
    call.server = {
        "decision": "machine",
        "end_reason": "hold_line",
        "events": [{"kind": "general_mailbox", "at_ms": 2500, "received_ms": 2600}],
    }
    assert _cause(call) == "on_hold_line"


def test_people_not_with_the_rep_within_two_seconds_are_abandoned_calls():
    from afterbeep.telephony.simulator import SimulationReport

    def person(index, action, delay_ms, marked=False):
        call = _sim_call(
            index, human_greeting_end_ms=1200, action=action, connect_delay_ms=delay_ms
        )
        call.server = {"abandoned": marked}
        return call

    machine = _sim_call(
        9,
        answered_by="machine",
        mailbox="personal",
        expected="drop",
        cue_ms=8000,
        beep_end_ms=8000,
        action="skip",
    )
    calls = [
        person(0, "connect", 940.0),
        person(1, "connect", 2000.0),  # just in time
        person(2, "connect", 2600.0, marked=True),  # late
        person(3, "skip", None),  # taken for a machine and hung up on
        machine,  # wrong, but nobody waited for a rep
    ]
    assert [c.abandoned for c in calls] == [False, False, True, True, False]
    summary = SimulationReport(carrier="twilio", url="ws://x", calls=calls).summary()
    assert summary["abandoned"] == 2
    assert summary["abandoned_share"] == 0.5
    assert summary["abandoned_marked"] == 1
    # The hand-over's p95 is over those handed over; the share within 1 s is over everyone.
    assert summary["human_connect_ms"]["n"] == 3
    assert summary["people_to_rep_within_1s"] == {"people": 4, "within": 1, "share": 0.25}
