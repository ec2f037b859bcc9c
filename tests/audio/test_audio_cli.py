"""``afterbeep audio convert|assemble`` and ``bench audio``: thin shells that print figures."""

import json
import subprocess
import sys

import soundfile
from audio_fixtures import write_take
from typer.testing import CliRunner

from afterbeep.audio._synth import speech_like, with_silence
from afterbeep.cli import app

runner = CliRunner()


def test_convert_prints_the_measurements_and_writes_mulaw(tmp_path):
    source = tmp_path / "take.wav"
    write_take(source, seconds=3.0, level_dbfs=-30.0)
    out = tmp_path / "phone.wav"
    result = runner.invoke(app, ["audio", "convert", str(source), str(out)])
    assert result.exit_code == 0, result.output
    assert "LUFS (target -19)" in result.output
    assert "dBTP (ceiling -1.5)" in result.output
    assert soundfile.info(str(out)).subtype == "ULAW"


def test_convert_json_has_the_typed_result(tmp_path):
    source = tmp_path / "take.wav"
    write_take(source, seconds=3.0)
    out = tmp_path / "phone.wav"
    args = [
        "audio",
        "convert",
        str(source),
        str(out),
        "--format",
        "pcm16",
        "--lufs",
        "-23",
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["target_lufs"] == -23.0
    assert data["files"][0]["format"] == "pcm16"
    assert abs(data["files"][0]["loudness_lufs"] + 23.0) <= 0.5


def test_assemble_splices_a_recorded_name(tmp_path):
    base = tmp_path / "base.wav"
    speech = speech_like(5.0, sample_rate=8000, seed=3, level_dbfs=-20.0).samples.copy()
    speech[12000:16000] = 0.0  # a half-second pause at 1.5-2.0 s
    soundfile.write(str(base), speech, 8000)
    names = tmp_path / "names"
    names.mkdir()
    word = with_silence(
        speech_like(0.5, sample_rate=8000, seed=9), before_s=0.2, after_s=0.2, noise_dbfs=-80
    )
    soundfile.write(str(names / "dana.wav"), word.samples, 8000)
    out = tmp_path / "message.wav"
    args = ["audio", "assemble", str(base), str(out), "--gap", "1.55:1.95", "--name", "Dana"]
    args += ["--names-dir", str(names), "--no-tts", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["artificial_voice"] is False
    assert abs(data["loudness_lufs"] - data["base_loudness_lufs"]) <= 1.0
    assert out.exists()


def test_errors_are_one_line_with_the_invalid_input_exit_code(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from afterbeep.cli import main; main()",
            "audio",
            "convert",
            str(empty),
            str(tmp_path / "o.wav"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    assert "empty.wav: file is empty" in done.stderr
