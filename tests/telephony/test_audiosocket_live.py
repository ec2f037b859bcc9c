"""Asterisk AudioSocket in the main job: the web app also listens on TCP when
``telephony.audiosocket_port`` is set, and the call simulator dials it over real sockets.

AudioSocket carries no parameters, so the oracle detector cannot read the labels: a
scripted detector says when the greeting and beep end (at the calls' labelled times), which
judges the listener, the engine without marks and the simulator's far end.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from telephony_helpers import start_server

from afterbeep.detect import BeepEnded, HumanDetected, MachineDetected
from afterbeep.settings import Settings
from afterbeep.telephony import (
    DetectorHub,
    EngineSettings,
    MediaEngine,
    TelephonySettings,
    default_message,
)
from afterbeep.telephony._detection import LiveDetector
from afterbeep.telephony.simulator import simulate_calls
from afterbeep.web.app import create_app


class _AtTimes(LiveDetector):
    """Emits each ``(at_ms, event)`` once the call's audio has reached ``at_ms``."""

    def __init__(self, sink, script):
        self._sink = sink
        self._script = list(script)
        self._ms = 0

    def push(self, samples):
        self._ms += samples.size // 8
        due = [event for at, event in self._script if at <= self._ms]
        self._script = [(at, event) for at, event in self._script if at > self._ms]
        if due:
            self._sink(due)

    def close(self):
        return []


class _ScriptedHub(DetectorHub):
    def __init__(self, script):
        super().__init__()
        self.script = script

    def open(self, *, sample_rate, parameters, sink, machine_known=False, offset_ms=0):
        return _AtTimes(sink, self.script)


@pytest.fixture
def audiosocket_app(tmp_path):
    started = []

    def start(script):
        app = create_app(Settings(data_dir=tmp_path))
        app.state.telephony = TelephonySettings(
            engine=EngineSettings(detector="afterbeep"), audiosocket_port=0
        )
        app.state.media_engine = MediaEngine(
            app.state.telephony.engine,
            hub=_ScriptedHub(script),
            message=lambda start: default_message(sample_rate=start.sample_rate, seconds=1.0),
        )
        server, thread, port = start_server(app, lifespan="on")
        started.append((server, thread))
        host, audio_port = app.state.audiosocket_address
        return app, f"http://127.0.0.1:{port}", f"tcp://{host}:{audio_port}"

    yield start
    for server, thread in started:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_machine_over_audiosocket_gets_its_message_after_the_beep(audiosocket_app, make_call):
    machine = MachineDetected(at_ms=600, emitted_ms=600, reason="long greeting")
    beep = BeepEnded(at_ms=1800, emitted_ms=1800, frequency_hz=1000.0, duration_ms=300)
    _app, web, tcp = audiosocket_app([(600, machine), (1800, beep)])
    calls = [make_call("machine", seed=i, cue_ms=1800) for i in range(3)]
    report = asyncio.run(
        simulate_calls(calls, url=tcp, carrier="asterisk", tail_ms=2500, web_url=web)
    )
    summary = report.summary()
    assert summary["errors"] == 0
    assert [c.action for c in report.calls] == ["drop"] * 3
    assert summary["early_starts"] == 0
    for call in report.calls:
        uuid.UUID(call.call_id)  # the call is named by the UUID frame
        assert call.message_latency_ms is not None
        assert 0 <= call.message_latency_ms < 1000
        assert call.media_frames_received == 50  # the whole 1 s message, as 20 ms frames
        assert call.server["carrier"] == "asterisk"
        assert call.server["bytes_played"] == 8000
        # No marks on AudioSocket: the engine ends the drop once the audio has had time.
        assert call.server["end_reason"] == "completed"


def test_a_person_over_audiosocket_is_handed_over_when_afterbeep_hangs_up(
    audiosocket_app, make_call
):
    person = HumanDetected(at_ms=1400, emitted_ms=2350, reason="short greeting")
    _app, web, tcp = audiosocket_app([(2350, person)])
    calls = [make_call("human", seed=1, cue_ms=1800)]
    report = asyncio.run(
        simulate_calls(calls, url=tcp, carrier="asterisk", tail_ms=2500, web_url=web)
    )
    [call] = report.calls
    assert call.error is None
    assert call.action == "connect"  # read from afterbeep's timeline
    assert call.media_frames_received == 0
    # The labelled greeting ends at 1400 ms; the scripted decision comes 950 ms later.
    assert call.connect_delay_ms is not None
    assert 900 <= call.connect_delay_ms < 2000


def test_without_the_web_app_only_drops_can_be_seen(audiosocket_app, make_call):
    person = HumanDetected(at_ms=1400, emitted_ms=2350, reason="short greeting")
    app, _web, tcp = audiosocket_app([(2350, person)])
    report = asyncio.run(
        simulate_calls(
            [make_call("human", seed=1, cue_ms=1800)], url=tcp, carrier="asterisk", tail_ms=2500
        )
    )
    [call] = report.calls
    assert (call.action, call.server) == ("none", None)
    assert app.state.media_engine.timelines  # the call did reach afterbeep


def test_a_port_that_is_taken_is_a_clear_error(tmp_path):
    import socket

    from afterbeep.errors import ConfigError
    from afterbeep.web._calls_api import audiosocket_listener

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = create_app(Settings(data_dir=tmp_path))
        app.state.telephony = TelephonySettings(audiosocket_port=port)

        async def listen():
            async with audiosocket_listener(app):
                pass

        with pytest.raises(ConfigError, match=f"audiosocket_port.*127.0.0.1:{port}"):
            asyncio.run(listen())
