"""``afterbeep detect`` prints a call's event timeline; bad rates are one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import soundfile
from detector_signals import mix, silence, speech, to_int16, tone

from afterbeep.audio.codec import mulaw_decode, mulaw_encode
from afterbeep.detect.run import read_call


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from afterbeep.cli import main; main()", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _machine_call():
    return to_int16(
        mix(silence(500), speech(4000, seed=1), silence(400), tone(1000, 300), silence(800))
    )


def test_detect_json_timeline(tmp_path):
    path = tmp_path / "call.wav"
    soundfile.write(str(path), _machine_call(), 8000, subtype="PCM_16")
    result = _run("detect", str(path), "--format", "json", "--no-asr")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)
    kinds = [e["kind"] for e in events]
    assert kinds == ["machine_detected", "beep_ended"]
    assert events[1]["emitted_ms"] >= events[1]["at_ms"]


def test_detect_text_and_baseline_detector(tmp_path):
    path = tmp_path / "call.wav"
    soundfile.write(str(path), _machine_call(), 8000, subtype="PCM_16")
    result = _run("detect", str(path), "--detector", "asterisk-baseline")
    assert result.returncode == 0, result.stderr
    assert "machine_detected" in result.stdout or "not_sure" in result.stdout


def test_detect_rejects_a_non_telephony_rate(tmp_path):
    path = tmp_path / "hifi.wav"
    soundfile.write(str(path), np.zeros(44100, dtype=np.int16), 44100, subtype="PCM_16")
    result = _run("detect", str(path), "--no-asr")
    assert result.returncode == 3
    assert "8000 or 16000" in result.stderr
    assert "hifi.wav" in result.stderr


def test_mulaw_wav_is_decoded_bit_exactly(tmp_path):
    samples = _machine_call()
    path = tmp_path / "call-ulaw.wav"
    soundfile.write(str(path), samples, 8000, subtype="ULAW")
    decoded, rate = read_call(path)
    assert rate == 8000
    # The data chunk is the file's last samples.size bytes: our G.711 table decodes them.
    codes = np.frombuffer(path.read_bytes()[-samples.size :], dtype=np.uint8)
    assert np.array_equal(decoded, mulaw_decode(codes))
    # ... and they are within one mu-law step of what we would have encoded.
    ours = mulaw_decode(mulaw_encode(samples)).astype(np.int32)
    assert np.max(np.abs(decoded.astype(np.int32) - ours)) <= 1024
