"""Scale acceptance (slow): 200 concurrent simulated Twilio calls against one afterbeep server
process. Correctness only, with generous margins; latency is measured and reported by
benchmarks/bench_simulate.py, never asserted in a test."""

from __future__ import annotations

import pytest

from afterbeep.detect.corpus import build_corpus
from afterbeep.telephony.simulator import local_server, simulate


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("scale") / "corpus"
    build_corpus(
        out, seed=21, count=100, engines=("espeak",), cache_dir=tmp_path_factory.mktemp("tts")
    )
    return out


@pytest.mark.slow
def test_200_concurrent_calls_all_get_the_right_action_and_none_before_the_beep(corpus):
    with local_server(detector="oracle") as server:
        url = server.url.replace("http://", "ws://") + "/media/twilio"
        report = simulate(corpus, url=url, calls=200)
    summary = report.summary()
    assert summary["errors"] == 0
    assert summary["correct"] == 200, [c.to_dict() for c in report.calls if not c.correct][:3]
    assert summary["early_starts"] == 0
    assert summary["played_before_cue_ms"] == 0
    assert summary["message_latency_ms"]["n"] == sum(c.expected == "drop" for c in report.calls)
    beeps = [c for c in report.calls if c.expected == "drop" and c.beep_end_ms is not None]
    assert summary["message_after_beep_ms"]["n"] == len(beeps) > 0


@pytest.mark.slow
def test_with_the_real_detector_every_wrong_action_is_the_detectors(corpus):
    with local_server(detector="afterbeep") as server:
        url = server.url.replace("http://", "ws://") + "/media/twilio"
        report = simulate(corpus, url=url, calls=100)
    summary = report.summary()
    assert summary["errors"] == 0
    assert summary["early_starts"] == 0
    # The detector is ~90% right on people vs machines and, without speech recognition,
    # cannot hear a full or company mailbox; the engine adds no mistakes of its own but the
    # beep-less greetings it skips unread (``beepless_unread``), personal ones among them.
    assert set(summary["wrong_by_cause"]) <= {"detector", "beepless_unread"}
    assert summary["correct"] >= 50


@pytest.mark.slow
def test_asterisk_audiosocket_calls_run_the_same_real_detector(corpus):
    with local_server(detector="afterbeep", audiosocket=True) as server:
        assert server.audiosocket_url is not None
        report = simulate(
            corpus, url=server.audiosocket_url, calls=40, carrier="asterisk", web_url=server.url
        )
    summary = report.summary()
    assert summary["errors"] == 0
    assert summary["early_starts"] == 0
    assert set(summary["wrong_by_cause"]) <= {"detector", "beepless_unread"}
    assert summary["correct"] >= 20
    assert all(c.server is not None for c in report.calls)  # every call reached afterbeep
