import numpy as np
import pytest
import soundfile

from afterbeep.audio.io import Audio, check_telephony_rate, read_audio, resample, write_wav
from afterbeep.errors import InvalidInput


def _tone(frequency: float, seconds: float, rate: int) -> Audio:
    t = np.arange(int(seconds * rate)) / rate
    return Audio((0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32), rate)


def test_write_then_read_mulaw_wav_keeps_the_tone(tmp_path):
    path = tmp_path / "tone.wav"
    write_wav(path, _tone(1000, 0.5, 8000), subtype="ULAW")
    audio = read_audio(path)
    assert audio.sample_rate == 8000
    assert len(audio.samples) == 4000
    spectrum = np.abs(np.fft.rfft(audio.samples))
    assert np.argmax(spectrum) * 8000 / len(audio.samples) == pytest.approx(1000, abs=2)


def test_read_mixes_stereo_and_resamples(tmp_path):
    path = tmp_path / "stereo.wav"
    left = _tone(440, 1.0, 44100).samples
    soundfile.write(str(path), np.stack([left, left], axis=1), 44100)
    audio = read_audio(path, sample_rate=8000)
    assert audio.sample_rate == 8000
    assert len(audio.samples) == 8000
    assert float(np.abs(audio.samples).max()) == pytest.approx(0.5, abs=0.02)


def test_resample_to_same_rate_is_identity():
    audio = _tone(440, 0.1, 8000)
    assert resample(audio, 8000) is audio


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "file is empty"), (b"RIFF\x00\x00garbage" * 10, "not readable audio")],
)
def test_bad_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message) as caught:
        read_audio(path)
    assert "bad.wav" in str(caught.value)


def test_missing_file_is_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match="file not found"):
        read_audio(tmp_path / "nope.wav")


def test_telephony_rate_error_names_feasible_values():
    assert check_telephony_rate(16000) == 16000
    with pytest.raises(ValueError, match="sample_rate must be 8000 or 16000, got 44100"):
        check_telephony_rate(44100)
