import numpy as np
import pytest

from afterbeep.audio.io import Audio
from afterbeep.audio.levels import (
    FLOOR_DB,
    frame_rms_db,
    integrated_lufs,
    loudest_window_dbfs,
    speech_lufs,
    sustained_level_dbfs,
    true_peak_dbtp,
)


def _sine(frequency, amplitude, rate, seconds=3.0, phase=0.0):
    t = np.arange(round(seconds * rate)) / rate
    return Audio((amplitude * np.sin(2 * np.pi * frequency * t + phase)).astype(np.float32), rate)


def test_bs1770_reference_level_at_48k():
    # BS.1770: a full-scale 997 Hz sine reads -3.01 LUFS (K-weighting is ~0 dB there).
    assert integrated_lufs(_sine(997, 1.0, 48000)) == pytest.approx(-3.01, abs=0.05)


@pytest.mark.parametrize("frequency", [300, 1000, 2000, 3000])
def test_loudness_at_8k_agrees_with_48k_within_a_third_of_a_db(frequency):
    # pyloudnorm designs the K-weighting for the meter's rate; at 8 kHz the bilinear transform
    # bends the 1.5 kHz shelf a little. Across the phone band it stays within 0.3 dB.
    at_48k = integrated_lufs(_sine(frequency, 0.1, 48000))
    at_8k = integrated_lufs(_sine(frequency, 0.1, 8000))
    assert at_8k == pytest.approx(at_48k, abs=0.3)


def test_true_peak_sees_between_the_samples():
    # fs/4 at 45 degrees: every sample is at 0.707 (-3 dBFS), the waveform peaks at 1.0.
    tone = _sine(2000, 1.0, 8000, seconds=1.0, phase=np.pi / 4).samples
    fade = np.minimum(1.0, np.minimum(np.arange(len(tone)), np.arange(len(tone))[::-1]) / 200)
    tone = (tone * fade).astype(np.float32)
    assert 20 * np.log10(np.abs(tone).max()) == pytest.approx(-3.01, abs=0.05)
    assert true_peak_dbtp(tone) == pytest.approx(0.0, abs=0.1)


def test_silence_reads_the_floor_not_minus_infinity():
    silence = Audio(np.zeros(16000, dtype=np.float32), 8000)
    assert integrated_lufs(silence) == FLOOR_DB
    assert true_peak_dbtp(silence.samples) == FLOOR_DB
    assert loudest_window_dbfs(silence.samples, 8000, 50) == FLOOR_DB


def test_frames_and_windows():
    tone = _sine(440, 0.5, 8000, seconds=1.0)
    levels = frame_rms_db(tone.samples, 8000, 20)
    assert len(levels) == 50
    # RMS of a sine is amplitude / sqrt(2): 0.5 -> -9.03 dBFS.
    assert np.median(levels) == pytest.approx(-9.03, abs=0.1)
    assert loudest_window_dbfs(tone.samples, 8000, 50) == pytest.approx(-9.03, abs=0.1)


def test_sustained_level_ignores_a_click_but_not_a_word():
    quiet = np.zeros(8000, dtype=np.float32)
    click = quiet.copy()
    click[4000:4016] = 0.9
    word = quiet.copy()
    word[2000:3200] = _sine(300, 0.1, 8000, seconds=0.15).samples
    assert sustained_level_dbfs(click, 8000, window_ms=50, windows=3) == FLOOR_DB
    assert sustained_level_dbfs(word, 8000, window_ms=50, windows=3) == pytest.approx(
        -23.0, abs=0.3
    )


def test_speech_loudness_measures_a_short_word_like_a_long_take():
    long = _sine(500, 0.1, 8000, seconds=6.0)
    word = _sine(500, 0.1, 8000, seconds=0.4)
    assert speech_lufs(word) == pytest.approx(speech_lufs(long), abs=0.3)
