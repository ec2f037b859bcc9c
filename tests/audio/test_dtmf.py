"""Touch-tone keys: the tones pressed, read back through G.711 and noise, and not read
where there are none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from afterbeep.audio.codec import mulaw_decode, mulaw_encode
from afterbeep.audio.dtmf import COLUMNS_HZ, ROWS_HZ, KeyReader, key_tones, read_keys
from afterbeep.errors import InvalidInput


@pytest.mark.parametrize("sample_rate", [8000, 16000])
def test_every_key_pressed_is_read_back_in_order(sample_rate):
    keys = "0123456789*#ABCD"
    tones = key_tones(keys, sample_rate=sample_rate)
    assert tones.size == len(keys) * sample_rate * 200 // 1000  # 100 ms tone, 100 ms gap
    assert read_keys(tones, sample_rate=sample_rate) == keys


def test_a_key_is_its_row_and_column_frequencies():
    tones = key_tones("5", sample_rate=8000, gap_ms=0).astype(float)
    spectrum = np.abs(np.fft.rfft(tones, n=8000))  # 1 Hz bins
    top_two = sorted(np.argsort(spectrum)[-2:])
    assert top_two == [round(ROWS_HZ[1]), round(COLUMNS_HZ[1])]  # "5": 770 Hz and 1336 Hz


def test_keys_survive_mulaw_noise_and_pieces_of_any_size():
    tones = key_tones("905#", sample_rate=8000)
    line = mulaw_decode(mulaw_encode(tones)).astype(float)
    line += np.random.default_rng(3).normal(0, 600, line.size)  # about 24 dB below the tones
    reader = KeyReader(sample_rate=8000)
    found = "".join(reader.feed(piece) for piece in np.array_split(line.astype(np.int16), 37))
    assert found == reader.keys == "905#"


def test_a_held_key_counts_once_and_a_repeated_key_twice():
    held = key_tones("7", sample_rate=8000, tone_ms=600, gap_ms=0)
    assert read_keys(held, sample_rate=8000) == "7"
    assert read_keys(key_tones("77", sample_rate=8000), sample_rate=8000) == "77"


def test_a_blip_shorter_than_a_key_press_is_not_a_key():
    assert read_keys(key_tones("1", sample_rate=8000, tone_ms=20), sample_rate=8000) == ""


def test_no_keys_in_a_lone_tone_noise_or_silence():
    t = np.arange(16000) / 8000
    beep = np.round(9000 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    # Two tones of one group (a chord), not a row and a column.
    chord = np.round(6000 * (np.sin(2 * np.pi * 697 * t) + np.sin(2 * np.pi * 852 * t)))
    noise = np.random.default_rng(1).normal(0, 3000, 16000).astype(np.int16)
    for signal in (beep, chord.astype(np.int16), noise, np.zeros(16000, np.int16)):
        assert read_keys(signal, sample_rate=8000) == ""


def test_too_quiet_a_key_is_not_read():
    quiet = (key_tones("3", sample_rate=8000) * 0.005).astype(np.int16)  # about -55 dBFS
    assert read_keys(quiet, sample_rate=8000) == ""


def test_a_character_that_is_no_key_is_refused_by_name():
    with pytest.raises(InvalidInput, match="'x' is not a telephone key"):
        key_tones("1x", sample_rate=8000)
    with pytest.raises(InvalidInput, match="sample_rate"):
        KeyReader(sample_rate=0)


REAL_GREETINGS = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "real-greetings"


@pytest.mark.skipif(
    not (REAL_GREETINGS / "calls.jsonl").exists(), reason="shared/eval/real-greetings not present"
)
def test_no_keys_are_read_in_real_recorded_greetings():
    # Talk-off: speech, music and beeps that a key reader takes for a key press.
    from afterbeep.detect.corpus import load_corpus, read_call_audio

    calls = load_corpus(REAL_GREETINGS)
    assert len(calls) == 35
    for call in calls:
        samples, rate = read_call_audio(REAL_GREETINGS / call.audio)
        assert read_keys(samples, sample_rate=rate) == "", call.id
