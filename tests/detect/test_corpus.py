"""The corpus format: loading real and written corpora, and every kind of bad line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile

from afterbeep.audio.codec import mulaw_decode, mulaw_encode
from afterbeep.detect.corpus import (
    CorpusWriter,
    LabelledCall,
    load_corpus,
    read_call_audio,
    summarize,
)
from afterbeep.errors import InvalidInput

# The held-out real greetings next to the repository: loaded here, never tuned on.
REAL_GREETINGS = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "real-greetings"

GOOD = {
    "id": "c1",
    "audio": "c1.wav",
    "answered_by": "machine",
    "mailbox": "personal",
    "beep_end_ms": 1500,
    "greeting_end_ms": 1200,
    "human_greeting_end_ms": None,
    "notes": "beeps=1; noise=none",
}


def _write_wav(
    path: Path, *, rate: int = 8000, channels: int = 1, subtype: str = "PCM_16", ms: int = 2000
) -> None:
    frames = rate * ms // 1000
    data = np.zeros((frames, channels) if channels > 1 else frames, dtype=np.int16)
    soundfile.write(str(path), data, rate, subtype=subtype, format="WAV")


def _corpus(tmp_path: Path, *lines: object) -> Path:
    texts = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    (tmp_path / "calls.jsonl").write_text("\n".join(texts) + "\n")
    for line in lines:
        audio = line.get("audio") if isinstance(line, dict) else None
        if isinstance(audio, str) and not (tmp_path / audio).exists():
            _write_wav(tmp_path / audio)
    return tmp_path


@pytest.mark.skipif(not REAL_GREETINGS.exists(), reason="shared real greetings not present")
def test_loads_the_real_greetings():
    corpus = load_corpus(REAL_GREETINGS)
    summary = summarize(corpus)
    # The set's README: 35 greetings, personal and general mailboxes, 8 kHz.
    assert summary.calls == 35
    assert summary.by_answered_by == {"machine": 35}
    assert set(summary.by_mailbox) == {"personal", "general"}
    assert summary.sample_rates == {8000: 35}
    for call in corpus:
        samples, rate = read_call_audio(corpus.audio_path(call))
        assert rate == 8000
        assert len(samples) * 1000 // rate >= (call.beep_end_ms or call.greeting_end_ms or 0)


def test_good_line_loads_with_types_and_keeps_extra_keys(tmp_path):
    corpus = load_corpus(_corpus(tmp_path, {**GOOD, "speaker": "Dana", "synth": {"a": 1}}))
    (call,) = corpus.calls
    assert call.beep_end_ms == 1500
    assert call.expected_action == "drop"
    assert call.message_cue_ms == 1500
    assert call.extra == {"speaker": "Dana", "synth": {"a": 1}}
    assert call.tags == {"beeps": "1", "noise": "none"}
    assert call.to_json()["speaker"] == "Dana"


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ({k: v for k, v in GOOD.items() if k != "mailbox"}, "mailbox", "missing"),
        ({**GOOD, "answered_by": "robot"}, "answered_by", "one of human"),
        ({**GOOD, "mailbox": "office"}, "mailbox", "one of personal"),
        ({**GOOD, "mailbox": None}, "mailbox", "for a machine"),
        ({**GOOD, "answered_by": "human", "beep_end_ms": None}, "mailbox", "null when"),
        ({**GOOD, "beep_end_ms": -5}, "beep_end_ms", "non-negative integer"),
        ({**GOOD, "beep_end_ms": 12.5}, "beep_end_ms", "non-negative integer"),
        ({**GOOD, "beep_end_ms": True}, "beep_end_ms", "non-negative integer"),
        ({**GOOD, "beep_end_ms": 1000}, "beep_end_ms", ">= greeting_end_ms"),
        ({**GOOD, "greeting_end_ms": None, "beep_end_ms": None}, "greeting_end_ms", "machine"),
        ({**GOOD, "id": ""}, "id", "non-empty string"),
        ({**GOOD, "notes": 3}, "notes", "string"),
        (
            {**GOOD, "answered_by": "human", "mailbox": None, "beep_end_ms": None},
            "human_greeting_end_ms",
            "for a human",
        ),
    ],
)
def test_bad_line_names_file_line_and_field(tmp_path, line, field, words):
    _corpus(tmp_path, {**GOOD, "id": "c0", "audio": "c0.wav"}, line)
    with pytest.raises(InvalidInput) as caught:
        load_corpus(tmp_path)
    error = caught.value
    assert error.line == 2
    assert error.field == field
    assert error.source
    assert error.source.endswith("calls.jsonl")
    assert words in str(error)


def test_bad_json_names_the_line_and_column(tmp_path):
    _corpus(tmp_path, GOOD, '{"id": "c2", "audio": ')
    with pytest.raises(InvalidInput, match=r"line 2.*not valid JSON") as caught:
        load_corpus(tmp_path)
    assert caught.value.column is not None


def test_a_line_that_is_not_an_object(tmp_path):
    _corpus(tmp_path, "[1, 2]")
    with pytest.raises(InvalidInput, match="line 1: expected a JSON object"):
        load_corpus(tmp_path)


def test_duplicate_ids(tmp_path):
    _corpus(tmp_path, GOOD, GOOD)
    with pytest.raises(InvalidInput, match="duplicate id 'c1' \\(first on line 1\\)"):
        load_corpus(tmp_path)


def test_missing_audio_file(tmp_path):
    (tmp_path / "calls.jsonl").write_text(json.dumps(GOOD) + "\n")
    with pytest.raises(
        InvalidInput, match=re.escape("line 1, field 'audio': audio file 'c1.wav' not found")
    ):
        load_corpus(tmp_path)
    # Without the audio check the labels alone load (the evaluator reports the file per call).
    assert len(load_corpus(tmp_path, check_audio=False)) == 1


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"rate": 44100}, "sample rate 44100 Hz (expected 8000 or 16000)"),
        ({"channels": 2}, "2 channels (expected mono)"),
        ({"subtype": "FLOAT"}, "encoding FLOAT (expected PCM_16 or ULAW)"),
    ],
)
def test_wrong_audio_format(tmp_path, kwargs, words):
    _write_wav(tmp_path / "c1.wav", **kwargs)
    _corpus(tmp_path, GOOD)
    with pytest.raises(InvalidInput, match="line 1") as caught:
        load_corpus(tmp_path)
    assert words in str(caught.value)


def test_a_label_past_the_end_of_the_audio(tmp_path):
    _write_wav(tmp_path / "c1.wav", ms=100)
    _corpus(tmp_path, {**GOOD, "greeting_end_ms": 50, "beep_end_ms": 150})
    with pytest.raises(InvalidInput, match=r"a time within the audio \(100 ms long\), got 150"):
        load_corpus(tmp_path)


def test_unreadable_audio(tmp_path):
    (tmp_path / "c1.wav").write_bytes(b"RIFF nonsense")
    _corpus(tmp_path, GOOD)
    with pytest.raises(InvalidInput, match="not readable"):
        load_corpus(tmp_path)


def test_no_calls_file_and_empty_file(tmp_path):
    with pytest.raises(InvalidInput, match=re.escape("no calls.jsonl")):
        load_corpus(tmp_path)
    (tmp_path / "calls.jsonl").write_text("\n\n")
    with pytest.raises(InvalidInput, match="no calls"):
        load_corpus(tmp_path)


def test_writer_round_trip_pcm_and_mulaw(tmp_path):
    rng = np.random.default_rng(0)
    samples = (rng.standard_normal(1600) * 3000).astype(np.int16)
    writer = CorpusWriter(tmp_path)
    writer.write_audio("a.wav", samples, sample_rate=8000)
    writer.write_audio("b.wav", samples, sample_rate=16000, mulaw=True)
    for name in ("a", "b"):
        writer.add(
            LabelledCall(
                id=name,
                audio=f"{name}.wav",
                answered_by="human",
                mailbox=None,
                beep_end_ms=None,
                greeting_end_ms=None,
                human_greeting_end_ms=100,
                extra={"k": [1, 2]},
            )
        )
    writer.close()
    corpus = load_corpus(tmp_path)
    assert [c.id for c in corpus] == ["a", "b"]
    assert corpus.calls[1].extra == {"k": [1, 2]}
    pcm, rate = read_call_audio(tmp_path / "a.wav")
    assert rate == 8000
    assert np.array_equal(pcm, samples)
    # The mu-law file decodes to exactly our G.711 round trip of the samples.
    law, rate = read_call_audio(tmp_path / "b.wav")
    assert rate == 16000
    assert soundfile.info(str(tmp_path / "b.wav")).subtype == "ULAW"
    assert np.array_equal(law, mulaw_decode(mulaw_encode(samples)))


def test_corpus_cli_build_and_check(tmp_path, tts_cache):
    from typer.testing import CliRunner

    from afterbeep.cli import app

    runner = CliRunner()
    out = tmp_path / "built"
    args = ["corpus", "build", "--seed", "5", "--count", "4", "--engines", "espeak"]
    result = runner.invoke(app, [*args, "--cache-dir", str(tts_cache), str(out)])
    assert result.exit_code == 0, result.output
    assert "built 4 calls" in result.stdout
    result = runner.invoke(app, ["corpus", "check", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 calls, valid" in result.stdout
    (out / "calls.jsonl").write_text('{"id": 1}\n')
    result = runner.invoke(app, ["corpus", "check", str(out)])
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.line == 1
